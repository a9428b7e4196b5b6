/**
 * Bench child: the best replay a TypeScript user gets from @ethereumjs today — `runBlock`
 * over `MerkleStateManager` with `Caches`, native secp256k1 and a real KZG — on the same
 * stored blocks. Runs in its own process so none of our engine's tuning applies to it.
 * Prints one JSON line: per-block seconds by phase, and the checks it made.
 */
import { createBlockFromRPC, type JSONRPCBlock } from '@ethereumjs/block'
import { Common, Mainnet } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, bytesToHex, createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import { ecrecover, kzg, kzgReady } from '../execute/crypto.js'
import { wordToBytes } from '../execute/state-layer.js'
import { decodeRawBlock, unpack, type PreStateBlob } from '../../storage/codec.js'
import { Store } from '../../storage/store.js'

interface Row { number: number; txs: number; gas: number; load: number; recover: number; state: number; execute: number; ok: boolean }

async function main(db: string): Promise<void> {
  await kzgReady()
  const store = Store.open(db, { readonly: true })
  const template = new Common({ chain: Mainnet, customCrypto: { ecrecover, kzg } })
  const rows: Row[] = []
  for (const n of store.blockNumbers()) {
    const t0 = performance.now()
    const raw = store.rawBlock(n)
    const loaded = decodeRawBlock(raw)
    const blob = unpack<PreStateBlob>(raw.prestate)
    const t1 = performance.now()
    const common = template.copy()
    common.setHardforkBy({ blockNumber: BigInt(loaded.json.number), timestamp: BigInt(loaded.json.timestamp) })
    const block = createBlockFromRPC(loaded.json as unknown as JSONRPCBlock, [], { common, skipConsensusFormatValidation: true })
    for (const tx of block.transactions) tx.getSenderAddress()
    const t2 = performance.now()
    const stateManager = new MerkleStateManager({ common, caches: new Caches() })
    for (const [addr, a] of Object.entries(blob.accounts)) {
      if (a === null) continue
      const address = createAddressFromString(addr)
      await stateManager.putAccount(address, new Account(BigInt(a[0]), BigInt(a[1])))
      const code = loaded.preState.getCode(a[2])
      if (code && code.length > 0) await stateManager.putCode(address, code)
      for (const [slot, value] of Object.entries(blob.storage[addr] ?? {})) {
        await stateManager.putStorage(address, hexToBytes(slot as `0x${string}`), wordToBytes(value))
      }
    }
    await stateManager.flush()
    const blockchain = { getBlock: async (k: number) => ({ hash: () => loaded.blockHashes.get(BigInt(k))! }), putBlock: async () => {}, shallowCopy() { return this } }
    const vm = await createVM({ common, stateManager, blockchain: blockchain as never })
    const t3 = performance.now()
    const result = await runBlock(vm, {
      block, generate: true, skipBlockValidation: true, skipHeaderValidation: true, skipHardForkValidation: true,
    })
    const t4 = performance.now()
    const byzantium = BigInt(loaded.json.number) >= 4_370_000n
    const ok = result.gasUsed === block.header.gasUsed &&
      bytesToHex(result.logsBloom) === bytesToHex(block.header.logsBloom) &&
      (!byzantium || bytesToHex(result.receiptsRoot) === bytesToHex(block.header.receiptTrie))
    rows.push({ number: n, txs: block.transactions.length, gas: Number(result.gasUsed), load: (t1 - t0) / 1000, recover: (t2 - t1) / 1000, state: (t3 - t2) / 1000, execute: (t4 - t3) / 1000, ok })
  }
  store.close()
  process.stdout.write(JSON.stringify({ engine: 'runBlock+MerkleStateManager+Caches', rows }) + '\n')
}

await main(process.argv[2]!)
