/**
 * stateRoot from witnesses on real mainnet blocks, independent of execution: the changes
 * are derived from the recorded post-state proofs, and the expected roots come only from
 * the recorded headers.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { hexToBytes } from '@ethereumjs/util'
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import type { TrieNode } from '../core/verify/witness/node.js'
import { bytesToNibbles } from '../core/verify/witness/bytes.js'
import type { AccountChange, StateChanges } from '../core/types.js'
import {
  EMPTY_TRIE_ROOT,
  MissingNodeError,
  NodeStore,
  PostStateSiblings,
  ProofError,
  computeStateRoot,
  TrieResolver,
  rootNode,
  trieDelete,
  triePut,
  trieRoot,
  verifyAccountProof,
  verifyProofs,
  witnessFromProofs,
  type EthAccountProof,
  type VerifiedAccount,
} from '../core/verify/witness/index.js'

const DIR = process.env.PAREVM_MAINNET_RPC ?? '/work/shared/mainnet-rpc'

interface Call {
  method: string
  params: unknown[]
  result: unknown
}
interface Header {
  number: string
  stateRoot: string
}
interface Recording {
  block: number
  parent: Header
  header: Header
  preProofs: EthAccountProof[]
  postProofs: EthAccountProof[]
}

const loaded = new Map<string, Recording>()

function load(file: string): Recording {
  let rec = loaded.get(file)
  if (rec === undefined) loaded.set(file, (rec = read(file)))
  return rec
}

function read(file: string): Recording {
  const json = JSON.parse(gunzipSync(readFileSync(join(DIR, file))).toString('utf8')) as { block: number; calls: Call[] }
  const block = json.block
  const headerAt = (n: number): Header => {
    const call = json.calls.find((c) => c.method === 'eth_getBlockByNumber' && Number(c.params[0]) === n)
    assert.ok(call, `block ${n}: no recorded header`)
    return call.result as Header
  }
  // Recordings may hold proofs at other heights too (block 1's holds 9..14): keep parent and block.
  const proofsAt = (n: number): EthAccountProof[] =>
    json.calls.filter((c) => c.method === 'eth_getProof' && Number(c.params[2]) === n).map((c) => c.result as EthAccountProof)
  return { block, parent: headerAt(block - 1), header: headerAt(block), preProofs: proofsAt(block - 1), postProofs: proofsAt(block) }
}

interface Verified {
  pre: Map<string, VerifiedAccount>
  post: Map<string, VerifiedAccount>
  /** Nodes of the parent proofs and of the post-state proofs. */
  nodes: NodeStore
  extraNodes: NodeStore
}
const verified = new Map<string, Verified>()

/** Verify a recording's proofs once (against the recorded headers); later tests reuse the result. */
function verify(file: string): Verified {
  let v = verified.get(file)
  if (v === undefined) {
    const rec = load(file)
    const nodes = new NodeStore()
    const extraNodes = new NodeStore()
    const pre = byAddress(verifyProofs(rec.parent.stateRoot, rec.preProofs, nodes))
    const post = byAddress(verifyProofs(rec.header.stateRoot, rec.postProofs, extraNodes))
    verified.set(file, (v = { pre, post, nodes, extraNodes }))
  }
  return v
}

/** Proofs of one address may come in several calls (different slots): merge them. */
function byAddress(verified: VerifiedAccount[]): Map<string, VerifiedAccount> {
  const out = new Map<string, VerifiedAccount>()
  for (const v of verified) {
    const seen = out.get(v.address)
    if (seen === undefined) out.set(v.address, { ...v, storage: new Map(v.storage) })
    else for (const [k, val] of v.storage) seen.storage.set(k, val)
  }
  return out
}

const ZERO = '0x' + '0'.repeat(64)

