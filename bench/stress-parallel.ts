/**
 * Stress mode for the parallel executor: every block of ../shared/mainnet, of any parevm
 * databases given with --db (e.g. anvil workloads stored by `parevm demo --db F`) and the
 * synthetic blocks must give the sequential digest for K = 1, 2, 4, 8 execution workers under
 * N perturbed schedules (late hand-overs, stale replicas, slow workers, random worker order;
 * seeded). Any difference is printed with what reproduces it, and the exit code is 1.
 *
 *   node dist/bench/stress-parallel.js [--schedules 200] [--workers 1,2,4,8] [--blocks N,N]
 *                                      [--seed 1] [--data DIR] [--db FILE]… [--no-mainnet]
 *                                      [--no-synthetic] [--minutes M] [--from S]
 *
 * Schedule s (0-based) uses seed `seed + s`; schedule 0 is unperturbed. `--from S` starts at
 * schedule S, so a long sweep can be split over runs with the same seeds as one run.
 */
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { chainRules } from '../core/execute/chain.js'
import { kzgReady } from '../core/execute/crypto.js'
import {
  blockStmExecute, conflictHeavy, executionDigest, independentTransfers, senderChain, type BlockStmStats, type SyntheticBlock,
} from '../core/execute/parallel/index.js'
import { replayRawBlock, sequentialExecute } from '../core/replay/replay-block.js'
import { corpusDb, defaultSharedDir } from '../core/bench/corpus.js'
import { Store } from '../storage/store.js'
import type { RawBlock } from '../storage/codec.js'

export interface StressOptions {
  schedules: number
  workers: number[]
  blocks?: number[]
  seed: number
  data: string
  /** Further parevm databases whose stored blocks are checked too. */
  dbs: string[]
  mainnet: boolean
  synthetic: boolean
  /** Stop after the schedule during which this many minutes have passed (all K equally covered). */
  minutes?: number
  /** First schedule index (default 0), to continue an earlier run where it stopped. */
  from?: number
  log?: (line: string) => void
}

export interface StressFailure {
  block: string
  workers: number
  seed: number
  error?: string
}

export interface StressResult {
  checks: number
  failures: StressFailure[]
  executions: number
  aborts: number
  seconds: number
  /** Schedules completed for every K in this run (fewer than asked when --minutes ran out). */
  schedules: number
  /** Schedule indices covered, 1-based inclusive: [from + 1, last]. */
  range: [number, number]
}

interface Case {
  name: string
  expected: string
  run: (exec: ReturnType<typeof blockStmExecute>) => Promise<{ digest: string; stats: BlockStmStats }>
}

async function storedCases(db: string, label: string, opts: StressOptions): Promise<Case[]> {
  const store = Store.open(db, { readonly: true })
  const rules = chainRules(store.chain()!.profile)
  const seq = sequentialExecute(new BlockExecutor())
  const cases: Case[] = []
  const numbers = store.blockNumbers().filter((n) => !opts.blocks || opts.blocks.includes(n))
  for (const n of numbers) {
    const raw: RawBlock = store.rawBlock(n)
    const expected = (await replayRawBlock(raw, rules, seq)).digest
    cases.push({
      name: `${label} ${n}`, expected,
      run: async (exec) => {
        const r = await replayRawBlock(raw, rules, exec)
        return { digest: r.digest, stats: r.stats as BlockStmStats }
      },
    })
  }
  store.close()
  return cases
}

async function syntheticCases(): Promise<Case[]> {
  const seq = new BlockExecutor()
  const make: Array<[string, SyntheticBlock]> = [
    ['synthetic independent transfers', independentTransfers(300)],
    ['synthetic hot slot', conflictHeavy(120)],
    ['synthetic hot slot every 3rd', conflictHeavy(200, 3)],
    ['synthetic sender chain', senderChain(120)],
  ]
  const cases: Case[] = []
  for (const [name, b] of make) {
    const expected = executionDigest(b.input.block, await seq.execute(b.input))
    cases.push({
      name, expected,
      run: async (exec) => {
        const { execution, stats } = await exec(b.input)
        return { digest: executionDigest(b.input.block, execution), stats: stats as BlockStmStats }
      },
    })
  }
  return cases
}

export async function stressParallel(opts: StressOptions): Promise<StressResult> {
  const log = opts.log ?? (() => {})
  await kzgReady()
  const t0 = performance.now()
  const cases: Case[] = []
  if (opts.mainnet) cases.push(...await storedCases(corpusDb(opts.data), 'mainnet', opts))
  for (const db of opts.dbs) cases.push(...await storedCases(db, basename(db), opts))
  if (opts.synthetic) cases.push(...await syntheticCases())
  const from = opts.from ?? 0
  log(`stress: ${cases.length} blocks × K ∈ {${opts.workers.join(', ')}} × schedules ${from + 1}…${opts.schedules}`)
  const result: StressResult = { checks: 0, failures: [], executions: 0, aborts: 0, seconds: 0, schedules: 0, range: [from + 1, from] }
  // Schedules outermost: wherever a time budget stops the run, every K has had as many.
  const execs = opts.workers.map((workers) => ({ workers, exec: blockStmExecute({ workers }) }))
  const deadline = opts.minutes ? t0 + opts.minutes * 60_000 : Infinity
  try {
    for (let s = from; s < opts.schedules && performance.now() < deadline; s++) {
      const seed = opts.seed + s
      for (const { workers, exec } of execs) {
        // Schedule 0 unperturbed; the rest perturbed, each with its own seed.
        exec.setPerturbation(s === 0 ? undefined : { seed })
        for (const c of cases) {
          result.checks++
          try {
            const { digest, stats } = await c.run(exec)
            result.executions += stats.executions
            result.aborts += stats.aborts
            if (digest !== c.expected) result.failures.push({ block: c.name, workers, seed })
          } catch (e) {
            result.failures.push({ block: c.name, workers, seed, error: (e as Error).message })
          }
        }
      }
      result.schedules = s + 1 - from
      result.range[1] = s + 1
      log(`schedule ${s + 1}/${opts.schedules} (K = ${opts.workers.join(', ')}): ${result.checks} checks, ${result.failures.length} failures`)
    }
  } finally {
    await Promise.all(execs.map(({ exec }) => exec.close()))
  }
  result.seconds = (performance.now() - t0) / 1000
  return result
}

const list = (s: string | undefined): number[] | undefined => s?.split(',').map((x) => Number(x.trim()))

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schedules: { type: 'string', default: '200' },
      workers: { type: 'string', default: '1,2,4,8' },
      blocks: { type: 'string' },
      seed: { type: 'string', default: '1' },
      data: { type: 'string' },
      db: { type: 'string', multiple: true, default: [] },
      'no-mainnet': { type: 'boolean', default: false },
      minutes: { type: 'string' },
      from: { type: 'string', default: '0' },
      'no-synthetic': { type: 'boolean', default: false },
    },
  })
  const r = await stressParallel({
    schedules: Number(values.schedules), workers: list(values.workers)!, blocks: list(values.blocks), seed: Number(values.seed),
    data: values.data ?? join(defaultSharedDir(), 'mainnet'), dbs: values.db, mainnet: !values['no-mainnet'],
    synthetic: !values['no-synthetic'], minutes: values.minutes ? Number(values.minutes) : undefined,
    from: Number(values.from),
    log: (line) => process.stderr.write(line + '\n'),
  })
  process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  process.exitCode = r.failures.length > 0 ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
