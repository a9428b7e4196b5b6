/**
 * Conformance: the official BlockchainTests suites (../shared/conformance). A CI slice — a few
 * files of every execution-spec-tests 5.4.0 fork folder, invalid blocks among them, and a slice
 * of ethereum/tests v13.3 (reorgs, ommers, bad headers, pre-Byzantium receipts) — must pass in
 * full; the pieces under it (network schedules, the one-pass state trie, verdicts on tampered
 * tests, the command's output and exit codes) are checked on their own.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from 'ethereum-cryptography/keccak.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { kzgReady } from '../core/execute/crypto.js'
import { readFixtureFile, type BlockchainTest } from '../core/verify/conformance/fixture.js'
import { FullState, hashedTrieRoot } from '../core/verify/conformance/full-state.js'
import { UnsupportedNetworkError, parseNetwork, testChain } from '../core/verify/conformance/networks.js'
import { runConformance } from '../core/verify/conformance/pool.js'
import { formatTable } from '../core/verify/conformance/report.js'
import { runBlockchainTest } from '../core/verify/conformance/runner.js'
import { networkFilter } from '../core/verify/conformance/run-file.js'
import { conformanceCommand } from '../cli/commands/conformance.js'
import { exitCodeFor } from '../cli/errors.js'
import { needShared, sharedPath } from './support/shared.js'

const EEST = (p: string): string => sharedPath('conformance', 'eest-v5.4.0', 'blockchain_tests', p)
const LEGACY = (p: string): string => sharedPath('conformance', 'ethereum-tests-v13.3', 'BlockchainTests', p)

/** Every eest fork folder, valid and invalid blocks, every transition network of the suite. */
const EEST_SLICE = [
  'frontier/validation/test_tx_nonce.json.gz',
  'frontier/validation/test_gas_limit_below_minimum.json.gz',
  'frontier/examples/test_block_intermediate_state.json.gz',
  'frontier/touch/test_zero_gas_price_and_touching.json.gz',
  'frontier/create/test_create_suicide_store.json.gz',
  'homestead/coverage/test_coverage.json.gz',
  'byzantium/eip197_ec_pairing/test_gas_costs.json.gz',
  'constantinople/eip1014_create2/test_recreate.json.gz',
  'istanbul/eip1344_chainid/test_chainid.json.gz',
  'berlin/eip2930_access_list/test_eip2930_tx_validity.json.gz',
  'london/eip1559_fee_market_change/test_eip1559_tx_validity.json.gz',
  'london/validation/test_invalid_header.json.gz',
  'paris/security/test_tx_selfdestruct_balance_bug.json.gz',
  'shanghai/eip4895_withdrawals/test_withdrawals_root.json.gz',
  'shanghai/eip3860_initcode/test_contract_creating_tx.json.gz',
  'cancun/eip4844_blobs/test_invalid_excess_blob_gas_above_target_change.json.gz',
  'cancun/eip4844_blobs/test_invalid_tx_max_fee_per_blob_gas.json.gz',
  'cancun/eip4844_blobs/test_fork_transition_excess_blob_gas_at_blob_genesis.json.gz',
  'cancun/eip4844_blobs/test_valid_inputs.json.gz',
  'cancun/eip4788_beacon_root/test_beacon_root_transition.json.gz',
  'cancun/eip6780_selfdestruct/test_dynamic_create2_selfdestruct_collision.json.gz',
  'prague/eip7002_el_triggerable_withdrawals/test_system_contract_errors.json.gz',
  'prague/eip7002_el_triggerable_withdrawals/test_system_contract_deployment.json.gz',
  'prague/eip6110_deposits/test_invalid_log_length.json.gz',
  'prague/eip7702_set_code_tx/test_set_code_to_self_destruct.json.gz',
  'prague/eip7702_set_code_tx/test_empty_authorization_list.json.gz',
  'prague/eip2935_historical_block_hashes_from_state/test_block_hashes_history.json.gz',
  'osaka/eip7594_peerdas/test_max_blobs_per_tx_fork_transition.json.gz',
  'osaka/eip7825_transaction_gas_limit_cap/test_transaction_gas_limit_cap.json.gz',
  'osaka/eip7918_blob_reserve_price/test_reserve_price_at_transition.json.gz',
  'osaka/eip7939_count_leading_zeros/test_clz_fork_transition.json.gz',
  'osaka/eip7951_p256verify_precompiles/test_valid.json.gz',
].map(EEST)

