/**
 * Trace discovery: `debug_traceBlockByNumber` with the prestateTracer names every account and
 * slot the transactions touch (in one call instead of several executions); the diffMode trace
 * is stored as the block's trace. The tracer's values are not used: each transaction's entry
 * is the state before that transaction, not the parent's, and block-level steps (system
 * contracts, withdrawals, rewards) are not traced. The keys only seed discovery, whose
 * execution then finds whatever the tracer left out (see discovery-execute.ts).
 */
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError } from './rpc-errors.js'
import type { Capabilities } from './capabilities.js'
import { ValidationError } from './fetch-errors.js'
import { accountMiss, slotMiss, type Miss } from './lazy-state.js'
import { quantity, slotWord } from './rpc-types.js'

export interface BlockTrace {
  /** Accounts and slots the transactions touch. */
  hints: Miss[]
  /** The diffMode prestate trace, as the node returned it. */
  diff: unknown
}

const METHOD = 'debug_traceBlockByNumber'

/** The block's traces, or undefined when the node has no debug_ namespace. */
export async function traceBlock(rpc: RpcClient, block: Block, caps: Capabilities): Promise<BlockTrace | undefined> {
  if (caps.trace === false) return undefined
  const tag = quantity(block.header.number)
  const [pre, diff] = await rpc.batchSettled<unknown>([
    { method: METHOD, params: [tag, { tracer: 'prestateTracer' }] },
    { method: METHOD, params: [tag, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }] },
  ])
  for (const s of [pre!, diff!]) {
    if (s.status === 'rejected') {
      if (s.reason instanceof RpcMethodNotFoundError) {
        caps.trace = false
        return undefined
      }
      throw s.reason
    }
  }
  caps.trace = true
  const number = Number(block.header.number)
  const preList = checkTxList(block, (pre as PromiseFulfilledResult<unknown>).value, 'prestateTracer')
  const diffValue = (diff as PromiseFulfilledResult<unknown>).value
  checkTxList(block, diffValue, 'prestateTracer diffMode')
  return { hints: hintsFrom(preList, number), diff: diffValue }
}

interface TxTrace {
  txHash?: string
  result?: Record<string, { storage?: Record<string, string> }>
}

/** One entry per transaction, in order (the node tags each with its hash). */
function checkTxList(block: Block, value: unknown, what: string): TxTrace[] {
  const number = Number(block.header.number)
  if (!Array.isArray(value) || value.length !== block.transactions.length) {
    throw new ValidationError(number, METHOD, what, `expected ${block.transactions.length} transaction traces, got ${Array.isArray(value) ? value.length : typeof value}`)
  }
  const list = value as TxTrace[]
  list.forEach((t, i) => {
    const hash = bytesToHex(block.transactions[i]!.hash())
    if (t?.txHash !== undefined && t.txHash.toLowerCase() !== hash) {
      throw new ValidationError(number, METHOD, `${what} tx ${i}`, `trace is for ${t.txHash}, transaction ${i} is ${hash}`)
    }
  })
  return list
}

function hintsFrom(list: TxTrace[], number: number): Miss[] {
  const out = new Map<string, Miss>()
  for (const [i, t] of list.entries()) {
    if (typeof t?.result !== 'object' || t.result === null) throw new ValidationError(number, METHOD, `prestateTracer tx ${i}`, 'no result object')
    for (const [addr, entry] of Object.entries(t.result)) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new ValidationError(number, METHOD, `prestateTracer tx ${i}`, `bad address ${addr}`)
      const address = addr.toLowerCase()
      const a = accountMiss(address)
      out.set(a.key, a)
      for (const slot of Object.keys(entry?.storage ?? {})) {
        const s = slotMiss(address, slotWord(slot))
        out.set(s.key, s)
      }
    }
  }
  return [...out.values()]
}
