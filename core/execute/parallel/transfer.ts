/**
 * Handing a block to execution workers and results back: the block as RLP, its fork as a
 * `Common` spec, its pre-state flattened, ancestor hashes as a list; a transaction's result as
 * the cloneable parts of `RunTxResult`.
 */
import { Common } from '@ethereumjs/common'
import { createBlockFromRLP, type Block } from '@ethereumjs/block'
import { Bloom } from '@ethereumjs/vm'
import { createAddressFromString } from '@ethereumjs/util'
import type { RunTxResult } from '@ethereumjs/vm'
import type { BlockInput } from '../block-executor.js'
import * as crypto from '../crypto.js'
import { internCode } from '../code-cache.js'
import { shareCommon } from '../evm-tuning.js'
import { PreState, type PreAccount } from '../prestate.js'
import { EMPTY_CODE_HASH } from '../state-layer.js'
import type { StateView } from '../../types.js'
import type { BlockTask, CommonSpec, PreStateTransfer, TxResultWire } from './protocol.js'

export class TransferError extends Error {
  override name = 'TransferError'
}

interface CommonInternals {
  _chainParams: unknown
  _params: unknown
}

export function commonSpec(common: Common): CommonSpec {
  const c = common as unknown as CommonInternals
  return {
    chain: c._chainParams, hardfork: common.hardfork(), eips: [...common.eips()], params: c._params,
    crypto: Object.keys(common.customCrypto).filter((k) => (common.customCrypto as Record<string, unknown>)[k] !== undefined),
  }
}

/** The worker's own implementations of the coordinator's custom crypto functions, by name. */
function customCryptoOf(names: string[]): Record<string, unknown> {
  const mine = crypto as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const name of names) {
    if (mine[name] === undefined) throw new TransferError(`the block's Common uses customCrypto.${name}, which crypto.ts does not export`)
    out[name] = mine[name]
  }
  return out
}

const commons = new Map<string, Common>()

/**
 * One `Common` per spec and thread, never mutated afterwards (so shared like chain.ts's):
 * VMs are cached per `Common` instance.
 */
export function commonFromSpec(spec: CommonSpec): Common {
  const key = JSON.stringify(spec)
  let c = commons.get(key)
  if (!c) {
    c = shareCommon(new Common({
      chain: spec.chain as never, hardfork: spec.hardfork, eips: spec.eips, params: spec.params as never,
      customCrypto: customCryptoOf(spec.crypto) as never,
    }))
    commons.set(key, c)
  }
  return c
}

/** Only an in-memory `PreState` can be enumerated and shipped; lazy views cannot. */
export function preStateTransfer(view: StateView): PreStateTransfer | undefined {
  if (!(view instanceof PreState)) return undefined
  const out: PreStateTransfer = { accounts: [], storage: [], codes: [] }
  const seenCode = new Set<string>()
  for (const [addr, a] of view.entries()) {
    out.accounts.push([addr, a.nonce.toString(16), a.balance.toString(16), a.codeHash, a.storageRoot ?? ''])
    const slots = view.storageOf(addr)
    if (slots && slots.size > 0) out.storage.push([addr, [...slots]])
    if (a.codeHash !== EMPTY_CODE_HASH && !seenCode.has(a.codeHash)) {
      seenCode.add(a.codeHash)
      const code = view.getCode(a.codeHash)
      if (code) out.codes.push([a.codeHash, code])
    }
  }
  return out
}

export function preStateFromTransfer(t: PreStateTransfer): PreState {
  const storage = new Map(t.storage.map(([addr, slots]) => [addr, new Map(slots)]))
  const accounts = new Map<string, PreAccount | null>()
  for (const [addr, nonce, balance, codeHash, storageRoot] of t.accounts) {
    accounts.set(addr, {
      nonce: BigInt('0x' + nonce), balance: BigInt('0x' + balance), codeHash,
      storageRoot: storageRoot === '' ? undefined : storageRoot, storage: storage.get(addr),
    })
  }
  // Interned: one array per code hash across blocks keeps the jump-destination cache hot.
  return new PreState(accounts, new Map(t.codes.map(([h, c]) => [h, internCode(h, c)])))
}

