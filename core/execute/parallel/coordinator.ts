/**
 * The Block-STM coordinator for one block. It owns the authoritative multi-version memory and
 * the scheduler; execution tasks go to lanes (worker threads), validation tasks run here (a
 * read-set check is microseconds, an execution ~0.1–1 ms). Each execution message carries the
 * replica updates recorded since that lane's previous message (and lanes post their write sets
 * to each other directly), so a worker never waits on a message round trip to read.
 *
 * Placement: versions go out in batches sized to ~1.5 ms of work. A transaction whose sender's
 * previous transaction is queued or running in a lane goes to that lane (a chain of one sender
 * runs in one worker, each transaction seeing the one before); one stopped by an ESTIMATE of a
 * transaction queued or running in a lane is queued right behind it there. Batches are also
 * offered to other lanes with room, which take them from the far end; shared claim slots make
 * sure each version runs once — work moves to whoever is free, without a message.
 *
 * Commit is in order and is the final word on correctness: transaction i commits only when
 * its read set matches the committed prefix (the `Overlay` the sequential executor would have
 * after i-1), so the block's result is the sequential one whatever the speculation did. The
 * scheduler's own validations only catch conflicts early.
 */
import { Hardfork } from '@ethereumjs/common'
import type { BlockExecutor, BlockRun, ExecuteOptions, TxOutcome } from '../block-executor.js'
import { Overlay } from '../overlay.js'
import type { Lane } from './lanes.js'
import { accountLoc, addressOf, creditAccount, encodeAccount, encodeMeta, kindOf } from './locations.js'
import { BASE, MVMemory } from './mv-memory.js'
import type { Perturbation } from './perturbation.js'
import type { BlockTask, CoordinatorMessage, ExecDone, ExecResult, ExecTask, Update, WorkerMessage } from './protocol.js'
import { Scheduler, SchedulerError, TxStatus, type Version } from './scheduler.js'
import { DependencyGraphBuilder, type DependencyGraph, type WorkCounts } from './stats.js'
import { ShippedTransactions, resultFromWire, writeSetFromWire, writeSetToWire } from './transfer.js'
import { estimateSenderWrites, readMap, versionedWrites } from './versioned-writes.js'

/** Work per execution message, µs: a message round trip costs ~15–55 µs. */
const BATCH_MICROS = 1500
const MAX_BATCH = 64
/** Versions one dispatch may take from the scheduler (diverted ones included). */
const MAX_PULL = 256
/** Before any transaction of the block has run: a typical mainnet transaction. */
const INITIAL_MICROS = 400

export class BlockStmWorkerError extends Error {
  override name = 'BlockStmWorkerError'
}

export interface SessionOptions {
  /** Execution tasks in flight per lane: the next one waits in the lane while it runs one. */
  prefetch: number
  perturb?: Perturbation
  /** Failed commit validations of one transaction before it runs on the coordinator instead. */
  maxCommitFailures: number
}

export interface SessionResult {
  txs: TxOutcome[]
  counts: WorkCounts
  /** Location → failed validations and ESTIMATE stops there. */
  conflicts: Map<string, number>
  coordinatorMs: number
  workerSetupMs: number
  graph: DependencyGraph
}

/** Hands a block to the lanes (they decode it and run its system steps meanwhile). */
export function announce(lanes: Lane[], task: BlockTask): void {
  for (const lane of lanes) {
    lane.busy(true)
    lane.post(task)
  }
}

/** The block is over for the lanes (after a failure before its session began). */
export function release(lanes: Lane[], blockId: number): void {
  for (const lane of lanes) {
    if (!lane.dead) lane.post({ t: 'end', blockId })
    lane.busy(false)
  }
}

/** A copy of the state before the first transaction (the run's overlay keeps changing). */
function snapshot(o: Overlay): Overlay {
  const copy = new Overlay(o.base)
  copy.apply({
    accounts: new Map(o.accounts),
    cleared: new Set(o.cleared),
    storage: new Map([...o.storage].map(([a, s]) => [a, new Map(s)])),
    code: new Map(o.code),
  })
  return copy
}

