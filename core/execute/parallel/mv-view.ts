/**
 * What one incarnation of a transaction reads through: a `StateView` over an execution worker's
 * multi-version memory replica that records the read set (first value per location, encoded)
 * and aborts the incarnation on an ESTIMATE (the paper's read_data → READ_ERROR with a
 * blocking transaction).
 *
 * Credits instead of conflicts. Sending value to an account only adds to its balance; a
 * transaction that never looks at that balance otherwise does not depend on it, and its write
 * is a credit ("+amount") applied to whatever lies below at commit. The executor marks balance
 * reads as observations (see executor.ts: accounts handed to the EVM report `.balance`
 * reads), except inside a credit (`_addToBalance`, and the fee payment to the beneficiary) or
 * the layer storing an account. At the end, `settle` turns each unobserved account read into a
 * read of the account without its balance ("m:") and its write into a credit.
 *
 * Fee deferral: the beneficiary's fee is paid after `runCall`. If the transaction has not read
 * the beneficiary by then, that read is served a stand-in value and left out of the read set
 * altogether, and the write becomes a credit. Exact when the fee is positive (EIP-161 cleanup
 * then cannot remove the account whatever its balance); for a zero fee `settle` makes the read
 * an ordinary one if the stand-in was the true value, or asks for the incarnation to run again
 * without deferral.
 */
import type { AccountData, StateView } from '../../types.js'
import { EMPTY_CODE_HASH, type WriteSet } from '../state-layer.js'
import { accountLoc, encodeMeta, metaLoc, slotLoc } from './locations.js'
import { BASE, isEstimate, type MVMemory } from './mv-memory.js'

/** Thrown through `runTx` when an incarnation reads an ESTIMATE: it depends on `blocking`. */
export class DependencyAbort extends Error {
  override name = 'DependencyAbort'
  constructor(readonly blocking: number, readonly location: string) {
    super(`read an ESTIMATE of transaction ${blocking} at ${location}`)
  }
}

export interface Credit {
  address: string
  amount: bigint
}

export class SpeculativeView implements StateView {
  /** Account reads: address → value first read (encoded or BASE); reads served by own writes never get here. */
  private readonly accountReads = new Map<string, string>()
  /** Slot reads: address → slot → value first read. */
  private readonly slotReads = new Map<string, Map<string, string>>()
  /** Reads of accounts without their balance, decided by `settle`: address → meta value. */
  private readonly metaReads = new Map<string, string>()
  private feePhase = false
  private deferred: string | undefined
  /** Accounts whose balance the transaction looked at. */
  private readonly observed = new Set<string>()
  /** Inside `_addToBalance` / the layer's `putAccount`: balance accesses are not observations. */
  creditDepth = 0
  storeDepth = 0

  /**
   * `waitFor(blocking)`: the paper's dependency suspension, cut short — wait (briefly) for a
   * transaction running elsewhere to finish; true if its write set may now be in the replica
   * (the read is then resolved once more).
   */
  constructor(
    private readonly mv: MVMemory, readonly txIdx: number, private readonly beneficiary: string, private readonly deferFees = true,
    private readonly waitFor?: (blocking: number) => boolean,
  ) {}

  /** `runCall` returned: what follows is refund, fee payment and cleanup. */
  enterFeePhase(): void {
    this.feePhase = true
  }

  getAccount(address: string): AccountData | undefined {
    let value = this.accountReads.get(address)
    if (value === undefined) {
      if (this.feePhase && this.deferFees && address === this.beneficiary) {
        this.deferred ??= this.mv.guessAccount(address, this.txIdx)
        return this.mv.accountOf(address, this.deferred)
      }
      let r = this.mv.resolveAccountOf(address, this.txIdx)
      if (isEstimate(r) && this.waitFor?.(r.blocking)) r = this.mv.resolveAccountOf(address, this.txIdx)
      if (isEstimate(r)) throw new DependencyAbort(r.blocking, accountLoc(address))
      this.accountReads.set(address, (value = r))
    }
    return this.mv.accountOf(address, value)
  }

