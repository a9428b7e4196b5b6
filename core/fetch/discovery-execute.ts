/**
 * Execution discovery: run the block in our engine over a LazyState, fetch everything the run
 * missed (batched), and run again until a run misses nothing. That last run read exactly what
 * the block needs, so it works on any archive node, without the debug_ namespace.
 *
 * A run after a placeholder may take a path the real block never takes and ask for keys it
 * does not need; a node may refuse those (a pruned or recorded node). Such refusals are kept
 * and only become an error when the refused key is a run's first miss: everything before the
 * first miss ran on real data, so that key is truly needed.
 */
import type { Block } from '@ethereumjs/block'
import { hexToBytes } from '@ethereumjs/util'
import type { BlockExecution, BlockInput, OmmerInfo, TxOutcome } from '../execute/block-executor.js'
import type { ChainRules } from '../execute/chain.js'
import type { SerialEngine } from './engine.js'
import { DiscoveryError } from './fetch-errors.js'
import type { HeaderSource } from './headers.js'
import type { LazyState, Miss } from './lazy-state.js'
import { isRefusal, type LoadRequest, type StateSource } from './state-source.js'

/** More runs than any real block needs (each run resolves at least one new key). */
const MAX_RUNS = 500

export interface DiscoveryInput {
  block: Block
  uncleCount: number
  ommers: OmmerInfo[] | undefined
  rules: ChainRules
  state: LazyState
  source: StateSource
  headers: HeaderSource
  engine: SerialEngine
  /** Keys known to be needed (senders, recipients, coinbase) or traced: loaded before the first run. */
  hints: Miss[]
}

export interface Discovery {
  /** The complete run's result; undefined when our engine rejects the block (see `failure`). */
  execution: BlockExecution | undefined
  /**
   * Why the complete run failed (e.g. a system contract the rules require is absent). The
   * reads are still complete, so the block is stored and replay reports the failure.
   */
  failure?: string
  /** Executions of the block, the last one complete. */
  runs: number
  /** Fetch rounds (each one batch of loads). */
  rounds: number
}

export async function discover(input: DiscoveryInput): Promise<Discovery> {
  const { block, state } = input
  const number = Number(block.header.number)
  const refused = new Map<string, Error>()
  let rounds = 0
  if (input.hints.length > 0) {
    rounds++
    for (const [k, e] of await resolve(input, input.hints.filter((m) => !state.isKnown(m)))) refused.set(k, e)
  }
  // Outcomes of transactions that ran on complete data: a later run resumes after them.
  const kept: TxOutcome[] = []
  let resumeAt = SYSTEM
  // When only one transaction missed, later runs stop after it until it is complete: a deep
  // chain of dependent reads in one transaction (a linked list walked in storage) then costs
  // that transaction per level, not the rest of the block too.
  let focus: number | undefined
  for (let run = 1; run <= MAX_RUNS; run++) {
    const r = await runOnce(input, kept, resumeAt, focus)
    const misses = state.runMisses()
    if (misses.length === 0) {
      if (focus === undefined) return { execution: r.execution, failure: r.failure, runs: run, rounds }
      // The focused transaction ran on complete data: run the rest (or, if it threw, let a
      // full run from it deliver the verdict).
      resumeAt = r.failure === undefined ? focus + 1 : focus
      focus = undefined
      continue
    }
    const first = refused.get(misses[0]!.key)
    if (first !== undefined) throw first
    resumeAt = state.firstMissSegment()!
    focus = resumeAt >= 0 && resumeAt < block.transactions.length && state.lastMissSegment() === resumeAt ? resumeAt : undefined
    rounds++
    for (const [k, e] of await resolve(input, misses.filter((m) => !refused.has(m.key)))) refused.set(k, e)
  }
  throw new DiscoveryError(`block ${number}: discovery did not finish within ${MAX_RUNS} executions`)
}

/** Segments of a block's execution, as LazyState records reads: system steps, txs 0..n-1, final steps (n). */
const SYSTEM = -1

