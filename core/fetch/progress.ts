/** What a fetch reports while it runs and when it ends, and the plain-text progress line. */
import type { StoredChain } from '../../storage/store.js'
import type { RpcStats } from './rpc-stats.js'
import type { BlockFetchInfo } from './fetch-block.js'

export type FetchEvent =
  | { type: 'start'; chain: StoredChain; from: number; to: number; total: number; alreadyStored: number }
  /** A block was stored (in block order): replay may start on it. */
  | { type: 'block'; block: BlockFetchInfo; done: number; total: number; rpc: RpcStats; inFlight: number }
  | { type: 'warning'; message: string }

export interface FetchSummary {
  from: number
  to: number
  chainId: number
  /** Blocks stored by this run. */
  stored: number
  /** Blocks of the range that were already in the database (not fetched again). */
  alreadyStored: number
  txs: number
  seconds: number
  blocksPerSecond: number
  /** HTTP requests per stored block (retries included). */
  requestsPerBlock: number
  /** JSON-RPC calls per stored block. */
  callsPerBlock: number
  discovery: { trace: number; execute: number }
  witness: { proofs: number; 'execution-witness': number; none: number }
  /** Block executions during discovery, and their total time. */
  executions: number
  executeSeconds: number
  rpc: RpcStats
  warnings: string[]
}

export function progressLine(e: Extract<FetchEvent, { type: 'block' }>): string {
  const b = e.block
  const r = e.rpc
  const errors = Object.values(r.errors).reduce((s, n) => s + n, 0)
  return `[${e.done}/${e.total}] block ${b.number}: ${b.txs} txs, ${b.accounts} accounts, ${b.slots} slots, ` +
    `${b.discovery} (${b.runs} run${b.runs === 1 ? '' : 's'}), witness ${b.witness}${b.receipts ? '' : ', no receipts'}, ` +
    `${(b.seconds * 1000).toFixed(0)} ms | rpc ${r.requests} req, ${r.retries} retries, ${errors} errors, ${r.inFlight} in flight, ${r.queued} queued\n`
}

export function summaryLine(s: FetchSummary): string {
  return `fetched ${s.stored} block(s) ${s.from}..${s.to} (${s.alreadyStored} already stored), ${s.txs} txs in ${s.seconds.toFixed(2)} s ` +
    `(${s.blocksPerSecond.toFixed(1)} blocks/s, ${s.requestsPerBlock.toFixed(1)} requests/block, ${s.rpc.retries} retries)\n`
}
