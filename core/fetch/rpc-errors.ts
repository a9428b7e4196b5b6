/**
 * Named errors of the JSON-RPC client. Callers branch on the class:
 * - RpcMethodNotFoundError: the node lacks the method (e.g. no debug_ namespace), switch strategy.
 * - RpcInvalidParamsError / RpcResponseError: the node answered with an error; not retried.
 * - RpcUnreachableError: transport kept failing after all retries (the CLI exits with code 3).
 * RpcTransientError is internal to the retry loop and only escapes as the `cause` of RpcUnreachableError.
 */

/** Base class of every error the client throws. */
export class RpcError extends Error {
  override name = 'RpcError'
}

/** A JSON-RPC error object `{code, message, data}` returned by the node. */
export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/** The node answered a call with a JSON-RPC error. */
export class RpcResponseError extends RpcError {
  override name = 'RpcResponseError'
  readonly method: string
  readonly params: readonly unknown[]
  readonly code: number
  readonly data: unknown

  constructor(method: string, params: readonly unknown[], error: JsonRpcErrorObject) {
    super(`${method}(${summarizeParams(params)}) failed: ${error.code} ${oneLine(error.message)}`)
    this.method = method
    this.params = params
    this.code = error.code
    this.data = error.data
  }
}

/** -32601 or "method ... does not exist/is not available": the caller should use another strategy. */
export class RpcMethodNotFoundError extends RpcResponseError {
  override name = 'RpcMethodNotFoundError'
}

/** -32602: the request itself is wrong; retrying cannot help. */
export class RpcInvalidParamsError extends RpcResponseError {
  override name = 'RpcInvalidParamsError'
}

/** All attempts failed on the transport level (network, timeout, 429/5xx, garbage bodies). */
export class RpcUnreachableError extends RpcError {
  override name = 'RpcUnreachableError'
  readonly url: string
  readonly method: string
  readonly attempts: number

  /** `url` must already be redacted (see redactUrl). */
  constructor(url: string, method: string, attempts: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(`RPC node ${url} unreachable: ${method} failed after ${attempts} attempt(s): ${oneLine(why)}`, { cause })
    this.url = url
    this.method = method
    this.attempts = attempts
  }
}

/** The client was closed while a call was pending or a call was made after close(). */
export class RpcClientClosedError extends RpcError {
  override name = 'RpcClientClosedError'
}

/** Why a single attempt failed in a way worth retrying. */
export type TransientKind = 'timeout' | 'network' | 'http429' | 'http5xx' | 'badBody' | 'rateLimited'

/** A failed attempt that the retry loop may repeat. `retryAfterMs` comes from a Retry-After header. */
export class RpcTransientError extends RpcError {
  override name = 'RpcTransientError'
  readonly kind: TransientKind
  readonly retryAfterMs: number | undefined

  constructor(kind: TransientKind, message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(`${kind}: ${oneLine(message)}`, { cause: opts.cause })
    this.kind = kind
    this.retryAfterMs = opts.retryAfterMs
  }
}

/** An HTTP status that retrying will not fix (401, 403, 404, ...). */
export class RpcHttpError extends RpcError {
  override name = 'RpcHttpError'
  readonly status: number
  constructor(status: number, body: string) {
    super(`HTTP ${status}${body ? `: ${oneLine(body).slice(0, 120)}` : ''}`)
    this.status = status
  }
}

const METHOD_MISSING = /method .*(not found|does not exist|is not available|not supported|unsupported)|unsupported method|unknown method/i
// Nodes and providers report throttling as JSON-RPC errors too; these, and only these, are retried.
const RATE_LIMITED = /rate.?limit|too many requests|limit exceeded|exceeded .*capacity/i

/** A JSON-RPC error object that means "slow down", so it is retried like HTTP 429. */
export function isRateLimitError(error: JsonRpcErrorObject): boolean {
  return error.code === -32005 || error.code === 429 || RATE_LIMITED.test(error.message)
}

/** Maps a JSON-RPC error object to the named error a caller should see. */
export function classifyRpcError(method: string, params: readonly unknown[], error: JsonRpcErrorObject): RpcError {
  if (isRateLimitError(error)) {
    return new RpcTransientError('rateLimited', `${method}: ${error.code} ${error.message}`)
  }
  if (error.code === -32601 || METHOD_MISSING.test(error.message)) {
    return new RpcMethodNotFoundError(method, params, error)
  }
  if (error.code === -32602) return new RpcInvalidParamsError(method, params, error)
  return new RpcResponseError(method, params, error)
}

/** True when `value` looks like a JSON-RPC error object. */
export function isJsonRpcErrorObject(value: unknown): value is JsonRpcErrorObject {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.code === 'number' && typeof v.message === 'string'
}

/** Short form of params for messages: long hex shortened, arrays counted. */
export function summarizeParams(params: readonly unknown[]): string {
  const text = params.map(summarizeValue).join(', ')
  return text.length > 160 ? `${text.slice(0, 157)}...` : text
}

function summarizeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 22 ? `${value.slice(0, 10)}…${value.slice(-6)}` : value
  if (Array.isArray(value)) {
    return value.length <= 2 ? `[${value.map(summarizeValue).join(', ')}]` : `[${value.length} items]`
  }
  if (typeof value === 'object' && value !== null) return '{…}'
  return String(value)
}

/**
 * The URL as it may appear in messages and logs: no user:password, no query values, and path
 * segments that look like API keys (Infura /v3/<key>, Alchemy /v2/<key>) masked.
 */
export function redactUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return '<invalid url>'
  }
  u.username = ''
  u.password = ''
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***')
  u.pathname = u.pathname
    .split('/')
    .map((seg) => (/^[A-Za-z0-9_-]{20,}$/.test(seg) ? '***' : seg))
    .join('/')
  return u.toString()
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
