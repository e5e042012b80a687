/**
 * Two small hooks every screen uses: `useLoad` runs a GET when its inputs change and keeps {data, error, loading}
 * (a late answer for old inputs is dropped); `useAction` runs a user action (a POST) and keeps {busy, error}, so a
 * double tap cannot send it twice and the API's error message reaches the screen.
 */
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { StepUpCancelled } from '../api/step-up';
import { PasskeyError } from '../auth/passkey';

export interface Shown {
  /** What the error element shows: the API's message, or the thrown error's (translated for passkey failures). */
  readonly message: string;
  readonly code: string;
}

export function toShown(error: unknown): Shown {
  if (error instanceof ApiError) return { message: error.message, code: error.code };
  // A failed WebAuthn ceremony: its translated message, `data-code` webauthn_cancelled, webauthn_domain, …
  if (error instanceof PasskeyError) return { message: error.message, code: error.code };
  if (error instanceof StepUpCancelled) return { message: error.message, code: error.code };
  if (error instanceof Error) return { message: error.message, code: error.name };
  return { message: String(error), code: 'unknown' };
}

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: Shown | null;
  readonly loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Shown | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load again.
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(toShown(failure));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

export interface Action<A extends unknown[]> {
  readonly busy: boolean;
  readonly error: Shown | null;
  run(...args: A): Promise<void>;
  clearError(): void;
  setError(error: Shown | null): void;
}

export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Shown | null>(null);
  const running = useRef(false);
  const actionRef = useRef(action);
  actionRef.current = action;
  const run = useCallback(async (...args: A) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await actionRef.current(...args);
    } catch (failure: unknown) {
      setError(toShown(failure));
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, run, clearError, setError };
}

/** Pages kept on screen at most ("More" stops there): 20 pages of 50 is more than anyone reads. */
const PAGES_MAX = 20;

export interface Paged<T> {
  readonly items: readonly T[];
  /** True when the API has more after the last item shown. */
  readonly hasMore: boolean;
  readonly error: Shown | null;
  readonly loading: boolean;
  /** The next page, appended. */
  more(): void;
  /** From the first page again. */
  reload(): void;
}

/**
 * A cursor-paged list (`{items, next}`): the first page when the inputs change, more on demand; a late answer for
 * old inputs is dropped.
 */
export function usePaged<T>(
  loadPage: (before: string | undefined) => Promise<{ readonly items: readonly T[]; readonly next: string | null }>,
  deps: DependencyList,
): Paged<T> {
  const [pages, setPages] = useState<{
    readonly items: readonly T[];
    readonly next: string | null;
    readonly count: number;
  }>({ items: [], next: null, count: 0 });
  const [error, setError] = useState<Shown | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const generationRef = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load again.
  useEffect(() => {
    const mine = ++generationRef.current;
    setLoading(true);
    loadRef.current(undefined).then(
      (page) => {
        if (generationRef.current !== mine) return;
        setPages({ items: page.items, next: page.next, count: 1 });
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (generationRef.current !== mine) return;
        setPages({ items: [], next: null, count: 0 });
        setError(toShown(failure));
        setLoading(false);
      },
    );
  }, [...deps, generation]);

  const more = useCallback(() => {
    const cursor = pages.next;
    if (cursor === null || pages.count >= PAGES_MAX) return;
    const mine = generationRef.current;
    setLoading(true);
    loadRef.current(cursor).then(
      (page) => {
        if (generationRef.current !== mine) return;
        setPages((old) => ({ items: [...old.items, ...page.items], next: page.next, count: old.count + 1 }));
        setLoading(false);
      },
      (failure: unknown) => {
        if (generationRef.current !== mine) return;
        setError(toShown(failure));
        setLoading(false);
      },
    );
  }, [pages.next, pages.count]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { items: pages.items, hasMore: pages.next !== null && pages.count < PAGES_MAX, error, loading, more, reload };
}
