import type { Command } from 'commander'
import { Store } from '../../storage/store.js'
import { RpcClient } from '../../core/fetch/rpc-client.js'
import { fetchRange, rpcConcurrencyFor, type FetchEvent } from '../../core/fetch/fetcher.js'
import { ValidationError } from '../../core/fetch/fetch-errors.js'
import { progressLine, summaryLine } from '../../core/fetch/progress.js'
import { ExternalError, UsageError } from '../errors.js'
import { addFetchFlags, parseFetchFlags, type FetchFlags } from '../fetch-flags.js'
import { dbPath, parseRange } from '../options.js'

interface FetchCommandFlags extends FetchFlags {
  from?: string
  to?: string
  db?: string
  json?: boolean
}

export function register(program: Command): void {
  addFetchFlags(program
    .command('fetch')
    .description('pull blocks and everything their replay and verification need into the database (resumable)')
    .requiredOption('--from <n>', 'first block (inclusive)')
    .requiredOption('--to <n>', 'last block (inclusive)')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--json', 'one JSON summary on stdout'))
    .action(async (flags: FetchCommandFlags) => {
      const { from, to } = parseRange(flags.from, flags.to)
      if (from === undefined || to === undefined) throw new UsageError('--from and --to are required')
      const parsed = parseFetchFlags(flags)
      const store = Store.open(dbPath(flags.db))
      const concurrency = parsed.options.concurrency ?? 4
      const rpc = new RpcClient(parsed.url, { concurrency: rpcConcurrencyFor(concurrency), rps: parsed.rps })
      const onProgress = (e: FetchEvent): void => {
        if (e.type === 'start') {
          process.stderr.write(`fetch ${from}..${to} from ${rpc.url} (chain ${e.chain.chainId}, ${JSON.stringify(e.chain.profile)}): ` +
            `${e.total} to fetch, ${e.alreadyStored} already stored\n`)
        } else if (e.type === 'block') process.stderr.write(progressLine(e))
        else process.stderr.write(`warning: ${e.message}\n`)
      }
      try {
        const summary = await fetchRange(store, rpc, { ...parsed.options, from, to }, onProgress)
        if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
        else process.stderr.write(summaryLine(summary))
      } catch (e) {
        // Bad data from the node is an external failure (exit 3), not bad input.
        if (e instanceof ValidationError) throw new ExternalError(`${e.message} (the node served bad data; nothing of block ${e.block} was stored)`)
        throw e
      } finally {
        await rpc.close()
        store.close()
      }
    })
}
