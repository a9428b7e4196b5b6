/**
 * What two busy threads cost each other on this machine: the whole corpus replayed
 * sequentially (decode, execute, verify; inputs already in memory) by one worker thread alone,
 * then by two worker threads at once, each replaying all of it with nothing shared and no
 * messages. 2 · t(alone) / t(together) is a yardstick for the parallel figures beside it
 * (caches, memory bandwidth, the hypervisor), not a hard bound: the pool, whose workers each
 * see half the blocks, has measured slightly above it.
 *
 * The same for the synthetic block of independent transfers, split perfectly: one thread
 * executes the 1,000-transfer block, then two threads each execute a block of 500 such
 * transfers at once, nothing shared. t(one) / t(two) is what a parallel executor with no
 * coordination cost at all would reach on that block here — the synthetic target's ceiling.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { chainRules } from '../core/execute/chain.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { kzgReady } from '../core/execute/crypto.js'
import { independentTransfers } from '../core/execute/parallel/index.js'
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

export interface SyntheticCeiling {
  /** Seconds for one thread executing the whole block `reps` times, per round. */
  one: number[]
  /** Seconds for the slower of two threads each executing half the block `reps` times, per round. */
  two: number[]
  reps: number
  /** min(one) / min(two): a zero-overhead split's speedup. */
  ceiling: number
}

type Job = { db: string } | { txs: number; seed: string; reps: number }

/** What a worker times: a pass over the corpus, or `reps` executions of a synthetic block. */
async function makePass(job: Job): Promise<() => Promise<number>> {
  const executor = new BlockExecutor()
  if ('txs' in job) {
    const block = independentTransfers(job.txs, job.seed)
    return async () => {
      const t = performance.now()
      for (let i = 0; i < job.reps; i++) await executor.execute(block.input)
      return (performance.now() - t) / 1000
    }
  }
  const store = Store.open(job.db, { readonly: true })
  const rules = chainRules(store.chain()!.profile)
  const raws = store.blockNumbers().map((n) => store.rawBlock(n))
  store.close()
  const execute = sequentialExecute(executor)
  return async () => {
    const t = performance.now()
    for (const raw of raws) await replayRawBlock(raw, rules, execute)
    return (performance.now() - t) / 1000
  }
}

/** A worker: one untimed pass to warm up, then one timed; posts the seconds. */
async function workerMain(job: Job): Promise<void> {
  await kzgReady()
  const pass = await makePass(job)
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

async function runThreads(jobs: Job[]): Promise<number> {
  const ws = jobs.map(spawn)
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
    alone.push(await runThreads([{ db }]))
    together.push(await runThreads([{ db }, { db }]))
    log(`machine ceiling round ${r + 1}: 1 thread ${alone.at(-1)!.toFixed(2)} s, 2 threads together ${together.at(-1)!.toFixed(2)} s`)
  }
  const ceiling = Math.round((2 * Math.min(...alone) / Math.min(...together)) * 1000) / 1000
  return { alone, together, ceiling }
}

/** One thread executing `txs` independent transfers vs two threads each executing half, `rounds` times each. */
export async function syntheticCeiling(txs: number, reps: number, rounds: number): Promise<SyntheticCeiling> {
  const one: number[] = []
  const two: number[] = []
  for (let r = 0; r < rounds; r++) {
    one.push(await runThreads([{ txs, seed: 'independent', reps }]))
    two.push(await runThreads([{ txs: txs / 2, seed: 'independent-a', reps }, { txs: txs / 2, seed: 'independent-b', reps }]))
  }
  return { one, two, reps, ceiling: Math.round((Math.min(...one) / Math.min(...two)) * 1000) / 1000 }
}

if (!isMainThread && workerData && typeof workerData === 'object' && ('db' in workerData || 'txs' in workerData)) {
  await workerMain(workerData as Job)
}
