/**
 * An HTTP proxy on 127.0.0.1 in front of a JSON-RPC URL that injects faults, by a seeded random
 * schedule or by an explicit per-request plan. It forwards only to the one target it was given,
 * and only to a loopback target: it is a test fixture, not a general proxy.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Pool } from 'undici'
import { seededRandom } from '../../core/execute/parallel/perturbation.js'

export type FaultKind =
  | 'http429' // 429 with Retry-After
  | 'http500'
  | 'http502'
  | 'http503'
  | 'timeout' // never answer (until the client gives up, or hangMs)
  | 'drop' // headers and half the body, then the socket is destroyed
  | 'truncated' // a complete HTTP response whose JSON body is cut in half
  | 'garbage' // 200 with an HTML error page instead of JSON
  | 'corruptProof' // eth_getProof answered with one accountProof byte flipped

export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  'http429',
  'http500',
  'http502',
  'http503',
  'timeout',
  'drop',
  'truncated',
  'garbage',
  'corruptProof',
]

/** Faults the client can notice and retry (all but corruptProof, which is a lie, not a failure). */
export const TRANSIENT_FAULT_KINDS: readonly FaultKind[] = ALL_FAULT_KINDS.filter((k) => k !== 'corruptProof')

/** What to do with request number n (0-based): a fault or null to forward untouched. */
export type FaultPlan = readonly (FaultKind | null)[] | ((n: number, body: string) => FaultKind | null)

export interface FaultProxyOptions {
  /** Seed of the random schedule (same seed, same faults for the same request order). */
  seed?: number
  /** Probability that a request gets a fault (0..1). Ignored when `plan` is given. */
  rate?: number
  /** Faults to pick from, uniformly. */
  kinds?: readonly FaultKind[]
  /** Explicit schedule; requests past the end of an array are forwarded untouched. */
  plan?: FaultPlan
  /** Retry-After value sent with 429 (seconds). Default "0". */
  retryAfter?: string
  /** How long a 'timeout' fault holds the connection before giving up. Default 30 s. */
  hangMs?: number
}

export interface FaultProxyStats {
  /** Requests received. */
  requests: number
  /** Requests passed on to the target. */
  forwarded: number
  /** Faults actually injected, by kind. */
  injected: Record<FaultKind, number>
  /** Log of the fault (or null) chosen per request. */
  schedule: (FaultKind | null)[]
}

export interface FaultProxy {
  url: string
  close(): Promise<void>
  stats: FaultProxyStats
}

/** A seeded PRNG (mulberry32), shared with Block-STM's perturbations: reproducible fault schedules. */
export { seededRandom }

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export async function startFaultProxy(targetUrl: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(targetUrl)
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
    throw new Error(`fault proxy forwards only to http on loopback, not ${target.origin}`)
  }
  const upstream = new Pool(target.origin, { connections: 16 })
  const random = seededRandom(opts.seed ?? 1)
  const chooseFault = makeChooser(opts, random)
  const stats: FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    injected: Object.fromEntries(ALL_FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    schedule: [],
  }
  const sockets = new Set<Socket>()
  const hangs = new Set<NodeJS.Timeout>()

  const forward = async (body: string): Promise<{ status: number; headers: Record<string, string>; text: string }> => {
    stats.forwarded++
    const res = await upstream.request({
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await res.body.text()
    const type = res.headers['content-type']
    return { status: res.statusCode, headers: { 'content-type': typeof type === 'string' ? type : 'application/json' }, text }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const n = stats.requests++
    let fault = chooseFault(n, body)
    // A proof can only be corrupted if the request asks for one.
    if (fault === 'corruptProof' && !body.includes('"eth_getProof"')) fault = null
    stats.schedule.push(fault)
    if (fault !== null) stats.injected[fault]++
    switch (fault) {
      case 'http429':
        return send(res, 429, 'text/plain', 'Too Many Requests', { 'retry-after': opts.retryAfter ?? '0' })
      case 'http500':
      case 'http502':
      case 'http503':
        return send(res, Number(fault.slice(4)), 'text/html', `<html><body><h1>${fault.slice(4)} error</h1></body></html>`)
      case 'garbage':
        return send(res, 200, 'text/html', '<html><head><title>Service Unavailable</title></head><body>oops</body></html>')
      case 'timeout': {
        // Hold the request open; the client's deadline should fire first.
        const timer = setTimeout(() => {
          hangs.delete(timer)
          req.socket.destroy()
        }, opts.hangMs ?? 30_000)
        hangs.add(timer)
        req.socket.once('close', () => {
          clearTimeout(timer)
          hangs.delete(timer)
        })
        return
      }
      default:
        break
    }
    const answer = await forward(body)
    if (fault === 'drop') {
      const bytes = Buffer.from(answer.text)
      res.writeHead(answer.status, { ...answer.headers, 'content-length': bytes.length })
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy())
      return
    }
    if (fault === 'truncated') return send(res, answer.status, answer.headers['content-type']!, answer.text.slice(0, Math.floor(answer.text.length / 2)))
    if (fault === 'corruptProof') return send(res, answer.status, answer.headers['content-type']!, corruptFirstProof(answer.text, random))
    return send(res, answer.status, answer.headers['content-type']!, answer.text)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/`,
    stats,
    close: async () => {
      for (const timer of hangs) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await upstream.destroy()
    },
  }
}

function makeChooser(opts: FaultProxyOptions, random: () => number): (n: number, body: string) => FaultKind | null {
  const plan = opts.plan
  if (typeof plan === 'function') return plan
  if (plan !== undefined) return (n) => plan[n] ?? null
  const rate = opts.rate ?? 0
  const kinds = opts.kinds ?? TRANSIENT_FAULT_KINDS
  return () => {
    if (kinds.length === 0 || random() >= rate) return null
    return kinds[Math.floor(random() * kinds.length)]!
  }
}

/**
 * Flips one byte in the middle of one accountProof node of the first eth_getProof result
 * (single or batch answer). The JSON stays valid; only a trie check can notice.
 */
export function corruptFirstProof(text: string, random: () => number = Math.random): string {
  const body = JSON.parse(text) as unknown
  const answers = (Array.isArray(body) ? body : [body]) as Array<{ result?: { accountProof?: string[] } }>
  const target = answers.find((a) => Array.isArray(a?.result?.accountProof) && a.result.accountProof.length > 0)
  if (target === undefined) return text
  const nodes = target.result!.accountProof!
  const which = Math.floor(random() * nodes.length)
  const bytes = Buffer.from(nodes[which]!.slice(2), 'hex')
  bytes[bytes.length >> 1] ^= 0xff
  nodes[which] = `0x${bytes.toString('hex')}`
  return JSON.stringify(body)
}

function send(res: ServerResponse, status: number, type: string, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extra })
  res.end(text)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
