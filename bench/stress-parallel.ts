/**
 * Stress mode for the parallel executor: every block of ../shared/mainnet (and the synthetic
 * blocks) must give the sequential digest for K = 1, 2, 4, 8 execution workers under N
 * perturbed schedules (late hand-overs, stale replicas, slow workers, random worker order;
 * seeded). Any difference is printed with what reproduces it, and the exit code is 1.
 *
 *   node dist/bench/stress-parallel.js [--schedules 200] [--workers 1,2,4,8] [--blocks N,N]
 *                                      [--seed 1] [--data DIR] [--no-synthetic]
 */
import { join } from 'node:path'
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
  synthetic: boolean
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
}

interface Case {
  name: string
  expected: string
  run: (exec: ReturnType<typeof blockStmExecute>) => Promise<{ digest: string; stats: BlockStmStats }>
}

async function mainnetCases(opts: StressOptions): Promise<Case[]> {
  const store = Store.open(corpusDb(opts.data), { readonly: true })
  const rules = chainRules(store.chain()!.profile)
  const seq = sequentialExecute(new BlockExecutor())
  const cases: Case[] = []
  const numbers = store.blockNumbers().filter((n) => !opts.blocks || opts.blocks.includes(n))
  for (const n of numbers) {
    const raw: RawBlock = store.rawBlock(n)
    const expected = (await replayRawBlock(raw, rules, seq)).digest
    cases.push({
      name: String(n), expected,
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
  const cases = [...await mainnetCases(opts), ...(opts.synthetic ? await syntheticCases() : [])]
  log(`stress: ${cases.length} blocks × K ∈ {${opts.workers.join(', ')}} × ${opts.schedules} schedules`)
  const result: StressResult = { checks: 0, failures: [], executions: 0, aborts: 0, seconds: 0 }
  for (const workers of opts.workers) {
    const exec = blockStmExecute({ workers })
    try {
      for (let s = 0; s < opts.schedules; s++) {
        const seed = opts.seed + s
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
        log(`K=${workers} schedule ${s + 1}/${opts.schedules}: ${result.checks} checks, ${result.failures.length} failures`)
      }
    } finally {
      await exec.close()
    }
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
      'no-synthetic': { type: 'boolean', default: false },
    },
  })
  const r = await stressParallel({
    schedules: Number(values.schedules), workers: list(values.workers)!, blocks: list(values.blocks), seed: Number(values.seed),
    data: values.data ?? join(defaultSharedDir(), 'mainnet'), synthetic: !values['no-synthetic'],
    log: (line) => process.stderr.write(line + '\n'),
  })
  process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  process.exitCode = r.failures.length > 0 ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
