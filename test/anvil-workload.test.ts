/**
 * startAnvil + generateWorkload against a real anvil under london, cancun and prague. The chain
 * is checked against the workload's own model and against formulas computed here (CREATE2),
 * not against anvil's opinion of itself.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateAddress2, hexToBytes, bytesToHex } from '@ethereumjs/util'
import { keccak256 } from 'ethereum-cryptography/keccak.js'
import { utf8ToBytes } from 'ethereum-cryptography/utils.js'
import {
  AnvilOptionsError,
  AnvilStartError,
  anvilArgs,
  parseListeningPort,
  startAnvil,
  type AnvilNode,
} from '../core/fetch/anvil.js'
import {
  BANK_RUNTIME,
  CHILD_RUNTIME,
  DEPLOYED_TOPIC,
  FACTORY_RUNTIME,
  KILLABLE_RUNTIME,
  PAIR_RUNTIME,
  PlanError,
  SALT_REDEPLOY,
  SALT_SAME_TX,
  SWAP_TOPIC,
  SYNC_TOPIC,
  TOKEN_RUNTIME,
  TRANSFER_TOPIC,
  checkStaticJumps,
  createRpc,
  encodeBalanceOf,
  encodeDeploy,
  encodeGetReserves,
  forkRules,
  generateWorkload,
  planWorkload,
  tokenBalanceSlot,
  type Rpc,
  type SentTx,
  type WorkloadResult,
} from '../core/workload/index.js'

const BLOCKS = 10
const SEED = 42
const ACCOUNTS = 12

const keccakHex = (s: string): string => bytesToHex(keccak256(utf8ToBytes(s)))
const word = (hex: string): string => '0x' + hex.replace(/^0x/, '').padStart(64, '0')
const q = (n: number): string => '0x' + n.toString(16)

describe('hand-assembled contracts and pure helpers', () => {
  test('every static jump lands on a JUMPDEST', () => {
    for (const code of [TOKEN_RUNTIME, PAIR_RUNTIME, FACTORY_RUNTIME, BANK_RUNTIME]) {
      assert.deepEqual(checkStaticJumps(code), [])
    }
  })

  test('selectors and event topics are the keccak of their signatures', () => {
    const sel = (sig: string): string => keccakHex(sig).slice(0, 10)
    assert.ok(TOKEN_RUNTIME.includes(sel('transfer(address,uint256)').slice(2)))
    assert.ok(TOKEN_RUNTIME.includes(sel('balanceOf(address)').slice(2)))
    assert.ok(TOKEN_RUNTIME.includes(sel('mint(address,uint256)').slice(2)))
    assert.ok(PAIR_RUNTIME.includes(sel('swap(uint256,bool)').slice(2)))
    assert.ok(PAIR_RUNTIME.includes(sel('addLiquidity(uint256,uint256)').slice(2)))
    assert.ok(PAIR_RUNTIME.includes(sel('getReserves()').slice(2)))
    assert.ok(FACTORY_RUNTIME.includes(sel('deploy(bytes32)').slice(2)))
    assert.ok(FACTORY_RUNTIME.includes(sel('deployAndKill(bytes32)').slice(2)))
    assert.equal(TRANSFER_TOPIC, keccakHex('Transfer(address,address,uint256)'))
    assert.equal(SWAP_TOPIC, keccakHex('Swap(address,uint256,uint256)'))
    assert.equal(SYNC_TOPIC, keccakHex('Sync(uint256,uint256)'))
    assert.equal(DEPLOYED_TOPIC, keccakHex('Deployed(address,bytes32)'))
  })

  test('planning is deterministic and seed-dependent', () => {
    const accounts = Array.from({ length: 5 }, (_, i) => '0x' + String(i + 1).padStart(40, '0'))
    const input = { accounts, nonces: [0, 0, 0, 0, 0], firstBlock: 1, fork: forkRules('Cancun'), blocks: 8 }
    const a = planWorkload({ ...input, seed: 1 })
    const b = planWorkload({ ...input, seed: 1 })
    const c = planWorkload({ ...input, seed: 2 })
    const flat = (p: typeof a): string => JSON.stringify(p.blocks, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    assert.equal(flat(a), flat(b))
    assert.notEqual(flat(a), flat(c))
    assert.equal(a.blocks.length, 8)
    assert.throws(() => planWorkload({ ...input, seed: 1, blocks: 3 }), PlanError)
  })

  test('fork names and anvil arguments', () => {
    assert.equal(forkRules('London').eip6780, false)
    assert.equal(forkRules('Cancun').eip6780, true)
    assert.equal(forkRules('prague').eip6780, true)
    assert.throws(() => forkRules('Berlin'), /supports hardforks/)
    assert.deepEqual(anvilArgs({ hardfork: 'cancun' }).slice(0, 6), ['--host', '127.0.0.1', '--port', '0', '--order', 'fifo'])
    assert.throws(() => anvilArgs({ extraArgs: ['--host', '0.0.0.0'] }), AnvilOptionsError)
    assert.throws(() => anvilArgs({ extraArgs: ['-p8545'] }), AnvilOptionsError)
    assert.equal(parseListeningPort('...\nListening on 127.0.0.1:40123\n'), 40123)
    assert.equal(parseListeningPort('Listening on 0.0.0.0:40123'), undefined)
  })

  test('a failing start is an AnvilStartError carrying anvil stderr', async () => {
    await assert.rejects(startAnvil({ hardfork: 'no-such-fork' }), (err: unknown) => {
      assert.ok(err instanceof AnvilStartError)
      assert.match(err.message, /Unknown hardfork/)
      return true
    })
  })
})

interface Receipt {
  status: string
  type: string
  logs: Array<{ address: string; topics: string[]; data: string }>
}

for (const hardfork of ['london', 'cancun', 'prague'] as const) {
  describe(`anvil workload under ${hardfork}`, () => {
    let node: AnvilNode | undefined
    let rpc: Rpc
    let w: WorkloadResult
    const eip6780 = hardfork !== 'london'

    before(async () => {
      node = await startAnvil({ hardfork, accounts: ACCOUNTS, genesisTimestamp: 1_700_000_000 })
      rpc = createRpc(node.url)
      w = await generateWorkload(node.url, { blocks: BLOCKS, seed: SEED })
    })
    after(async () => {
      await node?.stop()
    })

    const allTxs = (): SentTx[] => w.blocks.flatMap((b) => b.txs)
    const byLabel = (label: string): SentTx[] => allTxs().filter((t) => t.label === label)

    test('node reports the requested fork; blocks are contiguous', async () => {
      const info = await rpc.call<{ hardFork: string }>('anvil_nodeInfo')
      assert.equal(info.hardFork.toLowerCase(), hardfork)
      assert.equal(w.fork.name, hardfork)
      assert.equal(w.toBlock - w.fromBlock + 1, BLOCKS)
      assert.equal(Number(await rpc.call<string>('eth_blockNumber')), w.toBlock)
    })

    test('every block holds exactly the planned transactions; sizes 0, 1, ~10 and 50+', async () => {
      for (const b of w.blocks) {
        const block = await rpc.call<{ transactions: string[]; hash: string }>('eth_getBlockByNumber', [q(b.number), false])
        assert.deepEqual(block.transactions, b.txs.map((t) => t.hash), `block ${b.number}`)
        assert.equal(block.hash, b.hash)
      }
      const sizes = w.blocks.map((b) => b.txs.length)
      assert.ok(sizes.includes(0), `sizes ${sizes}`)
      assert.ok(sizes.includes(1), `sizes ${sizes}`)
      assert.ok(sizes.some((n) => n >= 8 && n <= 12), `sizes ${sizes}`)
      assert.ok(sizes.some((n) => n >= 50), `sizes ${sizes}`)
      assert.equal(w.txCount, sizes.reduce((a, n) => a + n, 0))
    })

    test('receipt statuses match intent; all three tx types are used', async () => {
      const types = new Set<string>()
      for (const tx of allTxs()) {
        const r = await rpc.call<Receipt>('eth_getTransactionReceipt', [tx.hash])
        assert.equal(r.status === '0x1' ? 'success' : 'revert', tx.expect, `${tx.label} ${tx.hash}`)
        types.add(r.type)
      }
      assert.deepEqual([...types].sort(), ['0x0', '0x1', '0x2'])
      for (const label of ['create.revert', 'token.overdraft', 'pair.swapZero', 'bank.outOfGas']) {
        assert.ok(byLabel(label).length > 0, label)
        assert.ok(byLabel(label).every((t) => t.expect === 'revert'), label)
      }
      // Redeploying over a child that self-destructed in an earlier tx works only before EIP-6780.
      for (const [block, salt] of [[w.fromBlock + 4, SALT_REDEPLOY], [w.fromBlock + 5, SALT_SAME_TX]] as const) {
        const tx = allTxs().find((t) => t.blockNumber === block && t.label === 'factory.deploy' && t.data === encodeDeploy(salt))
        assert.ok(tx, `redeploy of salt ${salt} in block ${block}`)
        const r = await rpc.call<Receipt>('eth_getTransactionReceipt', [tx.hash])
        assert.equal(r.status, eip6780 ? '0x0' : '0x1', `redeploy of salt ${salt}`)
      }
    })

    test('token balances: eth_call, Transfer logs and eth_getProof agree with the model', async () => {
      const token = w.contracts.token
      for (const [holder, expected] of w.model.tokenBalances) {
        const got = BigInt(await rpc.call<string>('eth_call', [{ to: token, data: encodeBalanceOf(holder) }, 'latest']))
        assert.equal(got, expected, `balanceOf(${holder})`)
      }
      const supply = BigInt(await rpc.call<string>('eth_getStorageAt', [token, '0x1', 'latest']))
      assert.equal(supply, w.model.totalSupply)

      const logs = await rpc.call<Receipt['logs']>('eth_getLogs', [{ fromBlock: q(w.fromBlock), toBlock: q(w.toBlock), address: token, topics: [TRANSFER_TOPIC] }])
      const replayed = new Map<string, bigint>()
      const zero = word('0x')
      for (const log of logs) {
        const [, from, to] = log.topics
        const amount = BigInt(log.data)
        if (from !== zero) replayed.set(from!, (replayed.get(from!) ?? 0n) - amount)
        replayed.set(to!, (replayed.get(to!) ?? 0n) + amount)
      }
      for (const [holder, expected] of w.model.tokenBalances) assert.equal(replayed.get(word(holder)) ?? 0n, expected, `logs for ${holder}`)
      const moves = ['token.mint', 'token.transfer', 'token.transferFresh'].reduce((n, l) => n + byLabel(l).length, 0)
      assert.equal(logs.length, moves)

      const holders = [...w.model.tokenBalances.keys()].slice(0, 3)
      const proof = await rpc.call<{ accountProof: string[]; storageHash: string; storageProof: Array<{ key: string; value: string }> }>(
        'eth_getProof',
        [token, holders.map(tokenBalanceSlot), q(w.toBlock)],
      )
      assert.ok(proof.accountProof.length > 0)
      holders.forEach((h, i) => assert.equal(BigInt(proof.storageProof[i]!.value), w.model.tokenBalance(h)))
    })

    test('pair reserves follow the constant-product model', async () => {
      const r = await rpc.call<string>('eth_call', [{ to: w.contracts.pair, data: encodeGetReserves() }, 'latest'])
      assert.equal(BigInt('0x' + r.slice(2, 66)), w.model.reserves.r0)
      assert.equal(BigInt('0x' + r.slice(66, 130)), w.model.reserves.r1)
      assert.ok(byLabel('pair.swap').length >= 5)
    })

    test('CREATE2 children sit at the EIP-1014 address; self-destruct follows the fork', async () => {
      const factory = w.contracts.factory
      // The child's initcode as deployed: the factory's code ends with it (23 bytes).
      const factoryCode = await rpc.call<string>('eth_getCode', [factory, 'latest'])
      const childInit = hexToBytes(('0x' + factoryCode.slice(-46)) as `0x${string}`)
      const deployed = await rpc.call<Receipt['logs']>('eth_getLogs', [{ fromBlock: q(w.fromBlock), toBlock: q(w.toBlock), address: factory, topics: [DEPLOYED_TOPIC] }])
      assert.ok(deployed.length >= 3)
      for (const log of deployed) {
        const expected = bytesToHex(generateAddress2(hexToBytes(factory as `0x${string}`), hexToBytes(log.data as `0x${string}`), childInit))
        assert.equal(word(expected), log.topics[1])
      }

      // Salt 1: deployed, killed in a later block, then redeployed (succeeds only before cancun).
      // Each incarnation writes slot[its birth block] = 1 and slot[0] = birth block.
      const slot = async (addr: string, n: number): Promise<bigint> => BigInt(await rpc.call<string>('eth_getStorageAt', [addr, q(n), 'latest']))
      const c1 = w.model.children.get(SALT_REDEPLOY)!
      assert.equal(await rpc.call<string>('eth_getCode', [c1.address, 'latest']), CHILD_RUNTIME)
      assert.deepEqual(c1.births, eip6780 ? [w.fromBlock + 1] : [w.fromBlock + 1, w.fromBlock + 4])
      assert.equal(await slot(c1.address, 0), BigInt(c1.births.at(-1)!))
      assert.equal(await slot(c1.address, c1.births.at(-1)!), 1n)
      // Re-creation wiped the first incarnation's storage.
      assert.equal(await slot(c1.address, w.fromBlock + 1), eip6780 ? 1n : 0n)

      // Salt 2: created and killed in one tx (deleted under every fork), deployed again, then
      // killed and redeployed within one block (the redeploy succeeds only before cancun).
      const c2 = w.model.children.get(SALT_SAME_TX)!
      assert.equal(await rpc.call<string>('eth_getCode', [c2.address, 'latest']), CHILD_RUNTIME)
      assert.deepEqual(c2.births, eip6780 ? [w.fromBlock + 4] : [w.fromBlock + 4, w.fromBlock + 5])
      assert.equal(await slot(c2.address, 0), BigInt(c2.births.at(-1)!))
      assert.equal(await slot(c2.address, w.fromBlock + 4), eip6780 ? 1n : 0n)

      for (const c of w.model.children.values()) {
        const code = await rpc.call<string>('eth_getCode', [c.address, 'latest'])
        assert.equal(code, c.hasCode ? CHILD_RUNTIME : '0x', `child ${c.salt}`)
      }
    })

    test('selfdestruct contracts and fresh recipients', async () => {
      const killableCode = await rpc.call<string>('eth_getCode', [w.contracts.killable, 'latest'])
      assert.equal(killableCode, eip6780 ? KILLABLE_RUNTIME : '0x')
      assert.equal(BigInt(await rpc.call<string>('eth_getBalance', [w.contracts.killable, 'latest'])), 0n)
      // Created and destroyed in the same tx: gone under every fork.
      assert.equal(await rpc.call<string>('eth_getCode', [w.contracts.suicideOnCreate, 'latest']), '0x')
      assert.equal(BigInt(await rpc.call<string>('eth_getBalance', [w.contracts.suicideOnCreate, 'latest'])), 0n)
      assert.ok(w.model.freshEth.size >= 3)
      for (const [addr, wei] of w.model.freshEth) {
        assert.equal(BigInt(await rpc.call<string>('eth_getBalance', [addr, 'latest'])), wei, addr)
      }
    })

    test('storage-heavy and storage-clearing calls', async () => {
      const bank = w.contracts.bank
      const fills = byLabel('bank.fill')
      assert.ok(fills.some((t) => t.gasUsed > 1_000_000n), 'a fill of 60 fresh slots')
      // The script's 120 slots were cleared again (refund path).
      for (const slot of [0, 59, 60, 119]) {
        assert.equal(BigInt(await rpc.call<string>('eth_getStorageAt', [bank, q(slot), 'latest'])), 0n)
      }
      for (const r of w.model.bankRanges) {
        const v = BigInt(await rpc.call<string>('eth_getStorageAt', [bank, '0x' + r.start.toString(16), 'latest']))
        assert.equal(v, r.value)
      }
      assert.ok(byLabel('bank.clear').length >= 2)
    })

    test('eth_getProof and prestateTracer diffMode answer for every mined block', async () => {
      for (const b of w.blocks) {
        const trace = await rpc.call<Array<{ result: { pre: object; post: object } }>>('debug_traceBlockByNumber', [
          q(b.number),
          { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
        ])
        assert.equal(trace.length, b.txs.length, `trace of block ${b.number}`)
        for (const t of trace) assert.ok(t.result.pre && t.result.post)
        const proof = await rpc.call<{ accountProof: string[] }>('eth_getProof', [w.contracts.token, [], q(b.number)])
        assert.ok(proof.accountProof.length > 0, `proof at block ${b.number}`)
      }
    })
  })
}
