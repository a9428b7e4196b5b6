/**
 * JSON-RPC client over HTTP for archive nodes: batching (with fallback when the node refuses
 * batches), a deadline per request, retries with backoff on transport failures, and a queue that
 * bounds concurrency and requests per second. JSON-RPC error answers are never retried (except
 * explicit rate-limit errors); they surface as named errors from rpc-errors.ts.
 */

import PQueue from 'p-queue'
import { HttpTransport, statusError } from './http-transport.js'
import { type JsonRpcResponse, type RpcCall, parseBody, readBatch, readSingle, toRequest } from './jsonrpc.js'
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay, sleep } from './retry.js'
import {
  RpcClientClosedError,
  RpcError,
  RpcHttpError,
  RpcInvalidParamsError,
  RpcMethodNotFoundError,
  RpcTransientError,
  RpcUnreachableError,
  classifyRpcError,
  isRateLimitError,
} from './rpc-errors.js'
import { type RpcErrorKind, type RpcStats, emptyStats } from './rpc-stats.js'

export type { RpcCall } from './jsonrpc.js'
export type { RpcStats } from './rpc-stats.js'

export interface RpcClientOptions {
  /** Requests on the wire at once (also the number of keep-alive connections). Default 8. */
  concurrency?: number
  /** Requests per second, retries included; 0 or undefined = unlimited. */
  rps?: number
  /** Deadline of one HTTP request, body included. Default 30 s. */
  timeoutMs?: number
  /** Retries after the first attempt. Default 5. */
  retries?: number
  /** Calls per batch request; 1 disables batching. Default 50. */
  batchSize?: number
  /** Delay before the first retry (doubles each time, with jitter). Default 250 ms. */
  baseDelayMs?: number
  /** Ceiling of the backoff delay. Default 10 s. */
  maxDelayMs?: number
  /** Ceiling of a server's Retry-After. Default 60 s. */
  maxRetryAfterMs?: number
}

/** The result of one attempt for one call: done (value or permanent error) or worth retrying. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: RpcError }

/** Thrown by an attempt when the node refused the batch as a whole (not a per-call error). */
class BatchRefused extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

// Wording nodes use when a batch is merely too big (then halve it) rather than unsupported;
// "HTTP 413" is Payload Too Large.
const BATCH_TOO_LARGE = /too (large|big|many)|exceed|limit|maximum|HTTP 413/i

export class RpcClient {
  readonly url: string
  private readonly http: HttpTransport
  private readonly queue: PQueue
  private readonly policy: RetryPolicy
  private readonly timeoutMs: number
  private readonly counters: RpcStats
  private nextId = 1
  private closed = false

  constructor(url: string, options: RpcClientOptions = {}) {
    const concurrency = Math.max(1, options.concurrency ?? 8)
    this.http = new HttpTransport(url, concurrency)
    this.url = this.http.displayUrl
    this.queue = new PQueue({ concurrency, ...rateLimit(options.rps) })
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.policy = {
      retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
      baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs,
    }
    this.counters = emptyStats(Math.max(1, options.batchSize ?? 50))
  }

