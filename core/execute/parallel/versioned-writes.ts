/**
 * A transaction's write set as multi-version memory writes (flat [location, value, …]).
 * Writes that leave a location as the transaction found it are dropped: validation guarantees
 * the value below is still the one read, so later readers see the same either way — and such
 * a write can then no longer conflict (an unconditional SSTORE of the same value, a zero-value
 * transfer's account rewrite).
 */
import type { WriteSetWire } from './protocol.js'
import type { MVMemory } from './mv-memory.js'
import { WIPE, accountLoc, encodeCredit, slotLoc, wipeLoc } from './locations.js'

export function versionedWrites(
  ws: WriteSetWire, reads: readonly string[], mv: Pick<MVMemory, 'sameValue'>, credits: ReadonlyArray<{ address: string; amount: bigint }> = [],
): string[] {
  const readOf = readLookup(reads)
  const out: string[] = []
  const w = ws.w
  const wiped = new Set<string>()
  for (let k = 0; k < w.length;) {
    const tag = w[k]!
    if (tag === 'c') {
      wiped.add(w[k + 1]!)
      out.push(wipeLoc(w[k + 1]!), WIPE)
      k += 2
    } else if (tag === 'a') {
      const loc = accountLoc(w[k + 1]!)
      const read = readOf(loc)
      if (read === undefined || !mv.sameValue(loc, read, w[k + 2]!)) out.push(loc, w[k + 2]!)
      k += 3
    } else {
      // After its own wipe a slot no longer holds what was read before it (wipes come first).
      const loc = slotLoc(w[k + 1]!, w[k + 2]!)
      if (wiped.has(w[k + 1]!) || readOf(loc) !== w[k + 3]) out.push(loc, w[k + 3]!)
      k += 4
    }
  }
  for (const c of credits) out.push(accountLoc(c.address), encodeCredit(c.amount))
  return out
}

/** Looks a location up in a flat read set (a scan for small sets, a map for large ones). */
function readLookup(reads: readonly string[]): (loc: string) => string | undefined {
  if (reads.length > 128) {
    const m = readMap(reads)
    return (loc) => m.get(loc)
  }
  return (loc) => {
    for (let k = 0; k < reads.length; k += 2) if (reads[k] === loc) return reads[k + 1]
    return undefined
  }
}

/** Reads as a map, from the wire's flat form. */
export function readMap(flat: readonly string[]): Map<string, string> {
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
export function estimateSenderWrites(mv: MVMemory, senders: readonly string[]): void {
  senders.forEach((sender, i) => mv.convertWritesToEstimates(i, 0, [accountLoc(sender)]))
}