/** Side chains and reorgs, ommers, invalid headers, withdrawals, and Frontier..Petersburg singletons. */
const LEGACY_SLICE = [
  'ValidBlocks/bcMultiChainTest/ChainAtoChainBtoChainA.json.gz',
  'ValidBlocks/bcTotalDifficultyTest/uncleBlockAtBlock3afterBlock4.json.gz',
  'ValidBlocks/bcUncleTest',
  'ValidBlocks/bcStateTests/refundReset.json.gz',
  'ValidBlocks/bcStateTests/BLOCKHASH_Bounds.json.gz',
  'ValidBlocks/bcEIP4844-blobtransactions',
  'ValidBlocks/bcForkStressTest/ForkStressTest.json.gz',
  'ValidBlocks/bcTotalDifficultyTest',
  'InvalidBlocks/bcUncleTest',
  'InvalidBlocks/bcInvalidHeaderTest/wrongTimestamp.json.gz',
  'InvalidBlocks/bcInvalidHeaderTest/wrongStateRoot.json.gz',
  'InvalidBlocks/bcInvalidHeaderTest/DifficultyIsZero.json.gz',
  'InvalidBlocks/bcUncleHeaderValidity/diffTooLow.json.gz',
  'InvalidBlocks/bcUncleHeaderValidity/gasLimitTooHigh.json.gz',
  'InvalidBlocks/bcMultiChainTest/UncleFromSideChain.json.gz',
  'InvalidBlocks/bc4895-withdrawals/incorrectWithdrawalsRoot.json.gz',
  'InvalidBlocks/bcEIP1559/baseFee.json.gz',
].map(LEGACY)

const PRE_MERGE_FORKS = ['Frontier', 'Homestead', 'EIP150', 'EIP158', 'Byzantium', 'ConstantinopleFix', 'Istanbul', 'Berlin', 'London']

