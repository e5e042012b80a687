/**
 * Hash routing (`#/wallet`, `#/merchant/<id>`, `#/ops/blocks/<height>` …): the gateway serves one index.html at
 * `/` and needs no rewrite rules, and a reload or a shared link opens the same screen.
 */
import { useEffect, useState } from 'react';

/** Path segments are short ids and words; a longer hash is not ours and is ignored. */
const HASH_CHARS_MAX = 512;

export type Route = readonly string[];

export function parseRoute(hash: string): Route {
  if (hash.length > HASH_CHARS_MAX) return ['wallet'];
  const segments = hash
    .replace(/^#\/?/, '')
    .split('?')[0]
    ?.split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  return segments === undefined || segments.length === 0 ? ['wallet'] : segments;
}

export function navigate(path: string): void {
  const target = `#${path.startsWith('/') ? path : `/${path}`}`;
  if (window.location.hash !== target) window.location.hash = target;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}
