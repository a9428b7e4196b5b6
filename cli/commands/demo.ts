import type { Command } from 'commander'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAnvil } from '../../core/fetch/anvil.js'
import { generateWorkload } from '../../core/workload/index.js'
import { Store } from '../../storage/store.js'
import { EXIT, UsageError } from '../errors.js'
import { parsePositiveInt } from '../options.js'
import { resolveMode } from './replay.js'
import { runWithUi } from './run.js'
import { shouldUseTui } from '../ui/renderer.js'

interface DemoFlags {
  blocks: string
  hardfork: string
  db?: string
  workers?: string
  mode?: string
  json?: boolean
  tui?: boolean
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('start a local anvil, generate a mixed workload, then fetch → parallel replay → verify it with the UI')
    .option('--blocks <n>', 'blocks of workload to mine (at least 6)', '24')
    .option('--hardfork <name>', 'anvil hardfork: london | cancun | prague', 'prague')
    .option('--db <path>', 'database (default: a fresh temporary one)')
    .option('--workers <k>', 'worker threads (default: cores)')
    .option('--mode <mode>', 'sequential | parallel')
    .option('--json', 'one JSON document on stdout')
    .option('--no-tui', 'plain progress lines instead of the terminal UI')
    .action(async (flags: DemoFlags) => {
      const blocks = parsePositiveInt(flags.blocks, '--blocks')
      if (blocks < 6) throw new UsageError('--blocks: the workload needs at least 6 blocks')
      const { mode, workers } = resolveMode(flags)
      const db = flags.db ?? join(mkdtempSync(join(tmpdir(), 'parevm-demo-')), 'demo.db')
      process.stderr.write(`demo: starting anvil (${flags.hardfork}) on 127.0.0.1\n`)
      const node = await startAnvil({ hardfork: flags.hardfork })
      const store = Store.open(db)
      try {
        process.stderr.write(`demo: mining ${blocks} blocks of mixed workload (tokens, AMM swaps, CREATE2, self-destructs, storage fills and clears, transfers)\n`)
        const w = await generateWorkload(node.url, { blocks })
        process.stderr.write(`demo: mined blocks ${w.fromBlock}..${w.toBlock} with ${w.txCount} transactions; database ${db}\n`)
        const tui = shouldUseTui({ noTui: flags.tui === false, env: process.env, isTTY: process.stderr.isTTY })
        const out = await runWithUi(store, {
          url: node.url, from: w.fromBlock, to: w.toBlock, fetch: { discovery: 'auto', witness: 'proofs', concurrency: 4 },
          mode, workers, tui, title: `parevm demo · anvil ${flags.hardfork} · blocks ${w.fromBlock}..${w.toBlock}`,
        })
        if (flags.json) {
          process.stdout.write(JSON.stringify({ db, mode, workers, run: out.runId, workload: { from: w.fromBlock, to: w.toBlock, txs: w.txCount, fork: flags.hardfork }, summary: out.summary }, null, 2) + '\n')
        }
        process.exitCode = out.summary.mismatched > 0 ? EXIT.mismatch : EXIT.ok
      } finally {
        store.close()
        await node.stop()
      }
    })
}
