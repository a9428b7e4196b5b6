/**
 * The engine as discovery uses it: one BlockExecutor, one block at a time. Execution is
 * CPU-bound on the one JS thread anyway, and the executor is not safe for interleaved blocks
 * (its VM, state layer and BLOCKHASH source are shared), so blocks queue here. After a failed
 * run the executor is replaced: a run aborted mid-transaction may leave its VM's journal behind.
 */
import { BlockExecutor } from '../execute/block-executor.js'

export class SerialEngine {
  private executor = new BlockExecutor()
  private tail: Promise<unknown> = Promise.resolve()
  /** Runs so far, transactions executed in them, and their CPU-bound time. */
  runs = 0
  txs = 0
  seconds = 0

  /** Runs `fn` with the executor to itself. */
  exclusive<T>(fn: (executor: BlockExecutor) => Promise<T>): Promise<T> {
    const job = this.tail.then(async () => {
      const t0 = performance.now()
      this.runs++
      try {
        return await fn(this.executor)
      } catch (e) {
        this.executor = new BlockExecutor()
        throw e
      } finally {
        this.seconds += (performance.now() - t0) / 1000
      }
    })
    this.tail = job.catch(() => undefined)
    return job
  }
}
