/**
 * Runs conformance tests over K worker threads (tests are independent): tasks (some tests of one
 * file, see `planTasks`) are handed out heaviest first to whichever worker is free, so the run
 * ends evenly. K = 1 runs in this thread. A malformed file aborts the run before it starts (bad
 * input, exit 2); a worker that dies fails only the tests it held and is replaced.
 */
import { Worker } from 'node:worker_threads'
import { kzgReady } from '../../execute/crypto.js'
import { ConformanceInputError, collectFixtureFiles, type FixtureFile } from './fixture.js'
import { FILE_NETWORK, buildReport, type ConformanceReport, type TestRecord } from './report.js'
import { executorFor, networkFilter, planTasks, runTask, type ExecutionMode, type Task } from './run-file.js'

export type ToWorker = { type: 'run'; id: number; file: FixtureFile; names: string[] }
export type FromWorker =
  | { type: 'done'; id: number; records: TestRecord[] }
  | { type: 'input-error'; id: number; message: string }
  | { type: 'crash'; id: number; message: string }

export interface FileProgress {
  file: string
  records: TestRecord[]
  done: number
  total: number
  seconds: number
}

export interface ConformanceOptions {
  paths: string[]
  /** Worker threads; 1 = run in the calling thread. */
  workers: number
  mode: ExecutionMode
  /** Only tests of this network (see `networkFilter`). */
  fork?: string
  onFile?: (p: FileProgress) => void
}

function taskFailure(task: Task, reason: string): TestRecord[] {
  return task.names.map((name) => ({ file: task.file.display, name, network: FILE_NETWORK, result: 'fail' as const, reason }))
}

export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const accept = networkFilter(opts.fork)
  const { files, missing } = collectFixtureFiles(opts.paths)
  const records: TestRecord[] = missing.map((m) => ({
    file: m.display, name: '(whole file)', network: FILE_NETWORK, result: 'skip' as const, reason: m.reason,
  }))
  const tasks = planTasks(files, accept, opts.workers)
  const workers = Math.max(1, Math.min(opts.workers, tasks.length))
  const run = workers === 1 ? runInline(tasks, opts) : runPooled(tasks, opts, workers)
  records.push(...(await run))
  return buildReport(records)
}

async function runInline(tasks: Task[], opts: ConformanceOptions): Promise<TestRecord[]> {
  await kzgReady()
  const executor = executorFor(opts.mode)
  const out: TestRecord[] = []
  for (const [i, task] of tasks.entries()) {
    const start = performance.now()
    const recs = await runTask(task, executor)
    out.push(...recs)
    opts.onFile?.({ file: task.file.display, records: recs, done: i + 1, total: tasks.length, seconds: (performance.now() - start) / 1000 })
  }
  return out
}

function runPooled(tasks: Task[], opts: ConformanceOptions, count: number): Promise<TestRecord[]> {
  const out: TestRecord[] = []
  const queue = [...tasks]
  const busy = new Map<Worker, { id: number; task: Task; start: number }>()
  const all = new Set<Worker>()
  let nextId = 0
  let done = 0
  let settled = false

  return new Promise<TestRecord[]>((resolve, reject) => {
    const finish = (err?: Error): void => {
      if (settled) return
      settled = true
      for (const w of all) void w.terminate()
      if (err) reject(err)
      else resolve(out)
    }
    const record = (job: { task: Task; start: number }, recs: TestRecord[]): void => {
      out.push(...recs)
      done++
      opts.onFile?.({ file: job.task.file.display, records: recs, done, total: tasks.length, seconds: (performance.now() - job.start) / 1000 })
    }
    const feed = (w: Worker): void => {
      const task = queue.shift()
      if (!task) {
        if (busy.size === 0) finish()
        return
      }
      const id = nextId++
      busy.set(w, { id, task, start: performance.now() })
      w.postMessage({ type: 'run', id, file: task.file, names: task.names } satisfies ToWorker)
    }
    const spawn = (): void => {
      const w = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { mode: opts.mode }, stdout: true,
      })
      all.add(w)
      // Anything a library prints must not reach stdout (it carries the --json document).
      w.stdout.pipe(process.stderr, { end: false })
      w.on('message', (msg: FromWorker) => {
        if (msg.type === 'input-error') return finish(new ConformanceInputError(msg.message))
        const job = busy.get(w)!
        busy.delete(w)
        record(job, msg.type === 'done' ? msg.records : taskFailure(job.task, `runner error: ${msg.message}`))
        feed(w)
      })
      const died = (why: string): void => {
        if (settled || !all.delete(w)) return
        const job = busy.get(w)
        busy.delete(w)
        if (job) record(job, taskFailure(job.task, `worker died: ${why}`))
        if (queue.length > 0) spawn()
        else if (busy.size === 0) finish()
      }
      w.on('error', (err) => died(err.message))
      w.on('exit', (code) => died(`exit code ${code}`))
      feed(w)
    }
    for (let i = 0; i < count; i++) spawn()
  })
}
