/**
 * Minimal stand-in so quota-table.ts compiles on its own branch: the gate's own quotas.ts (the same
 * interface plus the TokenBuckets that enforce it in the proxy) replaces this file at merge.
 */
export interface Quota {
  /** Tokens added per second (the sustained request rate). */
  rate: number;
  /** Bucket size: requests allowed at once after a quiet spell. */
  burst: number;
  /** Where AWS documents the numbers (page URL and section), or why we chose them where it documents none. */
  source: string;
}
