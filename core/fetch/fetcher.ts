/**
 * `fetchRange`: blocks from..to into the store, fetched ahead concurrently (a bounded window of
 * blocks in flight keeps memory flat on long ranges) and stored in block order, each block in
 * one transaction with all its parts. Blocks already stored are skipped, so a rerun after a
 * crash fetches only what is missing. The first failure stops the fetch; the blocks before it
 * stay stored.
 */
import { chainRules, type ChainRules } from '../execute/chain.js'
import { kzgReady } from '../execute/crypto.js'
import type { Store, StoredChain } from '../../storage/store.js'
import type { RpcClient } from './rpc-client.js'
import { RpcResponseError } from './rpc-errors.js'
import type { Capabilities } from './capabilities.js'
import { detectChain, type ChainFlags } from './chain-detect.js'
import { CodeCache } from './code-cache.js'
import { SerialEngine } from './engine.js'
import { FetchInputError } from './fetch-errors.js'
import { fetchBlock, type BlockContext, type DiscoveryMode, type WitnessMode } from './fetch-block.js'
import { HeaderSource } from './headers.js'
import type { FetchEvent, FetchSummary } from './progress.js'

export type { FetchEvent, FetchSummary } from './progress.js'
export type { DiscoveryMode, WitnessMode, BlockFetchInfo } from './fetch-block.js'

export interface FetchOptions {
  from: number
  to: number
  discovery?: DiscoveryMode
  witness?: WitnessMode
  /** Blocks fetched at once (started and not yet stored). Default 4. */
  concurrency?: number
  chain?: ChainFlags
  /** Stops starting new blocks; the fetch then rejects with the signal's reason. */
  signal?: AbortSignal
}

export async function fetchRange(
  store: Store,
  rpc: RpcClient,
  opts: FetchOptions,
  onProgress?: (e: FetchEvent) => void,
): Promise<FetchSummary> {
  const t0 = performance.now()
  if (!Number.isSafeInteger(opts.from) || !Number.isSafeInteger(opts.to) || opts.from > opts.to) {
    throw new FetchInputError(`invalid range ${opts.from}..${opts.to}`)
  }
  if (opts.from < 1) throw new FetchInputError('block 0 (genesis) has no parent to execute on: start at --from 1')
  const chain = await detectChain(rpc, opts.chain)
  const rules = rulesFor(chain)
  const head = await latestBlock(rpc)
  if (head !== undefined && opts.to > head) throw new FetchInputError(`--to ${opts.to} is beyond the node's latest block ${head}`)
  store.ensureChain(chain)
  await kzgReady()

  const todo: number[] = []
  for (let n = opts.from; n <= opts.to; n++) if (!store.hasBlock(n)) todo.push(n)
  const alreadyStored = opts.to - opts.from + 1 - todo.length
  onProgress?.({ type: 'start', chain, from: opts.from, to: opts.to, total: todo.length, alreadyStored })

  const warnings: string[] = []
  const warned = new Set<string>()
  const engine = new SerialEngine()
  const ctx: BlockContext = {
    rpc, rules, engine,
    caps: {} as Capabilities,
    headers: new HeaderSource(rpc, store),
    codes: new CodeCache(store),
    discovery: opts.discovery ?? 'auto',
    witness: opts.witness ?? 'auto',
    warn(key, message) {
      if (warned.has(key)) return
      warned.add(key)
      warnings.push(message)
      onProgress?.({ type: 'warning', message })
    },
  }
  const summary = emptySummary(opts, chain, alreadyStored)
  const startCalls = rpc.stats()
  await runWindow(todo, Math.max(1, opts.concurrency ?? 4), opts.signal, (n) => fetchBlock(ctx, n), (f, done, inFlight) => {
    store.putBlock(f.record)
    ctx.headers.forgetBelow(f.info.number)
    summary.stored++
    summary.txs += f.info.txs
    summary.discovery[f.info.discovery]++
    summary.witness[f.info.witness]++
    onProgress?.({ type: 'block', block: f.info, done, total: todo.length, rpc: rpc.stats(), inFlight })
  })
  const end = rpc.stats()
  summary.seconds = (performance.now() - t0) / 1000
  summary.blocksPerSecond = summary.seconds > 0 ? summary.stored / summary.seconds : 0
  summary.requestsPerBlock = summary.stored > 0 ? (end.requests - startCalls.requests) / summary.stored : 0
  summary.callsPerBlock = summary.stored > 0 ? (end.calls - startCalls.calls) / summary.stored : 0
  summary.executions = engine.runs
  summary.executeSeconds = engine.seconds
  summary.rpc = end
  summary.warnings = warnings
  return summary
}

/**
 * Requests on the wire for `blocks` fetched at once: each block has a few independent calls
 * (block, parent header, receipts, traces) that should not wait for each other.
 */
export function rpcConcurrencyFor(blocks: number): number {
  return Math.max(4, 2 * blocks)
}

/** The node's head, or undefined when it will not say (then a missing block shows when fetched). */
async function latestBlock(rpc: RpcClient): Promise<number | undefined> {
  try {
    return Number(BigInt(await rpc.call<string>('eth_blockNumber')))
  } catch (e) {
    if (e instanceof RpcResponseError) return undefined
    throw e
  }
}

function rulesFor(chain: StoredChain): ChainRules {
  try {
    return chainRules(chain.profile)
  } catch (e) {
    throw new FetchInputError(`chain rules ${JSON.stringify(chain.profile).slice(0, 120)}: ${(e as Error).message}`)
  }
}

/**
 * Runs `work` over `items` with at most `window` started but not yet committed, and calls
 * `commit` in item order. On the first failure nothing new starts; the work already started
 * is awaited (no dangling requests), then the failure is thrown.
 */
export async function runWindow<T, R>(
  items: readonly T[],
  window: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<R>,
  commit: (result: R, done: number, inFlight: number) => void,
): Promise<void> {
  const started = new Map<number, Promise<R>>()
  let next = 0
  let failure: { error: unknown } | undefined
  const start = (): void => {
    while (failure === undefined && !signal?.aborted && next < items.length && started.size < window) {
      const i = next++
      const p = work(items[i]!)
      p.catch((error: unknown) => (failure ??= { error }))
      started.set(i, p)
    }
  }
  try {
    for (let i = 0; i < items.length; i++) {
      start()
      const p = started.get(i)
      if (p === undefined) {
        // Not started: a later block failed first, or the signal fired.
        if (failure !== undefined) throw failure.error
        throw signal?.reason ?? new Error('fetch aborted')
      }
      const result = await p
      started.delete(i)
      commit(result, i + 1, started.size)
    }
  } finally {
    await Promise.allSettled(started.values())
  }
}

function emptySummary(opts: FetchOptions, chain: StoredChain, alreadyStored: number): FetchSummary {
  return {
    from: opts.from, to: opts.to, chainId: chain.chainId, stored: 0, alreadyStored, txs: 0, seconds: 0,
    blocksPerSecond: 0, requestsPerBlock: 0, callsPerBlock: 0,
    discovery: { trace: 0, execute: 0 }, witness: { proofs: 0, 'execution-witness': 0, none: 0 },
    executions: 0, executeSeconds: 0, rpc: undefined as never, warnings: [],
  }
}


