/** Witness-based state verification: proofs, partial tries, state roots, execution witnesses. */
export { ProofError, MissingNodeError, WitnessError, type MissingNodeRole } from './errors.js'
export { EMPTY_TRIE_ROOT, KECCAK_EMPTY, accountKey, storageKey, toWord } from './bytes.js'
export { NodeStore, type NodeSource } from './node-store.js'
export { type AccountState, encodeAccount, decodeAccount } from './account.js'
export { TrieResolver, trieGet, triePut, trieDelete, trieRoot, rootNode } from './partial-trie.js'
export { verifyAccountProof, verifyProofs, type EthAccountProof, type EthStorageProof, type VerifiedAccount } from './proof.js'
export { PostStateSiblings, type SiblingSource } from './sibling.js'
export {
  computeStateRoot,
  witnessFromProofs,
  proofNodes,
  type StateWitness,
  type MissingNode,
  type StateRootResult,
  type StateRootOptions,
} from './state-root.js'
export {
  ExecutionWitnessState,
  decodeWitnessHeaders,
  parentStateRoot,
  type ExecutionWitness,
  type WitnessHeader,
} from './execution-witness.js'
