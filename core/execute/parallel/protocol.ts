/**
 * Messages between the Block-STM coordinator and its execution workers, and between workers.
 * Never one per read: a worker holds the block, its pre-state and a replica of the
 * multi-version memory, which rides along with each batch of tasks as the write sets (and
 * ESTIMATE marks) recorded since that worker's previous batch, and which peers also post to
 * each other directly. Each result goes back on its own as soon as it is ready.
 */
import type { MessagePort } from 'node:worker_threads'

/** What a worker needs to rebuild the block's `Common` (fork, EIPs, chain parameters). */
export interface CommonSpec {
  chain: unknown
  hardfork: string
  eips: number[]
  params: unknown
  /** Names of the `customCrypto` functions set (the worker supplies its own, from crypto.ts). */
  crypto: string[]
}

/** A `PreState`, flattened for structured cloning. */
export interface PreStateTransfer {
  /** [address, nonce hex, balance hex, codeHash, storageRoot or ""] */
  accounts: Array<[string, string, string, string, string]>
  storage: Array<[string, Array<[string, string]>]>
  codes: Array<[string, Uint8Array]>
}

export interface BlockTask {
  t: 'block'
  blockId: number
  number: string
  /** The header, RLP (the worker's block carries no transactions: they come with the tasks). */
  header: Uint8Array
  txCount: number
  /**
   * Shared claim slots, one per transaction (Int32): 2·inc+1 = version (tx, inc) offered,
   * 2·inc+2 = claimed. A version may be offered to several workers; the first to claim it
   * (compare-and-exchange) runs it, the others skip it — work moves to whoever is free, without
   * a message.
   */
  claims: SharedArrayBuffer
  /**
   * Shared progress slots, one per transaction (Int32): 2·inc+1 while incarnation inc runs in
   * some worker, 2·inc+2 once it finished and its write set went to the peers, 0 otherwise.
   * A worker that reads an ESTIMATE of a running transaction waits on its slot (briefly)
   * instead of aborting.
   */
  progress: SharedArrayBuffer
  /** The senders' addresses (each transaction writes its sender's account). */
  senders: string[]
  common: CommonSpec
  preState: PreStateTransfer
  /** Ancestor hashes for BLOCKHASH: [number (decimal), hash]. */
  hashes: Array<[string, Uint8Array]>
  ommerCount: number
  ommers?: Array<{ number: string; coinbase: string }>
  rewards: boolean
  daoFork: boolean
}

/** A recorded write set (flat [location, value, …]) or an ESTIMATE mark, for a replica. */
export type Update =
  | { k: 'w'; tx: number; inc: number; writes: string[]; code?: Array<[string, Uint8Array]> }
  | { k: 'e'; tx: number; inc: number; alsoAt?: string[] }

/** A batch of execution tasks, run in order if claimed (each sees the writes of those before it). */
export interface ExecTask {
  t: 'exec'
  blockId: number
  /** Versions to execute: [tx, incarnation, tx, incarnation, …]. */
  versions: number[]
  updates: Update[]
  /**
   * Transactions this worker has not had yet: [index, constructor fields, sender public key].
   * Shipped with the first task that needs them.
   */
  txs?: Array<[number, Record<string, unknown>, Uint8Array]>
  /**
   * A copy of another worker's batch, offered for the taking: run from the end backwards (the
   * owner runs from the front), as a thief takes from the far end of a work-stealing deque.
   */
  steal?: boolean
  /** Stress mode: busy-wait this long before executing (perturbs completion order). */
  delayMs?: number
}

export interface EndTask {
  t: 'end'
  blockId: number
}

/**
 * Direct channels between execution workers (sent when the set of workers changes): each
 * worker posts every write set it records to its peers at once, and drains what they posted
 * before each transaction, so its replica does not wait for the coordinator's forwarding.
 * Advisory only: the coordinator still forwards everything and validates every read.
 */
export interface PeersTask {
  t: 'peers'
  /** Not a block's (ids start at 1). */
  blockId: 0
  /** Ports to the other workers. */
  out: MessagePort[]
  /** Ports from the other workers. */
  in: MessagePort[]
}

/** What a worker posts to its peers: a write set of block `b`. */
export interface PeerUpdate {
  b: number
  u: Update
}

export type CoordinatorMessage = BlockTask | ExecTask | EndTask | PeersTask

/**
 * The parts of a `RunTxResult` the block needs (receipts, gas, requests), compact: structured
 * cloning is per object, so a transfer's result is a handful of strings.
 */
export interface TxResultWire {
  /** totalGasSpent, blockGasSpent, amountSpent, minerValue, gasRefund, executionGasUsed: hex, ':'-joined. */
  gas: string
  /** 'status' (Byzantium on), 'root' (before: the state root, zero here, set at commit), or 'blob'. */
  receiptKind: 'status' | 'root' | 'blob'
  status?: number
  blobGasUsed?: bigint
  blobGasPrice?: bigint
  /** Present only when there are logs (the bloom of no logs is all zero). */
  logs?: Array<[Uint8Array, Uint8Array[], Uint8Array]>
  bitvector?: Uint8Array
  returnValue?: Uint8Array
  exceptionError?: string
  createdAddress?: string
}

/** A write set as flat strings: 'a', address, account | 'x' · 's', address, slot, value · 'c', address. */
export interface WriteSetWire {
  w: string[]
  code?: Array<[string, Uint8Array]>
}

export interface ExecDone {
  t: 'done'
  blockId: number
  tx: number
  inc: number
  /** Read set: [location, encoded value, …]. */
  reads: string[]
  /** The transaction's writes as the state layer gave them, less the accounts only credited. */
  writes: WriteSetWire
  /** Balance credits applied at commit to whatever the account then is: [address, amount hex]. */
  credits?: Array<[string, string]>
  result?: TxResultWire
  /** The transaction itself failed (invalid in this incarnation's view, or truly invalid). */
  error?: { name: string; message: string }
  /** With `error`: the sender, whose account any valid incarnation writes (nonce). */
  sender?: string
  micros: number
}

export interface ExecDependency {
  t: 'dep'
  blockId: number
  tx: number
  inc: number
  blocking: number
  /** The location whose ESTIMATE stopped it. */
  location: string
  micros: number
}

export interface WorkerFatal {
  t: 'fatal'
  blockId: number
  message: string
}

export type ExecResult = ExecDone | ExecDependency

/** A result (`partial`), or the end of a batch (with setup time once per block). */
export interface ExecBatchDone {
  t: 'batch'
  blockId: number
  /** The versions this worker claimed and ran (possibly none). */
  results: ExecResult[]
  /** With the block's first batch: how long the worker took to set the block up, µs. */
  setupMicros?: number
  /**
   * One result sent as soon as it was ready, ahead of its batch's final message (peers may
   * already have read its write set: the coordinator must not lag behind them).
   */
  partial?: boolean
}

export type WorkerMessage = ExecBatchDone | WorkerFatal
