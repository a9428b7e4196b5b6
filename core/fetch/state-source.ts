/**
 * Where a block's pre-state values come from. Each source loads requested accounts and slots
 * at the parent block into a LazyState, checking what it can:
 * - ProofSource: `eth_getProof` (+ `eth_getCode`), every proof checked against the parent's
 *   stateRoot, code against its hash; keeps the proofs for the witness.
 * - PlainSource: `eth_getBalance`/`eth_getTransactionCount`/`eth_getCode`/`eth_getStorageAt`,
 *   for nodes without `eth_getProof`; nothing to check against, and an empty account cannot be
 *   told from an absent one (taken as absent).
 * A call the node answers with a JSON-RPC error is returned as a failure (discovery may not
 * need it after all: see discovery-execute.ts); transport failures and bad data throw.
 */
import { bytesToHex } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'
import type { AccountData } from '../types.js'
import { EMPTY_CODE_HASH, EMPTY_STORAGE_ROOT } from '../execute/state-layer.js'
import { NodeStore, ProofError, verifyAccountProof, type EthAccountProof, type EthStorageProof } from '../verify/witness/index.js'
import type { RpcCall, RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError, RpcResponseError } from './rpc-errors.js'
import { ValidationError } from './fetch-errors.js'
import { accountMiss, slotMiss, type LazyState } from './lazy-state.js'
import type { CodeCache } from './code-cache.js'
import { ZERO_WORD, quantity, slotWord } from './rpc-types.js'
import { validateCode } from './validate.js'

/** Load an account (when `account`) and these slots of it. */
export interface LoadRequest {
  address: string
  account: boolean
  slots: string[]
}

export interface StateSource {
  readonly kind: 'proofs' | 'plain' | 'execution-witness'
  /** Loads into `state`; returns miss key (see lazy-state.ts) → JSON-RPC error for what the node refused. */
  load(state: LazyState, requests: LoadRequest[]): Promise<Map<string, Error>>
}

/** The miss keys a request covers. */
function requestKeys(r: LoadRequest): string[] {
  return [...(r.account ? [accountMiss(r.address).key] : []), ...r.slots.map((s) => slotMiss(r.address, s).key)]
}

/** A request split into one per key: the account alone, then each slot alone. */
function splitRequest(r: LoadRequest): LoadRequest[] {
  return [...(r.account ? [{ ...r, slots: [] }] : []), ...r.slots.map((slot) => ({ address: r.address, account: false, slots: [slot] }))]
}

/**
 * A call the node answered with an error (not a transport failure, not an unknown method):
 * maybe a key discovery never needed (see discovery-execute.ts).
 */
export function isRefusal(e: unknown): e is RpcResponseError {
  return e instanceof RpcResponseError && !(e instanceof RpcMethodNotFoundError)
}

interface ProofEntry {
  proof: EthAccountProof
  slots: Map<string, EthStorageProof>
}

export interface ProofSourceOptions {
  rpc: RpcClient
  /** The block being fetched (for messages). */
  block: number
  /** Its parent, where the pre-state is read. */
  parent: number
  /** The parent's stateRoot, or null when the parent header's root cannot be trusted (see fetch-block.ts). */
  parentRoot: string | null
  codes: CodeCache
}

export class ProofSource implements StateSource {
  readonly kind = 'proofs' as const
  /** Every node of every proof, hashed once; checks stay per proof (see verifyAccountProof). */
  readonly nodes = new NodeStore()
  private readonly proofs = new Map<string, ProofEntry>()

  constructor(private readonly o: ProofSourceOptions) {}

  async load(state: LazyState, requests: LoadRequest[]): Promise<Map<string, Error>> {
    const failures = new Map<string, Error>()
    const needCode: Array<{ address: string; codeHash: string }> = []
    await this.loadProofs(state, requests, failures, needCode, true)
    await this.loadCodes(state, needCode, failures)
    return failures
  }

  /**
   * One eth_getProof per request. A refused request of several keys is retried key by key, so
   * that one key the node refuses (maybe never needed) does not hold back the others.
   */
  private async loadProofs(
    state: LazyState, requests: LoadRequest[], failures: Map<string, Error>, needCode: Array<{ address: string; codeHash: string }>, split: boolean,
  ): Promise<void> {
    const tag = quantity(this.o.parent)
    const calls: RpcCall[] = requests.map((r) => ({ method: 'eth_getProof', params: [r.address, r.slots.map(slotWord), tag] }))
    const settled = await this.o.rpc.batchSettled<EthAccountProof>(calls)
    const again: LoadRequest[] = []
    settled.forEach((s, i) => {
      const req = requests[i]!
      if (s.status === 'rejected') {
        if (!isRefusal(s.reason)) throw s.reason
        const keys = requestKeys(req)
        if (split && keys.length > 1) again.push(...splitRequest(req))
        else for (const k of keys) failures.set(k, s.reason)
        return
      }
      const account = this.accept(req, s.value, state)
      if (account && account.codeHash !== EMPTY_CODE_HASH && !state.codes.has(account.codeHash)) {
        const cached = this.o.codes.get(account.codeHash)
        if (cached) state.codes.set(account.codeHash, cached)
        else needCode.push({ address: req.address, codeHash: account.codeHash })
      }
    })
    if (again.length > 0) await this.loadProofs(state, again, failures, needCode, false)
  }

