/**
 * AWS's request-rate quotas, as token buckets: each bucket holds up to `burst` tokens and refills at `rate`
 * per second; a call takes one token or is throttled. One bucket per key (account-wide per API in AWS).
 */
export interface Quota {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size: calls that may come at once after a quiet spell. */
  burst: number;
  /** Where AWS documents the number. */
  source: string;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  /** Takes one token from `key`'s bucket; false when it is empty (the call is throttled). */
  take(key: string, quota: Quota): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: quota.burst, at: now };
    bucket.tokens = Math.min(quota.burst, bucket.tokens + ((now - bucket.at) / 1000) * quota.rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
