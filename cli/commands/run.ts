import type { Command } from 'commander'
import { Store } from '../../storage/store.js'
import { runPipeline, type PipelineOutcome } from '../../core/pipeline/run-pipeline.js'
import type { ProgressSnapshot } from '../../core/pipeline/progress.js'
import { EXIT, UsageError } from '../errors.js'
import { addFetchFlags, parseFetchFlags, type FetchFlags } from '../fetch-flags.js'
import { dbPath, parseBlockNumber } from '../options.js'
import { parallelHooks } from '../parallel.js'
import { blockJson, resolveMode } from './replay.js'
import { createRenderer, shouldUseTui } from '../ui/renderer.js'

interface RunFlags extends FetchFlags {
  from?: string
  to?: string
  db?: string
  workers?: string
  mode?: string
  json?: boolean
  tui?: boolean
}

/** Runs the pipeline with the UI and Ctrl-C handling; shared by `run` and `demo`. */
export async function runWithUi(store: Store, args: {
  url: string; rps?: number; from: number; to: number; fetch: ReturnType<typeof parseFetchFlags>['options'];
  mode: 'sequential' | 'parallel'; workers: number; tui: boolean; title?: string
}): Promise<PipelineOutcome> {
  const controller = new AbortController()
  // Created on the first update: a run that fails its preflight prints only the error line.
  let renderer: ReturnType<typeof createRenderer> | undefined
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      renderer?.unmount()
      process.exit(130)
    }
    // First Ctrl-C: stop fetching, finish the block in hand, record the run as stopped.
    controller.abort(new Error('stopped by Ctrl-C'))
  }
  process.on('SIGINT', onSigint)
  const hooks = args.mode === 'parallel' ? await parallelHooks(args.workers) : undefined
  let last: ProgressSnapshot | undefined
  try {
    const out = await runPipeline(store, {
      rpcUrl: args.url, rps: args.rps, from: args.from, to: args.to, fetch: args.fetch,
      mode: args.mode, workers: args.workers, replayMany: hooks?.options.replayMany, signal: controller.signal,
      title: args.title,
      onUpdate: (s) => {
        last = s
        renderer ??= createRenderer({ tui: args.tui })
        renderer.update(s)
      },
    })
    const s = out.summary
    renderer?.finish(last!, `${out.stopped ? 'stopped' : 'done'}: ${s.blocks} blocks verified (${out.resumed} from an earlier run), ` +
      `${s.matched} matched, ${s.mismatched} mismatched, ${s.unchecked} with unchecked fields` +
      (out.stopped ? ' — run the same command again to resume' : ''))
    return out
  } catch (e) {
    if (last) renderer?.finish(last, `failed: ${(e as Error).message}`)
    throw e
  } finally {
    process.off('SIGINT', onSigint)
    await hooks?.close()
  }
}

export function register(program: Command): void {
  addFetchFlags(program
    .command('run')
    .description('fetch → replay → verify as one pipeline, with the terminal UI; rerun to resume')
    .requiredOption('--from <n>', 'first block (inclusive)')
    .requiredOption('--to <n>', 'last block (inclusive)')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--workers <k>', 'worker threads (default: cores)')
    .option('--mode <mode>', 'sequential | parallel (default: parallel when more than one core)')
    .option('--json', 'one JSON document on stdout')
    .option('--no-tui', 'plain progress lines instead of the terminal UI'))
    .action(async (flags: RunFlags) => {
      const from = parseBlockNumber(flags.from!, '--from')
      const to = parseBlockNumber(flags.to!, '--to')
      if (from > to) throw new UsageError(`--from ${from} is after --to ${to}: the range is empty`)
      const fetch = parseFetchFlags(flags)
      const { mode, workers } = resolveMode(flags)
      const store = Store.open(dbPath(flags.db))
      try {
        const tui = shouldUseTui({ noTui: flags.tui === false, env: process.env, isTTY: process.stderr.isTTY })
        const out = await runWithUi(store, { url: fetch.url, rps: fetch.rps, from, to, fetch: fetch.options, mode, workers, tui })
        if (flags.json) {
          const results = store.results(out.runId)
          process.stdout.write(JSON.stringify({
            mode, workers, run: out.runId, stopped: out.stopped, resumed: out.resumed,
            blocks: results.map((r) => blockJson({ number: r.block, hash: r.hash, txs: r.txCount, gasUsed: r.gasUsed, checks: r.checks as never, unchecked: r.unchecked, digest: r.digest, mismatches: r.mismatches as never, seconds: {} as never, stats: {} as never })),
            summary: out.summary, fetch: out.fetch ? { stored: out.fetch.stored, alreadyStored: out.fetch.alreadyStored, blocksPerSecond: out.fetch.blocksPerSecond, requestsPerBlock: out.fetch.requestsPerBlock } : null,
          }, null, 2) + '\n')
        }
        process.exitCode = out.stopped ? 130 : out.summary.mismatched > 0 ? EXIT.mismatch : EXIT.ok
      } finally {
        store.close()
      }
    })
}
