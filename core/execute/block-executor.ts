/**
 * Sequential block execution: the block-level rules of @ethereumjs `runBlock` (DAO change,
 * EIP-4788/2935 system writes, withdrawals, block and ommer rewards, EIP-7685 requests)
 * around one `runTx` per transaction over our `StateLayer`. Pure over its inputs: no I/O.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Hardfork } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Account, GWEI_TO_WEI, bigIntToAddressBytes, bytesToHex, createAddressFromString } from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'
import type { RunTxResult, TxReceipt, VM } from '@ethereumjs/vm'
import type { StateChanges, StateView, TrieHints } from '../types.js'
import { DAO_DRAINED_ACCOUNTS, DAO_REFUND_CONTRACT } from './dao.js'
import { Overlay, RecordingView } from './overlay.js'
import { StateLayer, type WriteSet } from './state-layer.js'
import { trieHints } from './trie-hints.js'
import { requestsInternals, runBlockInternals } from './vm-internals.js'
import { genRequestsRoot } from '@ethereumjs/block'
import { sha256 } from 'ethereum-cryptography/sha256.js'

const { accumulateParentBeaconBlockRoot, accumulateParentBlockHash, calculateMinerReward, rewardAccount } =
  runBlockInternals

export class MissingBlockHashError extends Error {
  override name = 'MissingBlockHashError'
}

/** An EIP-7002/7251 system contract is empty or its call failed: the block is invalid. */
export class SystemContractError extends Error {
  override name = 'SystemContractError'
}

/** Ommer header fields that rewards need. */
export interface OmmerInfo {
  number: bigint
  coinbase: string
}

export interface BlockInput {
  block: Block
  preState: StateView
  /** Ancestor hashes for BLOCKHASH; a needed hash that is absent is an error, never a zero. */
  blockHash(number: bigint): Uint8Array | undefined
  /** How many ommers the block includes (the RPC block's `uncles` list). */
  ommerCount: number
  /** Ommer headers (number, coinbase); undefined when not known (their rewards are then skipped). */
  ommers?: OmmerInfo[]
  /** Pays block and ommer rewards before the merge (false for dev chains such as anvil). */
  rewards: boolean
  /** Apply the DAO irregular state change in this block. */
  daoFork: boolean
  /**
   * Dev chains (anvil) run Prague without the EIP-7002/7251 contracts and treat their absence as
   * no requests; mainnet rules make such a block invalid. Default: strict.
   */
  lenientSystemContracts?: boolean
  /**
   * Also derive `BlockExecution.trieHints` (anvil chains). Slots and accounts only read count
   * too: run with `recordReads`, or the hints miss them.
   */
  trieHints?: boolean
}

export interface TxOutcome {
  result: RunTxResult
  receipt: TxReceipt
  /** Gas this transaction adds to the header's gasUsed. */
  blockGasSpent: bigint
  writes: WriteSet
  /** First value read at each location (only with `recordReads`). */
  reads?: Map<string, unknown>
  seconds: number
}

export interface BlockExecution {
  txs: TxOutcome[]
  receipts: TxReceipt[]
  gasUsed: bigint
  /** EIP-7685 requests hash (Prague on), to compare with the header. */
  requestsHash?: Uint8Array
  changes: StateChanges
  /** Ommer rewards were not applied because the ommer headers are unknown. */
  ommersUnknown: boolean
  /** What anvil's trie keeps beyond `changes` (only when `BlockInput.trieHints`); see trie-hints.ts. */
  trieHints?: TrieHints
  seconds: { system: number; txs: number; post: number }
}

export interface ExecuteOptions {
  recordReads?: boolean
  /**
   * The state root after each transaction, for receipts before Byzantium (they carry it).
   * Given the block's changes so far; without it those roots are zero and left unchecked.
   */
  intermediateRoot?: (changes: StateChanges) => Uint8Array
}

/** A block in progress: its VM and state layer, and the state so far (pre-state + committed writes). */
export interface BlockRun {
  input: BlockInput
  vm: VM
  layer: StateLayer
  overlay: Overlay
  /** performance.now() at the start of the system steps, and at their end. */
  t0: number
  t1: number
}

export class BlockExecutor {
  private vms = new Map<Common, { vm: VM; layer: StateLayer }>()
  private hashSource: ((n: bigint) => Uint8Array | undefined) | null = null
  private currentBlock = 0n

