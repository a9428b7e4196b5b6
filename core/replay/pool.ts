/**
 * The inter-block replay pool: `worker_threads`, each with a long-lived executor, replay a
 * range of stored blocks at once; reports come back in block order. A block travels as its
 * stored compressed bytes (transferred, decoded in the worker): one message each way per
 * block, never one per read.
 *
 * Each worker holds `prefetch` blocks queued behind the one it runs, so it never waits for
 * the main thread; the main thread only reads raw bytes from SQLite and reorders reports.
 *
 * V8 flags are per process (setting them at run time with v8.setFlagsFromString crashed V8
 * here), so bin/parevm.js starts node with them. Measured on 2 cores, 50 mainnet blocks:
 * `--single-threaded-gc` (GC helper threads no longer fight the workers) and
 * `--max-semi-space-size=64` take 2 workers vs 1 from 1.56× to 1.92×;
 * `--heap-growing-percent=50` keeps each isolate's heap within 1.5× of its live data, which
 * V8 otherwise lets grow to several times that (RSS 5.1–6.0 GB and rising after 10 passes of
 * a pool with Block-STM inside, vs a 3.6–3.8 GB plateau; ~3% slower).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'
import type { ChainProfile } from '../execute/chain.js'
import type { ThreadLaneOptions } from '../execute/parallel/lanes.js'
import { compiledWorkerUrl } from '../execute/parallel/worker-script.js'
import type { RawBlock } from '../../storage/codec.js'
import type { Store } from '../../storage/store.js'
import type { BlockReport } from './replay-block.js'

/** Blocks read ahead of the in-order consumer, at least (raw bytes and reports held meanwhile). */
const READ_AHEAD = 16

export class PoolWorkerCrashError extends Error {
  override name = 'PoolWorkerCrashError'
}

/** A block's replay threw in a worker: the same error the sequential replay would raise. */
export class PoolBlockError extends Error {
  constructor(readonly block: number, readonly causeName: string, message: string, readonly workerStack?: string) {
    super(message)
    this.name = causeName
  }
}

export class PoolClosedError extends Error {
  override name = 'PoolClosedError'
}

export interface ReplayPoolOptions {
  /** Worker threads replaying blocks side by side. */
  workers: number
  /** How each worker executes a block's transactions (default sequential). */
  intra?: 'sequential' | 'block-stm'
  /** Block-STM execution threads per pool worker (with intra 'block-stm'; default 2). */
  intraWorkers?: number
  /** Blocks queued in each worker behind the one it runs (default 1). */
  prefetch?: number
  /** V8 heap limits per worker (default: V8's, which follow the process's flags; see below). */
  resourceLimits?: ResourceLimits
  execArgv?: string[]
  /** Fault injection for tests: a worker exits (as if it crashed) when handed this block. */
  crashOnBlock?: number
}

export interface ReplayPool {
  /** Replays the blocks, yielding reports in the order of `numbers`. */
  replayMany(numbers: number[], store: Store): AsyncIterable<BlockReport>
  close(): Promise<void>
}


export interface PoolWorkerData {
  intra: 'sequential' | 'block-stm'
  intraWorkers: number
  thread?: ThreadLaneOptions
  crashOnBlock?: number
}

export interface PoolJob {
  id: number
  profile: ChainProfile
  raw: RawBlock
}

export type PoolReply =
  | { t: 'report'; id: number; report: BlockReport }
  | { t: 'error'; id: number; error: { name: string; message: string; stack?: string } }

type Outcome = { ok: true; report: BlockReport } | { ok: false; error: Error }

interface Slot {
  worker: Worker
  index: number
  /** Job ids in this worker, oldest first (it runs them in order). */
  jobs: number[]
  dead: boolean
}

/** Own the bytes before transferring: a Buffer may be a view into a shared pool. */
function owned(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : new Uint8Array(b)
}

function transferable(raw: RawBlock): { raw: RawBlock; transfer: ArrayBuffer[] } {
  const out: RawBlock = {
    ...raw,
    body: owned(raw.body),
    prestate: owned(raw.prestate),
    codes: raw.codes.map(([h, c]) => [h, owned(c)] as [string, Uint8Array]),
    ommers: raw.ommers ? owned(raw.ommers) : null,
    receipts: raw.receipts ? owned(raw.receipts) : null,
    witness: raw.witness ? { kind: raw.witness.kind, data: owned(raw.witness.data) } : null,
  }
  const buffers = new Set<ArrayBuffer>()
  const add = (b: Uint8Array | null): void => {
    if (b) buffers.add(b.buffer as ArrayBuffer)
  }
  add(out.body)
  add(out.prestate)
  out.codes.forEach(([, c]) => add(c))
  add(out.ommers)
  add(out.receipts)
  add(out.witness?.data ?? null)
  return { raw: out, transfer: [...buffers] }
}

function blockError(block: number, e: { name: string; message: string; stack?: string }): PoolBlockError {
  return new PoolBlockError(block, e.name, `block ${block}: ${e.message}`, e.stack)
}

