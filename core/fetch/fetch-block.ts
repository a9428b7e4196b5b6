/**
 * Everything one block needs, fetched and checked: the block, its parent header, receipts,
 * ommers, traces, the pre-state its execution reads (see discovery-execute.ts), ancestor
 * hashes, and the witness. Returns the BlockRecord to store; throws before anything bad is
 * kept.
 */
import type { Block } from '@ethereumjs/block'
import { hexToBytes } from '@ethereumjs/util'
import type { ChainRules } from '../execute/chain.js'
import { EMPTY_TRIE_ROOT } from '../verify/witness/index.js'
import type { BlockRecord } from '../../storage/store.js'
import type { RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError } from './rpc-errors.js'
import type { Capabilities } from './capabilities.js'
import type { CodeCache } from './code-cache.js'
import { discover, type Discovery } from './discovery-execute.js'
import { traceBlock, type BlockTrace } from './discovery-trace.js'
import type { SerialEngine } from './engine.js'
import { fetchExecutionWitness, WitnessSource } from './exec-witness.js'
import { FetchInputError } from './fetch-errors.js'
import type { HeaderInfo, HeaderSource } from './headers.js'
import { LazyState, accountMiss, type Miss } from './lazy-state.js'
import { fetchOmmers, type StoredOmmer } from './ommers.js'
import { fetchReceipts, type ReceiptsResult } from './receipts.js'
import { buildRecord, readPreState, type PreStateReads } from './record.js'
import { quantity, type RpcBlock } from './rpc-types.js'
import { PlainSource, ProofSource, fetchPostProofs, type StateSource } from './state-source.js'
import { validateBlock } from './validate.js'

export type DiscoveryMode = 'auto' | 'trace' | 'execute'
export type WitnessMode = 'auto' | 'proofs' | 'none'

export interface BlockContext {
  rpc: RpcClient
  rules: ChainRules
  caps: Capabilities
  headers: HeaderSource
  codes: CodeCache
  engine: SerialEngine
  discovery: DiscoveryMode
  witness: WitnessMode
  warn(key: string, message: string): void
}

/** What happened while fetching one block (for progress and summaries). */
export interface BlockFetchInfo {
  number: number
  hash: string
  txs: number
  gasUsed: number
  discovery: 'trace' | 'execute'
  /** Where pre-state values came from, and what witness (if any) is stored. */
  source: StateSource['kind']
  witness: 'proofs' | 'execution-witness' | 'none'
  receipts: boolean
  accounts: number
  slots: number
  runs: number
  rounds: number
  seconds: number
}

export interface FetchedBlock {
  record: BlockRecord
  info: BlockFetchInfo
}

const BLOCK_METHOD = 'eth_getBlockByNumber'

export async function fetchBlock(ctx: BlockContext, number: number): Promise<FetchedBlock> {
  const t0 = performance.now()
  const body = (async () => {
    const json = await ctx.rpc.call<RpcBlock | null>(BLOCK_METHOD, [quantity(number), true])
    if (json === null) throw new FetchInputError(`block ${number} is not on the node (beyond its latest block?)`)
    const { block } = await validateBlock(json, number, ctx.rules)
    return { json: json!, block }
  })()
  // The child block (fetched concurrently) takes its parent header from here.
  ctx.headers.provide(number, body.then(({ json }): HeaderInfo => ({ number, hash: json.hash.toLowerCase(), stateRoot: json.stateRoot.toLowerCase() })))
  const { json, block } = await body

  const wantTrace = ctx.discovery !== 'execute' && ctx.caps.trace !== false
  const wantExecWitness = ctx.witness === 'auto' && ctx.caps.executionWitness !== false
  const [parent, receipts, ommers, trace, execWitness] = await Promise.all([
    ctx.headers.parent(number, json.parentHash),
    fetchReceipts(ctx.rpc, block, ctx.caps),
    fetchOmmers(ctx.rpc, block, json.uncles ?? []),
    wantTrace ? traceBlock(ctx.rpc, block, ctx.caps) : Promise.resolve(undefined),
    wantExecWitness ? fetchExecutionWitness(ctx.rpc, block, ctx.caps) : Promise.resolve(undefined),
  ])
  if (ctx.discovery === 'trace' && trace === undefined) {
    throw new FetchInputError(`the node does not serve debug_traceBlockByNumber: use --discovery execute (or auto)`)
  }
  noteReceipts(ctx, number, receipts)

  // anvil's genesis header claims the empty root over a funded state: block 1's pre-state
  // cannot be proven against it, so it is taken unproven and stored without a witness.
  const parentRoot = parent.number === 0 && parent.stateRoot === EMPTY_TRIE_ROOT ? null : parent.stateRoot
  if (parentRoot === null) ctx.warn('genesis-root', `block ${number}: the genesis header's stateRoot is the empty root, so block ${number}'s pre-state is stored unproven and without a witness`)

  const ommerInfo = ommers.map((o) => ({ number: BigInt(o.number), coinbase: o.coinbase }))
  const attempt = async (source: StateSource, state: LazyState): Promise<Discovery> =>
    discover({
      block, uncleCount: json.uncles?.length ?? 0, ommers: ommerInfo, rules: ctx.rules, state, source,
      headers: ctx.headers, engine: ctx.engine, hints: [...seedMisses(block), ...(trace?.hints ?? [])],
    })

  let state = newState(number, json.parentHash)
  let source = chooseSource(ctx, number, parentRoot, execWitness)
  if (source instanceof WitnessSource) for (const [n, h] of source.headerHashes()) if (n < number) state.hashes.set(n, hexToBytes(h as `0x${string}`))
  let found: Discovery
  try {
    found = await attempt(source, state)
  } catch (e) {
    if (!(e instanceof RpcMethodNotFoundError && e.method === 'eth_getProof')) throw e
    ctx.caps.proofs = false
    if (ctx.witness === 'proofs') throw new FetchInputError(`the node does not serve eth_getProof: fetch with --witness none (or auto)`)
    ctx.warn('no-proofs', `the node does not serve eth_getProof: pre-state values come from plain getters, unproven, and no witness is stored`)
    state = newState(number, json.parentHash)
    source = new PlainSource({ rpc: ctx.rpc, block: number, parent: number - 1, codes: ctx.codes })
    found = await attempt(source, state)
  }

  if (found.failure !== undefined) ctx.warn('engine', `block ${number}: our engine rejects it (${found.failure}); stored anyway for replay to report (later such blocks are not listed)`)
  const pre = readPreState(state)
  const witness = await witnessFor(ctx, source, parentRoot, block, json, pre, found)
  const record = buildRecord({
    json, state, pre, ommers,
    receipts: 'receipts' in receipts ? receipts.receipts : undefined,
    witness,
    trace: trace?.diff,
    source: `rpc fetch (discovery ${trace ? 'trace' : 'execute'}, pre-state ${source.kind})`,
  })
  return {
    record,
    info: {
      number, hash: record.hash, txs: record.txCount, gasUsed: record.gasUsed,
      discovery: trace ? 'trace' : 'execute',
      source: source.kind,
      witness: (witness?.kind ?? 'none') as BlockFetchInfo['witness'],
      receipts: record.receipts !== undefined,
      accounts: pre.accounts.size,
      slots: [...pre.reads.values()].reduce((n, s) => n + s.size, 0),
      runs: found.runs, rounds: found.rounds,
      seconds: (performance.now() - t0) / 1000,
    },
  }
}