  /** One VM per fork (Common), reused across blocks: creating an EVM is costly. */
  async vmFor(common: Common): Promise<{ vm: VM; layer: StateLayer }> {
    let entry = this.vms.get(common)
    if (!entry) {
      const layer = new StateLayer()
      const blockchain = {
        getBlock: async (n: number) => {
          const hash = this.hashSource?.(BigInt(n))
          if (!hash) {
            throw new MissingBlockHashError(
              `block ${this.currentBlock} needs the hash of block ${n} (BLOCKHASH) and it is not stored`,
            )
          }
          return { hash: () => hash }
        },
        putBlock: async () => {},
        shallowCopy() { return this },
      }
      const vm = await createVM({ common, stateManager: layer, blockchain: blockchain as never })
      entry = { vm, layer }
      this.vms.set(common, entry)
    }
    return entry
  }

  async execute(input: BlockInput, opts: ExecuteOptions = {}): Promise<BlockExecution> {
    const run = await this.beginBlock(input)
    const txs: TxOutcome[] = []
    let receiptGas = 0n
    for (const tx of input.block.transactions) {
      const outcome = await this.runTxInBlock(run, tx, receiptGas, opts)
      txs.push(outcome)
      receiptGas += outcome.result.totalGasSpent
    }
    return this.finishBlock(run, txs)
  }

  /**
   * The block-level steps before the transactions (DAO change, EIP-4788/2935 system writes).
   * `execute` = `beginBlock`, `runTxInBlock` per transaction, `finishBlock`: split so that a
   * parallel executor runs the same steps around its own transaction scheduling.
   */
  async beginBlock(input: BlockInput): Promise<BlockRun> {
    const { block } = input
    const common = block.common
    const { vm, layer } = await this.vmFor(common)
    this.hashSource = input.blockHash
    this.currentBlock = block.header.number
    const overlay = new Overlay(input.preState)

    const t0 = performance.now()
    layer.beginTx(overlay)
    if (input.daoFork) await applyDaoFork(layer)
    if (common.isActivatedEIP(4788)) {
      await accumulateParentBeaconBlockRoot(vm, block.header.parentBeaconBlockRoot!, block.header.timestamp)
    }
    if (common.isActivatedEIP(2935)) {
      await accumulateParentBlockHash(vm, block.header.number, block.header.parentHash)
    }
    overlay.apply(layer.endTx())
    return { input, vm, layer, overlay, t0, t1: performance.now() }
  }

  /** One transaction over the block's state so far (`run.overlay`), committed into it. */
  async runTxInBlock(run: BlockRun, tx: TypedTransaction, receiptGas: bigint, opts: ExecuteOptions = {}): Promise<TxOutcome> {
    const { vm, layer, overlay } = run
    const rootOf = opts.intermediateRoot
    layer.stateRootHook = rootOf ? () => rootOf(overlay.changesWith(layer.peekWrites())) : null
    try {
      return await this.executeTx(vm, layer, overlay, run.input.block, tx, receiptGas, opts.recordReads === true)
    } finally {
      layer.stateRootHook = null
    }
  }

  /** The block-level steps after the transactions (withdrawals, rewards, requests) and the result. */
  async finishBlock(run: BlockRun, txs: TxOutcome[]): Promise<BlockExecution> {
    const { input, vm, layer, overlay, t0, t1 } = run
    const { block } = input
    const common = block.common
    const gasUsed = txs.reduce((sum, t) => sum + t.blockGasSpent, 0n)
    const t2 = performance.now()
    layer.beginTx(overlay)
    if (common.isActivatedEIP(4895)) {
      for (const w of block.withdrawals ?? []) {
        await rewardAccount(vm.evm, w.address, w.amount * GWEI_TO_WEI, common)
      }
      await vm.evm.journal.cleanup()
    }
    const rewarded = input.rewards && !common.gteHardfork(Hardfork.Paris)
    const ommersUnknown = rewarded && input.ommerCount > 0 && input.ommers === undefined
    if (rewarded) await payRewards(vm, block, input, common)
    let requestsHash: Uint8Array | undefined
    if (common.isActivatedEIP(7685)) {
      requestsHash = input.lenientSystemContracts
        ? genRequestsRoot(await requestsInternals.accumulateRequests(vm, txs.map((t) => t.result), block.header.gasLimit) as never, sha256)
        : await accumulateCheckedRequests(vm, txs.map((t) => t.result), block.header.gasLimit)
    }
    overlay.apply(layer.endTx())
    const t3 = performance.now()

    return {
      txs,
      receipts: txs.map((t) => t.receipt),
      gasUsed,
      requestsHash,
      changes: overlay.changes(),
      ...(input.trieHints ? { trieHints: trieHints(overlay, txs, block.transactions) } : {}),
      ommersUnknown,
      seconds: { system: (t1 - t0) / 1000, txs: (t2 - t1) / 1000, post: (t3 - t2) / 1000 },
    }
  }

