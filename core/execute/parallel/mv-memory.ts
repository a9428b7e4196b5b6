/**
 * Block-STM multi-version memory (Gelashvili et al. 2022, §3 "MVMemory"): for every location,
 * the values written by each transaction's latest incarnation, ordered by transaction index.
 * A read by transaction i sees the highest writer below i (or the pre-state); an aborted
 * incarnation's writes become ESTIMATE markers, and reading one means "depends on that
 * transaction". The coordinator holds the authoritative copy; every execution worker holds a
 * replica kept current by the write sets the coordinator forwards (same class, same rules).
 *
 * Resolution mirrors `Overlay` exactly (committed write sets over the pre-state): storage wipes
 * hide older slot writes, a transaction's own slot writes come after its own wipe, and balance
 * credits stack on whatever lies below them.
 */
import type { AccountData, StateView } from '../../types.js'
import { ZERO_WORD } from '../state-layer.js'
import {
  ENCODED_ABSENT, creditAccount, creditAmount, decodeAccount, encodeAccount, encodeMeta, isCredit, metaOfEncoded,
} from './locations.js'

/** An ESTIMATE was read: the reader depends on transaction `blocking`. */
export interface EstimateHit {
  blocking: number
}

/** A resolved read: the encoded value, or the transaction whose ESTIMATE stands in the way. */
export type Resolved = string | EstimateHit

export const isEstimate = (r: Resolved): r is EstimateHit => typeof r !== 'string'

/**
 * "No transaction below wrote this account": the value is the base's. Reads of untouched
 * accounts (most of them) then cost no encoding, and validation compares the token first.
 */
export const BASE = 'B'

/** One location's versions, sorted by transaction index. */
class Versions {
  txs: number[] = []
  incarnations: number[] = []
  values: string[] = []
  estimate: boolean[] = []
  /** Parsed credit amounts (undefined for absolute values): summed on every read below them. */
  credits: Array<bigint | undefined> = []

  /** Position of the highest writer below `txIdx`, or -1. */
  below(txIdx: number): number {
    let lo = 0
    let hi = this.txs.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.txs[mid]! < txIdx) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  private find(txIdx: number): number {
    const p = this.below(txIdx + 1)
    return p >= 0 && this.txs[p] === txIdx ? p : -1
  }

  set(txIdx: number, incarnation: number, value: string): void {
    const p = this.below(txIdx + 1)
    const credit = isCredit(value) ? creditAmount(value) : undefined
    if (p >= 0 && this.txs[p] === txIdx) {
      this.incarnations[p] = incarnation
      this.values[p] = value
      this.estimate[p] = false
      this.credits[p] = credit
      return
    }
    this.txs.splice(p + 1, 0, txIdx)
    this.incarnations.splice(p + 1, 0, incarnation)
    this.values.splice(p + 1, 0, value)
    this.estimate.splice(p + 1, 0, false)
    this.credits.splice(p + 1, 0, credit)
  }

  remove(txIdx: number): void {
    const p = this.find(txIdx)
    if (p < 0) return
    this.txs.splice(p, 1)
    this.incarnations.splice(p, 1)
    this.values.splice(p, 1)
    this.estimate.splice(p, 1)
    this.credits.splice(p, 1)
  }

  markEstimate(txIdx: number): void {
    const p = this.find(txIdx)
    if (p >= 0) this.estimate[p] = true
  }
}

function metaAfterCredits(enc: string, credited: boolean): string {
  if (enc === ENCODED_ABSENT && credited) return encodeMeta(creditAccount(undefined, 0n))
  return metaOfEncoded(enc)
}

export class MVMemory {
  /** Versions by location, kept per kind so that reads build no keys: address → … */
  private readonly accounts = new Map<string, Versions>()
  private readonly slots = new Map<string, Map<string, Versions>>()
  private readonly wipes = new Map<string, Versions>()
  /** Per transaction: the locations its latest recorded incarnation wrote. */
  private readonly lastWritten = new Map<number, string[]>()
  /** Per transaction: the incarnation last recorded or marked (replicas ignore older news). */
  private readonly incarnationOf = new Map<number, number>()
  /** New code by hash, from any incarnation: content-addressed, so never wrong to keep. */
  readonly code = new Map<string, Uint8Array>()

