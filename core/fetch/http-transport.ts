/**
 * One HTTP POST with a deadline, on a keep-alive undici Pool. Knows nothing about retries:
 * it turns every failure into either a transient error (retry may help) or a permanent one.
 */

import { Pool } from 'undici'
import { RpcError, RpcHttpError, RpcTransientError, redactUrl } from './rpc-errors.js'
import { parseRetryAfter } from './retry.js'

export interface HttpReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  bytesReceived: number
}

export class HttpTransport {
  /** The URL without credentials, for messages. */
  readonly displayUrl: string
  private readonly pool: Pool
  private readonly path: string
  private readonly headers: Record<string, string>

  constructor(url: string, connections: number) {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new RpcError(`unsupported RPC URL scheme ${u.protocol} (use http or https)`)
    }
    this.displayUrl = redactUrl(url)
    this.path = `${u.pathname}${u.search}`
    this.headers = { 'content-type': 'application/json', accept: 'application/json' }
    if (u.username !== '' || u.password !== '') {
      const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`
      this.headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`
    }
    this.pool = new Pool(u.origin, { connections, keepAliveTimeout: 10_000 })
  }

  /** POSTs `body`; the whole exchange (connect, headers, body) must finish within `timeoutMs`. */
  async post(body: string, timeoutMs: number): Promise<HttpReply> {
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), timeoutMs)
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: this.headers,
        body,
        signal: abort.signal,
      })
      const bytes = Buffer.from(await res.body.arrayBuffer())
      return { status: res.statusCode, headers: res.headers, text: bytes.toString('utf8'), bytesReceived: bytes.length }
    } catch (err) {
      if (abort.signal.aborted) throw new RpcTransientError('timeout', `no complete answer within ${timeoutMs} ms`)
      throw new RpcTransientError('network', describeNetworkError(err), { cause: err })
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy()
  }
}

/**
 * The error for a non-2xx reply, or undefined when the body should be read as JSON-RPC.
 * 429, 408 and 5xx are transient; other 4xx with a JSON body are JSON-RPC errors in disguise
 * (several nodes send -32602 with 400); other 4xx are permanent (auth, wrong path).
 */
export function statusError(reply: HttpReply): RpcError | undefined {
  const { status } = reply
  if (status >= 200 && status < 300) return undefined
  const retryAfterMs = parseRetryAfter(reply.headers['retry-after'])
  if (status === 429) return new RpcTransientError('http429', 'HTTP 429 Too Many Requests', { retryAfterMs })
  if (status >= 500 || status === 408) return new RpcTransientError('http5xx', `HTTP ${status}`, { retryAfterMs })
  if (looksLikeJson(reply.text)) return undefined
  return new RpcHttpError(status, reply.text)
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart()
  return t.startsWith('{') || t.startsWith('[')
}

/** "ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1" style text, also for happy-eyeballs AggregateErrors. */
function describeNetworkError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeNetworkError(err.errors[0])
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  const text = err.message || err.name
  return typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text
}
