/**
 * A transaction's write set as multi-version memory writes (flat [location, value, …]).
 * Writes that leave a location as the transaction found it are dropped: validation guarantees
 * the value below is still the one read, so later readers see the same either way — and such
 * a write can then no longer conflict (an unconditional SSTORE of the same value, a zero-value
 * transfer's account rewrite).
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import type { WriteSet } from '../state-layer.js'
import type { MVMemory } from './mv-memory.js'
import { WIPE, accountLoc, encodeAccount, encodeCredit, slotLoc, wipeLoc } from './locations.js'

export function versionedWrites(ws: WriteSet, reads: ReadonlyMap<string, string>, credits: ReadonlyArray<{ address: string; amount: bigint }> = []): string[] {
  const out: string[] = []
  for (const addr of ws.cleared) out.push(wipeLoc(addr), WIPE)
  for (const [addr, acc] of ws.accounts) {
    const loc = accountLoc(addr)
    const enc = encodeAccount(acc)
    if (reads.get(loc) !== enc) out.push(loc, enc)
  }
  for (const [addr, slots] of ws.storage) {
    // After its own wipe a slot no longer holds what was read before it.
    const wiped = ws.cleared.has(addr)
    for (const [slot, value] of slots) {
      const loc = slotLoc(addr, slot)
      if (wiped || reads.get(loc) !== value) out.push(loc, value)
    }
  }
  for (const c of credits) out.push(accountLoc(c.address), encodeCredit(c.amount))
  return out
}

/** Reads as a map, from the wire's flat form. */
export function readMap(flat: string[]): Map<string, string> {
  const m = new Map<string, string>()
  for (let k = 0; k < flat.length; k += 2) m.set(flat[k]!, flat[k + 1]!)
  return m
}

/**
 * Every transaction of a valid block writes its sender's account (the nonce), so before any
 * runs, each stands as an ESTIMATE there: a later transaction of the same sender (or a reader
 * of that account) waits for the one before instead of failing on a stale nonce. Without
 * this, a batch of one sender's transactions re-executes quadratically. Coordinator and
 * replicas do the same, so their memories agree.
 */
export function estimateSenderWrites(mv: MVMemory, txs: readonly TypedTransaction[]): void {
  txs.forEach((tx, i) => mv.convertWritesToEstimates(i, 0, [accountLoc(tx.getSenderAddress().toString())]))
}