  /** `base`: the state before the first transaction (pre-state plus the block's system writes). */
  constructor(readonly base: StateView) {}

  /** The incarnation this memory last heard of for a transaction (-1 if none). */
  incarnation(txIdx: number): number {
    return this.incarnationOf.get(txIdx) ?? -1
  }

  /** The versions of a location (created on demand when `create`). */
  private versions(loc: string, create: boolean): Versions | undefined {
    const address = loc.slice(2, 44)
    let map: Map<string, Versions> | undefined
    let key = address
    switch (loc.charCodeAt(0)) {
      case 97 /* a */: map = this.accounts; break
      case 119 /* w */: map = this.wipes; break
      case 115 /* s */: {
        key = loc.slice(45)
        map = this.slots.get(address)
        if (!map) {
          if (!create) return undefined
          this.slots.set(address, (map = new Map()))
        }
        break
      }
      default: throw new Error(`not a writable location: ${loc}`)
    }
    let v = map.get(key)
    if (!v && create) map.set(key, (v = new Versions()))
    return v
  }

  /**
   * `record(version, write-set)`: replaces the transaction's entries with the new incarnation's
   * writes (flat [location, value, …]). Returns whether it wrote a location the previous
   * incarnation did not (then higher transactions must be validated again).
   */
  record(txIdx: number, incarnation: number, writes: string[], code?: Array<[string, Uint8Array]>): boolean {
    if (incarnation < this.incarnation(txIdx)) return false
    this.incarnationOf.set(txIdx, incarnation)
    if (code) for (const [h, c] of code) this.code.set(h, c)
    const previous = this.lastWritten.get(txIdx)
    const locations: string[] = []
    for (let k = 0; k < writes.length; k += 2) {
      const loc = writes[k]!
      locations.push(loc)
      this.versions(loc, true)!.set(txIdx, incarnation, writes[k + 1]!)
    }
    let wroteNew = false
    if (previous) {
      const now = new Set(locations)
      for (const loc of previous) if (!now.has(loc)) this.versions(loc, false)?.remove(txIdx)
      const before = new Set(previous)
      wroteNew = locations.some((l) => !before.has(l))
    } else wroteNew = locations.length > 0
    this.lastWritten.set(txIdx, locations)
    return wroteNew
  }

  /**
   * `convert_writes_to_estimates`: the incarnation was aborted; its writes stand as ESTIMATEs.
   * `alsoAt`: locations the next incarnation is known to write though no incarnation has yet
   * (a transaction that failed on a stale view still bumps its sender's nonce).
   */
  convertWritesToEstimates(txIdx: number, incarnation: number, alsoAt: string[] = []): void {
    if (incarnation < this.incarnation(txIdx)) return
    this.incarnationOf.set(txIdx, incarnation)
    let written = this.lastWritten.get(txIdx)
    if (!written) this.lastWritten.set(txIdx, (written = []))
    for (const loc of alsoAt) {
      if (written.includes(loc)) continue
      written.push(loc)
      this.versions(loc, true)!.set(txIdx, incarnation, ENCODED_ABSENT)
    }
    for (const loc of written) this.versions(loc, false)?.markEstimate(txIdx)
  }

  /** The value transaction `txIdx` reads at a location (encoded, or BASE), or the ESTIMATE in the way. */
  resolve(loc: string, txIdx: number): Resolved {
    const address = loc.slice(2, 44)
    switch (loc.charCodeAt(0)) {
      case 97 /* a */: return this.resolveAccountOf(address, txIdx)
      case 115 /* s */: return this.resolveSlotOf(address, loc.slice(45), txIdx)
      case 109 /* m */: return this.resolveMetaOf(address, txIdx)
      default: throw new Error(`not a readable location: ${loc}`)
    }
  }

