/**
 * Holds an executed block against its canonical header (and stored receipts, when present):
 * blockHash, transactionsRoot, receiptsRoot, logsBloom, gasUsed, requestsHash, senders, and
 * per-transaction receipts. stateRoot is decided by the witness check (or stays unchecked).
 */
import type { Block } from '@ethereumjs/block'
import { Hardfork } from '@ethereumjs/common'
import { encodeReceipt } from '@ethereumjs/vm'
import type { TxReceipt } from '@ethereumjs/vm'
import { bytesToHex } from '@ethereumjs/util'
import type { BlockExecution } from '../execute/block-executor.js'
import { orderedTrieRoot } from './trie-root.js'
import { resultDigest } from './digest.js'

export type CheckState = 'match' | 'mismatch' | 'unchecked'

export interface Mismatch {
  field: string
  tx?: number
  account?: string
  slot?: string
  expected: string
  actual: string
  detail?: string
}

export interface BlockVerdict {
  checks: Record<string, CheckState>
  unchecked: Record<string, string>
  mismatches: Mismatch[]
  digest: string
  encodedReceipts: Uint8Array[]
}

/** A canonical receipt as stored from `eth_getBlockReceipts`. */
export interface CanonicalReceipt {
  status?: string
  root?: string
  cumulativeGasUsed: string
  logs: Array<{ address: string; topics: string[]; data: string }>
}

export interface VerifyInput {
  rpcHash: string
  block: Block
  execution: BlockExecution
  senderMismatches: Array<{ tx: number; expected: string; actual: string }>
  canonicalReceipts?: CanonicalReceipt[]
  /** Pre-Byzantium receipts carry intermediate state roots: only checkable with a witness. */
  intermediateRoots: boolean
}

export async function verifyBlock(input: VerifyInput): Promise<BlockVerdict> {
  const { block, execution } = input
  const header = block.header
  const checks: Record<string, CheckState> = {}
  const unchecked: Record<string, string> = {}
  const mismatches: Mismatch[] = []
  const compare = (field: string, expected: string, actual: string): void => {
    checks[field] = expected === actual ? 'match' : 'mismatch'
    if (expected !== actual) mismatches.push({ field, expected, actual })
  }

  compare('blockHash', input.rpcHash.toLowerCase(), bytesToHex(block.hash()))
  const txRoot = orderedTrieRoot(block.transactions.map((t) => t.serialize()))
  compare('transactionsRoot', bytesToHex(header.transactionsTrie), bytesToHex(txRoot))

  const encodedReceipts = execution.receipts.map((r, i) => encodeReceipt(r, block.transactions[i]!.type))
  const receiptsRoot = orderedTrieRoot(encodedReceipts)
  if (block.common.gteHardfork(Hardfork.Byzantium) || input.intermediateRoots) {
    compare('receiptsRoot', bytesToHex(header.receiptTrie), bytesToHex(receiptsRoot))
  } else {
    checks.receiptsRoot = 'unchecked'
    unchecked.receiptsRoot = 'needs a witness: receipts before Byzantium carry intermediate state roots'
  }
  compare('logsBloom', bytesToHex(header.logsBloom), bytesToHex(blockBloom(execution.receipts)))
  compare('gasUsed', header.gasUsed.toString(), execution.gasUsed.toString())
  if (execution.requestsHash !== undefined && header.requestsHash !== undefined) {
    compare('requestsHash', bytesToHex(header.requestsHash), bytesToHex(execution.requestsHash))
  }

  checks.senders = input.senderMismatches.length === 0 ? 'match' : 'mismatch'
  for (const s of input.senderMismatches) mismatches.push({ field: 'sender', tx: s.tx, expected: s.expected, actual: s.actual })

  if (input.canonicalReceipts) {
    const bad = compareReceipts(input.canonicalReceipts, execution.receipts)
    checks.receipts = bad.length === 0 ? 'match' : 'mismatch'
    mismatches.push(...bad)
  }

  checks.stateRoot = 'unchecked'
  unchecked.stateRoot = 'no witness'
  return { checks, unchecked, mismatches, digest: resultDigest(receiptsRoot, execution.changes), encodedReceipts }
}

function blockBloom(receipts: TxReceipt[]): Uint8Array {
  const out = new Uint8Array(256)
  for (const r of receipts) for (let i = 0; i < 256; i++) out[i]! |= r.bitvector[i]!
  return out
}

/** Per transaction: status (or root), cumulative gas, logs. Reports each differing field. */
export function compareReceipts(expected: CanonicalReceipt[], actual: TxReceipt[]): Mismatch[] {
  const out: Mismatch[] = []
  if (expected.length !== actual.length) {
    out.push({ field: 'receipts', expected: `${expected.length} receipts`, actual: `${actual.length} receipts` })
  }
  const n = Math.min(expected.length, actual.length)
  for (let i = 0; i < n; i++) {
    const e = expected[i]!
    const a = actual[i]!
    if (e.status !== undefined && 'status' in a) {
      const es = BigInt(e.status).toString()
      const as = String(a.status)
      if (es !== as) out.push({ field: 'receipt.status', tx: i, expected: es, actual: as })
    }
    const eg = BigInt(e.cumulativeGasUsed).toString()
    const ag = a.cumulativeBlockGasUsed.toString()
    if (eg !== ag) out.push({ field: 'receipt.cumulativeGasUsed', tx: i, expected: eg, actual: ag })
    const el = JSON.stringify(e.logs.map((l) => [l.address.toLowerCase(), l.topics.map((t) => t.toLowerCase()), l.data.toLowerCase()]))
    const al = JSON.stringify(a.logs.map(([addr, topics, data]) => [bytesToHex(addr), topics.map((t) => bytesToHex(t)), bytesToHex(data)]))
    if (el !== al) out.push({ field: 'receipt.logs', tx: i, expected: el, actual: al })
  }
  return out
}