/** The changes implied by pre and post proofs; `gaps` lists storage-root changes no proven slot explains. */
function deriveChanges(pre: Map<string, VerifiedAccount>, post: Map<string, VerifiedAccount>): { changes: StateChanges; gaps: string[] } {
  const changes: StateChanges = []
  const gaps: string[] = []
  const addresses = [...new Set([...pre.keys(), ...post.keys()])].sort()
  for (const address of addresses) {
    const before = pre.get(address)?.account
    const afterV = post.get(address)
    const after = afterV?.account
    if (afterV === undefined) {
      gaps.push(`${address}: no post-state proof`)
      continue
    }
    if (after === undefined) {
      if (before !== undefined) changes.push({ address, account: null, storageCleared: true, storage: new Map() })
      continue
    }
    const storageCleared = before !== undefined && before.storageRoot !== EMPTY_TRIE_ROOT && after.storageRoot === EMPTY_TRIE_ROOT
    const storage = new Map<string, string>()
    for (const [slot, value] of afterV.storage) {
      const old = storageCleared || before === undefined ? ZERO : pre.get(address)?.storage.get(slot)
      if (old === undefined) gaps.push(`${address} slot ${slot}: no pre-state proof`)
      else if (old !== value) storage.set(slot, value)
    }
    const same =
      before !== undefined &&
      before.nonce === after.nonce &&
      before.balance === after.balance &&
      before.codeHash === after.codeHash &&
      storage.size === 0 &&
      !storageCleared
    if (same && before.storageRoot !== after.storageRoot) gaps.push(`${address}: storage root changed, no proven slot differs`)
    if (same) continue
    const change: AccountChange = {
      address,
      account: { nonce: after.nonce, balance: after.balance, codeHash: after.codeHash },
      storageCleared,
      storage,
    }
    changes.push(change)
  }
  return { changes, gaps }
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json.gz'))
  .sort((a, b) => parseInt(a) - parseInt(b))

test('recordings are present', () => assert.equal(files.length, 12))

for (const file of files) {
  test(`stateRoot of mainnet block ${parseInt(file)} from parent proofs + derived changes`, () => {
    const rec = load(file)
    const t0 = performance.now()
    // Verification fills the node stores, which then serve as the witness: each node hashed once.
    const { pre, post, nodes, extraNodes } = verify(file)
    const t1 = performance.now()
    const { changes, gaps } = deriveChanges(pre, post)
    assert.deepEqual(gaps, [], 'post-state proofs do not cover every change')
    const result = computeStateRoot({ stateRoot: rec.parent.stateRoot, nodes, extraNodes }, changes)
    const t2 = performance.now()
    const deletions = changes.filter((c) => c.account === null).length
    const slots = changes.reduce((n, c) => n + c.storage.size, 0)
    console.log(
      `block ${rec.block}: ${pre.size} accounts, ${changes.length} changed (${deletions} deleted, ${slots} slots), ` +
        `verify ${(t1 - t0).toFixed(1)} ms, root ${(t2 - t1).toFixed(1)} ms → ${'root' in result ? 'root' : result.unchecked}`,
    )
    assert.deepEqual(result, { root: rec.header.stateRoot })
  })
}

test('witness without the post-state nodes: unchecked or the right root, never a wrong one', () => {
  for (const file of files) {
    const rec = load(file)
    const { pre, post, nodes } = verify(file)
    const { changes } = deriveChanges(pre, post)
    const result = computeStateRoot({ stateRoot: rec.parent.stateRoot, nodes }, changes)
    if ('root' in result) assert.equal(result.root, rec.header.stateRoot, `block ${rec.block}`)
    else {
      assert.ok(result.missing.length > 0)
      assert.ok(result.missing.every((m) => m.role === 'sibling'), `block ${rec.block}: ${result.unchecked}`)
      // Each missing sibling can be found from the post-state proofs.
      const siblings = new PostStateSiblings(verify(file).extraNodes)
      for (const m of result.missing) {
        assert.ok(siblings.sibling(hexToBytes(m.hash as `0x${string}`), m.path.length - 2), `block ${rec.block}: ${m.trie} ${m.path}`)
      }
      console.log(`block ${rec.block} without post nodes: ${result.missing.length} missing siblings, found ${JSON.stringify(siblings.found)}`)
    }
  }
})

test('a wrong storage value gives a different root (mismatch, not unchecked)', () => {
  const rec = load('2675000.json.gz')
  const { pre, post } = verify('2675000.json.gz')
  const { changes } = deriveChanges(pre, post)
  const target = changes.find((c) => c.storage.size > 0)
  assert.ok(target, 'block has a storage write')
  const [slot, value] = [...target.storage][0]
  const flipped = '0x' + (BigInt(value) ^ 1n).toString(16).padStart(64, '0')
  const tampered = changes.map((c) => (c === target ? { ...c, storage: new Map(c.storage).set(slot, flipped) } : c))
  const result = computeStateRoot(witnessFromProofs(rec.parent.stateRoot, rec.preProofs, rec.postProofs), tampered)
  assert.ok('root' in result, 'expected a root')
  assert.notEqual(result.root, rec.header.stateRoot)
})

test('an account the witness does not cover is unchecked, not a mismatch', () => {
  const rec = load('1150000.json.gz')
  const change: AccountChange = {
    address: '0x00000000000000000000000000000000000000aa',
    account: { nonce: 1n, balance: 5n, codeHash: '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470' },
    storageCleared: false,
    storage: new Map(),
  }
  const result = computeStateRoot(witnessFromProofs(rec.parent.stateRoot, rec.preProofs), [change])
  assert.ok('unchecked' in result, JSON.stringify(result))
  assert.equal(result.missing[0].role, 'path')
  assert.equal(result.missing[0].trie, 'account')
})

test('no changes: the parent root', () => {
  const rec = load('1920000.json.gz')
  assert.deepEqual(computeStateRoot(witnessFromProofs(rec.parent.stateRoot, rec.preProofs), []), { root: rec.parent.stateRoot })
})

test('corrupted proofs raise ProofError naming address and slot', () => {
  const rec = load('2675000.json.gz')
  const withSlots = rec.preProofs.find((p) => p.storageProof.some((sp) => sp.proof.length > 1))
  assert.ok(withSlots)
  const root = rec.parent.stateRoot
  // Flip one byte in the middle of an account proof node.
  const badNode = (hex: string): string => {
    const i = hex.length >> 1
    return hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1)
  }
  const accountProof = [...withSlots.accountProof]
  accountProof[1] = badNode(accountProof[1])
  assert.throws(() => verifyAccountProof(root, { ...withSlots, accountProof }), (e: unknown) => {
    assert.ok(e instanceof ProofError)
    assert.equal(e.address, withSlots.address)
    assert.equal(e.slot, undefined)
    return true
  })
  // Corrupt a storage proof node.
  const idx = withSlots.storageProof.findIndex((sp) => sp.proof.length > 1)
  const sp = withSlots.storageProof[idx]
  const storageProof = withSlots.storageProof.map((s, i) => (i === idx ? { ...s, proof: [s.proof[0], badNode(s.proof[1]), ...s.proof.slice(2)] } : s))
  assert.throws(() => verifyAccountProof(root, { ...withSlots, storageProof }), (e: unknown) => {
    assert.ok(e instanceof ProofError)
    assert.equal(e.slot, '0x' + sp.key.slice(2).padStart(64, '0'))
    assert.match(e.message, new RegExp(withSlots.address))
    return true
  })
  // A wrong claimed value, balance, or a proof checked against another root.
  const wrongValue = withSlots.storageProof.map((s, i) => (i === idx ? { ...s, value: '0x' + (BigInt(s.value) + 1n).toString(16) } : s))
  assert.throws(() => verifyAccountProof(root, { ...withSlots, storageProof: wrongValue }), ProofError)
  assert.throws(() => verifyAccountProof(root, { ...withSlots, balance: '0x' + (BigInt(withSlots.balance) + 1n).toString(16) }), /claimed balance/)
  assert.throws(() => verifyAccountProof(rec.header.stateRoot, withSlots), ProofError)
  // A truncated proof.
  assert.throws(() => verifyAccountProof(root, { ...withSlots, accountProof: withSlots.accountProof.slice(0, -1) }), /proof lacks node/)
})

