/**
 * One stored block, end to end and pure: decode its raw stored bytes, recover senders,
 * execute, verify against the header. The same function runs in the main thread and in
 * pool workers; the caller records the report.
 */
import { Hardfork } from '@ethereumjs/common'
import type { ChainRules } from '../execute/chain.js'
import { decodeBlock } from '../execute/decode.js'
import type { BlockExecution, BlockExecutor, BlockInput, ExecuteOptions } from '../execute/block-executor.js'
import type { StateChanges } from '../types.js'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { computeStateRoot, ExecutionWitnessState, type ExecutionWitness, type StateRootOptions } from '../verify/witness/index.js'
import {
  checkStateRootWithWitness, prepareProofWitness, type PreparedWitness, type ProofWitnessData, type StateRootVerdict,
} from '../verify/state-root-check.js'
import { decodeRawBlock, type LoadedBlock, type RawBlock } from '../../storage/codec.js'
import { verifyBlock, type CheckState, type Mismatch } from '../verify/checks.js'

export interface BlockStats {
  executions: number
  aborts: number
  reexecutions: number
  validationFailures: number
  /** Critical-path speedup bound of the block's dependency graph (by gas), when measured. */
  criticalPathBound?: number
  /** The same bound weighted by measured execution time (Block-STM). */
  criticalPathBoundTime?: number
  /** min(workers, criticalPathBoundTime) (Block-STM). */
  speedupBound?: number
  /** Incarnations stopped on an ESTIMATE, i.e. suspended on a dependency (Block-STM). */
  dependencyAborts?: number
  /** Execution mode of the block: 'block-stm', or 'sequential-fallback' when it could not be shipped. */
  mode?: string
  [key: string]: unknown
}

export interface BlockReport {
  number: number
  hash: string
  txs: number
  gasUsed: number
  checks: Record<string, CheckState>
  unchecked: Record<string, string>
  digest: string
  mismatches: Mismatch[]
  seconds: { load: number; recover: number; execute: number; verify: number; total: number }
  stats: BlockStats
}

/** How a block's transactions are executed: sequentially, or by Block-STM. */
export type ExecuteFn = (input: BlockInput, opts?: ExecuteOptions) => Promise<{ execution: BlockExecution; stats: BlockStats }>

export function sequentialExecute(executor: BlockExecutor): ExecuteFn {
  return async (input, opts) => {
    const execution = await executor.execute(input, opts)
    const n = execution.txs.length
    return { execution, stats: { executions: n, aborts: 0, reexecutions: 0, validationFailures: 0 } }
  }
}

export async function replayRawBlock(raw: RawBlock, rules: ChainRules, execute: ExecuteFn): Promise<BlockReport> {
  const t0 = performance.now()
  const loaded = decodeRawBlock(raw)
  return replayLoadedBlock(loaded, rules, execute, (performance.now() - t0) / 1000)
}