describe('network schedules', () => {
  test('single forks, aliases and transitions', () => {
    assert.deepEqual(parseNetwork('ConstantinopleFix'), { from: 'petersburg' })
    assert.deepEqual(parseNetwork('EIP150'), { from: 'tangerineWhistle' })
    assert.deepEqual(parseNetwork('Merge'), { from: 'paris' })
    assert.deepEqual(parseNetwork('ShanghaiToCancunAtTime15k'), { from: 'shanghai', to: 'cancun', at: 15000n, byTime: true })
    assert.deepEqual(parseNetwork('BerlinToLondonAt5'), { from: 'berlin', to: 'london', at: 5n, byTime: false })
    assert.throws(() => parseNetwork('ArrowGlacierToParisAtDiffC0000'), UnsupportedNetworkError)
    assert.throws(() => parseNetwork('BerlinToLondonAtTime15k'), /activates by block number/)
    assert.throws(() => parseNetwork('Atlantis'), UnsupportedNetworkError)
  })

  test('each block gets the Common of its own fork', () => {
    const london = testChain('BerlinToLondonAt5')
    assert.equal(london.commonFor(4n, 0n).hardfork(), 'berlin')
    assert.equal(london.commonFor(5n, 0n).hardfork(), 'london')
    assert.equal(london.commonFor(5n, 0n).hardforkBlock('london'), 5n)
    const dao = testChain('HomesteadToDaoAt5')
    assert.equal(dao.daoBlock, 5n)
    assert.equal(testChain('Homestead').daoBlock, undefined)
    const cancun = testChain('ShanghaiToCancunAtTime15k')
    assert.equal(cancun.commonFor(1n, 14_999n).hardfork(), 'shanghai')
    assert.equal(cancun.commonFor(2n, 15_000n).hardfork(), 'cancun')
    assert.equal(testChain('ConstantinopleFix').commonFor(1n, 1n).hardfork(), 'petersburg')
    assert.equal(testChain('ByzantiumToConstantinopleFixAt5').commonFor(5n, 5n).hardfork(), 'petersburg')
    assert.throws(() => testChain('LondonToShanghaiAtTime15k'), /crosses arrowGlacier, which activates by block number/)
  })

  test('BPO forks without a definition need the test\'s blob schedule', () => {
    assert.throws(() => testChain('BPO2ToBPO3AtTime15k'), /no definition/)
    const blobs = { target: '0x0e', max: '0x15', baseFeeUpdateFraction: '0xb24b3f' }
    const c = testChain('BPO2ToBPO3AtTime15k', { blobSchedule: { BPO3: blobs } }).commonFor(1n, 15_000n)
    assert.equal(c.hardfork(), 'bpo3')
    assert.equal(c.getBlobGasSchedule().maxBlobGasPerBlock, 21n * 131072n)
  })

  test('--fork matches aliases and rejects unknown names', () => {
    const f = networkFilter('Merge')
    assert.equal(f('Paris'), true)
    assert.equal(f('Shanghai'), false)
    assert.equal(networkFilter('ConstantinopleFix')('Petersburg'), true)
    assert.throws(() => networkFilter('Nope'), UnsupportedNetworkError)
  })
})

describe('full-state trie', () => {
  test('the one-pass secure trie root equals @ethereumjs/mpt', async () => {
    for (const n of [0, 1, 2, 17, 300]) {
      const mpt = new MerklePatriciaTrie({ useKeyHashing: true })
      const entries: Array<[Uint8Array, Uint8Array]> = []
      for (let i = 0; i < n; i++) {
        const key = keccak256(new Uint8Array([i, i >> 8, 7])).subarray(0, 20)
        const value = keccak256(key).subarray(0, 1 + (i % 40))
        await mpt.put(key, value)
        entries.push([keccak256(key), value])
      }
      assert.equal(bytesToHex(hashedTrieRoot(entries)), bytesToHex(mpt.root()), `${n} entries`)
    }
  })

  test('apply() leaves the old state intact and drops zeroed slots', () => {
    const addr = '0x' + '11'.repeat(20)
    const slot = '0x' + '00'.repeat(31) + '01'
    const zero = '0x' + '00'.repeat(32)
    const a = FullState.fromJson({ [addr]: { balance: '0x10', nonce: '0x01', storage: { '0x01': '0x05' } } })
    const codeHash = a.getAccount(addr)!.codeHash
    const b = a.apply([{ address: addr, account: { nonce: 2n, balance: 16n, codeHash }, storageCleared: false, storage: new Map([[slot, zero]]) }])
    assert.equal(a.getStorage(addr, slot), '0x' + '00'.repeat(31) + '05')
    assert.equal(b.getStorage(addr, slot), zero)
    assert.notEqual(bytesToHex(a.stateRoot()), bytesToHex(b.stateRoot()))
    const back = FullState.fromJson({ [addr]: { balance: '0x10', nonce: '0x02' } })
    assert.equal(bytesToHex(b.stateRoot()), bytesToHex(back.stateRoot()))
    assert.deepEqual(a.diff(back), [`${addr} nonce 1, expected 2`, `${addr} slot 0x${'00'.repeat(31)}01 = 0x${'00'.repeat(31)}05, expected 0x${'00'.repeat(32)}`])
  })
})

