/**
 * Finding the sibling a deletion collapses into, when the pre-state witness lacks it.
 *
 * When a branch is left with one child, that child merges into its parent, so the
 * post-state trie holds it in a changed form: a leaf or extension with a longer path. The
 * pre-state node is rebuilt from that form (cut the path back to the sibling's depth) and
 * accepted only if it hashes to the hash the pre-state branch refers to: content-addressed,
 * so a rebuilt node is the real one whatever the extra nodes are.
 *
 * One case is inferred, not rebuilt: a sibling that is a branch becomes the child of an
 * extension; its content is not needed, only that it is a branch. That follows from the
 * extension referring to it, so the extra nodes must come from proofs verified against
 * the post-state root (as the fetcher does before storing them).
 */
import { bytesToHex } from './bytes.js'
import { WitnessError } from './errors.js'
import type { NodeStore } from './node-store.js'
import { extensionNode, leafNode, nodeHash, type ExtensionNode, type HashNode, type LeafNode, type TrieNode } from './node.js'

type Resolved = Exclude<TrieNode, HashNode>

/** A sibling node by hash at a depth, or 'branch' if only its kind is known. */
export interface SiblingSource {
  sibling(hash: Uint8Array, depth: number): Resolved | 'branch' | undefined
}

/** Key length in nibbles of the state and storage tries (32-byte keccak keys). */
const KEY_NIBBLES = 64

export class PostStateSiblings implements SiblingSource {
  private leaves?: LeafNode[]
  private extensions?: ExtensionNode[]
  /** How siblings were found, for diagnostics. */
  readonly found = { stored: 0, leaf: 0, extension: 0, branch: 0 }

  constructor(private readonly extras: NodeStore) {}

  sibling(hash: Uint8Array, depth: number): Resolved | 'branch' | undefined {
    const direct = this.extras.node(hash)
    if (direct !== undefined) {
      this.found.stored++
      return direct
    }
    this.index()
    const target = bytesToHex(hash)
    const matches = (n: Resolved): boolean => bytesToHex(nodeHash(n)) === target
    // A leaf at `depth` keeps the last KEY_NIBBLES - depth nibbles of its key.
    const keep = KEY_NIBBLES - depth
    for (const leaf of this.leaves!) {
      if (leaf.path.length <= keep) continue
      const candidate = leafNode(leaf.path.subarray(leaf.path.length - keep), leaf.value)
      if (matches(candidate)) {
        this.found.leaf++
        return candidate
      }
    }
    // An extension's depth is not fixed by the key length: try each shorter tail of its path.
    for (const ext of this.extensions!) {
      if (ext.child.kind === 'hash' && bytesToHex(ext.child.hash) === target) {
        this.found.branch++
        return 'branch'
      }
      for (let keepExt = 1; keepExt < ext.path.length; keepExt++) {
        const candidate = extensionNode(ext.path.subarray(ext.path.length - keepExt), ext.child)
        if (matches(candidate)) {
          this.found.extension++
          return candidate
        }
      }
    }
    return undefined
  }

  /** Leaves and extensions among the extra nodes, embedded ones included; built on first need. */
  private index(): void {
    if (this.leaves !== undefined) return
    this.leaves = []
    this.extensions = []
    const visit = (n: TrieNode | null): void => {
      if (n === null || n.kind === 'hash') return
      if (n.kind === 'leaf') this.leaves!.push(n)
      else if (n.kind === 'extension') {
        this.extensions!.push(n)
        visit(n.child)
      } else n.children.forEach(visit)
    }
    for (const hash of this.extras.hashes()) {
      try {
        visit(this.extras.node(hash) ?? null)
      } catch (e) {
        // Not a trie node, e.g. "0x80" (RLP of the empty string) that some clients return as the proof of an empty trie.
        if (!(e instanceof WitnessError)) throw e
      }
    }
  }
}
