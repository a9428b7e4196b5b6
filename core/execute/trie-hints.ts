/**
 * anvil's trie, from a block's execution. anvil (revm's CacheDB under an in-memory trie)
 * builds its state root from every account and slot its database ever cached, not from the
 * canonical state:
 *
 * - after each transaction it commits, for every account the transaction touched, every slot
 *   the transaction loaded (SLOAD, SSTORE, access list; reverted frames included) at its
 *   current value: a zero stays as a leaf holding 0x80 (a plain read of an unset slot too);
 * - an account anvil never created (an EOA, also one delegated by EIP-7702) caches every slot
 *   read as soon as it is read, touched or not, even in a reverted transaction (contracts
 *   created on chain are marked storage-cleared and read through without caching);
 * - an account it merely loads (BALANCE, EXTCODEHASH, a call, even in a reverted transaction)
 *   enters its database, and nothing ever leaves it: self-destructed accounts, touched empty
 *   ones (EIP-161) and never-created ones stay as empty-account leaves (empty storage);
 * - a creation or a self-destruct drops the account's cached storage (as the spec does).
 *
 * `trieHints` derives from the transactions' write and read sets what that adds to the block's
 * canonical changes. It needs the read sets (`recordReads`): slots and accounts only read.
 * Reads of an account's storage after its wipe in the same transaction are served by the
 * state layer without reaching the read set; a zero slot only read that way (a constructor
 * reading its own unset slot) is the one case it misses.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import type { TrieHints } from '../types.js'
import { EMPTY_CODE_HASH } from './state-layer.js'
import type { Overlay } from './overlay.js'
import type { TxOutcome } from './block-executor.js'

const ADDRESS_HEX = 42

function isZeroWord(hex: string): boolean {
  for (let i = 2; i < hex.length; i++) if (hex.charCodeAt(i) !== 48 /* '0' */) return false
  return true
}

type AccessList = Array<[Uint8Array, Uint8Array[]]>

/** An account without code of its own (none, or an EIP-7702 delegation): never created by anvil. */
function neverCreated(overlay: Overlay, address: string): boolean {
  const account = overlay.getAccount(address)
  if (account === undefined || account.codeHash === EMPTY_CODE_HASH) return true
  const code = overlay.getCode(account.codeHash)
  return code !== undefined && code.length === 23 && code[0] === 0xef && code[1] === 0x01 && code[2] === 0x00
}

/**
 * The hints for a block: `overlay` holds its final state, `txs` its transactions' outcomes
 * (with `reads`), `transactions` the transactions themselves (access lists).
 */
export function trieHints(overlay: Overlay, txs: TxOutcome[], transactions: readonly TypedTransaction[]): TrieHints {
  /** Per account, the slots anvil holds since the account's last storage wipe. */
  const held = new Map<string, Set<string>>()
  const loadedAccounts = new Set<string>()
  for (let i = 0; i < txs.length; i++) {
    const { writes, reads } = txs[i]!
    const loaded = new Map<string, Set<string>>()
    const load = (address: string, slot: string): void => {
      let s = loaded.get(address)
      if (!s) loaded.set(address, (s = new Set()))
      s.add(slot)
    }
    for (const key of reads?.keys() ?? []) {
      const kind = key.charCodeAt(0)
      const address = key.slice(2, 2 + ADDRESS_HEX)
      if (kind === 115 /* s */) load(address, key.slice(3 + ADDRESS_HEX))
      else if (kind === 97 /* a */ || kind === 109 /* m */) loadedAccounts.add(address)
    }
    const list = (transactions[i] as { accessList?: AccessList } | undefined)?.accessList ?? []
    for (const [addressBytes, slots] of list) {
      const address = bytesToHex(addressBytes).toLowerCase()
      loadedAccounts.add(address)
      for (const slot of slots) load(address, bytesToHex(slot).toLowerCase())
    }
    for (const [address, slots] of writes.storage) for (const slot of slots.keys()) load(address, slot)
    for (const address of writes.accounts.keys()) loadedAccounts.add(address)
    for (const address of writes.cleared) held.set(address, new Set())
    for (const [address, slots] of loaded) {
      // Committed only for an account the transaction touched (a touch in a reverted frame is
      // undone with it), and nothing of an account it destroyed; cached on read for an account
      // anvil never created. (A reverted frame's writes leave an empty slot map: not a touch.)
      const touched = writes.accounts.has(address) || (writes.storage.get(address)?.size ?? 0) > 0
      if (writes.accounts.get(address) === null) continue
      if (!touched && !neverCreated(overlay, address)) continue
      let h = held.get(address)
      if (!h) held.set(address, (h = new Set()))
      for (const slot of slots) h.add(slot)
    }
  }
  const zeroSlots = new Map<string, Set<string>>()
  for (const [address, slots] of held) {
    if (overlay.getAccount(address) === undefined) continue
    const zero = new Set<string>()
    for (const slot of slots) if (isZeroWord(overlay.getStorage(address, slot))) zero.add(slot)
    if (zero.size > 0) zeroSlots.set(address, zero)
  }
  const emptyAccounts = new Set<string>()
  for (const address of loadedAccounts) if (overlay.getAccount(address) === undefined) emptyAccounts.add(address)
  return { zeroSlots, emptyAccounts }
}
