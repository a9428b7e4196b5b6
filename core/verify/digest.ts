/**
 * A block's result digest: keccak256 over the RLP of its receipts' trie root (which commits to
 * every encoded receipt) and its post-state changes. Equal digests = identical results (the
 * determinism check between modes and runs).
 */
import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'
import type { StateChanges } from '../types.js'

const h = (x: string): Uint8Array => hexToBytes(x as `0x${string}`)

export function resultDigest(receiptsRoot: Uint8Array, changes: StateChanges): string {
  const state = changes.map((c) => [
    h(c.address),
    c.account === null ? [] : [bigIntToUnpaddedBytes(c.account.nonce), bigIntToUnpaddedBytes(c.account.balance), h(c.account.codeHash)],
    Uint8Array.of(c.storageCleared ? 1 : 0),
    [...c.storage].map(([slot, value]) => [h(slot), h(value)]),
  ])
  return bytesToHex(keccak256(RLP.encode([receiptsRoot, state])))
}
