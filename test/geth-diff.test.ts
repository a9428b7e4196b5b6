/**
 * go-ethereum's prestate-tracer diff-mode fixtures for real mainnet transactions: replaying
 * the transaction on the fixture's pre-state must give exactly geth's `post` (and `pre`).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createBlock } from '@ethereumjs/block'
import { createTxFromRLP } from '@ethereumjs/tx'
import { createAddressFromString, hexToBytes } from '@ethereumjs/util'
import { chainRules } from '../core/execute/chain.js'
import { kzgReady } from '../core/execute/crypto.js'
import { preStateFromJson } from '../core/execute/prestate.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import type { StateChanges } from '../core/types.js'
import { needShared, sharedPath } from './support/shared.js'

const DIR = ['tracers', 'geth', 'prestate_tracer_with_diff_mode']

interface GethAccount { balance?: string; nonce?: number; code?: string; storage?: Record<string, string> }
interface Fixture {
  genesis: { alloc: Record<string, unknown>; config: Record<string, unknown> }
  context: { number: string; timestamp: string; difficulty: string; gasLimit: string; miner: string; baseFeePerGas?: string }
  input: string
  tracerConfig?: { disableCode?: boolean; disableStorage?: boolean }
  result: { pre: Record<string, GethAccount>; post: Record<string, GethAccount> }
}

/** geth's diff `post`: per changed account, the fields that changed (non-zero storage only). */
function toGethPost(changes: StateChanges, pre: Record<string, GethAccount>, cfg: Fixture['tracerConfig']): Record<string, GethAccount> {
  const out: Record<string, GethAccount> = {}
  for (const c of changes) {
    if (c.account === null) continue
    const before = pre[c.address]
    const entry: GethAccount = {}
    const balance = '0x' + c.account.balance.toString(16)
    if (BigInt(before?.balance ?? '0x0') !== c.account.balance) entry.balance = balance
    if (BigInt(before?.nonce ?? 0) !== c.account.nonce) entry.nonce = Number(c.account.nonce)
    if (c.code && !cfg?.disableCode) entry.code = '0x' + Buffer.from(c.code).toString('hex')
    if (!cfg?.disableStorage) {
      const storage: Record<string, string> = {}
      for (const [slot, v] of c.storage) if (BigInt(v) !== 0n) storage[slot] = v
      if (Object.keys(storage).length > 0) entry.storage = storage
    }
    if (Object.keys(entry).length > 0) out[c.address] = entry
  }
  return out
}

function normalise(post: Record<string, GethAccount>): Record<string, GethAccount> {
  const out: Record<string, GethAccount> = {}
  for (const [addr, a] of Object.entries(post)) {
    const e: GethAccount = {}
    if (a.balance !== undefined) e.balance = '0x' + BigInt(a.balance).toString(16)
    if (a.nonce !== undefined) e.nonce = a.nonce
    if (a.code !== undefined) e.code = a.code.toLowerCase()
    if (a.storage) e.storage = Object.fromEntries(Object.entries(a.storage).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]))
    out[addr.toLowerCase()] = e
  }
  return out
}

const files = (() => {
  try {
    return readdirSync(sharedPath(...DIR)).filter((f) => f.endsWith('.json'))
  } catch {
    return []
  }
})()

test('geth diff-mode fixtures of mainnet transactions replay to exactly their post state', needShared(...DIR), async () => {
  await kzgReady()
  const executor = new BlockExecutor()
  let mainnet = 0
  for (const f of files) {
    const fx = JSON.parse(readFileSync(sharedPath(...DIR, f), 'utf8')) as Fixture
    // The real mainnet transactions: chain id 1 at a real mainnet height (not synthetic genesis blocks).
    if (fx.genesis.config.chainId !== 1 || BigInt(fx.context.number) < 1000n) continue
    mainnet++
    const rules = chainRules({ kind: 'geth', chainId: 1, config: fx.genesis.config })
    const number = BigInt(fx.context.number)
    const common = rules.commonFor(number, BigInt(fx.context.timestamp))
    const tx = createTxFromRLP(hexToBytes(fx.input as `0x${string}`), { common })
    const block = createBlock({
      header: {
        number, timestamp: BigInt(fx.context.timestamp), difficulty: BigInt(fx.context.difficulty),
        gasLimit: BigInt(fx.context.gasLimit), coinbase: createAddressFromString(fx.context.miner),
        baseFeePerGas: fx.context.baseFeePerGas !== undefined ? BigInt(fx.context.baseFeePerGas) : undefined,
      },
      transactions: [tx],
    }, { common, skipConsensusFormatValidation: true })
    const exec = await executor.execute({
      block, preState: preStateFromJson(fx.genesis.alloc), blockHash: () => undefined,
      ommerCount: 0, rewards: false, daoFork: false,
    })
    const pre = normalise(fx.result.pre)
    assert.deepEqual(toGethPost(exec.changes, pre, fx.tracerConfig), normalise(fx.result.post), `${f}: post state`)
    // Every account geth lists as changed is one we changed, and deletions are where geth has them.
    const changed = new Set(exec.changes.map((c) => c.address))
    for (const addr of Object.keys(pre)) assert.ok(changed.has(addr), `${f}: ${addr} changed per geth, not by us`)
  }
  assert.equal(mainnet, 8, 'the 8 real mainnet transactions of the folder')
})