export async function replayLoadedBlock(loaded: LoadedBlock, rules: ChainRules, execute: ExecuteFn, loadSeconds = 0): Promise<BlockReport> {
  const t0 = performance.now()
  const decoded = decodeBlock(loaded.json, rules)
  const { block } = decoded
  const preByzantium = !block.common.gteHardfork(Hardfork.Byzantium)
  const witness = prepareWitness(loaded, block.header.stateRoot)
  // Receipts before Byzantium carry the state root after each transaction: with a witness we compute it.
  let intermediateFailure: string | undefined
  const intermediateRoot = witness.prepared && preByzantium
    ? (changes: StateChanges): Uint8Array => {
      const r = computeStateRoot(witness.prepared!.witness, changes)
      if ('root' in r) return hexToBytes(r.root as `0x${string}`)
      intermediateFailure ??= r.unchecked
      return new Uint8Array(32)
    }
    : undefined
  const t1 = performance.now()
  const { execution, stats } = await execute({
    block,
    preState: loaded.preState,
    blockHash: (n) => loaded.blockHashes.get(n),
    ommerCount: loaded.json.uncles?.length ?? 0,
    ommers: loaded.ommers,
    rewards: rules.paysRewards(block.common),
    daoFork: rules.daoForkBlock === block.header.number,
    lenientSystemContracts: rules.lenientSystemContracts,
    // anvil's trie also keeps what was only read: the hints need the read sets.
    ...(rules.trie === 'anvil' ? { trieHints: true } : {}),
  }, rules.trie === 'anvil' ? { intermediateRoot, recordReads: true } : { intermediateRoot })
  const trie: StateRootOptions = rules.trie === 'anvil' ? { trie: 'anvil', hints: execution.trieHints } : {}
  const t2 = performance.now()
  const verdict = await verifyBlock({
    rpcHash: loaded.json.hash,
    block,
    execution,
    senderMismatches: decoded.senderMismatches,
    canonicalReceipts: loaded.receipts,
    intermediateRoots: intermediateRoot !== undefined && intermediateFailure === undefined,
  })
  if (preByzantium && intermediateRoot && intermediateFailure) {
    verdict.checks.receiptsRoot = 'unchecked'
    verdict.unchecked.receiptsRoot = `intermediate state roots: ${intermediateFailure}`
  }
  const stateVerdict: StateRootVerdict = execution.ommersUnknown
    ? { state: 'unchecked', reason: 'ommer headers not stored (their rewards are unknown)', mismatches: [] }
    : witness.prepared
      ? checkStateRootWithWitness(bytesToHex(block.header.stateRoot), execution.changes, witness.prepared, execution.txs.map((t) => t.writes), trie)
      : witness.executionWitness
        ? rootFromExecutionWitness(witness.executionWitness, execution.changes, bytesToHex(block.header.stateRoot), trie)
        : { state: 'unchecked', reason: witness.error ?? 'no witness', mismatches: [] }
  verdict.checks.stateRoot = stateVerdict.state
  if (stateVerdict.state === 'unchecked') verdict.unchecked.stateRoot = stateVerdict.reason!
  else delete verdict.unchecked.stateRoot
  verdict.mismatches.push(...stateVerdict.mismatches)
  const t3 = performance.now()
  return {
    number: loaded.number,
    hash: loaded.json.hash.toLowerCase(),
    txs: block.transactions.length,
    gasUsed: Number(execution.gasUsed),
    checks: verdict.checks,
    unchecked: verdict.unchecked,
    digest: verdict.digest,
    mismatches: verdict.mismatches,
    seconds: {
      load: loadSeconds,
      recover: decoded.recoverSeconds,
      execute: (t2 - t1) / 1000,
      verify: (t3 - t2) / 1000,
      total: loadSeconds + (t3 - t0) / 1000,
    },
    stats,
  }
}

interface Witnesses {
  prepared?: PreparedWitness
  executionWitness?: ExecutionWitnessState
  error?: string
}

/** The stored witness, checked and ready; a bad one makes the check unchecked with the reason. */
function prepareWitness(loaded: LoadedBlock, stateRoot: Uint8Array): Witnesses {
  const w = loaded.witness
  if (!w) return {}
  try {
    if (w.kind === 'proofs') return { prepared: prepareProofWitness(w.data as ProofWitnessData, bytesToHex(stateRoot)) }
    if (w.kind === 'execution-witness') {
      const data = w.data as { parentStateRoot: string; witness: ExecutionWitness }
      return { executionWitness: new ExecutionWitnessState(data.witness, data.parentStateRoot) }
    }
    return { error: `unknown witness kind ${w.kind}` }
  } catch (e) {
    return { error: `stored witness is invalid: ${(e as Error).message}` }
  }
}

function rootFromExecutionWitness(w: ExecutionWitnessState, changes: StateChanges, expected: string, trie: StateRootOptions = {}): StateRootVerdict {
  const r = computeStateRoot(w.toStateWitness(), changes, trie)
  if ('unchecked' in r) return { state: 'unchecked', reason: r.unchecked, mismatches: [] }
  return r.root === expected
    ? { state: 'match', mismatches: [] }
    : { state: 'mismatch', mismatches: [{ field: 'stateRoot', expected, actual: r.root }] }
}
