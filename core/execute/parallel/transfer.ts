/**
 * Handing a block to execution workers and results back: the header as RLP, the transactions
 * as constructor fields (each shipped with the first task that needs it), the fork as a
 * `Common` spec, the pre-state flattened, ancestor hashes as a list; a transaction's result as
 * the cloneable parts of `RunTxResult`, its write set as flat strings.
 */
import { Common } from '@ethereumjs/common'
import { Block, createBlockHeaderFromRLP } from '@ethereumjs/block'
import { createTx, type TypedTransaction } from '@ethereumjs/tx'
import { Bloom } from '@ethereumjs/vm'
import { bytesToHex, createAddressFromString } from '@ethereumjs/util'
import type { RunTxResult, TxReceipt } from '@ethereumjs/vm'
import type { BlockInput } from '../block-executor.js'
import * as crypto from '../crypto.js'
import { internCode } from '../code-cache.js'
import { shareCommon } from '../evm-tuning.js'
import { PreState, type PreAccount } from '../prestate.js'
import { EMPTY_CODE_HASH, type WriteSet } from '../state-layer.js'
import type { StateView } from '../../types.js'
import type { BlockTask, CommonSpec, PreStateTransfer, TxResultWire, WriteSetWire } from './protocol.js'
import { decodeAccount, encodeAccount } from './locations.js'

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
    header: input.block.header.serialize(),
    txCount: input.block.transactions.length,
    claims: new SharedArrayBuffer(4 * input.block.transactions.length),
    progress: new SharedArrayBuffer(4 * input.block.transactions.length),
    senders: senderAddresses(input.block),
    common: commonSpec(input.block.common),
    preState,
    hashes,
    ommerCount: input.ommerCount,
    ommers: input.ommers?.map((o) => ({ number: o.number.toString(), coinbase: o.coinbase })),
    rewards: input.rewards,
    daoFork: input.daoFork,
  }
}

/** Transaction fields as a constructor takes them: bigints and bytes, cloned as they are. */
export type TxFields = Record<string, unknown>

/** Every field any transaction type's constructor reads (what it derives, it derives again). */
const TX_FIELDS = [
  'type', 'nonce', 'gasPrice', 'gasLimit', 'value', 'data', 'v', 'r', 's', 'chainId', 'accessList',
  'maxPriorityFeePerGas', 'maxFeePerGas', 'maxFeePerBlobGas', 'blobVersionedHashes', 'authorizationList',
] as const

/**
 * The fields of a decoded transaction, for a worker to rebuild it: no RLP either side (RLP
 * encoding here cost ~11 µs a transaction, on the coordinator's critical path).
 */
export function txFields(tx: TypedTransaction): TxFields {
  const t = tx as unknown as Record<string, unknown>
  const out: TxFields = {}
  for (const k of TX_FIELDS) if (t[k] !== undefined) out[k] = t[k]
  if (tx.to !== undefined) out.to = tx.to.bytes
  return out
}

/**
 * A block's transactions as shipped to workers, on first demand (each worker gets each
 * transaction at most once, with the first task that runs it).
 */
export class ShippedTransactions {
  private readonly fields: Array<TxFields | undefined>
  /** Per lane: which transactions it has. */
  private readonly shipped: Uint8Array[]

  constructor(private readonly block: Block, lanes: number) {
    this.fields = new Array(block.transactions.length).fill(undefined)
    this.shipped = Array.from({ length: lanes }, () => new Uint8Array(block.transactions.length))
  }

  /** What `lane` lacks among these versions ([tx, inc, …]). */
  forLane(lane: number, versions: number[]): Array<[number, TxFields, Uint8Array]> | undefined {
    let out: Array<[number, TxFields, Uint8Array]> | undefined
    const have = this.shipped[lane]!
    for (let k = 0; k < versions.length; k += 2) {
      const i = versions[k]!
      if (have[i]) continue
      have[i] = 1
      const tx = this.block.transactions[i]!
      ;(out ??= []).push([i, (this.fields[i] ??= txFields(tx)), tx.getSenderPublicKey()])
    }
    return out
  }
}

/** Sender addresses from the cached public keys (one keccak each). */
export function senderAddresses(block: Block): string[] {
  return block.transactions.map((tx) => bytesToHex(crypto.keccak256(tx.getSenderPublicKey()).subarray(12)))
}

/**
 * A block's transactions in a worker, decoded on first use: each worker runs only some of
 * them, and decoding is a good part of a simple transfer's cost.
 */
export class LazyTransactions {
  private readonly raw: Array<[TxFields, Uint8Array] | undefined>
  private readonly decoded: Array<TypedTransaction | undefined>

  constructor(count: number, private readonly common: Common) {
    this.raw = new Array(count).fill(undefined)
    this.decoded = new Array(count).fill(undefined)
  }

  provide(shipped: Array<[number, TxFields, Uint8Array]>): void {
    for (const [i, fields, key] of shipped) this.raw[i] = [fields, key]
  }