  private async executeTx(
    vm: VM, layer: StateLayer, overlay: Overlay, block: Block, tx: TypedTransaction, receiptGas: bigint, record: boolean,
  ): Promise<TxOutcome> {
    const start = performance.now()
    const view = record ? new RecordingView(overlay) : overlay
    layer.beginTx(view)
    const result = await runTx(vm, { tx, block, skipHardForkValidation: true, blockGasUsed: receiptGas })
    const writes = layer.endTx()
    overlay.apply(writes)
    return {
      result,
      receipt: result.receipt,
      blockGasSpent: result.blockGasSpent ?? result.totalGasSpent,
      writes,
      reads: record ? (view as RecordingView).reads : undefined,
      seconds: (performance.now() - start) / 1000,
    }
  }
}

async function applyDaoFork(layer: StateLayer): Promise<void> {
  const refund = createAddressFromString(DAO_REFUND_CONTRACT)
  const refundAccount = (await layer.getAccount(refund)) ?? new Account()
  for (const hex of DAO_DRAINED_ACCOUNTS) {
    const address = createAddressFromString(hex)
    const account = (await layer.getAccount(address)) ?? new Account()
    refundAccount.balance += account.balance
    account.balance = 0n
    await layer.putAccount(address, account)
  }
  await layer.putAccount(refund, refundAccount)
}

async function payRewards(vm: VM, block: Block, input: BlockInput, common: Common): Promise<void> {
  const minerReward = common.param('minerReward')
  for (const o of input.ommers ?? []) {
    let reward = ((8n - (block.header.number - o.number)) * minerReward) / 8n
    if (reward < 0n) reward = 0n
    await rewardAccount(vm.evm, createAddressFromString(o.coinbase), reward, common)
  }
  await rewardAccount(vm.evm, block.header.coinbase, calculateMinerReward(minerReward, input.ommerCount), common)
}

/**
 * EIP-7685 requests hash, with the rule @ethereumjs's helper leaves out: a withdrawal (7002) or
 * consolidation (7251) system contract without code, or whose call fails, makes the block invalid
 * (EELS `process_checked_system_transaction`); @ethereumjs returns an empty request list instead.
 */
export async function accumulateCheckedRequests(vm: VM, results: RunTxResult[], gasLimit: bigint): Promise<Uint8Array> {
  const common = vm.common
  const checked: string[] = []
  if (common.isActivatedEIP(7002)) checked.push(bytesToHex(bigIntToAddressBytes(common.param('withdrawalRequestPredeployAddress'))))
  if (common.isActivatedEIP(7251)) checked.push(bytesToHex(bigIntToAddressBytes(common.param('consolidationRequestPredeployAddress'))))
  for (const address of checked) {
    const code = await vm.stateManager.getCode(createAddressFromString(address))
    if (code.length === 0) throw new SystemContractError(`system contract empty: no code at ${address}`)
  }
  // The helper drops the call's error: watch its system calls for one. Whatever `runCall` was
  // (the prototype's, or another hook's own property) is restored exactly afterwards.
  const evm = vm.evm as unknown as { runCall: VM['evm']['runCall'] }
  const ownHook = Object.prototype.hasOwnProperty.call(evm, 'runCall')
  const runCall = evm.runCall
  let failure: string | undefined
  evm.runCall = async (opts) => {
    const r = await runCall.call(vm.evm, opts)
    const to = opts.to?.toString()
    if (r.execResult.exceptionError && to !== undefined && checked.includes(to)) {
      failure ??= `system contract call failed: ${to} (${r.execResult.exceptionError.error})`
    }
    return r
  }
  let requests: unknown[]
  try {
    requests = await requestsInternals.accumulateRequests(vm, results, gasLimit)
  } finally {
    if (ownHook) evm.runCall = runCall
    else delete (evm as { runCall?: unknown }).runCall
  }
  if (failure) throw new SystemContractError(failure)
  return genRequestsRoot(requests as never, sha256)
}
