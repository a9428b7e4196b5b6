/**
 * Execution lanes: where the coordinator's execution tasks run. A `ThreadLane` is a worker
 * thread (real parallelism); an `InlineLane` runs the same executor in the coordinator's own
 * thread (no parallelism: tests, and views that cannot be shipped).
 */
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads'
import { TxExecutor } from './executor.js'
import type { CoordinatorMessage, WorkerMessage } from './protocol.js'
import { compiledWorkerUrl } from './worker-script.js'

export class LaneFailedError extends Error {
  override name = 'LaneFailedError'
}

export interface Lane {
  readonly name: string
  readonly dead: boolean
  post(msg: CoordinatorMessage): void
  onMessage: (m: WorkerMessage) => void
  onFailure: (e: Error) => void
  /** Keep the process alive while a block runs; let it exit when idle. */
  busy(on: boolean): void
  close(): Promise<void>
}

export interface ThreadLaneOptions {
  resourceLimits?: ResourceLimits
  execArgv?: string[]
  /** Fault injection for tests: the worker exits (as if it crashed) when asked to run this transaction. */
  crashOnTx?: number
}

export class ThreadLane implements Lane {
  private readonly worker: Worker
  dead = false
  private closing = false
  onMessage: (m: WorkerMessage) => void = () => {}
  onFailure: (e: Error) => void = () => {}

  constructor(readonly name: string, opts: ThreadLaneOptions = {}) {
    this.worker = new Worker(compiledWorkerUrl('./exec-worker.js', import.meta.url), {
      resourceLimits: opts.resourceLimits, execArgv: opts.execArgv, workerData: { crashOnTx: opts.crashOnTx },
    })
    this.worker.unref()
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m))
    this.worker.on('error', (e) => this.fail(new LaneFailedError(`${this.name} crashed: ${e.stack ?? e.message}`)))
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new LaneFailedError(`${this.name} exited unexpectedly (code ${code})`))
    })
  }

  private fail(e: Error): void {
    if (this.dead) return
    this.dead = true
    this.onFailure(e)
  }

  post(msg: CoordinatorMessage): void {
    this.worker.postMessage(msg)
  }

  /** Hands the worker its direct channels to and from the other workers. */
  wirePeers(out: MessagePort[], inn: MessagePort[]): void {
    this.worker.postMessage({ t: 'peers', blockId: 0, out, in: inn }, [...out, ...inn])
  }

  busy(on: boolean): void {
    if (on) this.worker.ref()
    else this.worker.unref()
  }

  async close(): Promise<void> {
    this.closing = true
    this.dead = true
    await this.worker.terminate()
  }
}

/** Connects every pair of thread lanes with a channel each way (see protocol.ts `PeersTask`). */
export function wirePeers(lanes: Lane[]): void {
  const threads = lanes.filter((l): l is ThreadLane => l instanceof ThreadLane && !l.dead)
  const out: MessagePort[][] = threads.map(() => [])
  const inn: MessagePort[][] = threads.map(() => [])
  for (let a = 0; a < threads.length; a++) {
    for (let b = 0; b < threads.length; b++) {
      if (a === b) continue
      const { port1, port2 } = new MessageChannel()
      out[a]!.push(port1)
      inn[b]!.push(port2)
    }
  }
  threads.forEach((t, i) => t.wirePeers(out[i]!, inn[i]!))
}

export class InlineLane implements Lane {
  private readonly executor = new TxExecutor()
  private readonly queue: CoordinatorMessage[] = []
  private scheduled = false
  private failedBlock = -1
  dead = false
  onMessage: (m: WorkerMessage) => void = () => {}
  onFailure: (e: Error) => void = () => {}

  constructor(readonly name: string) {}

  post(msg: CoordinatorMessage): void {
    this.queue.push(msg)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return
    this.scheduled = true
    // One task per macrotask, as a thread would interleave with the coordinator's messages.
    setImmediate(() => void this.runOne())
  }

  private async runOne(): Promise<void> {
    const m = this.queue.shift()!
    try {
      if (m.blockId !== this.failedBlock && m.t !== 'peers') {
        if (m.t === 'block') await this.executor.startBlock(m)
        else if (m.t === 'exec') this.onMessage(await this.executor.execute(m))
        else this.executor.endBlock(m.blockId)
      }
    } catch (e) {
      this.failedBlock = m.blockId
      this.onMessage({ t: 'fatal', blockId: m.blockId, message: (e as Error).stack ?? String(e) })
    } finally {
      this.scheduled = false
      this.schedule()
    }
  }

  busy(): void {}

  async close(): Promise<void> {
    this.dead = true
  }
}
