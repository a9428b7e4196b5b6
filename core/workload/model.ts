/**
 * The workload's own prediction of the state it produces. The planner updates it as it plans
 * (transactions land in planned order, which the miner verifies), so after mining it is what
 * the chain must show — independent of the node.
 */
import { applySwap, swapOut, type Reserves } from './amm.js'
import type { ForkRules } from './forks.js'

export interface ChildRecord {
  salt: bigint
  address: string
  /** Code present now (true also for a child killed in a later transaction under EIP-6780). */
  hasCode: boolean
  /** Blocks in which an incarnation was created by `deploy`, oldest first. */
  births: number[]
  /** Wei held by the child. */
  balance: bigint
}

/** A range of bank slots currently holding `value`. */
export interface BankRange {
  start: bigint
  count: number
  value: bigint
}

export class WorkloadModel {
  readonly tokenBalances = new Map<string, bigint>()
  totalSupply = 0n
  reserves: Reserves = { r0: 0n, r1: 0n }
  /** Children by salt. */
  readonly children = new Map<bigint, ChildRecord>()
  /** Last child the factory created (factory slot 0), including ones killed at creation. */
  factoryLastChild: string | undefined
  /** Wei the factory received from children that self-destructed into it. */
  factoryBalance = 0n
  /** Killable still has code (false once killed before cancun). */
  killableHasCode = true
  killableBalance = 0n
  /** Bank ranges currently non-zero. */
  readonly bankRanges: BankRange[] = []
  /** Wei sent to never-seen addresses (they never send, so this is their exact balance). */
  readonly freshEth = new Map<string, bigint>()

  constructor(readonly fork: ForkRules) {}

  tokenBalance(holder: string): bigint {
    return this.tokenBalances.get(holder.toLowerCase()) ?? 0n
  }

  mint(to: string, amount: bigint): void {
    this.tokenBalances.set(to.toLowerCase(), this.tokenBalance(to) + amount)
    this.totalSupply += amount
  }

  /** Applies a transfer; false (and no change) when it would revert. */
  transfer(from: string, to: string, amount: bigint): boolean {
    const fb = this.tokenBalance(from)
    if (fb < amount) return false
    this.tokenBalances.set(from.toLowerCase(), fb - amount)
    this.tokenBalances.set(to.toLowerCase(), this.tokenBalance(to) + amount)
    return true
  }

  addLiquidity(a0: bigint, a1: bigint): void {
    this.reserves = { r0: this.reserves.r0 + a0, r1: this.reserves.r1 + a1 }
  }

  /** Applies a swap; returns amountOut (0 = reverts, no change). */
  swap(amountIn: bigint, zeroForOne: boolean): bigint {
    const out = swapOut(this.reserves, amountIn, zeroForOne)
    if (out > 0n) this.reserves = applySwap(this.reserves, amountIn, zeroForOne)
    return out
  }

  child(salt: bigint, address: string): ChildRecord {
    let c = this.children.get(salt)
    if (!c) {
      c = { salt, address: address.toLowerCase(), hasCode: false, births: [], balance: 0n }
      this.children.set(salt, c)
    }
    return c
  }

  /** factory.deploy: succeeds iff the address is free. */
  deployChild(salt: bigint, address: string, value: bigint, block: number): boolean {
    const c = this.child(salt, address)
    if (c.hasCode) return false
    c.hasCode = true
    c.births.push(block)
    c.balance = value
    this.factoryLastChild = c.address
    return true
  }

  /** factory.deployAndKill: created and destroyed in one transaction, value ends at the factory. */
  deployAndKillChild(salt: bigint, address: string, value: bigint): boolean {
    const c = this.child(salt, address)
    if (c.hasCode) return false
    this.factoryLastChild = c.address
    this.factoryBalance += value
    return true
  }

  /** A call to a child created in an earlier transaction: it self-destructs. */
  killChild(salt: bigint): void {
    const c = this.children.get(salt)
    if (!c) throw new Error(`model: no child for salt ${salt}`)
    c.balance = 0n
    if (!this.fork.eip6780) c.hasCode = false
  }

  killKillable(): void {
    this.killableBalance = 0n
    if (!this.fork.eip6780) this.killableHasCode = false
  }

  fillBank(start: bigint, count: number, value: bigint): void {
    this.bankRanges.push({ start, count, value })
  }

  /** Removes a range the plan clears (it must be one filled earlier). */
  clearBank(range: BankRange): void {
    const i = this.bankRanges.indexOf(range)
    if (i < 0) throw new Error('model: clearing a bank range that is not filled')
    this.bankRanges.splice(i, 1)
  }

  /** Expected value of one bank slot. */
  bankSlot(slot: bigint): bigint {
    let v = 0n
    for (const r of this.bankRanges) if (slot >= r.start && slot < r.start + BigInt(r.count)) v = r.value
    return v
  }

  sendFresh(to: string, value: bigint): void {
    this.freshEth.set(to.toLowerCase(), (this.freshEth.get(to.toLowerCase()) ?? 0n) + value)
  }
}