test('exclusion proofs: absent accounts and slots', () => {
  let absentAccounts = 0
  let zeroSlots = 0
  for (const file of files) {
    for (const v of verify(file).pre.values()) {
      if (v.account === undefined) absentAccounts++
      for (const value of v.storage.values()) if (value === ZERO) zeroSlots++
    }
  }
  assert.ok(absentAccounts > 0 && zeroSlots > 0, `${absentAccounts} absent accounts, ${zeroSlots} zero slots`)
  // An absent account must not claim a balance.
  const rec = load('9069000.json.gz')
  const absent = rec.preProofs.find((p) => /^0x0*$/.test(p.codeHash))
  assert.ok(absent)
  assert.throws(() => verifyAccountProof(rec.parent.stateRoot, { ...absent, balance: '0x1' }), /absent/)
})

// ---------------------------------------------------------------- differential tests against @ethereumjs/mpt

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const randomBytes = (rand: () => number, n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

test('partial trie equals @ethereumjs/mpt on short keys (branch values, embedded nodes)', async () => {
  const rand = prng(7)
  const r = new TrieResolver('t', new NodeStore())
  let root: TrieNode | null = null
  const keys: Uint8Array[] = []
  const model = new Map<string, [Uint8Array, Uint8Array]>()
  const EMPTY = hexToBytes(EMPTY_TRIE_ROOT)
  for (let i = 0; i < 400; i++) {
    // Keys over a tiny alphabet and of 1..3 bytes: shared prefixes, keys ending at branches.
    const key = keys.length > 0 && rand() < 0.35 ? keys[Math.floor(rand() * keys.length)] : Uint8Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [0x00, 0x01, 0x10, 0x11, 0xff][Math.floor(rand() * 5)])
    if (rand() < 0.3) {
      root = trieDelete(r, root, bytesToNibbles(key))
      model.delete(hex(key))
    } else {
      const value = randomBytes(rand, 1 + Math.floor(rand() * (rand() < 0.7 ? 4 : 40)))
      root = triePut(r, root, bytesToNibbles(key), value)
      model.set(hex(key), [key, value])
      keys.push(key)
    }
    // Reference: a fresh @ethereumjs/mpt of the same content, built by inserts only (its own
    // incremental delete goes wrong with keys that are prefixes of others, e.g. after
    // deleting ffff from this sequence at op 328; Ethereum's fixed-length keys never hit that).
    if (i % 3 !== 0) continue
    const reference = await createMPT()
    for (const [k, v] of model.values()) await reference.put(k, v)
    assert.equal(hex(trieRoot(root, EMPTY)), hex(reference.root()), `after op ${i}`)
  }
})

