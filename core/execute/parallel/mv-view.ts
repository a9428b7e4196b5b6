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
import { accountLoc, decodeAccount, encodeMeta, metaLoc, slotLoc } from './locations.js'
import { isEstimate, type MVMemory, type Resolved } from './mv-memory.js'

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
  /** Read set: location → encoded value first read (reads served by own writes never get here). */
  readonly reads = new Map<string, string>()
  private feePhase = false
  private deferred: string | undefined
  private readonly beneficiaryLoc: string
  /** Accounts whose balance the transaction looked at. */
  private readonly observed = new Set<string>()
  /** Inside `_addToBalance` / the layer's `putAccount`: balance accesses are not observations. */
  creditDepth = 0
  storeDepth = 0

  constructor(
    private readonly mv: MVMemory, readonly txIdx: number, private readonly beneficiary: string, private readonly deferFees = true,
  ) {
    this.beneficiaryLoc = accountLoc(beneficiary)
  }

  /** `runCall` returned: what follows is refund, fee payment and cleanup. */
  enterFeePhase(): void {
    this.feePhase = true
  }

  private read(loc: string, resolved: () => Resolved): string {
    const seen = this.reads.get(loc)
    if (seen !== undefined) return seen
    const r = resolved()
    if (isEstimate(r)) throw new DependencyAbort(r.blocking, loc)
    this.reads.set(loc, r)
    return r
  }

  getAccount(address: string): AccountData | undefined {
    const loc = accountLoc(address)
    if (this.feePhase && this.deferFees && loc === this.beneficiaryLoc && !this.reads.has(loc)) {
      this.deferred ??= this.mv.guessAccount(address, this.txIdx)
      return decodeAccount(this.deferred)
    }
    return decodeAccount(this.read(loc, () => this.mv.resolveAccountOf(address, this.txIdx)))
  }

  getStorage(address: string, slot: string): string {
    return this.read(slotLoc(address, slot), () => this.mv.resolveSlotOf(address, slot, this.txIdx))
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.mv.getCode(codeHash)
  }

  /** Whether accounts handed out for this address should report balance reads. */
  tracks(address: string): boolean {
    return !this.observed.has(address) && this.reads.has(accountLoc(address))
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
    const enc = this.reads.get(accountLoc(address))
    return enc !== undefined && balance > (decodeAccount(enc)?.balance ?? 0n)
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
    for (const [loc, enc] of [...this.reads]) {
      if (loc.charCodeAt(0) !== 97 /* a */) continue
      const address = loc.slice(2)
      if (this.observed.has(address)) continue
      const before = decodeAccount(enc)
      const after = writes.accounts.get(address)
      if (after === null || writes.cleared.has(address)) continue
      if (after !== undefined) {
        if (!sameMeta(before, after) || after.balance < (before?.balance ?? 0n)) continue
        const amount = after.balance - (before?.balance ?? 0n)
        writes.accounts.delete(address)
        // A zero credit still matters when it creates the account.
        if (amount > 0n || before === undefined) credits.push({ address, amount })
      }
      this.reads.delete(loc)
      this.reads.set(metaLoc(address), encodeMeta(before))
    }
    return credits
  }

  private settleDeferredFee(writes: WriteSet): bigint | 'rerun' {
    const before = decodeAccount(this.deferred!)
    const after = writes.accounts.get(this.beneficiary)
    const fee = after ? after.balance - (before?.balance ?? 0n) : 0n
    if (after && fee > 0n && sameMeta(before, after) && !writes.cleared.has(this.beneficiary)) {
      writes.accounts.delete(this.beneficiary)
      return fee
    }
    const actual = this.mv.resolveAccountOf(this.beneficiary, this.txIdx)
    if (isEstimate(actual) || actual !== this.deferred) return 'rerun'
    // Its emptiness may have decided EIP-161 cleanup: an ordinary, full read.
    this.reads.set(this.beneficiaryLoc, this.deferred!)
    this.observed.add(this.beneficiary)
    return 0n
  }
}

/** Same account but for the balance (an absent one is compared as a fresh empty account). */
function sameMeta(before: AccountData | undefined, after: AccountData): boolean {
  return after.nonce === (before?.nonce ?? 0n) && after.codeHash === (before?.codeHash ?? EMPTY_CODE_HASH) &&
    after.storageRoot === before?.storageRoot
}

/** Flat read set for the wire: [location, value, …]. */
export function flattenReads(reads: Map<string, string>): string[] {
  const out: string[] = []
  for (const [loc, v] of reads) out.push(loc, v)
  return out
}
