/**
 * Planning state: who sends next with which nonce, which block is being built, the fork rules,
 * the seeded RNG and the model. Ops (ops.ts) append transactions through `add`.
 */
import { bigIntToUnpaddedBytes, bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import type { ForkRules } from './forks.js'
import { keccakHex, word } from './hex.js'
import { WorkloadModel } from './model.js'
import { Rng } from './rng.js'
import type { AccessListEntry, PlannedBlock, PlannedTx, TxKind, WorkloadContracts } from './types.js'

/**
 * Sum of gas limits allowed per block. Below half of anvil's 30M block gas limit, so gas used
 * stays under the EIP-1559 target and the base fee never rises during a workload — the fee caps
 * fixed at the start stay valid.
 */
export const BLOCK_GAS_BUDGET = 14_000_000n

const ACCESS_LIST_ADDRESS_GAS = 2_400n
const ACCESS_LIST_KEY_GAS = 1_900n

export class PlanError extends Error {
  override name = 'PlanError'
}

export interface PlanInput {
  /** Unlocked dev accounts, at least 4. */
  accounts: string[]
  /** Their current nonces, same order. */
  nonces: number[]
  /** Number the first planned block will have (head + 1). */
  firstBlock: number
  seed: number
  fork: ForkRules
}

/** CREATE address for `from` at `nonce`. */
export function createAddress(from: string, nonce: number): string {
  return bytesToHex(generateAddress(hexToBytes(from as `0x${string}`), bigIntToUnpaddedBytes(BigInt(nonce)))).toLowerCase()
}

export class PlanContext {
  readonly rng: Rng
  readonly model: WorkloadModel
  readonly accounts: string[]
  readonly contracts: WorkloadContracts
  readonly blocks: PlannedBlock[] = []
  private readonly nonces = new Map<string, number>()
  private current: PlannedBlock | undefined
  private gasInBlock = 0n
  private freshCounter = 0

  constructor(readonly input: PlanInput) {
    if (input.accounts.length < 4) throw new PlanError(`workload needs at least 4 dev accounts, node has ${input.accounts.length}`)
    if (input.nonces.length !== input.accounts.length) throw new PlanError('nonces and accounts differ in length')
    this.accounts = input.accounts.map((a) => a.toLowerCase())
    this.accounts.forEach((a, i) => this.nonces.set(a, input.nonces[i]!))
    this.rng = new Rng(input.seed)
    this.model = new WorkloadModel(input.fork)
    // Contracts come from the deploy block's first transactions, in this order (see plan.ts).
    const deployer = this.accounts[0]!
    const n0 = input.nonces[0]!
    this.contracts = {
      token: createAddress(deployer, n0),
      pair: createAddress(deployer, n0 + 1),
      factory: createAddress(deployer, n0 + 2),
      bank: createAddress(deployer, n0 + 3),
      killable: createAddress(deployer, n0 + 4),
      suicideOnCreate: createAddress(this.accounts[1]!, input.nonces[1]!),
    }
  }

  get fork(): ForkRules {
    return this.input.fork
  }

  /** Number of the block being planned. */
  get blockNumber(): number {
    return this.input.firstBlock + this.blocks.length - (this.current ? 1 : 0)
  }

  beginBlock(note: string): void {
    if (this.current) throw new PlanError('beginBlock while a block is open')
    this.current = { note, txs: [] }
    this.blocks.push(this.current)
    this.gasInBlock = 0n
  }

  endBlock(): PlannedBlock {
    if (!this.current) throw new PlanError('endBlock without beginBlock')
    const b = this.current
    this.current = undefined
    return b
  }

  get txsInBlock(): number {
    return this.current?.txs.length ?? 0
  }

  /** Whether a transaction with this gas limit still fits the block's budget. */
  fits(gas: bigint): boolean {
    return this.gasInBlock + gas <= BLOCK_GAS_BUDGET
  }

  nextNonce(from: string): number {
    return this.nonces.get(from.toLowerCase()) ?? 0
  }

  /** A sender other than `except`. */
  pickSender(...except: string[]): string {
    const pool = this.accounts.filter((a) => !except.includes(a))
    return this.rng.pick(pool)
  }

  /** An address nobody has used: keccak(seed, first block, counter). */
  freshAddress(): string {
    const h = keccakHex(word(this.input.seed) + word(this.input.firstBlock) + word(++this.freshCounter))
    return '0x' + h.slice(-40)
  }

  /** Random type; weights favour EIP-1559 as on mainnet. */
  pickKind(): TxKind {
    return this.rng.weighted({ legacy: 2, eip2930: 1, eip1559: 3 })
  }

  /**
   * Appends a transaction to the open block. `accessList` is the op's natural list: always used
   * for eip2930, half the time for eip1559, never for legacy. Access-list intrinsic gas is added
   * to `gas` so limits stay exact where the op asked for exact.
   */
  add(tx: Omit<PlannedTx, 'nonce' | 'kind' | 'tip' | 'accessList'> & { kind?: TxKind; accessList?: AccessListEntry[] }): PlannedTx {
    if (!this.current) throw new PlanError('add outside a block')
    const { accessList: naturalList, kind: askedKind, ...rest } = tx
    const kind = askedKind ?? this.pickKind()
    const useList = kind === 'eip2930' || (kind === 'eip1559' && this.rng.chance(0.5))
    const accessList = useList ? (naturalList ?? []) : undefined
    const listGas = (accessList ?? []).reduce(
      (g, e) => g + ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_KEY_GAS * BigInt(e.storageKeys.length),
      0n,
    )
    const gas = rest.gas + listGas
    if (!this.fits(gas)) throw new PlanError(`block ${this.blockNumber} (${this.current.note}) exceeds the gas budget at ${rest.label}`)
    const from = rest.from.toLowerCase()
    const nonce = this.nextNonce(from)
    this.nonces.set(from, nonce + 1)
    const planned: PlannedTx = {
      ...rest,
      from,
      to: rest.to?.toLowerCase() ?? null,
      nonce,
      kind,
      gas,
      tip: BigInt(this.rng.range(1, 2_000)) * 1_000_000n, // 0.001 .. 2 gwei
      ...(accessList ? { accessList } : {}),
    }
    this.current.txs.push(planned)
    this.gasInBlock += gas
    return planned
  }
}