test('partial trie from proofs equals @ethereumjs/mpt; deletions resolved from post-state proofs', async () => {
  const EMPTY = hexToBytes(EMPTY_TRIE_ROOT)
  const found = { stored: 0, leaf: 0, extension: 0, branch: 0 }
  let unresolvedWithoutExtras = 0
  for (let round = 0; round < 40; round++) {
    const rand = prng(1000 + round)
    const mpt = await createMPT()
    // 32-byte keys, some clustered (long shared prefixes → extensions, branch siblings).
    const keys: Uint8Array[] = []
    const bases = Array.from({ length: 4 }, () => randomBytes(rand, 32))
    const n = 20 + Math.floor(rand() * 150)
    for (let i = 0; i < n; i++) {
      const k = rand() < 0.5 ? randomBytes(rand, 32) : Uint8Array.from(bases[Math.floor(rand() * 4)])
      if (rand() < 0.5) k[31 - Math.floor(rand() * 3)] = Math.floor(rand() * 256)
      if (rand() < 0.3) k[Math.floor(rand() * 32)] = Math.floor(rand() * 256)
      keys.push(k)
      await mpt.put(k, randomBytes(rand, 1 + Math.floor(rand() * 40)))
    }
    const preRoot = mpt.root()
    // Changes: deletes, updates, inserts of new keys (around clustered bases too).
    const ops: [Uint8Array, Uint8Array | null][] = []
    for (let i = 0; i < 1 + Math.floor(rand() * 12); i++) {
      const roll = rand()
      if (roll < 0.5) ops.push([keys[Math.floor(rand() * keys.length)], null])
      else if (roll < 0.75) ops.push([keys[Math.floor(rand() * keys.length)], randomBytes(rand, 1 + Math.floor(rand() * 40))])
      else {
        const k = Uint8Array.from(bases[Math.floor(rand() * 4)])
        k[31 - Math.floor(rand() * 4)] = Math.floor(rand() * 256)
        ops.push([k, randomBytes(rand, 3)])
      }
    }
    // Final effect per key, as StateChanges give it.
    const final = new Map<string, [Uint8Array, Uint8Array | null]>()
    for (const [k, v] of ops) final.set(hex(k), [k, v])
    const pre = new NodeStore()
    for (const [k] of final.values()) for (const node of await createMerkleProof(mpt, k)) pre.add(node)
    for (const [k, v] of final.values()) {
      if (v === null) await mpt.del(k)
      else await mpt.put(k, v)
    }
    const post = new NodeStore()
    for (const [k] of final.values()) for (const node of await createMerkleProof(mpt, k)) post.add(node)

    const apply = (siblings?: PostStateSiblings): Uint8Array => {
      const r = new TrieResolver('t', pre, siblings)
      let root = rootNode(preRoot, EMPTY)
      const entries = [...final.values()]
      for (const [k, v] of entries) if (v !== null) root = triePut(r, root, bytesToNibbles(k), v)
      for (const [k, v] of entries) if (v === null) root = trieDelete(r, root, bytesToNibbles(k))
      return trieRoot(root, EMPTY)
    }
    try {
      assert.equal(hex(apply()), hex(mpt.root()), `round ${round} without extras`)
    } catch (e) {
      if (!(e instanceof MissingNodeError)) throw e
      assert.equal(e.role, 'sibling', `round ${round}: ${e.message}`)
      unresolvedWithoutExtras++
    }
    const siblings = new PostStateSiblings(post)
    assert.equal(hex(apply(siblings)), hex(mpt.root()), `round ${round} with post-state siblings`)
    for (const k of Object.keys(found) as (keyof typeof found)[]) found[k] += siblings.found[k]
  }
  console.log(`40 random rounds: ${unresolvedWithoutExtras} needed post-state siblings; found ${JSON.stringify(found)}`)
  assert.ok(unresolvedWithoutExtras > 0)
})
