/**
 * One reason an input from outside (a rule set from the API, a model file) was refused: where, as
 * a path like `rules[2].when.all[0].op`, and what.
 */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** Enough to fix a file in one pass without flooding an API answer. */
export const VALIDATION_ISSUES_MAX = 32;

export function formatValidationIssue(issue: ValidationIssue): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

/** Collects issues in document order, stopping at `VALIDATION_ISSUES_MAX`. */
export class IssueList {
  readonly issues: ValidationIssue[] = [];

  add(path: string, message: string): void {
    if (this.issues.length < VALIDATION_ISSUES_MAX) this.issues.push({ path, message });
  }

  get full(): boolean {
    return this.issues.length >= VALIDATION_ISSUES_MAX;
  }
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Flags every key of `object` that is not in `allowed`: a typo must not silently drop a field. */
export function checkKeys(
  issues: IssueList,
  path: string,
  object: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) issues.add(joinPath(path, key), 'unknown key');
  }
}
