/** Byte, hex and nibble helpers shared by the witness code. */
import { keccak256 } from '../../execute/crypto.js'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'

export { bytesToHex, hexToBytes, keccak256 }

/** keccak256 of the empty string: the codeHash of accounts without code. */
export const KECCAK_EMPTY = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
/** Root of the empty trie (keccak256 of RLP("")). */
export const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
export const ZERO_WORD = '0x' + '0'.repeat(64)

/** A 32-byte word as lowercase 0x-hex, left-padded (RPC quantities such as "0x207" are short). */
export function toWord(hex: string): string {
  const body = strip0x(hex).toLowerCase()
  if (body.length > 64 || !/^[0-9a-f]*$/.test(body)) throw new RangeError(`not a 32-byte hex word: ${hex}`)
  return '0x' + body.padStart(64, '0')
}

/** An RPC quantity ("0x0", "0x1a") as a bigint. */
export function quantity(hex: string): bigint {
  return hex === '0x' ? 0n : BigInt(hex)
}

export function strip0x(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
}

/** Big-endian minimal bytes (0 → empty), as RLP wants integers. */
export function bigintToMinimalBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0)
  let hex = n.toString(16)
  if (hex.length % 2 === 1) hex = '0' + hex
  return hexToBytes(`0x${hex}`)
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes))
}

/** Split bytes into nibbles (high first): trie keys are walked nibble by nibble. */
export function bytesToNibbles(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2)
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = bytes[i] >> 4
    out[2 * i + 1] = bytes[i] & 0x0f
  }
  return out
}

/** A nibble path for messages: "0x" followed by one hex digit per nibble. */
export function nibblesToString(nibbles: Uint8Array): string {
  let s = '0x'
  for (const n of nibbles) s += n.toString(16)
  return s
}

export function concatNibbles(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Trie key of an account: keccak256(address). */
export function accountKey(address: string): Uint8Array {
  return keccak256(hexToBytes(address as `0x${string}`))
}

/** Trie key of a storage slot: keccak256(slot as 32 bytes). */
export function storageKey(slot: string): Uint8Array {
  return keccak256(hexToBytes(toWord(slot) as `0x${string}`))
}
