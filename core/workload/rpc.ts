/**
 * Minimal JSON-RPC client for driving a local dev node (anvil). Deliberately tiny: no retries,
 * no batching; a local node either answers or the workload is broken.
 */

/** The node answered with a JSON-RPC error object. */
export class WorkloadRpcError extends Error {
  override name = 'WorkloadRpcError'
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data?: unknown,
  ) {
    super(`${method} failed: ${rpcMessage} (code ${code})`)
  }
}

/** The node could not be reached or answered with something that is not JSON-RPC. */
export class WorkloadTransportError extends Error {
  override name = 'WorkloadTransportError'
}

export interface Rpc {
  readonly url: string
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>
}

export function createRpc(url: string, timeoutMs = 30_000): Rpc {
  let id = 0
  return {
    url,
    async call<T>(method: string, params: unknown[] = []): Promise<T> {
      const body = JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params })
      let text: string
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
        text = await res.text()
        if (!res.ok && !text.startsWith('{')) {
          throw new WorkloadTransportError(`${method}: HTTP ${res.status} from ${url}`)
        }
      } catch (err) {
        if (err instanceof WorkloadTransportError) throw err
        throw new WorkloadTransportError(`${method}: cannot reach ${url}: ${(err as Error).message}`)
      }
      let msg: { result?: unknown; error?: { code: number; message: string; data?: unknown } }
      try {
        msg = JSON.parse(text)
      } catch {
        throw new WorkloadTransportError(`${method}: non-JSON answer from ${url}: ${text.slice(0, 80)}`)
      }
      if (msg.error) throw new WorkloadRpcError(method, msg.error.code, msg.error.message, msg.error.data)
      if (!('result' in msg)) throw new WorkloadTransportError(`${method}: answer has neither result nor error`)
      return msg.result as T
    },
  }
}
