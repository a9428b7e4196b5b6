/**
 * Checking `eth_getProof` answers (EIP-1186) against a state root: the account proof against
 * the root, each storage proof against the proven storage root. Absent accounts and slots are
 * proofs of exclusion and must claim empty values.
 */
import { EMPTY_TRIE_ROOT, KECCAK_EMPTY, ZERO_WORD, accountKey, bytesToNibbles, hexToBytes, quantity, storageKey, toWord } from './bytes.js'
import { decodeAccount, decodeStorageValue, type AccountState } from './account.js'
import { MissingNodeError, ProofError, WitnessError } from './errors.js'
import { NodeStore, RestrictedNodes } from './node-store.js'
import { TrieResolver, rootNode, trieGet } from './partial-trie.js'

export interface EthStorageProof {
  key: string
  value: string
  proof: string[]
}

/** An `eth_getProof` result as clients return it (quantities may be short hex). */
export interface EthAccountProof {
  address: string
  balance: string
  nonce: string
  codeHash: string
  storageHash: string
  accountProof: string[]
  storageProof: EthStorageProof[]
}

export interface VerifiedAccount {
  /** Lowercase address. */
  address: string
  /** The account, or undefined when the proof shows it absent. */
  account: AccountState | undefined
  /** Proven slots (32-byte hex) → values (32-byte hex, zero when absent). */
  storage: Map<string, string>
}

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT)

/**
 * Check one proof against `stateRoot`; throws ProofError on any inconsistency. The proof's
 * nodes are added to `cache`, which can be shared across the proofs of a block to hash each
 * node once; each proof is still checked against its own nodes only.
 */
export function verifyAccountProof(stateRoot: string, proof: EthAccountProof, cache = new NodeStore()): VerifiedAccount {
  const address = proof.address.toLowerCase()
  if (!/^0x[0-9a-f]{40}$/.test(address)) throw new ProofError(proof.address, undefined, 'not a 20-byte address')
  const leaf = walkProof(stateRoot, proof.accountProof, accountKey(address), cache, address, undefined)
  const account = leaf === undefined ? undefined : decodeLeaf(() => decodeAccount(leaf), address, undefined)
  checkAccountClaims(proof, account, address)

  const storageRoot = account?.storageRoot ?? EMPTY_TRIE_ROOT
  const storage = new Map<string, string>()
  for (const sp of proof.storageProof) {
    const slot = parseWord(sp.key, address, sp.key)
    const value = walkProof(storageRoot, sp.proof, storageKey(slot), cache, address, slot)
    const proven = value === undefined ? 0n : decodeLeaf(() => decodeStorageValue(value), address, slot)
    const claimed = parseQuantity(sp.value, address, slot)
    if (proven !== claimed) {
      throw new ProofError(address, slot, `claimed value 0x${claimed.toString(16)} but the proof holds 0x${proven.toString(16)}`)
    }
    storage.set(slot, toWord(proven.toString(16)))
  }
  return { address, account, storage }
}

/**
 * Check all proofs of one block against its state root. Afterwards `nodes` holds every node
 * of these proofs: pass it on as the witness (`StateWitness.nodes` or `.extraNodes`) so
 * that no node is hashed twice (hashing dominates the cost).
 */
export function verifyProofs(
  stateRoot: string,
  proofs: Iterable<EthAccountProof>,
  nodes: NodeStore = new NodeStore(),
): VerifiedAccount[] {
  const out: VerifiedAccount[] = []
  for (const p of proofs) out.push(verifyAccountProof(stateRoot, p, nodes))
  return out
}

/** Walk `key` through the proof's nodes from `root`; undefined = proven absent. */
function walkProof(
  root: string,
  nodes: string[],
  key: Uint8Array,
  cache: NodeStore,
  address: string,
  slot: string | undefined,
): Uint8Array | undefined {
  let allowed: Set<string>
  try {
    allowed = new Set(nodes.map((n) => cache.add(n)))
  } catch (e) {
    throw new ProofError(address, slot, `proof node is not hex: ${(e as Error).message}`)
  }
  const resolver = new TrieResolver(slot === undefined ? 'account' : address, new RestrictedNodes(cache, allowed))
  try {
    return trieGet(resolver, rootNode(hexToBytes(parseWord(root, address, slot) as `0x${string}`), EMPTY_ROOT_BYTES), bytesToNibbles(key))
  } catch (e) {
    if (e instanceof MissingNodeError) {
      throw new ProofError(address, slot, `proof lacks node ${e.hash} at path ${e.path} (root ${root})`)
    }
    if (e instanceof WitnessError) throw new ProofError(address, slot, `malformed proof node: ${e.message}`)
    throw e
  }
}

function checkAccountClaims(proof: EthAccountProof, account: AccountState | undefined, address: string): void {
  const nonce = parseQuantity(proof.nonce, address, undefined)
  const balance = parseQuantity(proof.balance, address, undefined)
  const codeHash = parseWord(proof.codeHash, address, undefined)
  const storageHash = parseWord(proof.storageHash, address, undefined)
  if (account === undefined) {
    // Clients report an absent account as zeros (geth) or as an empty account.
    const empty =
      nonce === 0n &&
      balance === 0n &&
      (codeHash === ZERO_WORD || codeHash === KECCAK_EMPTY) &&
      (storageHash === ZERO_WORD || storageHash === EMPTY_TRIE_ROOT)
    if (!empty) throw new ProofError(address, undefined, 'proof shows the account absent but the claimed fields are not empty')
    return
  }
  const diff = (field: string, claimed: string, proven: string): ProofError =>
    new ProofError(address, undefined, `claimed ${field} ${claimed} but the proof holds ${proven}`)
  if (nonce !== account.nonce) throw diff('nonce', String(nonce), String(account.nonce))
  if (balance !== account.balance) throw diff('balance', String(balance), String(account.balance))
  if (codeHash !== account.codeHash) throw diff('codeHash', codeHash, account.codeHash)
  if (storageHash !== account.storageRoot) throw diff('storageHash', storageHash, account.storageRoot)
}

function decodeLeaf<T>(decode: () => T, address: string, slot: string | undefined): T {
  try {
    return decode()
  } catch (e) {
    if (e instanceof WitnessError) throw new ProofError(address, slot, `malformed leaf: ${e.message}`)
    throw e
  }
}

function parseQuantity(hex: string, address: string, slot: string | undefined): bigint {
  if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]*$/.test(hex)) throw new ProofError(address, slot, `bad quantity ${String(hex)}`)
  return quantity(hex)
}

function parseWord(hex: string, address: string, slot: string | undefined): string {
  try {
    return toWord(hex)
  } catch {
    throw new ProofError(address, slot, `bad 32-byte value ${String(hex)}`)
  }
}