describe('verdicts', needShared('conformance'), () => {
  const file = EEST('frontier/examples/test_block_intermediate_state.json.gz')
  const original = (): [string, BlockchainTest] => Object.entries(readFixtureFile(file))[0]!
  const run = async (t: BlockchainTest): Promise<{ result: string; reason: string }> => {
    await kzgReady()
    return runBlockchainTest('t', t, new BlockExecutor())
  }

  test('an untouched test passes', async () => {
    const [, t] = original()
    assert.deepEqual(await run(t).then((o) => o.result), 'pass')
  })

  test('a valid block marked invalid fails the test', async () => {
    const [, t] = original()
    t.blocks[0]!.expectException = 'TransactionException.MADE_UP'
    const o = await run(t)
    assert.equal(o.result, 'fail')
    assert.match(o.reason, /block 1 .*was accepted, expected it rejected \(TransactionException.MADE_UP\)/)
  })

  test('a wrong post-state or last block hash fails the test with the difference', async () => {
    const [, t] = original()
    const [addr, acc] = Object.entries(t.postState!)[0]!
    acc.balance = '0x' + (BigInt(acc.balance ?? 0) + 1n).toString(16)
    const o = await run(t)
    assert.equal(o.result, 'fail')
    assert.match(o.reason, new RegExp(`post-state differs: ${addr.toLowerCase()} balance`))
    const [, t2] = original()
    t2.lastblockhash = '0x' + '00'.repeat(32)
    assert.match((await run(t2)).reason, /expected lastblockhash 0x0{64}/)
  })

  test('a block with a wrong stateRoot is rejected, and rejecting a valid block fails the test', async () => {
    const [, t] = original()
    const values = RLP.decode(hexToBytes(t.blocks[0]!.rlp as `0x${string}`)) as Uint8Array[][]
    values[0]![3] = new Uint8Array(32).fill(0xab)
    t.blocks[0]!.rlp = bytesToHex(RLP.encode(values))
    const o = await run(t)
    assert.equal(o.result, 'fail')
    assert.match(o.reason, /block 1 .*rejected: stateRoot mismatch: header 0x(ab){32}, computed 0x[0-9a-f]{64}/)
  })

  test('an unsupported network is a failure with its reason, not a skip', async () => {
    const [, t] = original()
    t.network = 'ArrowGlacierToParisAtDiffC0000'
    const o = await run(t)
    assert.equal(o.result, 'fail')
    assert.match(o.reason, /total difficulty is not supported/)
  })

  test('the genesis state root is computed from "pre"', async () => {
    const [, t] = original()
    const pre = Object.values(t.pre)[0]!
    pre.nonce = '0x' + (BigInt(pre.nonce ?? 0) + 1n).toString(16)
    assert.match((await run(t)).reason, /genesis stateRoot from "pre" is 0x[0-9a-f]{64}, header says/)
  })
})

describe('CI slice of both suites', needShared('conformance'), () => {
  test('every fork folder of eest 5.4.0 and a slice of ethereum/tests 13.3 pass on 2 workers', async () => {
    const start = performance.now()
    const report = await runConformance({ paths: [...EEST_SLICE, ...LEGACY_SLICE], workers: 2, mode: 'sequential' })
    const seconds = (performance.now() - start) / 1000
    const { summary } = report
    const failures = report.tests.filter((t) => t.result !== 'pass').map((t) => `${t.file} :: ${t.name}: ${t.reason}`)
    assert.deepEqual(failures, [])
    assert.ok(summary.total >= 300, `${summary.total} tests`)
    for (const net of [...PRE_MERGE_FORKS, 'Paris', 'Shanghai', 'Cancun', 'Prague', 'Osaka', 'ShanghaiToCancunAtTime15k',
      'CancunToPragueAtTime15k', 'PragueToOsakaAtTime15k', 'OsakaToBPO1AtTime15k']) {
      assert.ok((summary.byNetwork[net]?.passed ?? 0) > 0, `no ${net} test in the slice`)
    }
    // The eest files' invalid blocks: enough of them to exercise rejection across the forks.
    let invalid = 0
    for (const f of EEST_SLICE) for (const t of Object.values(readFixtureFile(f))) if (t.blocks.some((b) => b.expectException)) invalid++
    assert.ok(invalid >= 100, `${invalid} tests with an invalid block`)
    process.stderr.write(formatTable(summary) + `CI slice: ${summary.total} tests in ${seconds.toFixed(1)} s\n`)
  })
})

