import type { Command } from 'commander'
import { join } from 'node:path'
import { corpusDb, defaultSharedDir } from '../../core/bench/corpus.js'
import { engineBench, type EngineBenchResult } from '../../core/bench/engine-bench.js'
import { parsePositiveInt } from '../options.js'
import { benchFetch, fetchBenchTable } from '../../core/fetch/bench.js'
import { benchSummary, parallelBench } from '../../bench/parallel-bench.js'

export interface BenchReport {
  engine?: EngineBenchResult
  [section: string]: unknown
}

function engineTable(e: EngineBenchResult): string {
  const row = (name: string, x: EngineBenchResult['ours']): string =>
    `| ${name} | ${x.seconds.toFixed(2)} | ${x.mgasPerSecond.toFixed(1)} | ${x.txPerSecond} | ${x.matched}/${e.blocks} |`
  return [
    `Sequential replay of ${e.blocks} mainnet blocks (${e.txs} txs, ${(e.gas / 1e6).toFixed(1)} Mgas), ${e.rounds} alternating rounds:`,
    '',
    '| engine | seconds | Mgas/s | tx/s | blocks matched |',
    '|---|---|---|---|---|',
    row('parevm sequential', e.ours),
    row('@ethereumjs runBlock + MerkleStateManager + Caches', e.baseline),
    '',
    `speedup: ${e.ratio.toFixed(2)}× (per round: ${e.ratios.map((r) => r.toFixed(2)).join(', ')})`,
    `parevm phases (s): ${Object.entries(e.ours.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
    `baseline phases (s): ${Object.entries(e.baseline.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
    `sender recovery: ${(e.shares.recoverOfReplay * 100).toFixed(1)}% of replay time; loading inputs from SQLite: ${(e.shares.loadOfExecute * 100).toFixed(1)}% of execution time`,
  ].join('\n')
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('side-by-side measurements in one run, on the same data (see README for what each compares)')
    .option('--data <dir>', 'mainnet fixture documents (default ../shared/mainnet)')
    .option('--rounds <n>', 'alternating rounds per comparison', '2')
    .option('--only <sections>', 'comma-separated: engine, parallel, fetch (default: all)')
    .option('--json', 'one JSON document on stdout')
    .action(async (flags: { data?: string; rounds: string; json?: boolean; only?: string }) => {
      const sections = new Set((flags.only ?? 'engine,parallel,fetch').split(',').map((x) => x.trim()))
      const rounds = parsePositiveInt(flags.rounds, '--rounds')
      const data = flags.data ?? join(defaultSharedDir(), 'mainnet')
      process.stderr.write(`bench: importing ${data} into a temporary database\n`)
      const db = corpusDb(data)
      const report: BenchReport = {}
      const text: string[] = []
      if (sections.has('engine')) {
        process.stderr.write('bench: sequential engine vs runBlock (alternating processes)\n')
        report.engine = await engineBench(db, rounds)
        text.push(engineTable(report.engine))
      }
      if (sections.has('parallel')) {
        process.stderr.write('bench: parallel re-executor (inter-block pool, Block-STM, simulator, RSS)\n')
        const p = await parallelBench(db, { rounds, rssPasses: 20, log: (l) => process.stderr.write(`  ${l}\n`) })
        report.parallel = p
        text.push(benchSummary(p))
      }
      if (sections.has('fetch')) {
        process.stderr.write('bench: fetch throughput against a local anvil\n')
        const f = await benchFetch({})
        report.fetch = f
        text.push(fetchBenchTable(f))
      }
      if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
      else process.stdout.write(text.join('\n\n') + '\n')
    })
}