export function createReplayPool(opts: ReplayPoolOptions): ReplayPool {
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be a positive integer, got ${opts.workers}`)
  const prefetch = opts.prefetch ?? 1
  const data: PoolWorkerData = {
    intra: opts.intra ?? 'sequential',
    intraWorkers: opts.intraWorkers ?? 2,
    thread: { resourceLimits: opts.resourceLimits },
    crashOnBlock: opts.crashOnBlock,
  }
  const script = compiledWorkerUrl('./pool-worker.js', import.meta.url)
  const slots: Slot[] = []
  let closed = false
  let nextJobId = 1
  /** Job id → block number and how to deliver its outcome. */
  const pending = new Map<number, { block: number; deliver: (o: Outcome) => void }>()
  /** Replays waiting for room in a worker (freed by any reply, even to a replay that stopped). */
  const waiters = new Set<() => void>()
  const roomFreed = (): void => {
    for (const w of [...waiters]) w()
  }

  const spawn = (index: number): Slot => {
    const worker = new Worker(script, {
      workerData: data,
      resourceLimits: opts.resourceLimits,
      execArgv: opts.execArgv,
    })
    const slot: Slot = { worker, index, jobs: [], dead: false }
    worker.unref()
    worker.on('message', (m: PoolReply) => {
      slot.jobs = slot.jobs.filter((id) => id !== m.id)
      if (slot.jobs.length === 0) worker.unref()
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (p) p.deliver(m.t === 'report' ? { ok: true, report: m.report } : { ok: false, error: blockError(p.block, m.error) })
      roomFreed()
    })
    const crash = (why: string): void => {
      if (slot.dead) return
      slot.dead = true
      const blocks = slot.jobs.map((id) => pending.get(id)?.block).filter((b) => b !== undefined)
      for (const id of slot.jobs) {
        const p = pending.get(id)
        pending.delete(id)
        p?.deliver({
          ok: false,
          error: new PoolWorkerCrashError(`replay worker ${index} crashed while replaying block ${p.block}` +
            (blocks.length > 1 ? ` (with blocks ${blocks.join(', ')} queued)` : '') + `: ${why}`),
        })
      }
      slot.jobs = []
      roomFreed()
    }
    worker.on('error', (e) => crash(e.stack ?? e.message))
    worker.on('exit', (code) => {
      if (!closed) crash(`exited with code ${code}`)
    })
    return slot
  }

  const slotFor = (): Slot | undefined => {
    for (let i = 0; i < opts.workers; i++) {
      if (!slots[i] || slots[i]!.dead) slots[i] = spawn(i)
    }
    const open = slots.filter((s) => s.jobs.length <= prefetch)
    if (open.length === 0) return undefined
    return open.reduce((a, b) => (b.jobs.length < a.jobs.length ? b : a))
  }

  async function* replayMany(numbers: number[], store: Store): AsyncIterable<BlockReport> {
    if (closed) throw new PoolClosedError('the replay pool is closed')
    const chain = store.chain()
    if (!chain) throw new PoolClosedError('the store holds no chain: import or fetch blocks first')
    const outcomes = new Map<number, Outcome>()
    const readSeconds = new Map<number, number>()
    let wake: (() => void) | null = null
    const waiter = (): void => wake?.()
    waiters.add(waiter)
    let next = 0
    const myJobs = new Set<number>()

    const dispatch = (): void => {
      // Bound what is read ahead of the consumer: at most one window of blocks in memory. Not
      // too tight: while one worker runs a long block, the consumer waits for it in order and the
      // others go on through short ones (the 50 mainnet blocks' measured times on 2 simulated
      // workers: 1.91× with a window of 6, 1.95× — no waiting left — from 8 on).
      while (next < numbers.length && outcomes.size + myJobs.size < Math.max(READ_AHEAD, opts.workers * (prefetch + 2))) {
        const slot = slotFor()
        if (!slot) return
        const index = next++
        const t0 = performance.now()
        const { raw, transfer } = transferable(store.rawBlock(numbers[index]!))
        readSeconds.set(index, (performance.now() - t0) / 1000)
        const id = nextJobId++
        myJobs.add(id)
        pending.set(id, {
          block: numbers[index]!,
          deliver: (o) => {
            myJobs.delete(id)
            outcomes.set(index, o)
            wake?.()
          },
        })
        slot.jobs.push(id)
        slot.worker.ref()
        const job: PoolJob = { id, profile: chain.profile, raw }
        slot.worker.postMessage(job, transfer)
      }
    }

    try {
      for (let i = 0; i < numbers.length; i++) {
        dispatch()
        while (!outcomes.has(i)) {
          await new Promise<void>((r) => (wake = r))
          wake = null
          dispatch()
        }
        const o = outcomes.get(i)!
        outcomes.delete(i)
        if (!o.ok) throw o.error
        const read = readSeconds.get(i) ?? 0
        o.report.seconds.load += read
        o.report.seconds.total += read
        yield o.report
      }
    } finally {
      // Stopped early (an error, or the consumer broke off): forget what is still running.
      for (const id of myJobs) pending.delete(id)
      waiters.delete(waiter)
    }
  }

  return {
    replayMany,
    async close() {
      closed = true
      await Promise.all(slots.map((s) => s.worker.terminate()))
      slots.length = 0
    },
  }
}
