/**
 * The pre-state of one block as far as it is known, as a synchronous `StateView` for the
 * engine. What is not known yet is recorded as a miss and answered with a placeholder (absent
 * account, zero slot, zero hash); the caller fetches the misses and runs the block again until
 * a run has none. Reads are recorded per segment of the block (system steps, each
 * transaction, final steps), so that a run may resume at the first segment that missed
 * something: the union of the segments' latest reads is exactly what the block needs.
 */
import type { AccountData, StateView } from '../types.js'
import { EMPTY_CODE_HASH, EMPTY_STORAGE_ROOT, ZERO_WORD } from '../execute/state-layer.js'

export type Miss =
  | { kind: 'account'; key: string; address: string }
  | { kind: 'slot'; key: string; address: string; slot: string }
  | { kind: 'hash'; key: string; number: number }

export const accountMiss = (address: string): Miss => ({ kind: 'account', key: `a:${address}`, address })
export const slotMiss = (address: string, slot: string): Miss => ({ kind: 'slot', key: `s:${address}:${slot}`, address, slot })
export const hashMiss = (number: number): Miss => ({ kind: 'hash', key: `h:${number}`, number })

const ZERO_HASH = new Uint8Array(32)

interface SegmentReads {
  accounts: Set<string>
  slots: Map<string, Set<string>>
  hashes: Set<number>
}

const newSegment = (): SegmentReads => ({ accounts: new Set(), slots: new Map(), hashes: new Set() })

export class LazyState implements StateView {
  /** Known accounts at the parent block; null = absent there. */
  readonly accounts = new Map<string, AccountData | null>()
  /** Known slots (32-byte hex values, zeros included). */
  readonly storage = new Map<string, Map<string, string>>()
  readonly codes = new Map<string, Uint8Array>()
  readonly hashes = new Map<number, Uint8Array>()

  private misses = new Map<string, Miss>()
  private firstMiss: number | undefined
  private lastMiss: number | undefined
  private segments = new Map<number, SegmentReads>()
  private current: SegmentReads = newSegment()
  private segment = 0

  /** Starts a run: forgets the previous run's misses and the reads of segments from `from` on. */
  beginRun(from: number): void {
    this.misses = new Map()
    this.firstMiss = undefined
    this.lastMiss = undefined
    for (const s of [...this.segments.keys()]) if (s >= from) this.segments.delete(s)
  }

  /** Reads from now on belong to `segment` (its earlier reads are replaced). */
  enterSegment(segment: number): void {
    this.segment = segment
    this.current = newSegment()
    this.segments.set(segment, this.current)
  }

  /** The misses of the current run, in the order the engine hit them. */
  runMisses(): Miss[] {
    return [...this.misses.values()]
  }

  /** The segment of the current run's first miss. */
  firstMissSegment(): number | undefined {
    return this.firstMiss
  }

  /** The segment of the current run's last miss. */
  lastMissSegment(): number | undefined {
    return this.lastMiss
  }

  /** Every account read (by any segment's latest run). */
  get readAccounts(): Set<string> {
    return new Set([...this.segments.values()].flatMap((s) => [...s.accounts]))
  }

  /** Every slot read, by account. */
  get readSlots(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>()
    for (const seg of this.segments.values()) {
      for (const [address, slots] of seg.slots) {
        let mine = out.get(address)
        if (!mine) out.set(address, (mine = new Set()))
        for (const s of slots) mine.add(s)
      }
    }
    return out
  }

  /** Every ancestor hash read. */
  get readHashes(): Set<number> {
    return new Set([...this.segments.values()].flatMap((s) => [...s.hashes]))
  }

  private miss(m: Miss): void {
    if (this.misses.has(m.key)) return
    this.misses.set(m.key, m)
    this.firstMiss ??= this.segment
    this.lastMiss = this.segment
  }

  getAccount(address: string): AccountData | undefined {
    this.current.accounts.add(address)
    const known = this.accounts.get(address)
    if (known !== undefined) return known ?? undefined
    if (!this.accounts.has(address)) this.miss(accountMiss(address))
    return undefined
  }

  getCode(codeHash: string): Uint8Array | undefined {
    if (codeHash === EMPTY_CODE_HASH) return new Uint8Array()
    // Code arrives with its account, so a gap here is a fetcher bug; the engine reports it.
    return this.codes.get(codeHash)
  }

  getStorage(address: string, slot: string): string {
    this.current.accounts.add(address)
    let slots = this.current.slots.get(address)
    if (!slots) this.current.slots.set(address, (slots = new Set()))
    slots.add(slot)
    const value = this.storage.get(address)?.get(slot)
    if (value !== undefined) return value
    if (this.accounts.has(address)) {
      const account = this.accounts.get(address)
      // Absent accounts and accounts with an empty storage trie hold only zeros.
      if (account === null || account?.storageRoot === EMPTY_STORAGE_ROOT) return ZERO_WORD
    }
    this.miss(slotMiss(address, slot))
    return ZERO_WORD
  }

  blockHash(number: bigint): Uint8Array {
    const n = Number(number)
    this.current.hashes.add(n)
    const known = this.hashes.get(n)
    if (known !== undefined) return known
    this.miss(hashMiss(n))
    return ZERO_HASH
  }

  setAccount(address: string, account: AccountData | null): void {
    this.accounts.set(address, account)
  }

  setSlot(address: string, slot: string, value: string): void {
    let slots = this.storage.get(address)
    if (!slots) this.storage.set(address, (slots = new Map()))
    slots.set(slot, value)
  }

  /** Whether a miss has been filled since it was recorded. */
  isKnown(m: Miss): boolean {
    if (m.kind === 'account') return this.accounts.has(m.address)
    if (m.kind === 'hash') return this.hashes.has(m.number)
    if (this.storage.get(m.address)?.has(m.slot)) return true
    const a = this.accounts.get(m.address)
    return this.accounts.has(m.address) && (a === null || a?.storageRoot === EMPTY_STORAGE_ROOT)
  }
}
