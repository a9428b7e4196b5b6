/**
 * A Merkle-Patricia trie of which only some nodes are known (a witness). Get, put and
 * delete are pure: they return a new root and share every untouched subtree, which keeps
 * its memoised hash. Walking into a node the witness lacks throws MissingNodeError, so an
 * incomplete witness can never produce a wrong answer, only no answer.
 */
import { bytesEqual, bytesToHex, concatNibbles, nibblesToString } from './bytes.js'
import { MissingNodeError, type MissingNodeRole } from './errors.js'
import type { NodeSource } from './node-store.js'
import type { SiblingSource } from './sibling.js'
import { branchNode, extensionNode, hashNode, leafNode, nodeHash, type HashNode, type TrieNode } from './node.js'

type Resolved = Exclude<TrieNode, HashNode>

/** Where a trie finds its nodes by hash. */
export class TrieResolver {
  constructor(
    /** Label for errors: 'account' or the storage owner's address. */
    readonly trie: string,
    /** Nodes any walk may use (the pre-state witness). */
    private readonly nodes: NodeSource,
    /** Only asked for the sibling a deletion collapses into (e.g. built from post-state proofs). */
    private readonly siblings?: SiblingSource,
  ) {}

  /** The node on a key's path. */
  resolve(node: HashNode, path: Uint8Array): Resolved {
    const found = this.nodes.node(node.hash)
    if (found === undefined) throw this.missing(node, path, 'path')
    return found
  }

  /** The sibling a collapsing branch merges into, or 'branch' when only its kind is known. */
  resolveSibling(node: HashNode, path: Uint8Array): Resolved | 'branch' {
    const found = this.nodes.node(node.hash) ?? this.siblings?.sibling(node.hash, path.length)
    if (found === undefined) throw this.missing(node, path, 'sibling')
    return found
  }

  private missing(node: HashNode, path: Uint8Array, role: MissingNodeRole): MissingNodeError {
    return new MissingNodeError(this.trie, nibblesToString(path), bytesToHex(node.hash), role)
  }
}

/** A trie root from its hash; null is the empty trie. */
export function rootNode(rootHash: Uint8Array, emptyRoot: Uint8Array): TrieNode | null {
  return bytesEqual(rootHash, emptyRoot) ? null : hashNode(rootHash)
}

/** The root hash of a (possibly updated) trie. */
export function trieRoot(root: TrieNode | null, emptyRoot: Uint8Array): Uint8Array {
  return root === null ? emptyRoot : nodeHash(root)
}

// ---------------------------------------------------------------- get

/** The value at `key` (nibbles), or undefined when the trie proves it absent. */
export function trieGet(r: TrieResolver, root: TrieNode | null, key: Uint8Array): Uint8Array | undefined {
  let node = root
  let depth = 0
  for (;;) {
    if (node === null) return undefined
    switch (node.kind) {
      case 'hash':
        node = r.resolve(node, key.subarray(0, depth))
        break
      case 'leaf':
        return pathEquals(node.path, key, depth) ? node.value : undefined
      case 'extension':
        if (commonPrefix(node.path, key, depth) !== node.path.length) return undefined
        depth += node.path.length
        node = node.child
        break
      case 'branch':
        if (depth === key.length) return node.value ?? undefined
        node = node.children[key[depth]]
        depth++
        break
    }
  }
}

// ---------------------------------------------------------------- put

/** Set `key` to a non-empty `value`. */
export function triePut(r: TrieResolver, root: TrieNode | null, key: Uint8Array, value: Uint8Array): TrieNode {
  return put(r, root, key, 0, value)
}

function put(r: TrieResolver, node: TrieNode | null, key: Uint8Array, depth: number, value: Uint8Array): TrieNode {
  if (node === null) return leafNode(key.subarray(depth), value)
  switch (node.kind) {
    case 'hash':
      return put(r, r.resolve(node, key.subarray(0, depth)), key, depth, value)
    case 'leaf': {
      const common = commonPrefix(node.path, key, depth)
      if (common === node.path.length && depth + common === key.length) {
        return bytesEqual(node.value, value) ? node : leafNode(node.path, value)
      }
      return split(node.path, common, (rest) => leafNode(rest, node.value), node.value, key, depth, value)
    }
    case 'extension': {
      const common = commonPrefix(node.path, key, depth)
      if (common === node.path.length) {
        const child = put(r, node.child, key, depth + common, value)
        return child === node.child ? node : extensionNode(node.path, child)
      }
      // The extension's remainder below the split point keeps its (possibly unresolved) child.
      const existing = (rest: Uint8Array): TrieNode => (rest.length === 0 ? node.child : extensionNode(rest, node.child))
      return split(node.path, common, existing, null, key, depth, value)
    }
    case 'branch': {
      if (depth === key.length) return branchNode(node.children, value)
      const i = key[depth]
      const child = put(r, node.children[i], key, depth + 1, value)
      if (child === node.children[i]) return node
      const children = node.children.slice()
      children[i] = child
      return branchNode(children, node.value)
    }
  }
}

