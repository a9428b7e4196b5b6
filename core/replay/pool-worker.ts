/**
 * A replay pool worker thread (compiled JS under dist/): a long-lived `BlockExecutor` (or a
 * Block-STM executor) replays whole blocks handed over as their stored compressed bytes.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { BlockExecutor } from '../execute/block-executor.js'
import { chainRules, type ChainProfile, type ChainRules } from '../execute/chain.js'
import { kzgReady } from '../execute/crypto.js'
import { blockStmExecute } from '../execute/parallel/block-stm.js'
import { replayRawBlock, sequentialExecute, type ExecuteFn } from './replay-block.js'
import type { PoolJob, PoolReply, PoolWorkerData } from './pool.js'

const port = parentPort
if (!port) throw new Error('pool-worker.js must run as a worker thread')
const config = workerData as PoolWorkerData

await kzgReady()
const execute: ExecuteFn = config.intra === 'block-stm'
  ? blockStmExecute({ workers: config.intraWorkers, thread: config.thread })
  : sequentialExecute(new BlockExecutor())
const rulesByProfile = new Map<string, ChainRules>()

function rulesFor(profile: ChainProfile): ChainRules {
  const key = JSON.stringify(profile)
  let r = rulesByProfile.get(key)
  if (!r) rulesByProfile.set(key, (r = chainRules(profile)))
  return r
}

// One block at a time, in arrival order: the pool hands out the next one while this runs.
let queue: Promise<void> = Promise.resolve()
port.on('message', (job: PoolJob) => {
  queue = queue.then(async () => {
    if (job.raw.number === config.crashOnBlock) process.exit(70)
    let reply: PoolReply
    try {
      const report = await replayRawBlock(job.raw, rulesFor(job.profile), execute)
      reply = { t: 'report', id: job.id, report }
    } catch (e) {
      const err = e as Error
      reply = { t: 'error', id: job.id, error: { name: err.name ?? 'Error', message: err.message ?? String(e), stack: err.stack } }
    }
    port!.postMessage(reply)
  })
})
