/**
 * A block's state as transactions commit: committed write sets over the read-only pre-state.
 * It is itself a `StateView`, so the next transaction reads through it, and at the end it
 * yields the block's post-state changes against the pre-state.
 */
import type { AccountChange, AccountData, StateChanges, StateView } from '../types.js'
import { EMPTY_CODE_HASH, ZERO_WORD, type WriteSet } from './state-layer.js'

export class Overlay implements StateView {
  readonly accounts = new Map<string, AccountData | null>()
  readonly cleared = new Set<string>()
  readonly storage = new Map<string, Map<string, string>>()
  readonly code = new Map<string, Uint8Array>()

  constructor(readonly base: StateView) {}

  getAccount(address: string): AccountData | undefined {
    const own = this.accounts.get(address)
    if (own !== undefined) return own ?? undefined
    if (this.accounts.has(address)) return undefined
    return this.base.getAccount(address)
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.code.get(codeHash) ?? this.base.getCode(codeHash)
  }

  getStorage(address: string, slot: string): string {
    const own = this.storage.get(address)?.get(slot)
    if (own !== undefined) return own
    if (this.cleared.has(address)) return ZERO_WORD
    return this.base.getStorage(address, slot)
  }

  /** Commit a write set: wipes first, then account and storage writes. */
  apply(ws: WriteSet): void {
    for (const addr of ws.cleared) {
      this.cleared.add(addr)
      this.storage.delete(addr)
    }
    for (const [addr, acc] of ws.accounts) this.accounts.set(addr, acc)
    for (const [addr, slots] of ws.storage) {
      let mine = this.storage.get(addr)
      if (!mine) {
        mine = new Map()
        this.storage.set(addr, mine)
      }
      for (const [slot, v] of slots) mine.set(slot, v)
    }
    for (const [hash, code] of ws.code) this.code.set(hash, code)
  }

  /** The changes as they would be with `pending` committed too (this overlay is not modified). */
  changesWith(pending: WriteSet): StateChanges {
    const copy = new Overlay(this.base)
    for (const [a, v] of this.accounts) copy.accounts.set(a, v)
    for (const a of this.cleared) copy.cleared.add(a)
    for (const [a, slots] of this.storage) copy.storage.set(a, new Map(slots))
    for (const [h, c] of this.code) copy.code.set(h, c)
    copy.apply(pending)
    return copy.changes()
  }

  /** What the block changed, against the pre-state, sorted by address. Canonical: equal effects give equal output. */
  changes(): StateChanges {
    const touched = new Set<string>([...this.accounts.keys(), ...this.storage.keys(), ...this.cleared])
    const out: AccountChange[] = []
    for (const address of [...touched].sort()) {
      const pre = this.base.getAccount(address)
      const post = this.accounts.has(address) ? this.accounts.get(address)! : pre ?? null
      const storageCleared = this.cleared.has(address)
      const storage = new Map<string, string>()
      const slots = this.storage.get(address)
      if (slots && post !== null) {
        for (const slot of [...slots.keys()].sort()) {
          const v = slots.get(slot)!
          const before = storageCleared ? ZERO_WORD : this.base.getStorage(address, slot)
          if (v !== before) storage.set(slot, v)
        }
      }
      const accountChanged = !sameAccount(pre, post)
      // A wipe matters only when the account may have held storage before.
      const wipeMatters = storageCleared && pre !== undefined
      if (!accountChanged && storage.size === 0 && !wipeMatters) continue
      const change: AccountChange = {
        address,
        account: post === null ? null : { nonce: post.nonce, balance: post.balance, codeHash: post.codeHash },
        storageCleared: wipeMatters,
        storage,
      }
      if (post !== null && post.codeHash !== EMPTY_CODE_HASH && post.codeHash !== pre?.codeHash) {
        change.code = this.getCode(post.codeHash)
      }
      out.push(change)
    }
    return out
  }
}

function sameAccount(a: AccountData | undefined | null, b: AccountData | undefined | null): boolean {
  if (!a || !b) return !a && !b
  return a.nonce === b.nonce && a.balance === b.balance && a.codeHash === b.codeHash
}

/** Read-set recorder: the first value seen at each location, keyed `a:addr`, `s:addr:slot`, `c:hash`. */
export class RecordingView implements StateView {
  readonly reads = new Map<string, AccountData | undefined | Uint8Array | string>()

  constructor(readonly inner: StateView) {}

  getAccount(address: string): AccountData | undefined {
    const v = this.inner.getAccount(address)
    const k = 'a:' + address
    if (!this.reads.has(k)) this.reads.set(k, v)
    return v
  }

  getCode(codeHash: string): Uint8Array | undefined {
    const v = this.inner.getCode(codeHash)
    const k = 'c:' + codeHash
    if (!this.reads.has(k)) this.reads.set(k, v)
    return v
  }

  getStorage(address: string, slot: string): string {
    const v = this.inner.getStorage(address, slot)
    const k = 's:' + address + ':' + slot
    if (!this.reads.has(k)) this.reads.set(k, v)
    return v
  }
}