/**
 * Replace a leaf or extension whose path diverges from the new key after `common` nibbles
 * by [extension of the common part →] branch holding the old node's remainder and a new leaf.
 */
function split(
  oldPath: Uint8Array,
  common: number,
  oldRemainder: (rest: Uint8Array) => TrieNode,
  oldValueIfEnds: Uint8Array | null,
  key: Uint8Array,
  depth: number,
  value: Uint8Array,
): TrieNode {
  const children: (TrieNode | null)[] = new Array(16).fill(null)
  let branchValue: Uint8Array | null = null
  if (common === oldPath.length) branchValue = oldValueIfEnds // only a leaf can end here
  else children[oldPath[common]] = oldRemainder(oldPath.subarray(common + 1))
  if (depth + common === key.length) branchValue = value
  else children[key[depth + common]] = leafNode(key.subarray(depth + common + 1), value)
  const branch = branchNode(children, branchValue)
  return common === 0 ? branch : extensionNode(key.subarray(depth, depth + common), branch)
}

// ---------------------------------------------------------------- delete

/** Remove `key`; a key the trie proves absent leaves it unchanged. */
export function trieDelete(r: TrieResolver, root: TrieNode | null, key: Uint8Array): TrieNode | null {
  return del(r, root, key, 0)
}

function del(r: TrieResolver, node: TrieNode | null, key: Uint8Array, depth: number): TrieNode | null {
  if (node === null) return null
  switch (node.kind) {
    case 'hash': {
      const resolved = r.resolve(node, key.subarray(0, depth))
      const after = del(r, resolved, key, depth)
      return after === resolved ? node : after
    }
    case 'leaf':
      return pathEquals(node.path, key, depth) ? null : node
    case 'extension': {
      if (commonPrefix(node.path, key, depth) !== node.path.length) return node
      const child = del(r, node.child, key, depth + node.path.length)
      if (child === node.child) return node
      return prependPath(node.path, child)
    }
    case 'branch': {
      let children: ReadonlyArray<TrieNode | null> = node.children
      let value = node.value
      if (depth === key.length) {
        if (value === null) return node
        value = null
      } else {
        const i = key[depth]
        const child = del(r, node.children[i], key, depth + 1)
        if (child === node.children[i]) return node
        const copy = node.children.slice()
        copy[i] = child
        children = copy
      }
      return normaliseBranch(r, children, value, key.subarray(0, depth))
    }
  }
}

/**
 * A branch left with a single entry is not canonical: it merges into its only child. That
 * child's kind decides the result, so a child known only by hash must be resolved, the one
 * case where a deletion needs a node off the deleted key's path.
 */
function normaliseBranch(
  r: TrieResolver,
  children: ReadonlyArray<TrieNode | null>,
  value: Uint8Array | null,
  path: Uint8Array,
): TrieNode | null {
  let only = -1
  let count = value === null ? 0 : 1
  for (let i = 0; i < 16 && count < 2; i++) {
    if (children[i] !== null) {
      only = i
      count++
    }
  }
  if (count >= 2) return branchNode(children, value)
  if (count === 0) return null
  if (only === -1) return leafNode(new Uint8Array(0), value as Uint8Array)
  const child = children[only] as TrieNode
  const prefix = Uint8Array.of(only)
  if (child.kind !== 'hash') return prependPath(prefix, child)
  const sibling = r.resolveSibling(child, concatNibbles(path, prefix))
  // A branch stays a separate node below the new extension: its hash reference is enough.
  return sibling === 'branch' ? extensionNode(prefix, child) : prependPath(prefix, sibling)
}

/** The node for `prefix` followed by `child`'s subtree, merging paths as canonical form requires. */
function prependPath(prefix: Uint8Array, child: TrieNode | null): TrieNode | null {
  if (child === null) return null
  switch (child.kind) {
    case 'leaf':
      return leafNode(concatNibbles(prefix, child.path), child.value)
    case 'extension':
      return extensionNode(concatNibbles(prefix, child.path), child.child)
    case 'branch':
      return extensionNode(prefix, child)
    case 'hash':
      // Its kind decides the merge; callers resolve it first (normaliseBranch) or never pass one.
      throw new Error(`internal: unresolved node ${bytesToHex(child.hash)} in a path merge`)
  }
}

// ---------------------------------------------------------------- nibble helpers

/** Length of the common prefix of `path` and `key[depth..]`. */
function commonPrefix(path: Uint8Array, key: Uint8Array, depth: number): number {
  const max = Math.min(path.length, key.length - depth)
  let i = 0
  while (i < max && path[i] === key[depth + i]) i++
  return i
}

function pathEquals(path: Uint8Array, key: Uint8Array, depth: number): boolean {
  return path.length === key.length - depth && commonPrefix(path, key, depth) === path.length
}