  at(i: number): TypedTransaction {
    let tx = this.decoded[i]
    if (!tx) {
      const raw = this.raw[i]
      if (!raw) throw new TransferError(`transaction ${i} was not shipped to this worker`)
      tx = createTx(raw[0] as never, { common: this.common })
      // The coordinator recovered the sender already.
      ;(tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = raw[1]
      this.decoded[i] = tx
    }
    return tx
  }
}

/**
 * The worker's side: the block's `BlockInput` for its system steps, with a header-only block
 * (the transactions come from `LazyTransactions`).
 */
export function inputFromTask(task: BlockTask): BlockInput {
  const common = commonFromSpec(task.common)
  const header = createBlockHeaderFromRLP(task.header, { common, skipConsensusFormatValidation: true })
  const block = new Block(header, [], [], undefined, { common })
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
  const receipt = r.receipt as TxReceipt & { status?: number; stateRoot?: Uint8Array; blobGasUsed?: bigint; blobGasPrice?: bigint }
  const out: TxResultWire = {
    gas: [r.totalGasSpent, r.blockGasSpent ?? r.totalGasSpent, r.amountSpent, r.minerValue, r.gasRefund, e.executionGasUsed]
      .map((x) => x.toString(16)).join(':'),
    receiptKind: receipt.stateRoot !== undefined ? 'root' : receipt.blobGasUsed !== undefined ? 'blob' : 'status',
  }
  if (receipt.status !== undefined) out.status = receipt.status
  if (receipt.blobGasUsed !== undefined) {
    out.blobGasUsed = receipt.blobGasUsed
    out.blobGasPrice = receipt.blobGasPrice
  }
  if (receipt.logs.length > 0) {
    out.logs = receipt.logs
    out.bitvector = receipt.bitvector
  }
  if (e.returnValue.length > 0) out.returnValue = e.returnValue
  if (e.exceptionError) out.exceptionError = e.exceptionError.error
  if (r.createdAddress) out.createdAddress = r.createdAddress.toString()
  return out
}

const ZERO_BLOOM = new Uint8Array(256)

/** A `RunTxResult` with the fields the block and its verification use; the receipt as `runTx` builds it. */
export function resultFromWire(w: TxResultWire, common: Common): RunTxResult {
  const [totalGasSpent, blockGasSpent, amountSpent, minerValue, gasRefund, executionGasUsed] = w.gas.split(':').map((x) => BigInt('0x' + x)) as [
    bigint, bigint, bigint, bigint, bigint, bigint,
  ]
  const logs = w.logs ?? []
  const base = { cumulativeBlockGasUsed: totalGasSpent, bitvector: w.bitvector ?? ZERO_BLOOM.slice(), logs }
  const receipt: TxReceipt = w.receiptKind === 'root'
    ? { stateRoot: new Uint8Array(32), ...base }
    : w.receiptKind === 'blob'
      ? { blobGasUsed: w.blobGasUsed!, blobGasPrice: w.blobGasPrice!, status: w.status as 0 | 1, ...base }
      : { status: w.status as 0 | 1, ...base }
  const exceptionError = w.exceptionError === undefined ? undefined : { error: w.exceptionError, errorType: 'EVMError' }
  return {
    totalGasSpent, blockGasSpent, amountSpent, minerValue, gasRefund,
    blobGasUsed: w.blobGasUsed,
    createdAddress: w.createdAddress ? createAddressFromString(w.createdAddress) : undefined,
    bloom: new Bloom(base.bitvector, common),
    receipt,
    execResult: { executionGasUsed, returnValue: w.returnValue ?? new Uint8Array(0), logs, exceptionError },
  } as unknown as RunTxResult
}

export function writeSetToWire(ws: WriteSet): WriteSetWire {
  const w: string[] = []
  for (const addr of ws.cleared) w.push('c', addr)
  for (const [addr, acc] of ws.accounts) w.push('a', addr, encodeAccount(acc))
  for (const [addr, slots] of ws.storage) for (const [slot, v] of slots) w.push('s', addr, slot, v)
  const out: WriteSetWire = { w }
  if (ws.code.size > 0) out.code = [...ws.code]
  return out
}

export function writeSetFromWire(wire: WriteSetWire): WriteSet {
  const ws: WriteSet = { accounts: new Map(), cleared: new Set(), storage: new Map(), code: new Map(wire.code ?? []) }
  const w = wire.w
  for (let k = 0; k < w.length;) {
    const tag = w[k]!
    if (tag === 'c') {
      ws.cleared.add(w[k + 1]!)
      k += 2
    } else if (tag === 'a') {
      ws.accounts.set(w[k + 1]!, decodeAccount(w[k + 2]!) ?? null)
      k += 3
    } else {
      let slots = ws.storage.get(w[k + 1]!)
      if (!slots) ws.storage.set(w[k + 1]!, (slots = new Map()))
      slots.set(w[k + 2]!, w[k + 3]!)
      k += 4
    }
  }
  return ws
}