export class BlockSession {
  private readonly n: number
  private readonly scheduler: Scheduler
  private readonly mv: MVMemory
  private readonly beneficiary: string
  private readonly byzantium: boolean
  private readonly outcomes: Array<ExecDone | undefined>
  private readonly mvWrites: Array<string[] | undefined>
  private readonly commitFailures: number[]
  private readonly log: Update[] = []
  private readonly logOrigin: number[] = []
  private readonly cursor: number[]
  private readonly inflight: number[]
  private readonly outbox: Array<Promise<void>>
  private readonly retry: Version[] = []
  private readonly inbox: Array<{ lane: number; msg: WorkerMessage }> = []
  private readonly shipped: ShippedTransactions
  /** The claim slots shared with the workers (see BlockTask.claims). */
  private readonly claims: Int32Array
  /** Per transaction: the lane it is queued on or running in, -1 if none. */
  private readonly laneOf: Int32Array
  /** Per transaction: the previous transaction of the same sender (its nonce predecessor), -1 if none. */
  private readonly prevOfSender: Int32Array
  private processing = false
  private settled = false
  private committed = 0
  private receiptGas = 0n
  private readonly txs: TxOutcome[] = []
  private readonly graphBuilder = new DependencyGraphBuilder()
  private readonly conflicts = new Map<string, number>()
  /** Recent execution times, µs: their median sizes batches (a mean would follow the rare long ones). */
  private readonly recentMicros = new Array<number>(15).fill(INITIAL_MICROS)
  private recentAt = 0
  /** Time this thread spent coordinating (validation, commit, dispatch). */
  private busyMs = 0
  /** The slowest worker's block set-up. */
  private workerSetupMs = 0
  private readonly micros: number[] = []
  private readonly gas: number[] = []
  private readonly counts: WorkCounts = {
    executions: 0, validationAborts: 0, dependencyAborts: 0, validationFailures: 0, commitValidationFailures: 0,
    deferredFees: 0, credits: 0, fallbacks: 0, staleFailures: 0, messages: 0,
  }
  private resolve!: (r: SessionResult) => void
  private reject!: (e: Error) => void

  constructor(
    private readonly id: number,
    private readonly run: BlockRun,
    private readonly lanes: Lane[],
    private readonly executor: BlockExecutor,
    private readonly opts: SessionOptions,
    private readonly execOpts: ExecuteOptions,
    senders: string[],
    claims: SharedArrayBuffer,
  ) {
    this.claims = new Int32Array(claims)
    const block = run.input.block
    this.n = block.transactions.length
    this.scheduler = new Scheduler(this.n)
    this.mv = new MVMemory(snapshot(run.overlay))
    estimateSenderWrites(this.mv, senders)
    this.beneficiary = block.header.coinbase.toString()
    this.byzantium = block.common.gteHardfork(Hardfork.Byzantium)
    this.outcomes = new Array(this.n).fill(undefined)
    this.mvWrites = new Array(this.n).fill(undefined)
    this.commitFailures = new Array<number>(this.n).fill(0)
    this.shipped = new ShippedTransactions(block, lanes.length)
    this.laneOf = new Int32Array(this.n).fill(-1)
    this.prevOfSender = previousOfSameSender(senders)
    this.cursor = lanes.map(() => 0)
    this.inflight = lanes.map(() => 0)
    this.outbox = lanes.map(() => Promise.resolve())
  }

  private get blockNumber(): bigint {
    return this.run.input.block.header.number
  }

