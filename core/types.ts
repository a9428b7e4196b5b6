/**
 * Types shared by fetch, execute and verify. Hex strings are lowercase, 0x-prefixed.
 * Addresses: 20 bytes. Slots and storage values: 32-byte hex, zero-padded ("0x00…00").
 */

/** An account as it stands in state (code kept by hash, see `codeHash`). */
export interface AccountData {
  nonce: bigint
  balance: bigint
  /** keccak256 of the code; KECCAK256_NULL for accounts without code. */
  codeHash: string
  /** Storage trie root when known (proofs, full genesis state); absent = empty or unknown. */
  storageRoot?: string
}

/**
 * Read-only pre-state a block executes on. Pure: no I/O behind it (the fetcher's lazy
 * variant resolves misses before execution resumes). `undefined` = the account is absent.
 */
export interface StateView {
  getAccount(address: string): AccountData | undefined
  getCode(codeHash: string): Uint8Array | undefined
  /** The value of a slot, "0x00…00" (32 zero bytes) when unset. */
  getStorage(address: string, slot: string): string
}

/** The final effect of a block (or a transaction) on one account. */
export interface AccountChange {
  address: string
  /** The account after the block; null = it does not exist afterwards (self-destructed, EIP-161). */
  account: AccountData | null
  /** New code, present only when the code changed. */
  code?: Uint8Array
  /** The old storage was wiped (account destroyed or re-created) before `storage` applies. */
  storageCleared: boolean
  /** Slot → new value ("0x00…00" = deleted), only slots whose value differs from the pre-state. */
  storage: Map<string, string>
}

/** Post-state changes of a block, sorted by address. */
export type StateChanges = AccountChange[]

/**
 * What a node whose trie is not canonical (anvil: revm's CacheDB) keeps that the spec removes,
 * from a block's execution. Addresses and slots as above. Never part of `StateChanges`.
 */
export interface TrieHints {
  /**
   * Per account: slots loaded (read or written, in any frame) by a transaction that touched the
   * account, whose value at the end of the block is zero. anvil keeps each as a leaf holding 0x80.
   */
  zeroSlots: Map<string, Set<string>>
  /**
   * Accounts loaded or touched by a transaction that do not exist at the end of the block
   * (self-destructed, removed as touched-empty by EIP-161, or never created). anvil keeps each
   * as an empty-account leaf.
   */
  emptyAccounts: Set<string>
}
