/** Hex and ABI-word helpers for the workload (lowercase, 0x-prefixed). */
import { keccak256 } from 'ethereum-cryptography/keccak.js'
import { bytesToHex, hexToBytes } from 'ethereum-cryptography/utils.js'

/** JSON-RPC quantity: minimal hex, "0x0" for zero. */
export function quantity(n: bigint | number): string {
  return '0x' + BigInt(n).toString(16)
}

/** Strip 0x and whitespace. */
export function strip0x(hex: string): string {
  return (hex.startsWith('0x') ? hex.slice(2) : hex).replace(/\s+/g, '')
}

/** A 32-byte ABI word (64 hex chars, no 0x) from a number or an address/bytes hex string. */
export function word(x: bigint | number | string): string {
  const h = typeof x === 'string' ? strip0x(x) : BigInt(x).toString(16)
  if (h.length > 64) throw new RangeError(`value does not fit in 32 bytes: ${x}`)
  return h.padStart(64, '0')
}

/** Calldata: a 4-byte selector (hex) followed by ABI words. */
export function calldata(selector: string, ...args: Array<bigint | number | string>): string {
  return '0x' + strip0x(selector) + args.map(word).join('')
}

export function keccakHex(hex: string): string {
  return '0x' + bytesToHex(keccak256(hexToBytes(strip0x(hex))))
}

/** Storage slot of `mapping(address => …)` declared at `slot` (Solidity layout: keccak(key . slot)). */
export function mappingSlot(key: string, slot: bigint | number): string {
  return keccakHex(word(key) + word(slot))
}

/** A storage slot number as the 32-byte key eth_getProof and access lists use. */
export function slotKey(slot: bigint | number): string {
  return '0x' + word(slot)
}
