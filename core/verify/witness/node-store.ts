/** Content-addressed store of trie nodes: keccak256(rlp) → rlp. */
import { bytesToHex, hexToBytes, keccak256 } from './bytes.js'
import { decodeNode, type TrieNode, type HashNode } from './node.js'

type DecodedNode = Exclude<TrieNode, HashNode>

/** Anything that yields decoded trie nodes by hash. */
export interface NodeSource {
  node(hash: Uint8Array): DecodedNode | undefined
}

export class NodeStore implements NodeSource {
  private readonly byHash = new Map<string, Uint8Array>()
  /** Hex encoding → hash: proofs repeat their upper nodes, so each is hashed once. */
  private readonly seenHex = new Map<string, string>()
  /** Decoded nodes are immutable, so one decoding serves every trie walk. */
  private readonly decoded = new Map<string, DecodedNode>()

  /** Add a node given as 0x-hex (as in proofs and witnesses) or bytes; returns its hash (hex). */
  add(node: string | Uint8Array): string {
    if (typeof node !== 'string') return this.addBytes(node)
    let hash = this.seenHex.get(node)
    if (hash === undefined) {
      hash = this.addBytes(hexToBytes(node as `0x${string}`))
      this.seenHex.set(node, hash)
    }
    return hash
  }

  addAll(nodes: Iterable<string | Uint8Array>): this {
    for (const n of nodes) this.add(n)
    return this
  }

  private addBytes(bytes: Uint8Array): string {
    const hash = bytesToHex(keccak256(bytes))
    this.byHash.set(hash, bytes)
    return hash
  }

  get(hash: Uint8Array | string): Uint8Array | undefined {
    return this.byHash.get(typeof hash === 'string' ? hash.toLowerCase() : bytesToHex(hash))
  }

  /** The decoded node with this hash (hash memoised), or undefined if not stored. */
  node(hash: Uint8Array): DecodedNode | undefined {
    const key = bytesToHex(hash)
    let node = this.decoded.get(key)
    if (node === undefined) {
      const bytes = this.byHash.get(key)
      if (bytes === undefined) return undefined
      node = decodeNode(bytes, hash)
      this.decoded.set(key, node)
    }
    return node
  }

  has(hash: Uint8Array | string): boolean {
    return this.get(hash) !== undefined
  }

  get size(): number {
    return this.byHash.size
  }

  /** Hashes of all nodes, as bytes. */
  *hashes(): IterableIterator<Uint8Array> {
    for (const key of this.byHash.keys()) yield hexToBytes(key as `0x${string}`)
  }

  /** All nodes, e.g. to persist them. */
  entries(): IterableIterator<[string, Uint8Array]> {
    return this.byHash.entries()
  }

  static from(nodes: Iterable<string | Uint8Array>): NodeStore {
    return new NodeStore().addAll(nodes)
  }
}

/** A view of a store limited to some hashes: checks a proof against its own nodes only. */
export class RestrictedNodes implements NodeSource {
  constructor(
    private readonly store: NodeStore,
    private readonly allowed: ReadonlySet<string>,
  ) {}

  node(hash: Uint8Array): DecodedNode | undefined {
    return this.allowed.has(bytesToHex(hash)) ? this.store.node(hash) : undefined
  }
}
