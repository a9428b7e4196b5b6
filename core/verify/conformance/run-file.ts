/**
 * Running named tests of one fixture file in the calling thread, and planning a run: which
 * tests of which files (after the `--fork` filter), cut into tasks of similar estimated cost so
 * that K workers finish together. The executor is chosen by mode in one place, `executorFor`.
 */
import { BlockExecutor } from '../../execute/block-executor.js'
import { blockStmExecute } from '../../execute/parallel/index.js'
import { readFixtureFile, type BlockchainTest, type FixtureFile } from './fixture.js'
import { UnsupportedNetworkError, parseNetwork, type NetworkSpec } from './networks.js'
import type { TestRecord } from './report.js'
import { runBlockchainTest, type Executor } from './runner.js'

export type ExecutionMode = 'sequential' | 'parallel'

/**
 * The executor behind `--mode`. Parallel mode runs every block through Block-STM (multi-version
 * memory, validation, re-execution, in-order commit) in the test worker's own thread: the
 * conformance workers already occupy the cores, and the verdicts must not depend on timing.
 */
export function executorFor(mode: ExecutionMode): Executor {
  if (mode === 'sequential') return new BlockExecutor()
  const stm = blockStmExecute({ workers: 2, inline: true })
  return { execute: async (input, opts) => (await stm(input, opts)).execution }
}

function sameSpec(a: NetworkSpec, b: NetworkSpec): boolean {
  return a.from === b.from && a.to === b.to && a.at === b.at && a.byTime === b.byTime
}

/**
 * `--fork NAME`: tests whose network is NAME, compared as fork schedules so that aliases match
 * ("Merge" = "Paris", "ConstantinopleFix" = "Petersburg"). Throws UnsupportedNetworkError for a
 * name that is no fork or transition.
 */
export function networkFilter(name: string | undefined): (network: string) => boolean {
  if (name === undefined) return () => true
  const want = parseNetwork(name)
  return (network) => {
    if (network.toLowerCase() === name.toLowerCase()) return true
    try {
      return sameSpec(parseNetwork(network), want)
    } catch (err) {
      if (err instanceof UnsupportedNetworkError) return false
      throw err
    }
  }
}

/** Some tests of one file; `cost` is a relative time estimate. */
export interface Task {
  file: FixtureFile
  names: string[]
  cost: number
}

/**
 * Estimated run time of a test, in units of a small one (~15 ms): execution time follows gas
 * (one suite test burns 120 Mgas in a loop and takes 20 s), plus a share per block.
 */
export function testCost(test: BlockchainTest): number {
  let gas = 0
  for (const b of test.blocks) {
    const used = b.blockHeader?.gasUsed
    if (typeof used === 'string') gas += Number(BigInt(used))
  }
  return 1 + test.blocks.length / 2 + gas / 100_000
}

/**
 * Reads every file once (bad input surfaces here, before any work starts), keeps the tests the
 * filter accepts, and cuts each file into tasks no bigger than `chunk` (a heavier test is a task
 * of its own). Heaviest first: longest-processing-time-first scheduling.
 */
export function planTasks(files: FixtureFile[], accept: (network: string) => boolean, workers: number): Task[] {
  const perTest: Array<{ file: FixtureFile; name: string; cost: number }> = []
  for (const file of files) {
    for (const [name, test] of Object.entries(readFixtureFile(file.path))) {
      if (accept(test.network)) perTest.push({ file, name, cost: testCost(test) })
    }
  }
  const total = perTest.reduce((s, t) => s + t.cost, 0)
  // Small enough for about 16 tasks per worker; never so small that files are re-read for nothing.
  const chunk = Math.max(200, total / (16 * Math.max(1, workers)))
  const tasks: Task[] = []
  let cur: Task | undefined
  for (const t of perTest) {
    if (!cur || cur.file !== t.file || cur.cost + t.cost > chunk) {
      cur = { file: t.file, names: [], cost: 0 }
      tasks.push(cur)
    }
    cur.names.push(t.name)
    cur.cost += t.cost
  }
  return tasks.sort((a, b) => b.cost - a.cost)
}

/** Parsed files kept for the next task: tasks of one file tend to follow each other. */
const parsed = new Map<string, Record<string, BlockchainTest>>()

function testsOf(path: string): Record<string, BlockchainTest> {
  let tests = parsed.get(path)
  if (!tests) {
    tests = readFixtureFile(path)
    if (parsed.size >= 4) parsed.delete(parsed.keys().next().value!)
    parsed.set(path, tests)
  }
  return tests
}

export async function runTask(task: Pick<Task, 'file' | 'names'>, executor: Executor): Promise<TestRecord[]> {
  const tests = testsOf(task.file.path)
  const out: TestRecord[] = []
  for (const name of task.names) {
    const test = tests[name]
    if (!test) {
      out.push({ file: task.file.display, name, network: '(file)', result: 'fail', reason: 'test vanished from its file during the run' })
      continue
    }
    const o = await runBlockchainTest(name, test, executor)
    out.push({ file: task.file.display, name, network: test.network, result: o.result, reason: o.reason })
  }
  return out
}
