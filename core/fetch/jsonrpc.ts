/** JSON-RPC 2.0 wire format: building requests and checking what came back. */

import { type JsonRpcErrorObject, RpcTransientError, isJsonRpcErrorObject } from './rpc-errors.js'

export interface RpcCall {
  method: string
  params: readonly unknown[]
}

export interface JsonRpcRequest {
  jsonrpc: '2.0'
  id: number
  method: string
  params: readonly unknown[]
}

/** A checked response: exactly one of `result` / `error` is meaningful. */
export type JsonRpcResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: JsonRpcErrorObject }

export function toRequest(id: number, call: RpcCall): JsonRpcRequest {
  return { jsonrpc: '2.0', id, method: call.method, params: call.params }
}

/** JSON.parse that reports cut-off or non-JSON bodies as transient (proxies and overloaded nodes produce them). */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    const head = text.slice(0, 60).replace(/\s+/g, ' ')
    throw new RpcTransientError('badBody', `response is not JSON (${text.length} bytes: "${head}")`)
  }
}

/** Validates one response object; undefined when it is not a JSON-RPC response at all. */
export function readResponse(value: unknown): JsonRpcResponse | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  const id = typeof v.id === 'string' && /^\d+$/.test(v.id) ? Number(v.id) : v.id
  if (isJsonRpcErrorObject(v.error)) return { id: typeof id === 'number' ? id : -1, ok: false, error: v.error }
  if (typeof id !== 'number' || !('result' in v)) return undefined
  return { id, ok: true, result: v.result }
}

/**
 * Checks the answer to a single request. Some gateways wrap a single answer in an array;
 * an error without a usable id is still the answer (nodes send id null for request-level errors).
 */
export function readSingle(body: unknown, id: number): JsonRpcResponse {
  const value = Array.isArray(body) && body.length === 1 ? body[0] : body
  const res = readResponse(value)
  if (res === undefined) throw new RpcTransientError('badBody', 'response is not a JSON-RPC response')
  if (res.ok && res.id !== id) throw new RpcTransientError('badBody', `response id ${res.id} does not match request id ${id}`)
  return res
}

/**
 * Reads the answer to a batch: a map from id to response. Entries the node left out are simply
 * missing from the map (the caller retries them). Returns the error object instead when the node
 * answered the batch as a whole with one error, which is how nodes reject batches.
 */
export function readBatch(body: unknown): Map<number, JsonRpcResponse> | JsonRpcErrorObject {
  if (!Array.isArray(body)) {
    const res = readResponse(body)
    if (res !== undefined && !res.ok) return res.error
    throw new RpcTransientError('badBody', 'batch response is not an array')
  }
  const byId = new Map<number, JsonRpcResponse>()
  let anonymousError: JsonRpcErrorObject | undefined
  for (const item of body) {
    const res = readResponse(item)
    if (res === undefined) continue
    if (res.id >= 0) byId.set(res.id, res)
    else if (!res.ok) anonymousError = res.error
  }
  // `[{"id": null, "error": ...}]` is also a rejection of the whole batch.
  return byId.size === 0 && anonymousError !== undefined ? anonymousError : byId
}