  /** Checks one proof, records it and its values; returns the account (null = absent). */
  private accept(req: LoadRequest, proof: EthAccountProof, state: LazyState): AccountData | null {
    const where = `account ${req.address} at block ${this.o.parent}`
    const bad = (detail: string): ValidationError => new ValidationError(this.o.block, 'eth_getProof', where, detail)
    if (proof === null || typeof proof !== 'object' || !Array.isArray(proof.accountProof) || !Array.isArray(proof.storageProof)) {
      throw bad('malformed answer')
    }
    if (String(proof.address).toLowerCase() !== req.address) throw bad(`answer is for ${proof.address}`)
    let account: AccountData | null
    const values = new Map<string, string>()
    if (this.o.parentRoot !== null) {
      let verified
      try {
        verified = verifyAccountProof(this.o.parentRoot, proof, this.nodes)
      } catch (e) {
        if (e instanceof ProofError) throw bad(`${e.slot ? `slot ${e.slot}: ` : ''}${e.reason} (parent stateRoot ${this.o.parentRoot})`)
        throw e
      }
      const a = verified.account
      account = a === undefined ? null : { nonce: a.nonce, balance: a.balance, codeHash: a.codeHash, storageRoot: a.storageRoot }
      for (const [slot, v] of verified.storage) values.set(slot, v)
    } else {
      account = unverifiedAccount(proof)
      for (const sp of proof.storageProof) values.set(slotWord(sp.key), slotWord(sp.value))
    }
    for (const slot of req.slots) {
      const v = values.get(slot)
      if (v === undefined) throw bad(`no storage proof for requested slot ${slot}`)
      state.setSlot(req.address, slot, v)
    }
    if (!state.accounts.has(req.address)) state.setAccount(req.address, account)
    this.remember(req.address, proof)
    return account
  }

  private remember(address: string, proof: EthAccountProof): void {
    let entry = this.proofs.get(address)
    if (!entry) this.proofs.set(address, (entry = { proof: { ...proof, storageProof: [] }, slots: new Map() }))
    for (const sp of proof.storageProof) entry.slots.set(slotWord(sp.key), sp)
  }

  private async loadCodes(state: LazyState, wanted: Array<{ address: string; codeHash: string }>, failures: Map<string, Error>): Promise<void> {
    const need = [...new Map(wanted.map((w) => [w.codeHash, w])).values()]
    if (need.length === 0) return
    const tag = quantity(this.o.parent)
    const settled = await this.o.rpc.batchSettled<string>(need.map((n) => ({ method: 'eth_getCode', params: [n.address, tag] })))
    settled.forEach((s, i) => {
      const { address, codeHash } = need[i]!
      if (s.status === 'rejected') {
        if (!isRefusal(s.reason)) throw s.reason
        // Without its code the account is not usable: forget it so the miss stays a miss.
        state.accounts.delete(address)
        failures.set(accountMiss(address).key, s.reason)
        return
      }
      const code = validateCode(this.o.block, address, s.value, codeHash)
      state.codes.set(codeHash, code)
      this.o.codes.put(codeHash, code)
    })
  }

  /** The proofs of exactly these accounts and slots (the block's reads), sorted by address. */
  preProofs(reads: Map<string, Set<string>>): EthAccountProof[] {
    const out: EthAccountProof[] = []
    for (const address of [...reads.keys()].sort()) {
      const entry = this.proofs.get(address)
      if (!entry) throw new Error(`internal: no proof of ${address} for block ${this.o.block}`)
      // An empty storage trie proves every slot zero by itself: such slot proofs (which trace
      // hints fetch and execution does not) are left out, so the witness is the same either way.
      const storageHash = slotWord(String(entry.proof.storageHash))
      const emptyStorage = storageHash === EMPTY_STORAGE_ROOT || storageHash === ZERO_WORD
      const slots = emptyStorage ? [] : [...reads.get(address)!].sort()
      out.push({ ...entry.proof, storageProof: slots.flatMap((s) => entry.slots.get(s) ?? []) })
    }
    return out
  }
}