  /**
   * Walks down from the highest writer below `txIdx`: credits add up until an absolute value
   * (or the base). BASE when nothing below wrote the account: the caller reads the base itself.
   */
  resolveAccountOf(address: string, txIdx: number): Resolved {
    const v = this.accounts.get(address)
    let credit = 0n
    let credited = false
    for (let p = v ? v.below(txIdx) : -1; p >= 0; p--) {
      if (v!.estimate[p]) return { blocking: v!.txs[p]! }
      const amount = v!.credits[p]
      if (amount === undefined) {
        const value = v!.values[p]!
        return credited ? encodeAccount(creditAccount(decodeAccount(value), credit)) : value
      }
      credit += amount
      credited = true
    }
    return credited ? encodeAccount(creditAccount(this.base.getAccount(address), credit)) : BASE
  }

  /**
   * An account without its balance: credits only matter by creating an absent account, so the
   * walk stops at the first absolute value without summing.
   */
  resolveMetaOf(address: string, txIdx: number): Resolved {
    const v = this.accounts.get(address)
    let credited = false
    for (let p = v ? v.below(txIdx) : -1; p >= 0; p--) {
      if (v!.estimate[p]) return { blocking: v!.txs[p]! }
      if (v!.credits[p] === undefined) return metaAfterCredits(v!.values[p]!, credited)
      credited = true
    }
    return credited ? metaAfterCredits(encodeAccount(this.base.getAccount(address)), true) : BASE
  }

  /**
   * A cheap stand-in for an account's value: the nearest absolute value below, credits and
   * ESTIMATEs ignored (BASE if none). Never a read: only for a deferred fee, whose credit is a
   * difference.
   */
  guessAccount(address: string, txIdx: number): string {
    const v = this.accounts.get(address)
    for (let p = v ? v.below(txIdx) : -1; p >= 0; p--) {
      if (!v!.estimate[p] && v!.credits[p] === undefined) return v!.values[p]!
    }
    return BASE
  }

  /** A slot: the latest of (its own latest write, the account's latest wipe) decides. */
  resolveSlotOf(address: string, slot: string, txIdx: number): Resolved {
    const sv = this.slots.get(address)?.get(slot)
    const wv = this.wipes.get(address)
    const sp = sv ? sv.below(txIdx) : -1
    const wp = wv ? wv.below(txIdx) : -1
    const sTx = sp >= 0 ? sv!.txs[sp]! : -1
    const wTx = wp >= 0 ? wv!.txs[wp]! : -1
    // A transaction's own slot writes come after its own wipe (Overlay.apply order).
    if (sTx >= 0 && sTx >= wTx) return sv!.estimate[sp] ? { blocking: sTx } : sv!.values[sp]!
    if (wTx >= 0) return wv!.estimate[wp] ? { blocking: wTx } : ZERO_WORD
    return this.base.getStorage(address, slot)
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.code.get(codeHash) ?? this.base.getCode(codeHash)
  }

  /** The account a resolved value stands for (BASE: the base's). */
  accountOf(address: string, value: string): AccountData | undefined {
    return value === BASE ? this.base.getAccount(address) : decodeAccount(value)
  }

  /** Whether two resolved values of a location are the same value (BASE against an encoding compares the base's). */
  sameValue(loc: string, a: string, b: string): boolean {
    if (a === b) return true
    if (a !== BASE && b !== BASE) return false
    const other = a === BASE ? b : a
    const base = this.base.getAccount(loc.slice(2, 44))
    return other === (loc.charCodeAt(0) === 109 /* m */ ? encodeMeta(base) : encodeAccount(base))
  }

  /**
   * Validation of a read set (flat [location, value, …]) against this memory: every location
   * must still resolve to the value read, with no ESTIMATE in the way.
   */
  validateReadSet(txIdx: number, reads: string[]): boolean {
    return this.firstInvalidRead(txIdx, reads) === undefined
  }

  /** The first location of a read set that no longer resolves to the value read. */
  firstInvalidRead(txIdx: number, reads: string[]): string | undefined {
    for (let k = 0; k < reads.length; k += 2) {
      const loc = reads[k]!
      const r = this.resolve(loc, txIdx)
      if (isEstimate(r) || !this.sameValue(loc, r, reads[k + 1]!)) return loc
    }
    return undefined
  }
}
