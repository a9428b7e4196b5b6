/**
 * One shared array per code hash across blocks, so per-code caches keyed by the array (the
 * interpreter's jump-destination analysis, see evm-tuning.ts) hit from block to block.
 * Bounded by total bytes; the oldest entries go first.
 */
const MAX_BYTES = 256 << 20
const cache = new Map<string, Uint8Array>()
let bytes = 0

export function internCode(hash: string, code: Uint8Array): Uint8Array {
  const have = cache.get(hash)
  if (have) {
    // Re-insert: Map order is insertion order, so this keeps hot code young.
    cache.delete(hash)
    cache.set(hash, have)
    return have
  }
  cache.set(hash, code)
  bytes += code.length
  for (const [h, c] of cache) {
    if (bytes <= MAX_BYTES) break
    cache.delete(h)
    bytes -= c.length
  }
  return code
}
