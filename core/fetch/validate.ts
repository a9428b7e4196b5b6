/**
 * Checks on what a node returns, before anything is stored: every check recomputes a hash or
 * root from the data and compares it with the header (itself checked against its hash).
 * A failed check throws ValidationError naming block, method and field.
 */
import type { Block } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'
import type { ChainRules } from '../execute/chain.js'
import { decodeBlock, type DecodedBlock } from '../execute/decode.js'
import { orderedTrieRoot } from '../verify/trie-root.js'
import { ValidationError } from './fetch-errors.js'
import type { RpcBlock, RpcReceipt } from './rpc-types.js'

const BLOCK_METHOD = 'eth_getBlockByNumber'

/** The block answer: right number, hash recomputed from the header, transactions and withdrawals roots, senders. */
export async function validateBlock(json: RpcBlock | null, number: number, rules: ChainRules): Promise<DecodedBlock> {
  if (json === null || typeof json !== 'object') throw new ValidationError(number, BLOCK_METHOD, 'block', 'the node has no such block (null)')
  if (typeof json.number !== 'string' || Number(BigInt(json.number)) !== number) {
    throw new ValidationError(number, BLOCK_METHOD, 'number', `asked for ${number}, got ${String(json.number)}`)
  }
  if (!Array.isArray(json.transactions) || json.transactions.some((t) => typeof t !== 'object')) {
    throw new ValidationError(number, BLOCK_METHOD, 'transactions', 'expected full transaction objects')
  }
  let decoded: DecodedBlock
  try {
    decoded = decodeBlock(json, rules)
  } catch (e) {
    throw new ValidationError(number, BLOCK_METHOD, 'block', (e as Error).message)
  }
  const { block } = decoded
  const hash = bytesToHex(block.hash())
  if (hash !== String(json.hash).toLowerCase()) {
    throw new ValidationError(number, BLOCK_METHOD, 'hash', `header hashes to ${hash}, the node says ${json.hash}`)
  }
  const txRoot = bytesToHex(await orderedTrieRoot(block.transactions.map((t) => t.serialize())))
  if (txRoot !== bytesToHex(block.header.transactionsTrie)) {
    throw new ValidationError(number, BLOCK_METHOD, 'transactionsRoot', `transactions hash to ${txRoot}, header has ${bytesToHex(block.header.transactionsTrie)}`)
  }
  if (block.withdrawals !== undefined && !(await block.withdrawalsTrieIsValid())) {
    throw new ValidationError(number, BLOCK_METHOD, 'withdrawalsRoot', 'withdrawals do not hash to the header withdrawalsRoot')
  }
  const s = decoded.senderMismatches[0]
  if (s !== undefined) {
    throw new ValidationError(number, BLOCK_METHOD, `transaction ${s.tx} from`, `the node says ${s.expected}, the signature recovers ${s.actual}`)
  }
  return decoded
}

/** A header's fields in RLP order: the pre-London ones, then each later field when present. */
const HEADER_FIELDS: Array<[key: string, kind: 'bytes' | 'quantity']> = [
  ['parentHash', 'bytes'], ['sha3Uncles', 'bytes'], ['miner', 'bytes'], ['stateRoot', 'bytes'], ['transactionsRoot', 'bytes'],
  ['receiptsRoot', 'bytes'], ['logsBloom', 'bytes'], ['difficulty', 'quantity'], ['number', 'quantity'], ['gasLimit', 'quantity'],
  ['gasUsed', 'quantity'], ['timestamp', 'quantity'], ['extraData', 'bytes'], ['mixHash', 'bytes'], ['nonce', 'bytes'],
]
const OPTIONAL_FIELDS: Array<[string, 'bytes' | 'quantity']> = [
  ['baseFeePerGas', 'quantity'], ['withdrawalsRoot', 'bytes'], ['blobGasUsed', 'quantity'], ['excessBlobGas', 'quantity'],
  ['parentBeaconBlockRoot', 'bytes'], ['requestsHash', 'bytes'],
]

/** A validated header: the fields the fetcher needs, and its RLP fields (for sha3Uncles). */
export interface CheckedHeader {
  number: number
  hash: string
  stateRoot: string
  coinbase: string
  raw: Uint8Array[]
}

/**
 * The RLP fields of a header from its JSON, whatever its fork: every later field that is present
 * is part of the header. Fork-agnostic on purpose: dev nodes put fields in headers their fork
 * does not define (anvil's London genesis carries the blob gas fields, and hashes them).
 */
export function headerFields(json: Record<string, unknown>): Uint8Array[] {
  const out: Uint8Array[] = []
  const add = (key: string, kind: 'bytes' | 'quantity'): void => {
    const v = json[key]
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]*$/.test(v)) throw new Error(`field ${key} is not hex`)
    out.push(kind === 'quantity' ? bigIntToUnpaddedBytes(BigInt(v)) : hexToBytes((v.length % 2 ? '0x0' + v.slice(2) : v) as `0x${string}`))
  }
  for (const [key, kind] of HEADER_FIELDS) add(key, kind)
  // Present fields in order, even with gaps (anvil's London genesis has blob gas fields and no
  // withdrawalsRoot): the recomputed hash is the check, not the field layout.
  for (const [key, kind] of OPTIONAL_FIELDS) if (json[key] !== undefined && json[key] !== null) add(key, kind)
  return out
}

