/**
 * Root of a Merkle-Patricia trie built in one pass from all its leaves: sort the keys, then
 * each node is made once and hashed once — no node database, no re-hashing. Serves the
 * ordered tries (receipts, transactions) and the full state tries of the conformance runner;
 * the tests compare it with @ethereumjs/mpt.
 */
import { RLP, type NestedUint8Array } from '@ethereumjs/rlp'
import { KECCAK256_RLP } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'

type Raw = Uint8Array | NestedUint8Array
interface Leaf { nibbles: Uint8Array; value: Uint8Array }

const EMPTY: Uint8Array = new Uint8Array(0)

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

function compare(a: Leaf, b: Leaf): number {
  const n = Math.min(a.nibbles.length, b.nibbles.length)
  for (let i = 0; i < n; i++) if (a.nibbles[i] !== b.nibbles[i]) return a.nibbles[i]! - b.nibbles[i]!
  return a.nibbles.length - b.nibbles.length
}

/** `items` sorted and distinct. */
function build(items: Leaf[], depth: number): Raw {
  if (items.length === 1) return [hexPrefix(items[0]!.nibbles.subarray(depth), true), items[0]!.value]
  const first = items[0]!.nibbles
  const last = items[items.length - 1]!.nibbles
  // Sorted: the common prefix of all is the common prefix of the first and the last.
  let shared = 0
  while (depth + shared < first.length && depth + shared < last.length && first[depth + shared] === last[depth + shared]) shared++
  if (shared > 0) return [hexPrefix(first.subarray(depth, depth + shared), false), ref(build(items, depth + shared))]
  // A key that ends here (a prefix of the others) sorts first and is the branch's value.
  let i = 0
  let value = EMPTY
  if (first.length === depth) {
    value = items[0]!.value
    i = 1
  }
  const node: Raw[] = []
  for (let nib = 0; nib < 16; nib++) {
    let j = i
    while (j < items.length && items[j]!.nibbles[depth] === nib) j++
    node.push(j === i ? EMPTY : ref(build(items.slice(i, j), depth + 1)))
    i = j
  }
  node.push(value)
  return node as NestedUint8Array
}

/** The root of the trie holding these (distinct) keys and values. */
export function trieRoot(entries: Array<[key: Uint8Array, value: Uint8Array]>): Uint8Array {
  if (entries.length === 0) return KECCAK256_RLP
  const items = entries.map(([k, value]) => ({ nibbles: toNibbles(k), value }))
  items.sort(compare)
  return keccak256(RLP.encode(build(items, 0)))
}

/** Ordered trie (key = RLP(index)), as for receipts and transactions. */
export function orderedTrieRoot(values: Uint8Array[]): Uint8Array {
  return trieRoot(values.map((v, i) => [RLP.encode(i), v]))
}
