/**
 * The execution side of Block-STM (the paper's "execute" task): one incarnation of one
 * transaction with `runTx` over a `SpeculativeView` of this worker's multi-version memory
 * replica. Runs inside an execution worker thread, or inline in the coordinator's thread.
 *
 * Per block it rebuilds the block and its pre-state and runs the block's system steps itself
 * (`BlockExecutor.beginBlock`, identical to the coordinator's), so the replica's base is the
 * state before the first transaction without shipping it.
 */
import { isMainThread, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import type { VM } from '@ethereumjs/vm'
import { runTx } from '@ethereumjs/vm'
import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { BlockExecutor, type BlockRun } from '../block-executor.js'
import type { StateLayer } from '../state-layer.js'
import { installJumpDestCache } from '../evm-tuning.js'
import { MVMemory } from './mv-memory.js'
import { installBalanceHooks } from './balance-observer.js'
import { DependencyAbort, SpeculativeView } from './mv-view.js'
import type { BlockTask, ExecBatchDone, ExecDone, ExecResult, ExecTask, PeerUpdate, Update } from './protocol.js'
import { LazyTransactions, inputFromTask, resultToWire, writeSetToWire } from './transfer.js'
import { estimateSenderWrites, versionedWrites } from './versioned-writes.js'

export class ExecutorStateError extends Error {
  override name = 'ExecutorStateError'
}

interface ActiveBlock {
  id: number
  /** Header only: what `runTx` and the system steps need. */
  block: Block
  txs: LazyTransactions
  run: BlockRun
  mv: MVMemory
  beneficiary: string
  /** Set-up time, reported once with the first batch. */
  setupMicros?: number
  claims: Int32Array
  progress: Int32Array
}

/**
 * How long a worker waits for a running transaction whose ESTIMATE it read before giving up
 * and reporting the dependency, ms (a mainnet transaction takes ~0.1–1 ms here).
 */
const DEPENDENCY_WAIT_MS = 3

export class TxExecutor {
  private readonly executor = new BlockExecutor()
  private active: ActiveBlock | null = null
  private readonly hooked = new WeakSet<VM>()
  /** The running incarnation's view; null between transactions (and during system steps). */
  private view: SpeculativeView | null = null
  private peerOut: MessagePort[] = []
  private peerIn: MessagePort[] = []
  /** Waiting blocks the thread: only in an execution worker, never in the coordinator's. */
  private readonly mayWait = !isMainThread
  private readonly waitFor = (blocking: number): boolean => this.awaitRunning(blocking)

  constructor() {
    installJumpDestCache()
  }

  /** The direct channels to the other execution workers (replacing any earlier ones). */
  setPeers(out: MessagePort[], inn: MessagePort[]): void {
    for (const p of [...this.peerOut, ...this.peerIn]) p.close()
    this.peerOut = out
    this.peerIn = inn
  }

  /** Applies the write sets peers posted for the current block (others are stale: dropped). */
  private drainPeers(): void {
    const b = this.active
    for (const port of this.peerIn) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const { b: blockId, u } = m.message as PeerUpdate
        if (b && blockId === b.id && u.k === 'w') b.mv.record(u.tx, u.inc, u.writes, u.code)
      }
    }
  }

  /**
   * An ESTIMATE of `blocking` was read. If it is running in another worker, wait (briefly) for
   * it to finish, then take in its write set: true when it finished (read again), false to
   * report the dependency as before.
   */
  private awaitRunning(blocking: number): boolean {
    const b = this.active
    if (!this.mayWait || !b || this.peerIn.length === 0) return false
    let v = Atomics.load(b.progress, blocking)
    if (v & 1) {
      const deadline = performance.now() + DEPENDENCY_WAIT_MS
      for (let left = DEPENDENCY_WAIT_MS; v & 1 && left > 0; left = deadline - performance.now()) {
        Atomics.wait(b.progress, blocking, v, left)
        v = Atomics.load(b.progress, blocking)
      }
    }
    if (v === 0 || v & 1) return false
    this.drainPeers()
    return true
  }

  private setProgress(b: ActiveBlock, tx: number, value: number): void {
    Atomics.store(b.progress, tx, value)
    // Always: a worker thread may wait on a transaction an inline lane runs.
    Atomics.notify(b.progress, tx)
  }

  async startBlock(task: BlockTask): Promise<void> {
    const t0 = performance.now()
    const input = inputFromTask(task)
    const run = await this.executor.beginBlock(input)
    this.installHooks(run.vm, run.layer)
    const mv = new MVMemory(run.overlay)
    estimateSenderWrites(mv, task.senders)
    this.active = {
      id: task.blockId, block: input.block, txs: new LazyTransactions(task.txCount, input.block.common), run, mv,
      claims: new Int32Array(task.claims),
      progress: new Int32Array(task.progress),
      beneficiary: input.block.header.coinbase.toString(),
      setupMicros: Math.round((performance.now() - t0) * 1000),
    }
  }

  endBlock(blockId: number): void {
    if (this.active?.id === blockId) this.active = null
    // What peers posted for the block is stale now: drop it rather than let it pile up.
    this.drainPeers()
  }

  /**
   * Once per VM: balance observation (balance-observer.ts), and the fee phase — `runTx` calls
   * `evm.runCall` once, and when it returns only refund, fee and cleanup remain (nested calls
   * never go through `runCall`; system steps run with no view, so the hooks stand aside).
   */
  private installHooks(vm: VM, layer: StateLayer): void {
    if (this.hooked.has(vm)) return
    this.hooked.add(vm)
    installBalanceHooks(vm, layer, () => this.view)
    const evm = vm.evm
    const runCall = evm.runCall.bind(evm)
    evm.runCall = async (opts) => {
      const r = await runCall(opts)
      this.view?.enterFeePhase()
      return r
    }
  }

  /** Write sets and ESTIMATE marks recorded since this worker's last task. */
  applyUpdates(updates: Update[]): void {
    const mv = this.requireBlock().mv
    for (const u of updates) {
      if (u.k === 'w') mv.record(u.tx, u.inc, u.writes, u.code)
      else mv.convertWritesToEstimates(u.tx, u.inc, u.alsoAt)
    }
  }

  private requireBlock(): ActiveBlock {
    if (!this.active) throw new ExecutorStateError('execution task without a block')
    return this.active
  }

  /**
   * Runs a batch. With `emit`, each result goes out as soon as it is ready (`partial`) and the
   * returned final message carries none.
   */
  async execute(task: ExecTask, emit?: (partial: ExecBatchDone) => void): Promise<ExecBatchDone> {
    const b = this.requireBlock()
    if (task.blockId !== b.id) throw new ExecutorStateError(`task of block ${task.blockId} while executing block ${b.id}`)
    // Peers first: their write sets were posted before the coordinator heard of them, so an
    // ESTIMATE in this task's updates is newer than any peer write set of that version.
    this.drainPeers()
    this.applyUpdates(task.updates)
    if (task.txs) b.txs.provide(task.txs)
    if (task.delayMs) busyWait(task.delayMs)
    const results: ExecResult[] = []
    const v = task.versions
    for (let j = 0; j < v.length; j += 2) {
      const k = task.steal ? v.length - 2 - j : j
      const tx = v[k]!
      const inc = v[k + 1]!
      // Offered to others too: run it only if this worker is the first to claim it.
      if (Atomics.compareExchange(b.claims, tx, 2 * inc + 1, 2 * inc + 2) !== 2 * inc + 1) continue
      if (j > 0) this.drainPeers()
      const r = await this.executeOne(b, tx, inc)
      if (emit) emit({ t: 'batch', blockId: b.id, results: [r], partial: true })
      else results.push(r)
    }
    const reply: ExecBatchDone = { t: 'batch', blockId: b.id, results }
    if (b.setupMicros !== undefined) {
      reply.setupMicros = b.setupMicros
      b.setupMicros = undefined
    }
    return reply
  }

  private async executeOne(b: ActiveBlock, tx: number, inc: number): Promise<ExecResult> {
    const t0 = performance.now()
    let reply = await this.runIncarnation(b, tx, inc, true)
    // A zero fee whose stand-in beneficiary value may have mattered: once more, read for real.
    if (reply === 'rerun') reply = await this.runIncarnation(b, tx, inc, false)
    if (reply === 'rerun') throw new ExecutorStateError('fee deferral asked for a rerun with deferral off')
    reply.micros = Math.round((performance.now() - t0) * 1000)
    return reply
  }

  private async runIncarnation(b: ActiveBlock, txIdx: number, inc: number, deferFees: boolean): Promise<ExecResult | 'rerun'> {
    const task = { tx: txIdx, inc }
    const { vm, layer } = b.run
    const tx = b.txs.at(task.tx)
    const view = new SpeculativeView(b.mv, task.tx, b.beneficiary, deferFees, this.waitFor)
    this.setProgress(b, txIdx, 2 * inc + 1)
    layer.beginTx(view)
    this.view = view
    let result
    try {
      result = await runTx(vm, { tx, block: b.block, skipHardForkValidation: true, blockGasUsed: 0n })
    } catch (e) {
      layer.endTx()
      resetEvm(vm)
      this.setProgress(b, txIdx, 0)
      if (e instanceof DependencyAbort) {
        return { t: 'dep', blockId: b.id, tx: task.tx, inc: task.inc, blocking: e.blocking, location: e.location, micros: 0 }
      }
      // Invalid in this view (stale nonce or balance) or truly invalid: the coordinator decides,
      // and its verdict comes back to this replica as an update.
      const err = e as Error
      const failed: ExecDone = {
        t: 'done', blockId: b.id, tx: task.tx, inc: task.inc, reads: view.flatReads(),
        writes: { w: [] },
        error: { name: err.name ?? 'Error', message: err.message ?? String(e) }, micros: 0,
      }
      const sender = senderOf(tx)
      if (sender) failed.sender = sender
      return failed
    } finally {
      this.view = null
    }
    const ws = layer.endTx()
    const credits = view.settle(ws)
    if (credits === 'rerun') {
      this.setProgress(b, txIdx, 0)
      return 'rerun'
    }
    const writes = writeSetToWire(ws)
    const reads = view.flatReads()
    // The replica learns its own write set at once, the peers right after; the coordinator's
    // copy of it comes back later.
    const versioned = versionedWrites(writes, reads, b.mv, credits)
    b.mv.record(task.tx, task.inc, versioned, writes.code)
    if (this.peerOut.length > 0) {
      const update: PeerUpdate = { b: b.id, u: { k: 'w', tx: task.tx, inc: task.inc, writes: versioned, code: writes.code } }
      for (const port of this.peerOut) port.postMessage(update)
    }
    this.setProgress(b, txIdx, 2 * inc + 2)
    const done: ExecDone = {
      t: 'done', blockId: b.id, tx: task.tx, inc: task.inc, reads, writes, result: resultToWire(result), micros: 0,
    }
    if (credits.length > 0) done.credits = credits.map((c) => [c.address, c.amount.toString(16)])
    return done
  }
}

/**
 * After `runTx` threw (an ESTIMATE read mid-execution), the EVM's journal may still hold the
 * aborted frames' touched accounts, which the next `runTx` would clean up through the next
 * transaction's view. A block never continues after a throw sequentially, so reset here.
 */
function resetEvm(vm: VM): void {
  vm.evm.journal.cleanJournal()
  const transient = (vm.evm as unknown as { transientStorage: { clear(): void; _indices: number[] } }).transientStorage
  transient.clear()
  transient._indices = []
}

function senderOf(tx: TypedTransaction): string | undefined {
  try {
    return tx.getSenderAddress().toString()
  } catch {
    return undefined
  }
}

/** Stress mode only: holds the thread, as a slow transaction would. */
function busyWait(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) { /* spin */ }
}
