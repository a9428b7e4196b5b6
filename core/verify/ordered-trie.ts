/**
 * Root of an ordered trie (key = RLP(index)), as for receipts and transactions, built in one
 * pass from the sorted keys: no node database, no re-hashing (about 10× faster than
 * inserting into @ethereumjs/mpt one key at a time, which the tests compare it with).
 */
import { RLP, type NestedUint8Array } from '@ethereumjs/rlp'
import { KECCAK256_RLP } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'

type Raw = Uint8Array | NestedUint8Array
interface Item { nibbles: Uint8Array; value: Uint8Array }

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 15
  }
  return out
}

/** Compact (hex-prefix) encoding of a nibble path. */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2
  const out = new Uint8Array(1 + (nibbles.length >> 1))
  out[0] = ((leaf ? 2 : 0) + odd) << 4
  let j = 0
  if (odd) out[0]! |= nibbles[j++]!
  for (let i = 1; i < out.length; i++, j += 2) out[i] = (nibbles[j]! << 4) | nibbles[j + 1]!
  return out
}

/** A child reference: nodes under 32 bytes are embedded, larger ones by hash. */
function ref(raw: Raw): Raw {
  const enc = RLP.encode(raw)
  return enc.length < 32 ? raw : keccak256(enc)
}

function build(items: Item[], depth: number): Raw {
  if (items.length === 1) {
    const it = items[0]!
    return [hexPrefix(it.nibbles.subarray(depth), true), it.value]
  }
  // Longest common prefix from `depth`: an extension node.
  let shared = 0
  const first = items[0]!.nibbles
  outer: for (;;) {
    const d = depth + shared
    if (d >= first.length) break
    for (const it of items) if (it.nibbles.length <= d || it.nibbles[d] !== first[d]) break outer
    shared++
  }
  if (shared > 0) return [hexPrefix(first.subarray(depth, depth + shared), false), ref(build(items, depth + shared))]
  const buckets: Item[][] = Array.from({ length: 16 }, () => [])
  let here: Uint8Array = new Uint8Array(0)
  for (const it of items) {
    if (it.nibbles.length === depth) here = it.value
    else buckets[it.nibbles[depth]!]!.push(it)
  }
  const node: Raw[] = buckets.map((b) => (b.length === 0 ? new Uint8Array(0) : ref(build(b, depth + 1))))
  node.push(here)
  return node as NestedUint8Array
}

export function orderedTrieRoot(values: Uint8Array[]): Uint8Array {
  if (values.length === 0) return KECCAK256_RLP
  const items = values.map((value, i) => ({ nibbles: toNibbles(RLP.encode(i)), value }))
  return keccak256(RLP.encode(build(items, 0)))
}
