/**
 * Root of an ordered trie (key = RLP(index)), as for receipts and transactions. Built with
 * @ethereumjs/mpt; kept behind one function so a faster builder can replace it.
 */
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_RLP } from '@ethereumjs/util'

export async function orderedTrieRoot(values: Uint8Array[]): Promise<Uint8Array> {
  if (values.length === 0) return KECCAK256_RLP
  const trie = new MerklePatriciaTrie()
  for (let i = 0; i < values.length; i++) await trie.put(RLP.encode(i), values[i]!)
  return trie.root()
}
