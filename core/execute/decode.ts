/**
 * Stored RPC block JSON → an @ethereumjs Block under the block's fork, with senders recovered
 * (natively, see crypto.ts) and held against the RPC `from` of every transaction.
 */
import { createBlockFromRPC, type Block } from '@ethereumjs/block'
import type { JSONRPCBlock } from '@ethereumjs/block'
import type { ChainRules } from './chain.js'

export class BlockDecodeError extends Error {
  override name = 'BlockDecodeError'
}

export interface RpcBlockJson {
  number: string
  hash: string
  timestamp: string
  transactions: Array<{ from?: string; hash?: string } | string>
  uncles?: string[]
  [key: string]: unknown
}

export interface DecodedBlock {
  block: Block
  /** Transactions whose recovered sender differs from the RPC `from`: index → [rpc, recovered]. */
  senderMismatches: Array<{ tx: number; expected: string; actual: string }>
  recoverSeconds: number
}

export function decodeBlock(json: RpcBlockJson, rules: ChainRules): DecodedBlock {
  const number = BigInt(json.number)
  const common = rules.commonFor(number, BigInt(json.timestamp))
  let block: Block
  try {
    block = createBlockFromRPC(json as unknown as JSONRPCBlock, [], { common, skipConsensusFormatValidation: true })
  } catch (e) {
    throw new BlockDecodeError(`block ${number}: cannot decode: ${(e as Error).message}`)
  }
  const t0 = performance.now()
  const senderMismatches: DecodedBlock['senderMismatches'] = []
  block.transactions.forEach((tx, i) => {
    const raw = json.transactions[i]
    let actual: string
    try {
      actual = tx.getSenderAddress().toString()
    } catch (e) {
      throw new BlockDecodeError(`block ${number} tx ${i}: invalid signature: ${(e as Error).message}`)
    }
    const expected = typeof raw === 'object' && raw.from ? raw.from.toLowerCase() : undefined
    if (expected !== undefined && expected !== actual) senderMismatches.push({ tx: i, expected, actual })
  })
  return { block, senderMismatches, recoverSeconds: (performance.now() - t0) / 1000 }
}
