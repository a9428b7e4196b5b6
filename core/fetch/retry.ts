/** Backoff policy of the JSON-RPC client: exponential growth, jitter, and Retry-After. */

export interface RetryPolicy {
  /** Retries after the first attempt (total attempts = retries + 1). */
  retries: number
  /** Delay before the first retry, doubled for each further one. */
  baseDelayMs: number
  /** Ceiling of the exponential delay. */
  maxDelayMs: number
  /** Ceiling of a server's Retry-After, so a hostile or confused server cannot stall us for hours. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
}

/**
 * Delay before retry number `retry` (0 = first retry). "Equal jitter": half fixed, half random,
 * so concurrent clients spread out but never retry immediately.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30))
  return Math.round(exp / 2 + (exp / 2) * random())
}

/** The delay to wait: the server's Retry-After (capped) when it asks for longer than our backoff. */
export function retryDelay(
  retry: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelay(retry, policy, random)
  if (retryAfterMs === undefined) return backoff
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs))
}

/** Parses Retry-After: delay-seconds or an HTTP date. Undefined when absent or unparsable. */
export function parseRetryAfter(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
