/**
 * Synthetic blocks with a known dependency structure, for tests and benchmarks of the
 * parallel executor: independent transfers (no two transactions share an account but the
 * beneficiary), and a counter contract every transaction increments (one hot slot: a chain).
 * Keys are derived from a seed; signing uses native secp256k1.
 */
import { createRequire } from 'node:module'
import { createBlock, type Block } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, hexToBytes, privateToAddress } from '@ethereumjs/util'
import { encodeReceipt } from '@ethereumjs/vm'
import type { BlockExecution, BlockInput } from '../block-executor.js'
import { orderedTrieRoot } from '../../verify/trie-root.js'
import { resultDigest } from '../../verify/digest.js'
import { chainRules } from '../chain.js'
import { keccak256 } from '../crypto.js'
import { PreState, type PreAccount } from '../prestate.js'

const require = createRequire(import.meta.url)
const secp = require('secp256k1') as {
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number }
}

/** `customCrypto.ecsign` in noble's "recovered" layout: recovery byte, then r and s. */
function ecsign(msgHash: Uint8Array, key: Uint8Array): Uint8Array {
  const { signature, recid } = secp.ecdsaSign(msgHash, key)
  const out = new Uint8Array(65)
  out[0] = recid
  out.set(signature, 1)
  return out
}

const signingCommon = new Common({ chain: Mainnet, hardfork: Hardfork.London, customCrypto: { ecsign: ecsign as never } })
/** The block's own fork rules: the same Common the replay path would use (London, no rewards). */
const rules = chainRules({ kind: 'fixed', chainId: 1, hardfork: 'london' })

const ETHER = 10n ** 18n
const BASE_FEE = 10n ** 9n
export const SYNTHETIC_BENEFICIARY = '0x' + 'c0'.repeat(20)
/** PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP: slot 0 += 1. */
export const COUNTER_CODE = hexToBytes('0x60005460010160005500')
export const COUNTER_ADDRESS = '0x' + 'c1'.repeat(20)

export function syntheticKey(seed: string, i: number): Uint8Array {
  return keccak256(new TextEncoder().encode(`${seed}:${i}`))
}

export interface SyntheticTx {
  key: Uint8Array
  nonce: bigint
  to: string
  value: bigint
  gasLimit: bigint
  data?: Uint8Array
}

export interface SyntheticBlock {
  input: BlockInput
  senders: string[]
}

function signed(t: SyntheticTx): TypedTransaction {
  return createFeeMarket1559Tx({
    chainId: 1n, nonce: t.nonce, maxFeePerGas: 3n * BASE_FEE, maxPriorityFeePerGas: BASE_FEE,
    gasLimit: t.gasLimit, to: t.to as `0x${string}`, value: t.value, data: t.data ?? new Uint8Array(),
  }, { common: signingCommon }).sign(t.key)
}

function buildBlock(txs: SyntheticTx[], extra: Map<string, PreAccount>): SyntheticBlock {
  const common = rules.commonFor(13_000_000n, 1_700_000_000n)
  const signedTxs = txs.map(signed)
  const block: Block = createBlock({
    header: {
      number: 13_000_000n, timestamp: 1_700_000_000n, gasLimit: 30_000_000n + 100_000n * BigInt(txs.length),
      baseFeePerGas: BASE_FEE, coinbase: SYNTHETIC_BENEFICIARY as `0x${string}`, difficulty: 1n,
    },
    transactions: signedTxs,
  }, { common, skipConsensusFormatValidation: true })
  const accounts = new Map<string, PreAccount | null>(extra)
  const senders = txs.map((t) => bytesToHex(privateToAddress(t.key)))
  for (const s of senders) if (!accounts.has(s)) accounts.set(s, { nonce: 0n, balance: 100n * ETHER })
  return {
    input: {
      block, preState: new PreState(accounts), blockHash: () => undefined, ommerCount: 0, rewards: false, daoFork: false,
    },
    senders,
  }
}

/** `n` transfers, each from its own funded account to its own fresh recipient. */
export function independentTransfers(n: number, seed = 'independent'): SyntheticBlock {
  const txs: SyntheticTx[] = []
  for (let i = 0; i < n; i++) {
    const to = bytesToHex(privateToAddress(syntheticKey(seed + '/to', i)))
    txs.push({ key: syntheticKey(seed, i), nonce: 0n, to, value: 1000n + BigInt(i), gasLimit: 21_000n })
  }
  return buildBlock(txs, new Map())
}

/**
 * `n` transactions of which every `hotEvery`-th increments one counter slot (a chain through
 * that slot); the others are independent transfers. `hotEvery` 1 = every transaction.
 */
export function conflictHeavy(n: number, hotEvery = 1, seed = 'conflict'): SyntheticBlock {
  const txs: SyntheticTx[] = []
  for (let i = 0; i < n; i++) {
    const key = syntheticKey(seed, i)
    if (i % hotEvery === 0) txs.push({ key, nonce: 0n, to: COUNTER_ADDRESS, value: 0n, gasLimit: 60_000n })
    else txs.push({ key, nonce: 0n, to: bytesToHex(privateToAddress(syntheticKey(seed + '/to', i))), value: 7n, gasLimit: 21_000n })
  }
  return buildBlock(txs, new Map([[COUNTER_ADDRESS, { nonce: 1n, balance: 0n, code: COUNTER_CODE, storage: new Map() }]]))
}

/** One sender's `n` transfers in nonce order (a chain through the sender's account), to one hot recipient. */
export function senderChain(n: number, seed = 'chain'): SyntheticBlock {
  const key = syntheticKey(seed, 0)
  const to = bytesToHex(privateToAddress(syntheticKey(seed + '/to', 0)))
  const txs: SyntheticTx[] = []
  for (let i = 0; i < n; i++) txs.push({ key, nonce: BigInt(i), to, value: 1n, gasLimit: 21_000n })
  return buildBlock(txs, new Map())
}

/** The result digest of an execution (as verification computes it): receipts root and changes. */
export function executionDigest(block: Block, execution: BlockExecution): string {
  const encoded = execution.receipts.map((r, i) => encodeReceipt(r, block.transactions[i]!.type))
  return resultDigest(orderedTrieRoot(encoded), execution.changes)
}
