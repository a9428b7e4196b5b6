/**
 * A conformance worker thread: runs the tasks (named tests of one file) the pool sends, one at a
 * time, and answers with their records (or with the input error that makes the run exit 2).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { kzgReady } from '../../execute/crypto.js'
import { ConformanceInputError } from './fixture.js'
import { executorFor, runTask, type ExecutionMode } from './run-file.js'
import type { FromWorker, ToWorker } from './pool.js'

const { mode } = workerData as { mode: ExecutionMode }
const port = parentPort!
const executor = executorFor(mode)
const ready = kzgReady()

port.on('message', async (msg: ToWorker) => {
  await ready
  let reply: FromWorker
  try {
    reply = { type: 'done', id: msg.id, records: await runTask(msg, executor) }
  } catch (err) {
    const message = (err as Error)?.message ?? String(err)
    reply = err instanceof ConformanceInputError ? { type: 'input-error', id: msg.id, message } : { type: 'crash', id: msg.id, message }
  }
  port.postMessage(reply)
})