/** The block message for workers; undefined when the pre-state cannot be shipped. */
export function blockTask(input: BlockInput, blockId: number): BlockTask | undefined {
  const preState = preStateTransfer(input.preState)
  if (!preState) return undefined
  const number = input.block.header.number
  const hashes: Array<[string, Uint8Array]> = []
  for (let n = number > 256n ? number - 256n : 0n; n < number; n++) {
    const h = input.blockHash(n)
    if (h) hashes.push([n.toString(), h])
  }
  return {
    t: 'block',
    blockId,
    number: number.toString(),
    rlp: input.block.serialize(),
    senders: senderKeys(input.block),
    common: commonSpec(input.block.common),
    preState,
    hashes,
    ommerCount: input.ommerCount,
    ommers: input.ommers?.map((o) => ({ number: o.number.toString(), coinbase: o.coinbase })),
    rewards: input.rewards,
    daoFork: input.daoFork,
  }
}

/** Sender public keys (cached on the transactions after decoding: no recovery here). */
function senderKeys(block: Block): Uint8Array {
  const out = new Uint8Array(block.transactions.length * 64)
  block.transactions.forEach((tx, i) => out.set(tx.getSenderPublicKey(), i * 64))
  return out
}

/** The worker's side: the same `BlockInput`, rebuilt. */
export function inputFromTask(task: BlockTask): BlockInput {
  const common = commonFromSpec(task.common)
  // Frozen (the default from RLP): each transaction then caches its recovered sender.
  const block = createBlockFromRLP(task.rlp, { common, skipConsensusFormatValidation: true })
  block.transactions.forEach((tx, i) => {
    (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = task.senders.subarray(i * 64, i * 64 + 64)
  })
  const hashes = new Map(task.hashes.map(([n, h]) => [BigInt(n), h]))
  return {
    block,
    preState: preStateFromTransfer(task.preState),
    blockHash: (n) => hashes.get(n),
    ommerCount: task.ommerCount,
    ommers: task.ommers?.map((o) => ({ number: BigInt(o.number), coinbase: o.coinbase })),
    rewards: task.rewards,
    daoFork: task.daoFork,
  }
}

export function resultToWire(r: RunTxResult): TxResultWire {
  const e = r.execResult
  const out: TxResultWire = {
    totalGasSpent: r.totalGasSpent,
    blockGasSpent: r.blockGasSpent ?? r.totalGasSpent,
    amountSpent: r.amountSpent,
    minerValue: r.minerValue,
    gasRefund: r.gasRefund,
    executionGasUsed: e.executionGasUsed,
    returnValue: e.returnValue,
    receipt: r.receipt,
  }
  if (e.exceptionError) out.exceptionError = { error: e.exceptionError.error, errorType: e.exceptionError.errorType }
  if (r.createdAddress) out.createdAddress = r.createdAddress.toString()
  if (r.blobGasUsed !== undefined) out.blobGasUsed = r.blobGasUsed
  return out
}

/** A `RunTxResult` with the fields the block and its verification use. */
export function resultFromWire(w: TxResultWire, common: Common): RunTxResult {
  return {
    totalGasSpent: w.totalGasSpent,
    blockGasSpent: w.blockGasSpent,
    amountSpent: w.amountSpent,
    minerValue: w.minerValue,
    gasRefund: w.gasRefund,
    blobGasUsed: w.blobGasUsed,
    createdAddress: w.createdAddress ? createAddressFromString(w.createdAddress) : undefined,
    bloom: new Bloom(w.receipt.bitvector, common),
    receipt: w.receipt,
    execResult: {
      executionGasUsed: w.executionGasUsed,
      returnValue: w.returnValue,
      logs: w.receipt.logs,
      exceptionError: w.exceptionError,
    },
  } as unknown as RunTxResult
}