  /** One call. Rejects with RpcResponseError (or a subclass) or RpcUnreachableError. */
  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    this.counters.calls++
    const [settled] = await this.send([{ method, params }])
    if (settled!.status === 'rejected') throw settled!.reason
    return settled!.value as T
  }

  /**
   * Many calls, batched where the node allows it; results in the order of `calls`.
   * Each element settles on its own: one failed call does not fail its neighbours.
   */
  async batchSettled<T = unknown>(calls: readonly RpcCall[]): Promise<PromiseSettledResult<T>[]> {
    this.counters.calls += calls.length
    return (await this.sendAll(calls)) as PromiseSettledResult<T>[]
  }

  /** Like batchSettled, but rejects with the first failed call's error (the others still ran). */
  async batch<T = unknown>(calls: readonly RpcCall[]): Promise<T[]> {
    const settled = await this.batchSettled<T>(calls)
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value)
  }

  /** A snapshot of the counters. */
  stats(): RpcStats {
    return {
      ...this.counters,
      errors: { ...this.counters.errors },
      queued: this.queue.size,
    }
  }

  /** Stops new work and drops the connections; pending calls reject with RpcClientClosedError. */
  async close(): Promise<void> {
    this.closed = true
    await this.http.close()
  }

  /** Splits calls into batches of the current size and sends them concurrently. */
  private async sendAll(calls: readonly RpcCall[]): Promise<PromiseSettledResult<unknown>[]> {
    const size = this.counters.batching ? this.counters.batchSize : 1
    const chunks: RpcCall[][] = []
    for (let i = 0; i < calls.length; i += size) chunks.push(calls.slice(i, i + size))
    return (await Promise.all(chunks.map((chunk) => this.send(chunk)))).flat()
  }

  /**
   * Sends one group of calls (one HTTP request) and retries the calls whose attempt failed
   * transiently, until all are settled or the retries are used up.
   */
  private async send(calls: readonly RpcCall[]): Promise<PromiseSettledResult<unknown>[]> {
    const settled: PromiseSettledResult<unknown>[] = new Array(calls.length)
    let pending = calls.map((_, i) => i)
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new RpcClientClosedError(`RPC client for ${this.url} is closed`)
      let lastError: RpcTransientError | RpcHttpError | undefined = undefined
      try {
        const group = pending.map((i) => calls[i]!)
        // Retries jump the queue: finishing started work beats starting new work.
        const outcomes = await this.queue.add(() => this.attempt(group), { priority: attempt })
        const again: number[] = []
        for (const [k, outcome] of outcomes.entries()) {
          const i = pending[k]!
          if (outcome.ok) settled[i] = { status: 'fulfilled', value: outcome.value }
          else if (outcome.error instanceof RpcTransientError) {
            again.push(i)
            lastError = outcome.error
          } else settled[i] = { status: 'rejected', reason: outcome.error }
        }
        pending = again
      } catch (err) {
        if (err instanceof BatchRefused) {
          this.refuseBatching(pending.length, err.reason)
          const rest = await this.sendAll(pending.map((i) => calls[i]!))
          pending.forEach((i, k) => (settled[i] = rest[k]!))
          pending = []
        } else if (err instanceof RpcTransientError || err instanceof RpcHttpError) {
          lastError = err
        } else throw err
      }
      if (pending.length === 0) return settled
      if (this.closed) throw new RpcClientClosedError(`RPC client for ${this.url} is closed`)
      // A permanent HTTP status (401, 404, ...) will not get better by waiting.
      if (attempt >= this.policy.retries || lastError instanceof RpcHttpError) {
        const method = [...new Set(pending.map((i) => calls[i]!.method))].join(',')
        const reason = new RpcUnreachableError(this.url, method, attempt + 1, lastError)
        for (const i of pending) settled[i] = { status: 'rejected', reason }
        return settled
      }
      this.counters.retries++
      await sleep(retryDelay(attempt, this.policy, lastError?.retryAfterMs))
    }
  }

  /** One HTTP request for `calls`: a batch if more than one. Transport failures throw. */
  private async attempt(calls: readonly RpcCall[]): Promise<Outcome[]> {
    if (this.closed) throw new RpcClientClosedError(`RPC client for ${this.url} is closed`)
    const ids = calls.map(() => this.nextId++)
    const isBatch = calls.length > 1
    const requests = calls.map((call, k) => toRequest(ids[k]!, call))
    const body = JSON.stringify(isBatch ? requests : requests[0])
    this.counters.requests++
    if (isBatch) this.counters.batches++
    this.counters.bytesSent += Buffer.byteLength(body)
    this.counters.inFlight++
    try {
      const reply = await this.http.post(body, this.timeoutMs)
      this.counters.bytesReceived += reply.bytesReceived
      const bad = statusError(reply)
      // A plain 4xx to a batch usually means "no batches here"; single calls will tell for sure.
      if (bad instanceof RpcHttpError && isBatch) throw new BatchRefused(bad.message)
      if (bad !== undefined) throw bad
      const parsed = parseBody(reply.text)
      if (!isBatch) return [this.outcome(calls[0]!, readSingle(parsed, ids[0]!))]
      const byId = readBatch(parsed)
      if (!(byId instanceof Map)) {
        if (isRateLimitError(byId)) throw new RpcTransientError('rateLimited', `${byId.code} ${byId.message}`)
        throw new BatchRefused(`${byId.code} ${byId.message}`)
      }
      return calls.map((call, k) => {
        const res = byId.get(ids[k]!)
        if (res !== undefined) return this.outcome(call, res)
        this.counters.errors.badBody++
        return { ok: false, error: new RpcTransientError('badBody', `batch response lacks the answer to ${call.method}`) }
      })
    } catch (err) {
      if (err instanceof RpcTransientError) this.counters.errors[err.kind]++
      else if (err instanceof RpcHttpError) this.counters.errors.http++
      else if (err instanceof BatchRefused) this.counters.errors.batchRejected++
      throw err
    } finally {
      this.counters.inFlight--
    }
  }

  private outcome(call: RpcCall, res: JsonRpcResponse): Outcome {
    if (res.ok) return { ok: true, value: res.result }
    const error = classifyRpcError(call.method, call.params, res.error)
    this.counters.errors[errorKind(error)]++
    return { ok: false, error }
  }

  /** Halves the batch size when the node said "too large", else turns batching off. */
  private refuseBatching(groupSize: number, reason: string): void {
    const half = BATCH_TOO_LARGE.test(reason) ? Math.floor(groupSize / 2) : 1
    this.counters.batchSize = Math.max(1, Math.min(this.counters.batchSize, half))
    if (this.counters.batchSize === 1) this.counters.batching = false
  }
}

function errorKind(error: RpcError): RpcErrorKind {
  if (error instanceof RpcTransientError) return error.kind
  if (error instanceof RpcMethodNotFoundError) return 'methodNotFound'
  if (error instanceof RpcInvalidParamsError) return 'invalidParams'
  return 'response'
}

/** p-queue settings for `rps` requests per second (sliding window, so no bursts at window edges). */
function rateLimit(rps: number | undefined): { interval?: number; intervalCap?: number; strict?: boolean } {
  if (rps === undefined || !(rps > 0) || !Number.isFinite(rps)) return {}
  if (rps >= 1) return { interval: 1000, intervalCap: Math.floor(rps), strict: true }
  return { interval: Math.round(1000 / rps), intervalCap: 1, strict: true }
}