/** Account fields as the proof claims them, unchecked (only for a parent root we cannot trust). */
function unverifiedAccount(p: EthAccountProof): AccountData | null {
  const nonce = BigInt(p.nonce)
  const balance = BigInt(p.balance)
  const codeHash = String(p.codeHash).toLowerCase()
  const storageRoot = slotWord(String(p.storageHash))
  const noCode = codeHash === EMPTY_CODE_HASH || /^0x0*$/.test(codeHash)
  if (nonce === 0n && balance === 0n && noCode && p.accountProof.length === 0) return null
  return { nonce, balance, codeHash: noCode ? EMPTY_CODE_HASH : codeHash, storageRoot }
}

/** eth_getProof at the block itself for every changed account and slot, checked against its stateRoot. */
export async function fetchPostProofs(
  rpc: RpcClient,
  block: number,
  stateRoot: string,
  changed: Array<{ address: string; slots: string[] }>,
): Promise<EthAccountProof[]> {
  const tag = quantity(block)
  const sorted = [...changed].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
  const answers = await rpc.batch<EthAccountProof>(sorted.map((c) => ({ method: 'eth_getProof', params: [c.address, c.slots.map(slotWord), tag] })))
  const nodes = new NodeStore()
  answers.forEach((proof, i) => {
    const { address } = sorted[i]!
    const where = `account ${address} at block ${block}`
    if (proof === null || typeof proof !== 'object' || String(proof.address).toLowerCase() !== address) {
      throw new ValidationError(block, 'eth_getProof', where, 'malformed answer or wrong address')
    }
    try {
      verifyAccountProof(stateRoot, proof, nodes)
    } catch (e) {
      if (e instanceof ProofError) throw new ValidationError(block, 'eth_getProof', where, `${e.slot ? `slot ${e.slot}: ` : ''}${e.reason} (stateRoot ${stateRoot})`)
      throw e
    }
  })
  return answers
}

export interface PlainSourceOptions {
  rpc: RpcClient
  block: number
  parent: number
  codes: CodeCache
}

export class PlainSource implements StateSource {
  readonly kind = 'plain' as const

  constructor(private readonly o: PlainSourceOptions) {}

  async load(state: LazyState, requests: LoadRequest[]): Promise<Map<string, Error>> {
    const tag = quantity(this.o.parent)
    const calls: RpcCall[] = []
    const plan: Array<{ address: string; what: 'balance' | 'nonce' | 'code' | 'slot'; slot?: string }> = []
    for (const r of requests) {
      if (r.account) {
        calls.push({ method: 'eth_getBalance', params: [r.address, tag] }, { method: 'eth_getTransactionCount', params: [r.address, tag] },
          { method: 'eth_getCode', params: [r.address, tag] })
        plan.push({ address: r.address, what: 'balance' }, { address: r.address, what: 'nonce' }, { address: r.address, what: 'code' })
      }
      for (const slot of r.slots) {
        calls.push({ method: 'eth_getStorageAt', params: [r.address, slotWord(slot), tag] })
        plan.push({ address: r.address, what: 'slot', slot })
      }
    }
    const settled = await this.o.rpc.batchSettled<string>(calls)
    const failures = new Map<string, Error>()
    const got = new Map<string, { balance?: bigint; nonce?: bigint; code?: Uint8Array; slots: Map<string, string> }>()
    settled.forEach((s, i) => {
      const p = plan[i]!
      if (s.status === 'rejected') {
        if (!isRefusal(s.reason)) throw s.reason
        failures.set(p.what === 'slot' ? slotMiss(p.address, p.slot!).key : accountMiss(p.address).key, s.reason)
        return
      }
      let g = got.get(p.address)
      if (!g) got.set(p.address, (g = { slots: new Map() }))
      const bad = (): ValidationError => new ValidationError(this.o.block, calls[i]!.method, `${p.what} of ${p.address}`, `not a hex value: ${String(s.value).slice(0, 40)}`)
      if (typeof s.value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(s.value)) throw bad()
      if (p.what === 'balance') g.balance = BigInt(s.value)
      else if (p.what === 'nonce') g.nonce = BigInt(s.value)
      else if (p.what === 'code') {
        if (s.value.length % 2 !== 0) throw bad()
        g.code = Uint8Array.from(Buffer.from(s.value.slice(2), 'hex'))
      } else g.slots.set(p.slot!, slotWord(s.value))
    })
    for (const r of requests) {
      const g = got.get(r.address)
      if (!g) continue
      if (r.account && !failures.has(accountMiss(r.address).key)) {
        const code = g.code!
        const codeHash = code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(code))
        if (code.length > 0) {
          state.codes.set(codeHash, code)
          this.o.codes.put(codeHash, code)
        }
        const empty = g.balance === 0n && g.nonce === 0n && code.length === 0
        state.setAccount(r.address, empty ? null : { nonce: g.nonce!, balance: g.balance!, codeHash })
      }
      if (state.accounts.has(r.address)) for (const [slot, v] of g.slots) state.setSlot(r.address, slot, v)
    }
    return failures
  }
}
