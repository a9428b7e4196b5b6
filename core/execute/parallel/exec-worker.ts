/**
 * Entry point of a Block-STM execution worker thread (loaded from dist/ as compiled JS).
 * Messages are handled strictly in order: a block, then its execution tasks, then its end.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { kzgReady } from '../crypto.js'
import { TxExecutor } from './executor.js'
import type { CoordinatorMessage, WorkerMessage } from './protocol.js'

const port = parentPort
if (!port) throw new Error('exec-worker.js must run as a worker thread')

await kzgReady()
const executor = new TxExecutor()
const crashOnTx = (workerData as { crashOnTx?: number } | null)?.crashOnTx
let failedBlock = -1
let queue: Promise<void> = Promise.resolve()

async function handle(m: CoordinatorMessage): Promise<void> {
  if (m.blockId === failedBlock) return
  try {
    if (m.t === 'peers') executor.setPeers(m.out, m.in)
    else if (m.t === 'block') await executor.startBlock(m)
    else if (m.t === 'exec') {
      if (crashOnTx !== undefined && m.versions.some((x, k) => k % 2 === 0 && x === crashOnTx)) process.exit(70)
      port!.postMessage(await executor.execute(m, (partial) => port!.postMessage(partial)))
    }
    else executor.endBlock(m.blockId)
  } catch (e) {
    failedBlock = m.blockId
    const fatal: WorkerMessage = { t: 'fatal', blockId: m.blockId, message: (e as Error).stack ?? String(e) }
    port!.postMessage(fatal)
  }
}

port.on('message', (m: CoordinatorMessage) => {
  queue = queue.then(() => handle(m))
})
