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
 * And the same split with only the hand-over that an executor committing on one thread (as
 * Block-STM's coordinator does) cannot avoid: each thread posts every transaction's result
 * (receipt fields and write set, in the wire form Block-STM uses, in batches) to the main
 * thread, which applies them in block order (the write set to the block's state, the receipt
 * with its cumulative gas) — no scheduling, no validation, no aborts.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { chainRules } from '../core/execute/chain.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { kzgReady } from '../core/execute/crypto.js'
import { independentTransfers } from '../core/execute/parallel/index.js'
import { resultFromWire, resultToWire, writeSetFromWire, writeSetToWire } from '../core/execute/parallel/transfer.js'
import type { TxResultWire, WriteSetWire } from '../core/execute/parallel/protocol.js'
import { Overlay } from '../core/execute/overlay.js'
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
  /** one[r] / two[r], per round (the machine is noisy: their median says more than one pair of minima). */
  perRound: number[]
  /** Seconds until the main thread had applied every result of the two threads in block order, per round. */
  handover: number[]
  /** min(one) / min(handover): the split plus only the hand-over of results. */
  handoverCeiling: number
  /** one[r] / handover[r], per round. */
  handoverPerRound: number[]
}

type Job = { db: string } | { txs: number; seed: string; reps: number; handover?: boolean }

/** Results per hand-over message (Block-STM batches ~1.5 ms of work; a transfer takes ~35 µs). */
const HANDOVER_BATCH = 32

type Handed = Array<[TxResultWire, WriteSetWire]>

/** The seeds of the two half blocks of the split (the whole block's is 'independent'). */
const HALF_SEEDS = ['independent-a', 'independent-b'] as const

/** What a worker times: a pass over the corpus, or `reps` executions of a synthetic block. */
async function makePass(job: Job): Promise<() => Promise<number>> {
  const executor = new BlockExecutor()
  if ('txs' in job) {
    const block = independentTransfers(job.txs, job.seed)
    if (job.handover) {
      return async () => {
        for (let i = 0; i < job.reps; i++) {
          const run = await executor.beginBlock(block.input)
          const outcomes = []
          let batch: Handed = []
          let gas = 0n
          for (const tx of block.input.block.transactions) {
            const o = await executor.runTxInBlock(run, tx, gas)
            gas += o.result.totalGasSpent
            outcomes.push(o)
            batch.push([resultToWire(o.result), writeSetToWire(o.writes)])
            if (batch.length === HANDOVER_BATCH) {
              parentPort!.postMessage({ t: 'results', batch })
              batch = []
            }
          }
          if (batch.length > 0) parentPort!.postMessage({ t: 'results', batch })
          await executor.finishBlock(run, outcomes)
        }
        return 0
      }
    }
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

function spawn(job: Job, onResults?: (batch: Handed) => void): { worker: Worker; ready: Promise<void>; done: Promise<number> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: job })
  let readyFn!: () => void
  const ready = new Promise<void>((r) => (readyFn = r))
  const done = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: { t: string; seconds?: number; batch?: Handed }) => {
      if (m.t === 'ready') readyFn()
      else if (m.t === 'results') onResults!(m.batch!)
      else resolve(m.seconds!)
    })
    worker.on('error', reject)
    worker.on('exit', (code) => reject(new Error(`ceiling worker exited with code ${code}`)))
  })
  return { worker, ready, done }
}

async function runThreads(jobs: Job[]): Promise<number> {
  const ws = jobs.map((job) => spawn(job))
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

/**
 * Two threads each executing `half` transfers `reps` times and handing every result over; the
 * main thread applies them in block order (the first thread's block, then the second's, each
 * repetition) and times it all from the go signal.
 */
async function runHandover(half: number, reps: number): Promise<number> {
  const blocks = HALF_SEEDS.map((seed) => independentTransfers(half, seed))
  const common = blocks[0]!.input.block.common
  const queues: Handed[] = [[], []]
  let wake = (): void => {}
  // The warm-up pass hands its results over too, before the worker says it is ready: dropped.
  let started = false
  const ws = HALF_SEEDS.map((seed, i) =>
    spawn({ txs: half, seed, reps, handover: true }, (batch) => {
      if (!started) return
      for (const item of batch) queues[i]!.push(item)
      wake()
    }))
  try {
    await Promise.all(ws.map((w) => w.ready))
    started = true
    const t0 = performance.now()
    ws.forEach((w) => w.worker.postMessage('go'))
    for (let r = 0; r < reps; r++) {
      const overlay = new Overlay(blocks[0]!.input.preState)
      let gas = 0n
      // Kept, as the block's result keeps them.
      const receipts = []
      for (let i = 0; i < 2; i++) {
        const q = queues[i]!
        for (let n = 0; n < half; n++) {
          while (q.length === 0) await new Promise<void>((resolve) => (wake = resolve))
          const [resultWire, writesWire] = q.shift()!
          overlay.apply(writeSetFromWire(writesWire))
          const result = resultFromWire(resultWire, common)
          gas += result.totalGasSpent
          result.receipt.cumulativeBlockGasUsed = gas
          receipts.push(result.receipt)
        }
      }
    }
    const seconds = (performance.now() - t0) / 1000
    await Promise.all(ws.map((w) => w.done))
    return seconds
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()))
  }
}

/**
 * One thread executing `txs` independent transfers vs two threads each executing half (and the
 * same with the hand-over of results), `rounds` times each, alternating.
 */
export async function syntheticCeiling(txs: number, reps: number, rounds: number): Promise<SyntheticCeiling> {
  const one: number[] = []
  const two: number[] = []
  const handover: number[] = []
  for (let r = 0; r < rounds; r++) {
    one.push(await runThreads([{ txs, seed: 'independent', reps }]))
    two.push(await runThreads(HALF_SEEDS.map((seed) => ({ txs: txs / 2, seed, reps }))))
    handover.push(await runHandover(txs / 2, reps))
  }
  const r3 = (x: number): number => Math.round(x * 1000) / 1000
  return {
    one, two, reps, ceiling: r3(Math.min(...one) / Math.min(...two)), perRound: one.map((o, i) => r3(o / two[i]!)),
    handover, handoverCeiling: r3(Math.min(...one) / Math.min(...handover)), handoverPerRound: one.map((o, i) => r3(o / handover[i]!)),
  }
}

if (!isMainThread && workerData && typeof workerData === 'object' && ('db' in workerData || 'txs' in workerData)) {
  await workerMain(workerData as Job)
}
