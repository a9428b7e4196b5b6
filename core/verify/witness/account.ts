/** The account leaf of the state trie: RLP([nonce, balance, storageRoot, codeHash]). */
import { RLP } from '@ethereumjs/rlp'
import type { AccountData } from '../../types.js'
import { bigintToMinimalBytes, bytesToBigint, bytesToHex, hexToBytes } from './bytes.js'
import { WitnessError } from './errors.js'

/** An account as stored in the trie: `AccountData` plus its storage root. */
export interface AccountState extends AccountData {
  storageRoot: string
}

export function encodeAccount(account: AccountState): Uint8Array {
  return RLP.encode([
    bigintToMinimalBytes(account.nonce),
    bigintToMinimalBytes(account.balance),
    hexToBytes(account.storageRoot as `0x${string}`),
    hexToBytes(account.codeHash as `0x${string}`),
  ])
}

export function decodeAccount(leafValue: Uint8Array): AccountState {
  const fields = RLP.decode(leafValue)
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((f) => f instanceof Uint8Array)) {
    throw new WitnessError('account leaf is not a list of 4 byte strings')
  }
  const [nonce, balance, storageRoot, codeHash] = fields as Uint8Array[]
  if (storageRoot.length !== 32 || codeHash.length !== 32) throw new WitnessError('account leaf hash field is not 32 bytes')
  return {
    nonce: bytesToBigint(nonce),
    balance: bytesToBigint(balance),
    storageRoot: bytesToHex(storageRoot),
    codeHash: bytesToHex(codeHash),
  }
}

/** Storage leaf: RLP of the value without leading zeros (zero values are not stored). */
export function encodeStorageValue(value: bigint): Uint8Array {
  return RLP.encode(bigintToMinimalBytes(value))
}

export function decodeStorageValue(leafValue: Uint8Array): bigint {
  const bytes = RLP.decode(leafValue)
  if (!(bytes instanceof Uint8Array)) throw new WitnessError('storage leaf is a list')
  return bytesToBigint(bytes)
}
