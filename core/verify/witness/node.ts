/**
 * Merkle-Patricia trie nodes: in-memory form, RLP decoding and encoding, hashing.
 *
 * Nodes are immutable; an update builds new nodes along the changed path and shares the
 * rest. Each node memoises its encoding and hash, and nodes decoded from the witness start
 * with both known, so computing a new root only hashes the nodes that changed.
 */
import { RLP, type NestedUint8Array } from '@ethereumjs/rlp'
import { keccak256 } from './bytes.js'
import { WitnessError } from './errors.js'

/** Memo of a node's RLP encoding and (for encodings of 32 bytes or more, or roots) its hash. */
interface NodeMemo {
  encoded?: Uint8Array
  hash?: Uint8Array
}

export interface LeafNode extends NodeMemo {
  readonly kind: 'leaf'
  /** Remaining key nibbles. */
  readonly path: Uint8Array
  readonly value: Uint8Array
}

export interface ExtensionNode extends NodeMemo {
  readonly kind: 'extension'
  readonly path: Uint8Array
  readonly child: TrieNode
}

export interface BranchNode extends NodeMemo {
  readonly kind: 'branch'
  /** 16 children, null where empty. */
  readonly children: ReadonlyArray<TrieNode | null>
  /** Value of a key ending here; never used by the fixed-length state and storage tries. */
  readonly value: Uint8Array | null
}

/** A node known only by its hash (not resolved yet, or not in the witness). */
export interface HashNode {
  readonly kind: 'hash'
  readonly hash: Uint8Array
}

export type TrieNode = LeafNode | ExtensionNode | BranchNode | HashNode

export const leafNode = (path: Uint8Array, value: Uint8Array): LeafNode => ({ kind: 'leaf', path, value })
export const extensionNode = (path: Uint8Array, child: TrieNode): ExtensionNode => ({ kind: 'extension', path, child })
export const branchNode = (children: ReadonlyArray<TrieNode | null>, value: Uint8Array | null): BranchNode => ({
  kind: 'branch',
  children,
  value,
})
export const hashNode = (hash: Uint8Array): HashNode => ({ kind: 'hash', hash })

// ---------------------------------------------------------------- decoding

/** Decode a node from its RLP bytes; `hash` (if known) is memoised so it is never recomputed. */
export function decodeNode(encoded: Uint8Array, hash?: Uint8Array): Exclude<TrieNode, HashNode> {
  let decoded: Uint8Array | NestedUint8Array
  try {
    decoded = RLP.decode(encoded)
  } catch (e) {
    throw new WitnessError(`trie node is not valid RLP: ${(e as Error).message}`)
  }
  const node = decodeItem(decoded)
  node.encoded = encoded
  if (hash !== undefined) node.hash = hash
  return node
}

function decodeItem(item: Uint8Array | NestedUint8Array): Exclude<TrieNode, HashNode> {
  if (item instanceof Uint8Array) throw new WitnessError('trie node is an RLP string, expected a list')
  if (item.length === 17) {
    const children: (TrieNode | null)[] = new Array(16)
    for (let i = 0; i < 16; i++) children[i] = decodeRef(item[i])
    const value = item[16]
    if (!(value instanceof Uint8Array)) throw new WitnessError('branch value is a list')
    return branchNode(children, value.length === 0 ? null : value)
  }
  if (item.length === 2) {
    const [keyItem, second] = item
    if (!(keyItem instanceof Uint8Array) || keyItem.length === 0) throw new WitnessError('bad compact path')
    const { path, leaf } = decodeCompactPath(keyItem)
    if (leaf) {
      if (!(second instanceof Uint8Array)) throw new WitnessError('leaf value is a list')
      return leafNode(path, second)
    }
    const child = decodeRef(second)
    if (child === null) throw new WitnessError('extension without child')
    return extensionNode(path, child)
  }
  throw new WitnessError(`trie node is a list of ${item.length} items`)
}

