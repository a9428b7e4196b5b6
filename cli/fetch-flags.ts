/** Fetch flags shared by `fetch` and `run` (../shared/CLI.md), parsed into fetcher options. */
import type { Command } from 'commander'
import type { FetchOptions } from '../core/fetch/fetcher.js'
import { UsageError } from './errors.js'
import { parsePositiveInt } from './options.js'

export interface FetchFlags {
  rpc?: string
  concurrency?: string
  rps?: string
  discovery?: string
  witness?: string
  hardfork?: string
  chain?: string
}

export function addFetchFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of an archive node (http/https)')
    .option('--concurrency <k>', 'blocks fetched at once', '4')
    .option('--rps <r>', 'requests per second at most')
    .option('--discovery <mode>', 'auto | trace | execute', 'auto')
    .option('--witness <mode>', 'auto | proofs | none', 'auto')
    .option('--hardfork <name>', 'every block under this fork, no block rewards')
    .option('--chain <file>', 'a geth-style genesis JSON (its config)')
}

export function parseFetchFlags(f: FetchFlags): { url: string; rps?: number; options: Omit<FetchOptions, 'from' | 'to' | 'signal'> } {
  if (!f.rpc) throw new UsageError('--rpc is required')
  let url: URL
  try {
    url = new URL(f.rpc)
  } catch {
    throw new UsageError(`--rpc: "${f.rpc}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--rpc: only http(s) URLs are supported, not ${url.protocol}`)
  const oneOf = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined => {
    if (v === undefined) return undefined
    if (!allowed.includes(v as T)) throw new UsageError(`${flag}: "${v}" is not one of ${allowed.join(', ')}`)
    return v as T
  }
  if (f.hardfork && f.chain) throw new UsageError('--hardfork and --chain are exclusive: pass one')
  return {
    url: f.rpc,
    rps: f.rps !== undefined ? parsePositiveInt(f.rps, '--rps') : undefined,
    options: {
      concurrency: f.concurrency !== undefined ? parsePositiveInt(f.concurrency, '--concurrency') : undefined,
      discovery: oneOf('--discovery', f.discovery, ['auto', 'trace', 'execute'] as const),
      witness: oneOf('--witness', f.witness, ['auto', 'proofs', 'none'] as const),
      chain: f.hardfork || f.chain ? { hardfork: f.hardfork, chainFile: f.chain } : undefined,
    },
  }
}