function newState(number: number, parentHash: string): LazyState {
  const state = new LazyState()
  state.hashes.set(number - 1, hexToBytes(parentHash as `0x${string}`))
  return state
}

function chooseSource(ctx: BlockContext, number: number, parentRoot: string | null, execWitness: Awaited<ReturnType<typeof fetchExecutionWitness>>): StateSource {
  if (execWitness !== undefined && parentRoot !== null) return new WitnessSource(number, execWitness, parentRoot)
  if (ctx.caps.proofs === false) return new PlainSource({ rpc: ctx.rpc, block: number, parent: number - 1, codes: ctx.codes })
  return new ProofSource({ rpc: ctx.rpc, block: number, parent: number - 1, parentRoot, codes: ctx.codes })
}

/** Keys every block reads: senders, recipients, the coinbase, withdrawal recipients. */
function seedMisses(block: Block): Miss[] {
  const out = new Map<string, Miss>()
  const add = (address: string): void => {
    const m = accountMiss(address.toLowerCase())
    out.set(m.key, m)
  }
  add(block.header.coinbase.toString())
  for (const tx of block.transactions) {
    add(tx.getSenderAddress().toString())
    if (tx.to) add(tx.to.toString())
  }
  for (const w of block.withdrawals ?? []) add(w.address.toString())
  return [...out.values()]
}

async function witnessFor(
  ctx: BlockContext, source: StateSource, parentRoot: string | null, block: Block, json: RpcBlock, pre: PreStateReads, found: Discovery,
): Promise<{ kind: string; data: unknown } | undefined> {
  if (ctx.witness === 'none') return undefined
  if (source instanceof WitnessSource) return { kind: 'execution-witness', data: { parentStateRoot: parentRoot, witness: source.witness } }
  if (!(source instanceof ProofSource) || parentRoot === null) return undefined
  const { reads } = pre
  const preProofs = source.preProofs(reads)
  // Without an execution (the engine rejected the block) every read key stands in for the changed ones.
  const changed = found.execution
    ? found.execution.changes.map((c) => ({ address: c.address, slots: [...c.storage.keys()].sort() }))
    : [...reads].map(([address, slots]) => ({ address, slots: [...slots] }))
  const post = changed.length > 0 ? await fetchPostProofs(ctx.rpc, Number(block.header.number), json.stateRoot.toLowerCase(), changed) : []
  return { kind: 'proofs', data: { parentStateRoot: parentRoot, pre: preProofs, post } }
}

function noteReceipts(ctx: BlockContext, number: number, r: ReceiptsResult): void {
  if ('unavailable' in r) ctx.warn('receipts', `block ${number}: the node gives no receipts (${r.unavailable.slice(0, 160)}); stored without them`)
}