  getStorage(address: string, slot: string): string {
    let slots = this.slotReads.get(address)
    let value = slots?.get(slot)
    if (value === undefined) {
      let r = this.mv.resolveSlotOf(address, slot, this.txIdx)
      if (isEstimate(r) && this.waitFor?.(r.blocking)) r = this.mv.resolveSlotOf(address, slot, this.txIdx)
      if (isEstimate(r)) throw new DependencyAbort(r.blocking, slotLoc(address, slot))
      if (!slots) this.slotReads.set(address, (slots = new Map()))
      slots.set(slot, (value = r))
    }
    return value
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.mv.getCode(codeHash)
  }

  /** Whether accounts handed out for this address should report balance reads. */
  tracks(address: string): boolean {
    return this.accountReads.has(address) && !this.observed.has(address)
  }

  /** The transaction read this account's balance (unless inside a credit or a store). */
  observe(address: string): void {
    if (this.creditDepth > 0 || this.storeDepth > 0) return
    if (this.feePhase && address === this.beneficiary) return
    this.observed.add(address)
  }

  /** An emptiness check that needed the balance: always an observation (EIP-161 cleanup). */
  observeEmptiness(address: string): void {
    this.observed.add(address)
  }

  /** The balance is above the one read: the account is non-empty whatever the true balance. */
  creditedAbove(address: string, balance: bigint): boolean {
    const value = this.accountReads.get(address)
    return value !== undefined && balance > (this.mv.accountOf(address, value)?.balance ?? 0n)
  }

  /** The read set, flat for the wire: [location, value, …]. */
  flatReads(): string[] {
    const out: string[] = []
    for (const [address, value] of this.accountReads) out.push(accountLoc(address), value)
    for (const [address, value] of this.metaReads) out.push(metaLoc(address), value)
    for (const [address, slots] of this.slotReads) for (const [slot, value] of slots) out.push(slotLoc(address, slot), value)
    return out
  }

  /**
   * After the transaction: turns unobserved account reads into balance-free reads and their
   * writes into credits (removed from `writes.accounts`), and decides a deferred fee read.
   * 'rerun' when a deferred fee's stand-in value may have mattered and was not the true one.
   */
  settle(writes: WriteSet): Credit[] | 'rerun' {
    const credits: Credit[] = []
    if (this.deferred !== undefined) {
      const fee = this.settleDeferredFee(writes)
      if (fee === 'rerun') return fee
      if (fee > 0n) credits.push({ address: this.beneficiary, amount: fee })
    }
    for (const [address, value] of this.accountReads) {
      if (this.observed.has(address)) continue
      const before = this.mv.accountOf(address, value)
      const after = writes.accounts.get(address)
      if (after === null || writes.cleared.has(address)) continue
      if (after !== undefined) {
        if (!sameMeta(before, after) || after.balance < (before?.balance ?? 0n)) continue
        const amount = after.balance - (before?.balance ?? 0n)
        writes.accounts.delete(address)
        // A zero credit still matters when it creates the account.
        if (amount > 0n || before === undefined) credits.push({ address, amount })
      }
      this.accountReads.delete(address)
      this.metaReads.set(address, value === BASE ? BASE : encodeMeta(before))
    }
    return credits
  }

  private settleDeferredFee(writes: WriteSet): bigint | 'rerun' {
    const before = this.mv.accountOf(this.beneficiary, this.deferred!)
    const after = writes.accounts.get(this.beneficiary)
    const fee = after ? after.balance - (before?.balance ?? 0n) : 0n
    if (after && fee > 0n && sameMeta(before, after) && !writes.cleared.has(this.beneficiary)) {
      writes.accounts.delete(this.beneficiary)
      return fee
    }
    const actual = this.mv.resolveAccountOf(this.beneficiary, this.txIdx)
    if (isEstimate(actual) || !this.mv.sameValue(accountLoc(this.beneficiary), actual, this.deferred!)) return 'rerun'
    // Its emptiness may have decided EIP-161 cleanup: an ordinary, full read.
    this.accountReads.set(this.beneficiary, this.deferred!)
    this.observed.add(this.beneficiary)
    return 0n
  }
}

/** Same account but for the balance (an absent one is compared as a fresh empty account). */
function sameMeta(before: AccountData | undefined, after: AccountData): boolean {
  return after.nonce === (before?.nonce ?? 0n) && after.codeHash === (before?.codeHash ?? EMPTY_CODE_HASH) &&
    after.storageRoot === before?.storageRoot
}

