/** Counters of the JSON-RPC client, read by the UI and by tests. */

import type { TransientKind } from './rpc-errors.js'

/** Error kinds: the transient ones that were retried plus the JSON-RPC/HTTP errors that were not. */
export type RpcErrorKind = TransientKind | 'methodNotFound' | 'invalidParams' | 'response' | 'http' | 'batchRejected'

export interface RpcStats {
  /** JSON-RPC calls asked for by callers (each batch entry counts once). */
  calls: number
  /** HTTP requests sent, retries included. */
  requests: number
  /** HTTP requests that carried more than one call. */
  batches: number
  /** Attempts repeated after a transient failure. */
  retries: number
  /** Failures by kind (every failed attempt counts). */
  errors: Record<RpcErrorKind, number>
  bytesSent: number
  bytesReceived: number
  /** Requests currently on the wire / waiting for a concurrency or rate slot. */
  inFlight: number
  queued: number
  /** False once the node rejected a batch; calls are then sent one by one. */
  batching: boolean
  /** Current batch size (halved when the node says a batch is too large). */
  batchSize: number
}

export function emptyStats(batchSize: number): RpcStats {
  return {
    calls: 0,
    requests: 0,
    batches: 0,
    retries: 0,
    errors: {
      timeout: 0,
      network: 0,
      http429: 0,
      http5xx: 0,
      badBody: 0,
      rateLimited: 0,
      methodNotFound: 0,
      invalidParams: 0,
      response: 0,
      http: 0,
      batchRejected: 0,
    },
    bytesSent: 0,
    bytesReceived: 0,
    inFlight: 0,
    queued: 0,
    batching: batchSize > 1,
    batchSize,
  }
}