  /**
   * Runs the block's transactions; resolves when all are committed. The lanes must have been
   * handed `task` already (`announce`, before the coordinator's own set-up, which it overlaps).
   */
  execute(): Promise<SessionResult> {
    return new Promise<SessionResult>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      this.lanes.forEach((lane, i) => {
        lane.onMessage = (msg) => {
          this.inbox.push({ lane: i, msg })
          void this.drain()
        }
        lane.onFailure = (e) => this.fail(new BlockStmWorkerError(`block ${this.blockNumber}: ${e.message}`))
      })
      void this.drain()
    })
  }

  /** Tells the lanes the block is over (their replicas and VMs are released). */
  end(): void {
    this.settled = true
    this.lanes.forEach((lane, i) => {
      if (!lane.dead) this.send(i, { t: 'end', blockId: this.id }, 0)
      lane.busy(false)
    })
  }

  private send(lane: number, msg: CoordinatorMessage, lateMs: number): void {
    const l = this.lanes[lane]!
    if (lateMs <= 0 && !this.opts.perturb) {
      l.post(msg)
      return
    }
    // Late hand-overs keep each lane's message order (a replica applies updates in log order).
    this.outbox[lane] = this.outbox[lane]!.then(() => new Promise<void>((r) => setTimeout(r, lateMs))).then(() => {
      if (!l.dead) l.post(msg)
    })
  }

  private fail(e: Error): void {
    if (this.settled) return
    this.settled = true
    this.reject(e)
  }

  private async drain(): Promise<void> {
    if (this.processing || this.settled) return
    this.processing = true
    const t0 = performance.now()
    try {
      for (;;) {
        while (this.inbox.length > 0 && !this.settled) {
          const { lane, msg } = this.inbox.shift()!
          this.handle(lane, msg)
        }
        if (this.settled) return
        await this.tryCommit()
        if (this.committed === this.n) {
          this.settled = true
          this.resolve({
            txs: this.txs, counts: this.counts, conflicts: this.conflicts, coordinatorMs: this.busyMs, workerSetupMs: this.workerSetupMs,
            graph: { micros: this.micros, gas: this.gas, deps: this.graphBuilder.deps },
          })
          return
        }
        this.fill()
        if (this.inbox.length > 0) continue
        if (this.inflight.every((x) => x === 0)) await this.unstick()
        else return
      }
    } catch (e) {
      this.fail(e as Error)
    } finally {
      this.processing = false
      this.busyMs += performance.now() - t0
    }
  }

  private handle(lane: number, msg: WorkerMessage): void {
    if (msg.blockId !== this.id) return
    if (msg.t === 'fatal') {
      this.fail(new BlockStmWorkerError(`block ${this.blockNumber}: execution worker ${this.lanes[lane]!.name} failed: ${msg.message}`))
      return
    }
    if (!msg.partial) this.inflight[lane]!--
    if (msg.setupMicros !== undefined) this.workerSetupMs = Math.max(this.workerSetupMs, msg.setupMicros / 1000)
    for (const r of msg.results) this.handleResult(lane, r)
  }

  private handleResult(lane: number, msg: ExecResult): void {
    this.laneOf[msg.tx] = -1
    this.counts.executions++
    this.recentMicros[this.recentAt++ % this.recentMicros.length] = msg.micros
    if (msg.t === 'dep') {
      this.counts.dependencyAborts++
      this.hot(msg.location)
      // The blocking transaction may have finished meanwhile: then run again at once. If it is
      // queued or running in a lane, run this one right behind it there: that lane's replica
      // will hold its writes, with no round trip through here.
      const behind = this.laneOf[msg.blocking]!
      if (behind >= 0 && !this.lanes[behind]!.dead) this.offer(behind, [msg.tx, msg.inc], false)
      else if (!this.scheduler.addDependency(msg.tx, msg.blocking)) this.addRetry({ txIdx: msg.tx, incarnation: msg.inc })
      return
    }
    if (msg.error) {
      this.onFailedExecution(msg)
      return
    }
    const writes = versionedWrites(msg.writes, msg.reads, this.mv, creditsOf(msg))
    const code = msg.writes.code
    const wroteNew = this.mv.record(msg.tx, msg.inc, writes, code)
    this.publish({ k: 'w', tx: msg.tx, inc: msg.inc, writes, code }, lane)
    this.outcomes[msg.tx] = msg
    this.mvWrites[msg.tx] = writes
    const next = this.scheduler.finishExecution(msg.tx, msg.inc, wroteNew)
    if (next) this.validate(next.version)
  }

  /**
   * An incarnation threw (nonce or balance check, mostly): on a stale view it says nothing,
   * except that a valid incarnation will write the sender's account — so later readers of that
   * account wait for it (without this, a chain of one sender's transactions re-executes
   * quadratically). If every lower transaction has run and the reads still hold, the failure
   * may be real: it is recorded as executed, and the in-order commit decides.
   */
  private onFailedExecution(msg: ExecDone): void {
    const { tx, inc } = msg
    this.outcomes[tx] = msg
    this.mvWrites[tx] = []
    const valid = this.mv.validateReadSet(tx, msg.reads)
    const blocking = valid ? this.unfinishedBelow(tx) : -1
    if (valid && blocking < 0) {
      const wroteNew = this.mv.record(tx, inc, [])
      this.publish({ k: 'w', tx, inc, writes: [] }, -1)
      const next = this.scheduler.finishExecution(tx, inc, wroteNew)
      if (next) this.validate(next.version)
      return
    }
    this.counts.staleFailures++
    const alsoAt = msg.sender ? [accountLoc(msg.sender)] : []
    this.mv.convertWritesToEstimates(tx, inc, alsoAt)
    this.publish({ k: 'e', tx, inc, alsoAt }, -1)
    if (valid && this.scheduler.addDependency(tx, blocking)) return
    this.addRetry({ txIdx: tx, incarnation: inc })
  }

  /** The highest transaction below `txIdx` that has not finished executing, or -1. */
  private unfinishedBelow(txIdx: number): number {
    for (let j = txIdx - 1; j >= this.committed; j--) {
      if (this.scheduler.statusOf(j).status !== TxStatus.Executed) return j
    }
    return -1
  }

  /** Versions to run again (kept sorted: the lowest transaction first). */
  private addRetry(v: Version): void {
    let p = this.retry.length
    while (p > 0 && this.retry[p - 1]!.txIdx > v.txIdx) p--
    this.retry.splice(p, 0, v)
  }

  private nextExecution(): Version | null {
    const r = this.retry[0]
    if (r && (r.txIdx < this.scheduler.executionIdx || !this.scheduler.executionPending())) return this.retry.shift()!
    return this.scheduler.nextVersionToExecute()
  }

  /** Counts a conflict at a location (the stats name the hottest). */
  private hot(loc: string): void {
    this.conflicts.set(loc, (this.conflicts.get(loc) ?? 0) + 1)
  }

  private publish(u: Update, origin: number): void {
    this.log.push(u)
    this.logOrigin.push(origin)
  }

  /**
   * Replica updates for a lane: everything since its last task but its own write sets — unless
   * an ESTIMATE of the same transaction comes earlier in the same stretch. A failed incarnation
   * is retried under the same number, and a lane may have run the retry from a batch sent before
   * that ESTIMATE: applied after its own write set, it would hide it for good without this.
   */
  private updatesFor(lane: number): Update[] {
    const out: Update[] = []
    const estimated = new Set<number>()
    for (let k = this.cursor[lane]!; k < this.log.length; k++) {
      const u = this.log[k]!
      if (u.k === 'e') estimated.add(u.tx)
      else if (this.logOrigin[k] === lane && !estimated.has(u.tx)) continue
      out.push(u)
    }
    this.cursor[lane] = this.log.length
    return out
  }

  /** The paper's validation task, against the multi-version memory. */
  private validate(v: Version): void {
    const { txIdx, incarnation } = v
    let aborted = false
    const invalid = txIdx >= this.committed ? this.mv.firstInvalidRead(txIdx, this.outcomes[txIdx]!.reads) : undefined
    if (invalid !== undefined) {
      this.counts.validationFailures++
      this.hot(invalid)
      aborted = this.abort(txIdx, incarnation)
    }
    const next = this.scheduler.finishValidation(txIdx, aborted)
    if (next) this.addRetry(next.version)
  }

  private abort(txIdx: number, incarnation: number): boolean {
    if (!this.scheduler.tryValidationAbort(txIdx, incarnation)) return false
    this.counts.validationAborts++
    this.mv.convertWritesToEstimates(txIdx, incarnation)
    this.publish({ k: 'e', tx: txIdx, inc: incarnation }, -1)
    return true
  }

  /** Hands out validation tasks (done here) and execution tasks (to lanes with room). */
  private fill(): void {
    while (this.scheduler.validationPending()) {
      const v = this.scheduler.nextVersionToValidate()
      if (v) this.validate(v)
    }
    for (;;) {
      const lane = this.pickLane()
      if (lane < 0) break
      if (!this.dispatch(lane)) break
    }
  }

  private pickLane(): number {
    const open: number[] = []
    for (let i = 0; i < this.lanes.length; i++) {
      if (!this.lanes[i]!.dead && this.inflight[i]! < this.opts.prefetch) open.push(i)
    }
    if (open.length === 0) return -1
    if (this.opts.perturb) return this.opts.perturb.pick(open)
    // The least loaded lane first: an idle one before one that already holds a task.
    return open.reduce((best, i) => (this.inflight[i]! < this.inflight[best]! ? i : best), open[0]!)
  }

  /**
   * Versions per message: enough work (~BATCH_MICROS) to amortise a message round trip, judged
   * by the block's typical execution time so far; smaller near the end, to keep lanes even.
   */
  private batchSize(): number {
    const typical = [...this.recentMicros].sort((a, b) => a - b)[this.recentMicros.length >> 1]!
    const byTime = Math.round(BATCH_MICROS / Math.max(1, typical))
    const pending = this.n - this.scheduler.executionIdx + this.retry.length
    const even = Math.ceil(pending / (2 * this.lanes.length))
    return Math.max(1, Math.min(MAX_BATCH, byTime, even))
  }

  /**
   * Fills one batch for `lane`. A transaction whose sender's previous transaction is queued or
   * running in another lane goes to that lane instead (sender affinity: a chain of one sender's
   * transactions then runs in one worker, each seeing the one before, with no aborts and no
   * round trips). False when there was nothing to hand out.
   */
  private dispatch(lane: number): boolean {
    const size = this.batchSize()
    const mine: number[] = []
    const diverted = new Map<number, number[]>()
    let taken = 0
    while (mine.length < 2 * size && taken < MAX_PULL) {
      const v = this.nextExecution()
      if (!v) {
        if (this.retry.length === 0 && !this.scheduler.executionPending()) break
        continue
      }
      taken++
      const prev = this.prevOfSender[v.txIdx]!
      const to = prev >= 0 && this.laneOf[prev]! >= 0 && !this.lanes[this.laneOf[prev]!]!.dead ? this.laneOf[prev]! : lane
      this.laneOf[v.txIdx] = to
      if (to === lane) mine.push(v.txIdx, v.incarnation)
      else {
        let d = diverted.get(to)
        if (!d) diverted.set(to, (d = []))
        d.push(v.txIdx, v.incarnation)
      }
    }
    for (const [to, versions] of diverted) {
      for (let k = 0; k < versions.length; k += 2 * MAX_BATCH) this.offer(to, versions.slice(k, k + 2 * MAX_BATCH), false)
    }
    if (mine.length > 0) this.offer(lane, mine, true)
    return taken > 0
  }

  /**
   * Offers versions to `lane`, and (`share`) to the other lanes with room: whoever reaches a
   * version first claims it, so work queued behind a long transaction in one lane is taken by
   * another that is free (chains and diverted work stay with their lane).
   */
  private offer(lane: number, versions: number[], share: boolean): void {
    for (let k = 0; k < versions.length; k += 2) Atomics.store(this.claims, versions[k]!, 2 * versions[k + 1]! + 1)
    this.sendBatch(lane, versions)
    if (!share || versions.length < 4) return
    // Not a transaction whose sender's previous one has yet to run: that pair is a chain.
    const stealable: number[] = []
    for (let k = 0; k < versions.length; k += 2) {
      const prev = this.prevOfSender[versions[k]!]!
      if (prev < 0 || prev < this.committed || (this.laneOf[prev] === -1 && this.scheduler.statusOf(prev).status === TxStatus.Executed)) {
        stealable.push(versions[k]!, versions[k + 1]!)
      }
    }
    if (stealable.length === 0) return
    for (let other = 0; other < this.lanes.length; other++) {
      if (other !== lane && !this.lanes[other]!.dead && this.inflight[other]! < this.opts.prefetch) this.sendBatch(other, stealable, true)
    }
  }

  /** One execution message: the versions, the replica updates the lane lacks, the transactions it lacks. */
  private sendBatch(lane: number, versions: number[], shared = false): void {
    this.inflight[lane]!++
    this.counts.messages++
    if (!shared) for (let k = 0; k < versions.length; k += 2) this.laneOf[versions[k]!] = lane
    const p = this.opts.perturb
    // Never starve the next transaction to commit of updates: it must be able to succeed.
    const withhold = p !== undefined && !versions.some((x, k) => k % 2 === 0 && x === this.committed) && p.withholdUpdates()
    const task: ExecTask = { t: 'exec', blockId: this.id, versions, updates: withhold ? [] : this.updatesFor(lane) }
    if (shared) task.steal = true
    const txs = this.shipped.forLane(lane, versions)
    if (txs) task.txs = txs
    const slow = p?.slowMs() ?? 0
    if (slow > 0) task.delayMs = slow
    this.send(lane, task, p?.lateMs() ?? 0)
  }

  /** Does a read set hold against the committed prefix (the sequential state before the tx)? */
  private readsHold(reads: string[]): boolean {
    const o = this.run.overlay
    for (let k = 0; k < reads.length; k += 2) {
      const loc = reads[k]!
      const kind = kindOf(loc)
      // Untouched since the block's start: the very same object as the base's.
      if (reads[k + 1] === BASE && o.getAccount(addressOf(loc)) === this.mv.base.getAccount(addressOf(loc))) continue
      const now = kind === 's' ? o.getStorage(addressOf(loc), loc.slice(45))
        : kind === 'a' ? encodeAccount(o.getAccount(addressOf(loc))) : encodeMeta(o.getAccount(addressOf(loc)))
      if (!this.mv.sameValue(loc, now, reads[k + 1]!)) return false
    }
    return true
  }

  private async tryCommit(): Promise<void> {
    while (this.committed < this.n && !this.settled) {
      const i = this.committed
      const st = this.scheduler.statusOf(i)
      if (st.status !== TxStatus.Executed) return
      const o = this.outcomes[i]!
      if (o.inc !== st.incarnation) throw new SchedulerError(`tx ${i}: outcome of incarnation ${o.inc}, status at ${st.incarnation}`)
      if (!this.readsHold(o.reads)) {
        this.counts.commitValidationFailures++
        this.counts.validationFailures++
        if (++this.commitFailures[i]! < this.opts.maxCommitFailures) {
          if (this.abort(i, st.incarnation)) {
            this.scheduler.numActiveTasks++
            const next = this.scheduler.finishValidation(i, true)
            if (next) this.addRetry(next.version)
          }
          return
        }
        await this.runOnCoordinator(i)
        continue
      }
      // A transaction that failed on valid reads fails sequentially too: reproduce it exactly.
      if (o.error) await this.runOnCoordinator(i)
      else this.commitOutcome(i, o)
    }
  }

  private commitOutcome(i: number, o: ExecDone): void {
    const overlay = this.run.overlay
    this.graphBuilder.commit(i, o.reads, this.mvWrites[i]!, (loc, value) => {
      switch (kindOf(loc)) {
        case 'a': return encodeAccount(overlay.getAccount(addressOf(loc))) !== value
        case 's': return overlay.getStorage(addressOf(loc), loc.slice(45)) !== value
        default: return true
      }
    })
    const writes = writeSetFromWire(o.writes)
    for (const { address, amount } of creditsOf(o)) {
      writes.accounts.set(address, creditAccount(overlay.getAccount(address), amount))
      if (address === this.beneficiary) this.counts.deferredFees++
      else this.counts.credits++
    }
    overlay.apply(writes)
    const result = resultFromWire(o.result!, this.run.input.block.common)
    const receipt = result.receipt
    receipt.cumulativeBlockGasUsed = this.receiptGas + result.totalGasSpent
    if (!this.byzantium && this.execOpts.intermediateRoot && 'stateRoot' in receipt) {
      receipt.stateRoot = this.execOpts.intermediateRoot(overlay.changes())
    }
    this.receiptGas += result.totalGasSpent
    const blockGasSpent = result.blockGasSpent ?? result.totalGasSpent
    this.txs.push({
      result, receipt, blockGasSpent, writes,
      reads: this.execOpts.recordReads ? decodedReads(o.reads, this.mv) : undefined,
      seconds: o.micros / 1e6,
    })
    this.micros[i] = o.micros
    this.gas[i] = Number(blockGasSpent)
    this.committed++
  }

  /**
   * Safety net, and exact reproduction of an invalid transaction: run it here over the
   * committed prefix, as the sequential executor does (throws as it would).
   */
  private async runOnCoordinator(i: number): Promise<void> {
    this.counts.fallbacks++
    const t0 = performance.now()
    const outcome = await this.executor.runTxInBlock(this.run, this.run.input.block.transactions[i]!, this.receiptGas, this.execOpts)
    const wire = writeSetToWire(outcome.writes)
    const writes = versionedWrites(wire, [], this.mv)
    const inc = this.scheduler.statusOf(i).incarnation
    this.mv.record(i, inc, writes, wire.code)
    this.publish({ k: 'w', tx: i, inc, writes }, -1)
    this.scheduler.decreaseValidationIdx(i + 1)
    this.graphBuilder.deps[i] = i > 0 ? [i - 1] : []
    this.txs.push(outcome)
    this.receiptGas += outcome.result.totalGasSpent
    this.micros[i] = Math.round((performance.now() - t0) * 1000)
    this.gas[i] = Number(outcome.blockGasSpent)
    this.committed++
  }

  /**
   * Nothing in flight, nothing to hand out, block not done: should not happen. Rather than
   * hang, finish the block on the coordinator (counted in `fallbacks`).
   */
  private async unstick(): Promise<void> {
    while (this.committed < this.n) {
      const i = this.committed
      if (this.scheduler.statusOf(i).status !== TxStatus.Executed) {
        // Make the transaction look executed with no writes, then run it for real.
        this.mv.record(i, this.scheduler.statusOf(i).incarnation, [])
      }
      await this.runOnCoordinator(i)
    }
  }
}

function previousOfSameSender(senders: string[]): Int32Array {
  const out = new Int32Array(senders.length).fill(-1)
  const last = new Map<string, number>()
  senders.forEach((s, i) => {
    out[i] = last.get(s) ?? -1
    last.set(s, i)
  })
  return out
}

function creditsOf(msg: ExecDone): Array<{ address: string; amount: bigint }> {
  return (msg.credits ?? []).map(([address, hex]) => ({ address, amount: BigInt('0x' + hex) }))
}

/** The read set with accounts as values (balance-free reads keep their encoded value). */
function decodedReads(flat: string[], mv: MVMemory): Map<string, unknown> {
  const m = new Map<string, unknown>()
  for (const [loc, v] of readMap(flat)) m.set(loc, kindOf(loc) === 'a' ? mv.accountOf(addressOf(loc), v) : v)
  return m
}