/**
 * One run from segment `resumeAt`: the system steps always (cheap), the kept outcomes of the
 * transactions before `resumeAt` replayed as writes, then the rest executed. Stops at the
 * first transaction that throws: a failure on placeholders is expected; on complete data it
 * is the engine's verdict on the block.
 */
async function runOnce(
  input: DiscoveryInput, kept: TxOutcome[], resumeAt: number, stopAfter: number | undefined,
): Promise<{ execution?: BlockExecution; failure?: string }> {
  const { block, state } = input
  const n = block.transactions.length
  state.beginRun(Math.max(resumeAt, 0))
  const blockInput: BlockInput = {
    block,
    preState: state,
    blockHash: (k) => state.blockHash(k),
    ommerCount: input.uncleCount,
    ommers: input.ommers,
    rewards: input.rules.paysRewards(block.common),
    // As replay decides it (core/replay/replay-block.ts).
    daoFork: input.rules.daoForkBlock === block.header.number,
    lenientSystemContracts: input.rules.lenientSystemContracts,
  }
  try {
    return await input.engine.exclusive(async (executor) => {
      state.enterSegment(SYSTEM)
      const run = await executor.beginBlock(blockInput)
      const from = Math.max(resumeAt, 0)
      let receiptGas = 0n
      for (let i = 0; i < from && i < n; i++) {
        run.overlay.apply(kept[i]!.writes)
        receiptGas += kept[i]!.result.totalGasSpent
      }
      const last = stopAfter ?? n - 1
      for (let i = from; i <= last; i++) {
        state.enterSegment(i)
        const outcome = await executor.runTxInBlock(run, block.transactions[i]!, receiptGas)
        input.engine.txs++
        kept[i] = outcome
        receiptGas += outcome.result.totalGasSpent
      }
      if (stopAfter !== undefined) return {}
      state.enterSegment(n)
      return { execution: await executor.finishBlock(run, kept.slice(0, n)) }
    })
  } catch (e) {
    return { failure: (e as Error)?.message ?? String(e) }
  }
}

/** Loads the misses (one batch of state loads, hashes in parallel); returns refused miss keys. */
async function resolve(input: DiscoveryInput, misses: Miss[]): Promise<Map<string, Error>> {
  const { state } = input
  const number = Number(input.block.header.number)
  const requests = new Map<string, { account: boolean; slots: Set<string>; keys: string[] }>()
  const hashes: Array<Extract<Miss, { kind: 'hash' }>> = []
  for (const m of misses) {
    if (m.kind === 'hash') {
      hashes.push(m)
      continue
    }
    let r = requests.get(m.address)
    if (!r) requests.set(m.address, (r = { account: false, slots: new Set(), keys: [] }))
    r.keys.push(m.key)
    if (m.kind === 'slot') r.slots.add(m.slot)
    if (m.kind === 'account' || !state.accounts.has(m.address)) r.account = true
  }
  const refused = new Map<string, Error>()
  const list: LoadRequest[] = [...requests].map(([address, r]) => ({ address, account: r.account, slots: [...r.slots] }))
  const [failures] = await Promise.all([
    list.length > 0 ? input.source.load(state, list) : Promise.resolve(new Map<string, Error>()),
    Promise.all(hashes.map(async (m) => {
      try {
        state.hashes.set(m.number, hexToBytes((await input.headers.hash(m.number, number)) as `0x${string}`))
      } catch (e) {
        if (!isRefusal(e)) throw e
        refused.set(m.key, e)
      }
    })),
  ])
  for (const [k, e] of failures) refused.set(k, e)
  // A slot of an account whose own load was refused cannot be used either.
  for (const [address, r] of requests) {
    const accountRefused = failures.get(`a:${address}`)
    if (accountRefused && !state.accounts.has(address)) for (const k of r.keys) if (!refused.has(k)) refused.set(k, accountRefused)
  }
  return refused
}