describe('parevm conformance (command)', needShared('conformance'), () => {
  const capture = (): { out: { stdout: (s: string) => void; stderr: (s: string) => void }; stdout: () => string; stderr: () => string } => {
    let o = ''
    let e = ''
    return { out: { stdout: (s) => void (o += s), stderr: (s) => void (e += s) }, stdout: () => o, stderr: () => e }
  }
  const codeOf = async (p: Promise<number>): Promise<number> => p.catch((err: unknown) => exitCodeFor(err))

  test('--json: one document with tests and a per-network summary; exit 0', async () => {
    const c = capture()
    const code = await conformanceCommand([EEST('london/validation/test_invalid_header.json.gz')], { json: true, workers: '1' }, c.out)
    assert.equal(code, 0)
    const doc = JSON.parse(c.stdout())
    assert.deepEqual(Object.keys(doc), ['tests', 'summary'])
    assert.equal(doc.summary.total, 6)
    assert.equal(doc.summary.passed, 6)
    assert.deepEqual(Object.keys(doc.tests[0]), ['file', 'name', 'network', 'result', 'reason'])
    assert.deepEqual(Object.keys(doc.summary), ['total', 'passed', 'failed', 'skipped', 'byNetwork'])
    assert.match(c.stderr(), /pass rate/)
  })

  test('--fork keeps one network; missing files are skips with their reason', async () => {
    const c = capture()
    const code = await conformanceCommand([EEST('frontier/opcodes')], { json: true, fork: 'Homestead', workers: '2' }, c.out)
    assert.equal(code, 0)
    const doc = JSON.parse(c.stdout())
    const networks = new Set(doc.tests.filter((t: { result: string }) => t.result !== 'skip').map((t: { network: string }) => t.network))
    assert.deepEqual([...networks], ['Homestead'])
    const skips = doc.tests.filter((t: { result: string }) => t.result === 'skip')
    assert.ok(skips.length >= 5)
    for (const s of skips) assert.match(s.reason, /absent from this mirror .*MISSING_FILES\.txt/)
  })

  test('a failing test: exit 1, and the text output names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parevm-conf-'))
    const tests = readFixtureFile(EEST('frontier/examples/test_block_intermediate_state.json.gz'))
    const [name, t] = Object.entries(tests)[0]!
    t.lastblockhash = '0x' + '11'.repeat(32)
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ [name]: t }))
    const c = capture()
    assert.equal(await conformanceCommand([dir], { workers: '1' }, c.out), 1)
    assert.match(c.stdout(), /FAIL .*broken\.json :: .*expected lastblockhash 0x1{64}/)
  })

  test('bad input exits 2: missing path, malformed JSON, not a test document, bad flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parevm-conf-'))
    writeFileSync(join(dir, 'bad.json'), '{"a": ')
    writeFileSync(join(dir, 'shape.json'), '{"x": {"network": "Cancun"}}')
    const c = capture()
    assert.equal(await codeOf(conformanceCommand([join(dir, 'absent')], {}, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([join(dir, 'bad.json')], {}, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([join(dir, 'shape.json')], {}, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([dir], { workers: '2' }, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([dir], { mode: 'fast' }, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([dir], { fork: 'Atlantis' }, c.out)), 2)
    assert.equal(await codeOf(conformanceCommand([dir], { workers: '0' }, c.out)), 2)
    await assert.rejects(conformanceCommand([join(dir, 'bad.json')], {}, c.out), /malformed JSON in .*bad\.json/)
  })
})