/** A header answer (hashes-only block, uncle): its hash recomputed from its fields; `expectHash` when known. */
export function validateHeader(json: unknown, ctx: { block: number; method: string; what: string; expectHash?: string; number?: number }): CheckedHeader {
  const field = ctx.what
  if (json === null || typeof json !== 'object') throw new ValidationError(ctx.block, ctx.method, field, 'the node has no such header (null)')
  const j = json as Record<string, unknown>
  if (typeof j.number !== 'string' || typeof j.hash !== 'string' || typeof j.stateRoot !== 'string' || typeof j.miner !== 'string') {
    throw new ValidationError(ctx.block, ctx.method, field, 'header lacks number, hash, stateRoot or miner')
  }
  const number = Number(BigInt(j.number))
  if (ctx.number !== undefined && number !== ctx.number) {
    throw new ValidationError(ctx.block, ctx.method, field, `asked for block ${ctx.number}, got ${number}`)
  }
  let raw: Uint8Array[]
  try {
    raw = headerFields(j)
  } catch (e) {
    throw new ValidationError(ctx.block, ctx.method, field, `malformed header: ${(e as Error).message}`)
  }
  const hash = bytesToHex(keccak256(RLP.encode(raw)))
  if (hash !== j.hash.toLowerCase()) throw new ValidationError(ctx.block, ctx.method, field, `header hashes to ${hash}, the node says ${j.hash}`)
  if (ctx.expectHash !== undefined && hash !== ctx.expectHash.toLowerCase()) {
    throw new ValidationError(ctx.block, ctx.method, field, `hash ${hash} is not the expected ${ctx.expectHash}`)
  }
  return { number, hash, stateRoot: j.stateRoot.toLowerCase(), coinbase: j.miner.toLowerCase(), raw }
}

/** EIP-2718 receipt bytes from the RPC JSON; the type is the transaction's, not the receipt's claim. */
export function encodeRpcReceipt(r: RpcReceipt, txType: number): Uint8Array {
  const outcome = r.root !== undefined && r.root !== null && r.status === undefined
    ? hexToBytes(r.root as `0x${string}`)
    : BigInt(r.status ?? '0x0') === 0n ? new Uint8Array() : Uint8Array.from([1])
  const body = RLP.encode([
    outcome,
    bigIntToUnpaddedBytes(BigInt(r.cumulativeGasUsed)),
    hexToBytes(r.logsBloom as `0x${string}`),
    r.logs.map((l) => [hexToBytes(l.address as `0x${string}`), l.topics.map((t) => hexToBytes(t as `0x${string}`)), hexToBytes(l.data as `0x${string}`)]),
  ])
  if (txType === 0) return body
  const out = new Uint8Array(body.length + 1)
  out[0] = txType
  out.set(body, 1)
  return out
}

export async function receiptsRoot(receipts: RpcReceipt[], txTypes: number[]): Promise<string> {
  return bytesToHex(await orderedTrieRoot(receipts.map((r, i) => encodeRpcReceipt(r, txTypes[i]!))))
}

/** Receipts of a block: one per transaction, in order, hashing to the header's receiptsRoot. */
export async function validateReceipts(block: Block, receipts: unknown, method: string): Promise<RpcReceipt[]> {
  const number = Number(block.header.number)
  if (!Array.isArray(receipts)) throw new ValidationError(number, method, 'receipts', 'expected a list')
  const txs = block.transactions
  if (receipts.length !== txs.length) {
    throw new ValidationError(number, method, 'receipts', `${receipts.length} receipts for ${txs.length} transactions`)
  }
  const list = receipts as RpcReceipt[]
  for (const [i, r] of list.entries()) {
    if (r === null || typeof r !== 'object' || typeof r.cumulativeGasUsed !== 'string' || !Array.isArray(r.logs) || typeof r.logsBloom !== 'string') {
      throw new ValidationError(number, method, `receipt ${i}`, 'malformed receipt')
    }
    const txHash = bytesToHex(txs[i]!.hash())
    if (r.transactionHash !== undefined && r.transactionHash.toLowerCase() !== txHash) {
      throw new ValidationError(number, method, `receipt ${i} transactionHash`, `${r.transactionHash} is not transaction ${i} (${txHash})`)
    }
  }
  let root: string
  try {
    root = await receiptsRoot(list, txs.map((t) => t.type))
  } catch (e) {
    throw new ValidationError(number, method, 'receipts', `cannot encode: ${(e as Error).message}`)
  }
  const expected = bytesToHex(block.header.receiptTrie)
  if (root !== expected) throw new ValidationError(number, method, 'receiptsRoot', `receipts hash to ${root}, header has ${expected}`)
  return list
}

/** Ommer headers (each already checked against `uncles[i]`) together hash to the header's sha3Uncles. */
export function validateOmmers(block: Block, headers: CheckedHeader[]): void {
  const root = bytesToHex(keccak256(RLP.encode(headers.map((h) => h.raw))))
  if (root !== bytesToHex(block.header.uncleHash)) {
    const number = Number(block.header.number)
    throw new ValidationError(number, 'eth_getUncleByBlockNumberAndIndex', 'sha3Uncles', `uncle headers hash to ${root}, header has ${bytesToHex(block.header.uncleHash)}`)
  }
}

/** Code bytes against the hash the account (proof) claims. */
export function validateCode(block: number, address: string, codeHex: unknown, codeHash: string): Uint8Array {
  if (typeof codeHex !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(codeHex)) {
    throw new ValidationError(block, 'eth_getCode', `code of ${address}`, 'not hex bytes')
  }
  const code = hexToBytes(codeHex as `0x${string}`)
  const hash = bytesToHex(keccak256(code))
  if (hash !== codeHash.toLowerCase()) {
    throw new ValidationError(block, 'eth_getCode', `code of ${address}`, `hashes to ${hash}, the account's codeHash is ${codeHash}`)
  }
  return code
}
