/** Errors raised while checking proofs and walking partial tries. */

/** An `eth_getProof` answer does not prove what it claims. */
export class ProofError extends Error {
  override readonly name = 'ProofError'
  constructor(
    readonly address: string,
    /** The storage slot concerned, or undefined for the account proof. */
    readonly slot: string | undefined,
    readonly reason: string,
  ) {
    super(`invalid proof for ${address}${slot === undefined ? '' : ` slot ${slot}`}: ${reason}`)
  }
}

/** Why a node was needed: on the key's own path, or as the sibling a deletion collapses into. */
export type MissingNodeRole = 'path' | 'sibling'

/**
 * A trie node referenced by hash is not in the witness. Not a verdict on the data: the
 * witness is simply too small for the question asked.
 */
export class MissingNodeError extends Error {
  override readonly name = 'MissingNodeError'
  constructor(
    /** 'account' for the state trie, else the address owning the storage trie. */
    readonly trie: string,
    /** Nibble path from the trie root to the missing node, e.g. "0x3a7" ("0x" = the root). */
    readonly path: string,
    readonly hash: string,
    readonly role: MissingNodeRole,
  ) {
    super(`missing ${role === 'sibling' ? 'sibling ' : ''}node ${hash} at ${trie} trie path ${path}`)
  }
}

/** A trie node or witness item that cannot be decoded. */
export class WitnessError extends Error {
  override readonly name = 'WitnessError'
}
