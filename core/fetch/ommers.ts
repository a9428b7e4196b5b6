/**
 * Ommer (uncle) headers of a pre-merge block: their numbers and coinbases decide the ommer
 * rewards. Each is checked against the block's `uncles` hashes and its sha3Uncles.
 */
import type { Block } from '@ethereumjs/block'
import type { RpcClient } from './rpc-client.js'
import { quantity } from './rpc-types.js'
import { validateHeader, validateOmmers } from './validate.js'

export interface StoredOmmer {
  number: string
  coinbase: string
}

const METHOD = 'eth_getUncleByBlockNumberAndIndex'

export async function fetchOmmers(rpc: RpcClient, block: Block, uncleHashes: string[]): Promise<StoredOmmer[]> {
  if (uncleHashes.length === 0) return []
  const number = Number(block.header.number)
  const answers = await rpc.batch<unknown>(uncleHashes.map((_, i) => ({ method: METHOD, params: [quantity(number), quantity(i)] })))
  const headers = answers.map((json, i) => validateHeader(json, { block: number, method: METHOD, what: `uncle ${i}`, expectHash: uncleHashes[i] }))
  validateOmmers(block, headers)
  return headers.map((h) => ({ number: quantity(h.number), coinbase: h.coinbase }))
}
