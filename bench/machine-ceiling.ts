/**
 * What two busy threads cost each other on this machine: the whole corpus replayed
 * sequentially (decode, execute, verify; inputs already in memory) by one worker thread alone,
 * then by two worker threads at once, each replaying all of it with nothing shared and no
 * messages. 2 · t(alone) / t(together) is a yardstick for the parallel figures beside it
 * (caches, memory bandwidth, the hypervisor), not a hard bound: the pool, whose workers each
 * see half the blocks, has measured slightly above it.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { chainRules } from '../core/execute/chain.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { kzgReady } from '../core/execute/crypto.js'
import { replayRawBlock, sequentialExecute } from '../core/replay/replay-block.js'
import { Store } from '../storage/store.js'

export interface MachineCeiling {
  /** Seconds for one thread alone, per round. */
  alone: number[]
  /** Seconds for the slower of two threads running together, per round. */
  together: number[]
  /** 2 · min(alone) / min(together). */
  ceiling: number
}

interface Job {
  db: string
}

/** A worker: replays every stored block once to warm up, then once timed; posts the seconds. */
async function workerMain(job: Job): Promise<void> {
  await kzgReady()
  const store = Store.open(job.db, { readonly: true })
  const rules = chainRules(store.chain()!.profile)
  const raws = store.blockNumbers().map((n) => store.rawBlock(n))
  store.close()
  const execute = sequentialExecute(new BlockExecutor())
  const pass = async (): Promise<number> => {
    const t = performance.now()
    for (const raw of raws) await replayRawBlock(raw, rules, execute)
    return (performance.now() - t) / 1000
  }
  await pass()
  // Wait for the go signal so that two workers start their timed passes together.
  parentPort!.postMessage({ t: 'ready' })
  await new Promise<void>((r) => parentPort!.once('message', () => r()))
  parentPort!.postMessage({ t: 'done', seconds: await pass() })
}

function spawn(job: Job): { worker: Worker; ready: Promise<void>; done: Promise<number> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: job })
  let readyFn!: () => void
  const ready = new Promise<void>((r) => (readyFn = r))
  const done = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: { t: string; seconds?: number }) => (m.t === 'ready' ? readyFn() : resolve(m.seconds!)))
    worker.on('error', reject)
    worker.on('exit', (code) => reject(new Error(`ceiling worker exited with code ${code}`)))
  })
  return { worker, ready, done }
}

async function runThreads(db: string, threads: number): Promise<number> {
  const ws = Array.from({ length: threads }, () => spawn({ db }))
  try {
    await Promise.all(ws.map((w) => w.ready))
    ws.forEach((w) => w.worker.postMessage('go'))
    return Math.max(...await Promise.all(ws.map((w) => w.done)))
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()))
  }
}

/** Alternates one thread alone and two together, `rounds` times each. */
export async function machineCeiling(db: string, rounds: number, log: (s: string) => void = () => {}): Promise<MachineCeiling> {
  const alone: number[] = []
  const together: number[] = []
  for (let r = 0; r < rounds; r++) {
    alone.push(await runThreads(db, 1))
    together.push(await runThreads(db, 2))
    log(`machine ceiling round ${r + 1}: 1 thread ${alone.at(-1)!.toFixed(2)} s, 2 threads together ${together.at(-1)!.toFixed(2)} s`)
  }
  const ceiling = Math.round((2 * Math.min(...alone) / Math.min(...together)) * 1000) / 1000
  return { alone, together, ceiling }
}

if (!isMainThread && (workerData as Job | undefined)?.db) await workerMain(workerData as Job)
