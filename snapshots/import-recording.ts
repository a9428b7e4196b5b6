/**
 * Recorded JSON-RPC answers (the ../shared/mainnet-rpc format: `{chainId, block, calls}`) as a
 * stored block: the block, its pre-state from the verified `eth_getProof` answers at the
 * parent, code from `eth_getCode`, ancestor hashes from recorded headers, and the proofs
 * themselves as the block's witness (so replay checks the stateRoot).
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { hexToBytes } from '@ethereumjs/util'
import type { AccountData } from '../core/types.js'
import { codeHashOf } from '../core/execute/prestate.js'
import { EMPTY_CODE_HASH, ZERO_WORD } from '../core/execute/state-layer.js'
import { encodePreState } from '../storage/codec.js'
import type { BlockRecord } from '../storage/store.js'
import { verifyProofs, type EthAccountProof } from '../core/verify/witness/index.js'
import { FixtureError } from './fixture-document.js'

interface Call { method: string; params: unknown[]; result: unknown }
interface Recording { chainId: number; block: number; calls: Call[] }
interface RpcBlock { number: string; hash: string; parentHash: string; stateRoot: string; timestamp: string; gasUsed: string; transactions: unknown[]; uncles?: string[] }

export function isRecording(doc: unknown): doc is Recording {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as Recording).calls) && typeof (doc as Recording).block === 'number'
}

export function readRecording(path: string): Recording {
  let doc: unknown
  try {
    const bytes = readFileSync(path)
    doc = JSON.parse((bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8'))
  } catch (e) {
    throw new FixtureError(`${path}: ${(e as Error).message}`)
  }
  if (!isRecording(doc)) throw new FixtureError(`${path}: not an RPC recording ({chainId, block, calls})`)
  return doc
}

const num = (tag: unknown): number => Number(BigInt(tag as string))

export function recordingToRecord(rec: Recording, file: string): BlockRecord {
  const blocks = rec.calls.filter((c) => c.method === 'eth_getBlockByNumber').map((c) => c.result as RpcBlock)
  const block = blocks.find((b) => num(b.number) === rec.block)
  const parent = blocks.find((b) => num(b.number) === rec.block - 1)
  if (!block || !parent) throw new FixtureError(`${file}: block ${rec.block} or its parent is not recorded`)
  if (!block.transactions.every((t) => typeof t === 'object')) throw new FixtureError(`${file}: block ${rec.block} lacks full transactions`)
  const proofsAt = (n: number): EthAccountProof[] =>
    rec.calls.filter((c) => c.method === 'eth_getProof' && num(c.params[2]) === n).map((c) => c.result as EthAccountProof)
  const pre = proofsAt(rec.block - 1)
  const post = proofsAt(rec.block)
  let verified
  try {
    verified = verifyProofs(parent.stateRoot, pre)
  } catch (e) {
    throw new FixtureError(`${file}: parent proof invalid: ${(e as Error).message}`)
  }
  const codes = new Map<string, Uint8Array>()
  for (const c of rec.calls) {
    if (c.method !== 'eth_getCode' || c.result === '0x') continue
    const code = hexToBytes(c.result as `0x${string}`)
    codes.set(codeHashOf(code), code)
  }
  const accounts = new Map<string, AccountData | null>()
  const storage = new Map<string, Map<string, string>>()
  for (const v of verified) {
    const address = v.address.toLowerCase()
    if (!v.account) {
      accounts.set(address, null)
      continue
    }
    if (v.account.codeHash !== EMPTY_CODE_HASH && !codes.has(v.account.codeHash)) {
      throw new FixtureError(`${file}: code ${v.account.codeHash} of ${address} is not recorded`)
    }
    const prev = accounts.get(address)
    accounts.set(address, prev ?? { nonce: v.account.nonce, balance: v.account.balance, codeHash: v.account.codeHash, storageRoot: v.account.storageRoot })
    const slots = storage.get(address) ?? new Map<string, string>()
    for (const [slot, value] of v.storage) if (value !== ZERO_WORD) slots.set(slot, value)
    if (slots.size > 0) storage.set(address, slots)
  }
  const used = new Map([...codes].filter(([h]) => [...accounts.values()].some((a) => a?.codeHash === h)))
  return {
    number: rec.block,
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    timestamp: num(block.timestamp),
    txCount: block.transactions.length,
    gasUsed: num(block.gasUsed),
    body: block,
    prestate: encodePreState(accounts, storage),
    codes: used,
    hashes: new Map(blocks.filter((b) => num(b.number) < rec.block).map((b) => [num(b.number), b.hash.toLowerCase()])),
    witness: { kind: 'proofs', data: { parentStateRoot: parent.stateRoot.toLowerCase(), pre, post } },
    source: `recording ${file}`,
  }
}
