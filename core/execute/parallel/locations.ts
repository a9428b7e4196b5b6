/**
 * Memory locations of Block-STM and their values, as compact strings: they are map keys in the
 * multi-version memory, they cross thread boundaries in every message, and equal strings mean
 * equal values (validation compares values, so a write that leaves a value unchanged is no
 * conflict). Code is content-addressed and immutable, so it is never a location.
 *
 *   a:<address>            an account: ENCODED_ABSENT or "nonce:balance:codeHash:storageRoot"
 *   s:<address>:<slot>     a storage slot: 32-byte hex word
 *   w:<address>            a storage wipe (self-destruct, re-creation): WIPE
 *   m:<address>            (reads only) an account without its balance: ENCODED_ABSENT or
 *                          "nonce:codeHash:storageRoot" — what a transaction that never looked
 *                          at the balance depends on
 *
 * A write to an account location may also be a balance credit, "+<hex>", applied to whatever
 * value lies below it at commit (fees to the beneficiary, value sent to a hot recipient; see
 * mv-view.ts).
 */
import type { AccountData } from '../../types.js'
import { EMPTY_CODE_HASH } from '../state-layer.js'

export const ENCODED_ABSENT = 'x'
export const WIPE = '1'
export const CREDIT_PREFIX = '+'

export const accountLoc = (address: string): string => 'a:' + address
export const slotLoc = (address: string, slot: string): string => 's:' + address + ':' + slot
export const wipeLoc = (address: string): string => 'w:' + address
export const metaLoc = (address: string): string => 'm:' + address

export type LocationKind = 'a' | 's' | 'w' | 'm'
export const kindOf = (loc: string): LocationKind => loc.charAt(0) as LocationKind
/** The address part of any location. */
export const addressOf = (loc: string): string => loc.slice(2, 44)

export class LocationError extends Error {
  override name = 'LocationError'
}

export function encodeAccount(a: AccountData | null | undefined): string {
  if (!a) return ENCODED_ABSENT
  return a.nonce.toString(16) + ':' + a.balance.toString(16) + ':' + a.codeHash + ':' + (a.storageRoot ?? '')
}

/** An account without its balance (existence, nonce, code, storage root). */
export function encodeMeta(a: AccountData | null | undefined): string {
  if (!a) return ENCODED_ABSENT
  return a.nonce.toString(16) + ':' + a.codeHash + ':' + (a.storageRoot ?? '')
}

/** The meta part of an encoded account value. */
export function metaOfEncoded(enc: string): string {
  if (enc === ENCODED_ABSENT) return enc
  const first = enc.indexOf(':')
  return enc.slice(0, first) + enc.slice(enc.indexOf(':', first + 1))
}

const decodeCache = new Map<string, AccountData | undefined>()

/**
 * The AccountData of an encoded value. Shared objects: the state layer never mutates what a
 * view returns (it builds a fresh `Account` each time), so one decoded object per value is safe.
 */
export function decodeAccount(enc: string): AccountData | undefined {
  if (enc === ENCODED_ABSENT) return undefined
  let a = decodeCache.get(enc)
  if (a === undefined) {
    const [nonce, balance, codeHash, storageRoot] = enc.split(':') as [string, string, string, string]
    a = { nonce: BigInt('0x' + nonce), balance: BigInt('0x' + balance), codeHash }
    if (storageRoot !== '') a.storageRoot = storageRoot
    if (decodeCache.size > 50_000) decodeCache.clear()
    decodeCache.set(enc, a)
  }
  return a
}

export const isCredit = (value: string): boolean => value.charCodeAt(0) === 43 /* '+' */
export const encodeCredit = (amount: bigint): string => CREDIT_PREFIX + amount.toString(16)
export const creditAmount = (value: string): bigint => BigInt('0x' + value.slice(1))

/**
 * A balance credit applied to an account as the EVM applies it to a fresh or loaded `Account`:
 * an absent account is created empty; nonce, code and storage root are kept.
 */
export function creditAccount(a: AccountData | undefined, amount: bigint): AccountData {
  const out: AccountData = { nonce: a?.nonce ?? 0n, balance: (a?.balance ?? 0n) + amount, codeHash: a?.codeHash ?? EMPTY_CODE_HASH }
  if (a?.storageRoot !== undefined) out.storageRoot = a.storageRoot
  return out
}
