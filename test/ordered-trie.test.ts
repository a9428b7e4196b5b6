/** The one-pass ordered-trie builder against @ethereumjs/mpt on the same values. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { orderedTrieRoot } from '../core/verify/trie-root.js'

async function reference(values: Uint8Array[]): Promise<string> {
  const t = new MerklePatriciaTrie()
  for (let i = 0; i < values.length; i++) await t.put(RLP.encode(i), values[i]!)
  return bytesToHex(t.root())
}

test('ordered trie root equals @ethereumjs/mpt for 0..1500 items of varied sizes', async () => {
  let seed = 7
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  for (const n of [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 200, 255, 256, 257, 1000, 1500]) {
    const values = Array.from({ length: n }, () => Uint8Array.from({ length: 1 + Math.floor(rnd() * 120) }, () => Math.floor(rnd() * 256)))
    assert.equal(bytesToHex(orderedTrieRoot(values)), await reference(values), `n=${n}`)
  }
})
