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
import type { StateView } from '../../types.js'
import { ZERO_WORD } from '../state-layer.js'
import {
  accountLoc, creditAccount, creditAmount, decodeAccount, encodeAccount, isCredit, slotLoc, wipeLoc,
} from './locations.js'

/** An ESTIMATE was read: the reader depends on transaction `blocking`. */
export interface EstimateHit {
  blocking: number
}

/** A resolved read: the encoded value, or the transaction whose ESTIMATE stands in the way. */
export type Resolved = string | EstimateHit

export const isEstimate = (r: Resolved): r is EstimateHit => typeof r !== 'string'

/** One location's versions, sorted by transaction index. */
class Versions {
  txs: number[] = []
  incarnations: number[] = []
  values: string[] = []
  estimate: boolean[] = []

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
    if (p >= 0 && this.txs[p] === txIdx) {
      this.incarnations[p] = incarnation
      this.values[p] = value
      this.estimate[p] = false
      return
    }
    this.txs.splice(p + 1, 0, txIdx)
    this.incarnations.splice(p + 1, 0, incarnation)
    this.values.splice(p + 1, 0, value)
    this.estimate.splice(p + 1, 0, false)
  }

  remove(txIdx: number): void {
    const p = this.find(txIdx)
    if (p < 0) return
    this.txs.splice(p, 1)
    this.incarnations.splice(p, 1)
    this.values.splice(p, 1)
    this.estimate.splice(p, 1)
  }

  markEstimate(txIdx: number): void {
    const p = this.find(txIdx)
    if (p >= 0) this.estimate[p] = true
  }
}

export class MVMemory {
  private data = new Map<string, Versions>()
  /** Per transaction: the locations its latest recorded incarnation wrote. */
  private lastWritten = new Map<number, string[]>()
  /** Per transaction: the incarnation last recorded or marked (replicas ignore older news). */
  private incarnationOf = new Map<number, number>()
  /** New code by hash, from any incarnation: content-addressed, so never wrong to keep. */
  readonly code = new Map<string, Uint8Array>()

  /** `base`: the state before the first transaction (pre-state plus the block's system writes). */
  constructor(readonly base: StateView) {}

  /** The incarnation this memory last heard of for a transaction (-1 if none). */
  incarnation(txIdx: number): number {
    return this.incarnationOf.get(txIdx) ?? -1
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
      let v = this.data.get(loc)
      if (!v) {
        v = new Versions()
        this.data.set(loc, v)
      }
      v.set(txIdx, incarnation, writes[k + 1]!)
    }
    let wroteNew = false
    if (previous) {
      const now = new Set(locations)
      for (const loc of previous) if (!now.has(loc)) this.data.get(loc)?.remove(txIdx)
      const before = new Set(previous)
      wroteNew = locations.some((l) => !before.has(l))
    } else wroteNew = locations.length > 0
    this.lastWritten.set(txIdx, locations)
    return wroteNew
  }

  /** `convert_writes_to_estimates`: the incarnation was aborted; its writes stand as ESTIMATEs. */
  convertWritesToEstimates(txIdx: number, incarnation: number): void {
    if (incarnation < this.incarnation(txIdx)) return
    this.incarnationOf.set(txIdx, incarnation)
    for (const loc of this.lastWritten.get(txIdx) ?? []) this.data.get(loc)?.markEstimate(txIdx)
  }

  /** The value transaction `txIdx` reads at a location (encoded), or the ESTIMATE in the way. */
  resolve(loc: string, txIdx: number, lenient = false): Resolved {
    switch (loc.charCodeAt(0)) {
      case 97 /* a */: return this.resolveAccount(loc, txIdx, lenient)
      case 115 /* s */: return this.resolveSlot(loc, txIdx, lenient)
      default: throw new Error(`not a readable location: ${loc}`)
    }
  }

  resolveAccountOf(address: string, txIdx: number, lenient = false): Resolved {
    return this.resolveAccount(accountLoc(address), txIdx, lenient)
  }

  resolveSlotOf(address: string, slot: string, txIdx: number, lenient = false): Resolved {
    return this.resolveSlot(slotLoc(address, slot), txIdx, lenient, address, slot)
  }

  /**
   * Walks down from the highest writer below `txIdx`: credits accumulate until an absolute
   * value (or the base). `lenient` looks through ESTIMATEs (a best guess that is never
   * trusted without validation).
   */
  private resolveAccount(loc: string, txIdx: number, lenient: boolean): Resolved {
    const v = this.data.get(loc)
    let credit = 0n
    let credited = false
    let p = v ? v.below(txIdx) : -1
    for (; p >= 0; p--) {
      if (v!.estimate[p]) {
        if (lenient) continue
        return { blocking: v!.txs[p]! }
      }
      const value = v!.values[p]!
      if (!isCredit(value)) {
        return credited ? encodeAccount(creditAccount(decodeAccount(value), credit)) : value
      }
      credit += creditAmount(value)
      credited = true
    }
    const baseValue = this.base.getAccount(loc.slice(2))
    return credited ? encodeAccount(creditAccount(baseValue, credit)) : encodeAccount(baseValue)
  }

  /** A slot: the latest of (its own latest write, the account's latest wipe) decides. */
  private resolveSlot(loc: string, txIdx: number, lenient: boolean, address = loc.slice(2, 44), slot = loc.slice(45)): Resolved {
    const sv = this.data.get(loc)
    const wv = this.data.get(wipeLoc(address))
    let sp = sv ? sv.below(txIdx) : -1
    let wp = wv ? wv.below(txIdx) : -1
    if (lenient) {
      while (sp >= 0 && sv!.estimate[sp]) sp--
      while (wp >= 0 && wv!.estimate[wp]) wp--
    }
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

  /**
   * Validation of a read set (flat [location, value, …]) against this memory: every location
   * must still resolve to the value read, with no ESTIMATE in the way.
   */
  validateReadSet(txIdx: number, reads: string[]): boolean {
    for (let k = 0; k < reads.length; k += 2) {
      const r = this.resolve(reads[k]!, txIdx)
      if (isEstimate(r) || r !== reads[k + 1]) return false
    }
    return true
  }
}