/** A child reference: empty, a 32-byte hash, or a node embedded inline (encoding < 32 bytes). */
function decodeRef(item: Uint8Array | NestedUint8Array): TrieNode | null {
  if (item instanceof Uint8Array) {
    if (item.length === 0) return null
    if (item.length === 32) return hashNode(item)
    throw new WitnessError(`child reference of ${item.length} bytes`)
  }
  return decodeItem(item)
}

/** Hex-prefix ("compact") path decoding: flag nibble 2 = leaf, 1 = odd length. */
function decodeCompactPath(bytes: Uint8Array): { path: Uint8Array; leaf: boolean } {
  const flag = bytes[0] >> 4
  if (flag > 3) throw new WitnessError(`bad compact path flag ${flag}`)
  const odd = (flag & 1) === 1
  const path = new Uint8Array((bytes.length - 1) * 2 + (odd ? 1 : 0))
  let j = 0
  if (odd) path[j++] = bytes[0] & 0x0f
  for (let i = 1; i < bytes.length; i++) {
    path[j++] = bytes[i] >> 4
    path[j++] = bytes[i] & 0x0f
  }
  return { path, leaf: (flag & 2) === 2 }
}

function encodeCompactPath(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1
  const out = new Uint8Array(1 + (path.length >> 1))
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0)
  let i = 0
  if (odd) out[0] = (flag << 4) | path[i++]
  else out[0] = flag << 4
  for (let j = 1; i < path.length; i += 2, j++) out[j] = (path[i] << 4) | path[i + 1]
  return out
}

// ---------------------------------------------------------------- encoding

/** RLP encoding of a node, memoised. */
export function encodeNode(node: Exclude<TrieNode, HashNode>): Uint8Array {
  if (node.encoded !== undefined) return node.encoded
  let items: Uint8Array[]
  switch (node.kind) {
    case 'leaf':
      items = [rlpString(encodeCompactPath(node.path, true)), rlpString(node.value)]
      break
    case 'extension':
      items = [rlpString(encodeCompactPath(node.path, false)), childRef(node.child)]
      break
    case 'branch':
      items = new Array(17)
      for (let i = 0; i < 16; i++) {
        const c = node.children[i]
        items[i] = c === null ? EMPTY_STRING : childRef(c)
      }
      items[16] = node.value === null ? EMPTY_STRING : rlpString(node.value)
      break
  }
  node.encoded = rlpList(items)
  return node.encoded
}

/** Hash of a node as a root (always hashed, even when short). */
export function nodeHash(node: TrieNode): Uint8Array {
  if (node.kind === 'hash') return node.hash
  if (node.hash === undefined) node.hash = keccak256(encodeNode(node))
  return node.hash
}

/** How a parent refers to a child: inline if its encoding is under 32 bytes, else by hash. */
function childRef(node: TrieNode): Uint8Array {
  if (node.kind === 'hash') return rlpString(node.hash)
  const encoded = encodeNode(node)
  return encoded.length < 32 ? encoded : rlpString(nodeHash(node))
}

const EMPTY_STRING = Uint8Array.of(0x80)

/** RLP of a byte string. */
export function rlpString(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && bytes[0] < 0x80) return bytes
  return withHeader(0x80, bytes.length, [bytes])
}

/** RLP list from already-encoded items (lets embedded nodes go in verbatim). */
export function rlpList(encodedItems: Uint8Array[]): Uint8Array {
  let len = 0
  for (const item of encodedItems) len += item.length
  return withHeader(0xc0, len, encodedItems)
}

function withHeader(offset: number, len: number, parts: Uint8Array[]): Uint8Array {
  let header: number[]
  if (len < 56) header = [offset + len]
  else {
    const lenBytes: number[] = []
    for (let l = len; l > 0; l = Math.floor(l / 256)) lenBytes.unshift(l % 256)
    header = [offset + 55 + lenBytes.length, ...lenBytes]
  }
  const out = new Uint8Array(header.length + len)
  out.set(header, 0)
  let pos = header.length
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}
