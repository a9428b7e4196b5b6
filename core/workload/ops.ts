/**
 * Workload operations. Each appends one transaction to the open block, predicts its outcome
 * from the model (which it updates) and gives it an explicit gas limit.
 */
import { PAIR_INITCODE, encodeAddLiquidity, encodeSwap } from './amm.js'
import { BANK_INITCODE, bankClearGas, bankWriteGas, encodeBankWrite } from './storage-bank.js'
import { FACTORY_INITCODE, childAddress, encodeDeploy, encodeDeployAndKill } from './create2-factory.js'
import type { PlanContext } from './context.js'
import { slotKey } from './hex.js'
import type { BankRange } from './model.js'
import { KILLABLE_INITCODE, REVERTING_INITCODE, SUICIDE_ON_CREATE_INITCODE } from './selfdestruct.js'
import { TOKEN_INITCODE, encodeMint, encodeTransfer, tokenBalanceSlot } from './token.js'
import type { PlannedTx } from './types.js'

const ETHER = 10n ** 18n
const GWEI = 10n ** 9n
const CALL_GAS = 100_000n
const DEPLOY_GAS = 400_000n
const FACTORY_GAS = 300_000n
const KILL_GAS = 60_000n
/** Random bank ranges start at or above this; lower slots belong to the script. */
const COLD_BANK_BASE = 1_000_000n

/** The five contracts plus two creations that leave no code; the order fixes the addresses. */
export function deployContracts(ctx: PlanContext): void {
  const deployer = ctx.accounts[0]!
  const c = ctx.contracts
  ctx.add({ label: 'deploy.token', from: deployer, to: null, value: 0n, data: TOKEN_INITCODE, gas: DEPLOY_GAS, kind: 'legacy', expect: 'success', creates: c.token })
  ctx.add({ label: 'deploy.pair', from: deployer, to: null, value: 0n, data: PAIR_INITCODE, gas: DEPLOY_GAS, kind: 'eip1559', expect: 'success', creates: c.pair })
  ctx.add({ label: 'deploy.factory', from: deployer, to: null, value: 0n, data: FACTORY_INITCODE, gas: DEPLOY_GAS, kind: 'eip2930', expect: 'success', creates: c.factory })
  ctx.add({ label: 'deploy.bank', from: deployer, to: null, value: 0n, data: BANK_INITCODE, gas: DEPLOY_GAS, kind: 'eip1559', expect: 'success', creates: c.bank })
  const killableValue = ETHER
  ctx.add({ label: 'deploy.killable', from: deployer, to: null, value: killableValue, data: KILLABLE_INITCODE, gas: DEPLOY_GAS, kind: 'legacy', expect: 'success', creates: c.killable })
  ctx.model.killableBalance = killableValue
  const other = ctx.accounts[1]!
  ctx.add({ label: 'create.selfdestruct', from: other, to: null, value: ETHER / 4n, data: SUICIDE_ON_CREATE_INITCODE, gas: CALL_GAS, kind: 'eip1559', expect: 'success', creates: c.suicideOnCreate })
  ctx.add({ label: 'create.revert', from: other, to: null, value: 0n, data: REVERTING_INITCODE, gas: CALL_GAS, kind: 'legacy', expect: 'revert' })
}

function tokenList(ctx: PlanContext, ...holders: string[]): { address: string; storageKeys: string[] }[] {
  return [{ address: ctx.contracts.token, storageKeys: holders.map(tokenBalanceSlot) }]
}

export function mint(ctx: PlanContext, to: string, amount: bigint): PlannedTx {
  ctx.model.mint(to, amount)
  return ctx.add({ label: 'token.mint', from: ctx.pickSender(), to: ctx.contracts.token, value: 0n, data: encodeMint(to, amount), gas: CALL_GAS, accessList: tokenList(ctx, to), expect: 'success' })
}

/** Token transfer between funded holders (hot contract). Falls back to a mint when nobody holds tokens. */
export function tokenTransfer(ctx: PlanContext, toFresh = false): PlannedTx {
  const holders = ctx.accounts.filter((a) => ctx.model.tokenBalance(a) > 0n)
  if (holders.length === 0) return mint(ctx, ctx.pickSender(), 1_000n * ETHER)
  const from = ctx.rng.pick(holders)
  const to = toFresh ? ctx.freshAddress() : ctx.pickSender(from)
  const amount = ctx.rng.bigint(1n, ctx.model.tokenBalance(from) / 10n + 1n)
  if (!ctx.model.transfer(from, to, amount)) throw new Error('plan: transfer unexpectedly fails in the model')
  return ctx.add({ label: toFresh ? 'token.transferFresh' : 'token.transfer', from, to: ctx.contracts.token, value: 0n, data: encodeTransfer(to, amount), gas: CALL_GAS, accessList: tokenList(ctx, from, to), expect: 'success' })
}

/** Intentional revert: more than the sender holds. */
export function tokenOverdraft(ctx: PlanContext): PlannedTx {
  const from = ctx.pickSender()
  const to = ctx.pickSender(from)
  const amount = ctx.model.tokenBalance(from) + 1n
  return ctx.add({ label: 'token.overdraft', from, to: ctx.contracts.token, value: 0n, data: encodeTransfer(to, amount), gas: CALL_GAS, expect: 'revert' })
}

function pairList(ctx: PlanContext): { address: string; storageKeys: string[] }[] {
  return [{ address: ctx.contracts.pair, storageKeys: [slotKey(0), slotKey(1)] }]
}

export function addLiquidity(ctx: PlanContext, a0: bigint, a1: bigint): PlannedTx {
  ctx.model.addLiquidity(a0, a1)
  return ctx.add({ label: 'pair.addLiquidity', from: ctx.pickSender(), to: ctx.contracts.pair, value: 0n, data: encodeAddLiquidity(a0, a1), gas: CALL_GAS, accessList: pairList(ctx), expect: 'success' })
}

/** Swap on the hot pair; a swap the model says would yield 0 becomes an intended revert. */
export function swap(ctx: PlanContext): PlannedTx {
  const zeroForOne = ctx.rng.chance(0.5)
  const amountIn = ctx.rng.bigint(10n ** 15n, 50n * ETHER)
  const out = ctx.model.swap(amountIn, zeroForOne)
  return ctx.add({ label: 'pair.swap', from: ctx.pickSender(), to: ctx.contracts.pair, value: 0n, data: encodeSwap(amountIn, zeroForOne), gas: CALL_GAS, accessList: pairList(ctx), expect: out > 0n ? 'success' : 'revert' })
}

/** Intentional revert: amountIn = 0. */
export function swapZero(ctx: PlanContext): PlannedTx {
  return ctx.add({ label: 'pair.swapZero', from: ctx.pickSender(), to: ctx.contracts.pair, value: 0n, data: encodeSwap(0n, true), gas: CALL_GAS, expect: 'revert' })
}

/** Plain transfer between dev accounts; exactly 21000 gas unless an access list is attached. */
export function ethTransfer(ctx: PlanContext): PlannedTx {
  const from = ctx.pickSender()
  const to = ctx.pickSender(from)
  const value = ctx.rng.bigint(GWEI, ETHER)
  return ctx.add({ label: 'eth.transfer', from, to, value, data: '0x', gas: 21_000n, accessList: [{ address: to, storageKeys: [] }], expect: 'success' })
}

/** Transfer to a never-seen address (creates a cold account). */
export function ethFresh(ctx: PlanContext): PlannedTx {
  const to = ctx.freshAddress()
  const value = ctx.rng.bigint(1n, ETHER / 100n)
  ctx.model.sendFresh(to, value)
  return ctx.add({ label: 'eth.fresh', from: ctx.pickSender(), to, value, data: '0x', gas: 21_000n, expect: 'success' })
}

function bankList(ctx: PlanContext, start: bigint, count: number): { address: string; storageKeys: string[] }[] {
  const keys = Array.from({ length: Math.min(count, 4) }, (_, i) => slotKey(start + BigInt(i)))
  return [{ address: ctx.contracts.bank, storageKeys: keys }]
}

/** Writes `count` fresh slots; the range must not overlap a filled one (see model.clearBank). */
export function bankFill(ctx: PlanContext, start: bigint, count: number): PlannedTx {
  const value = ctx.rng.bigint(1n, 2n ** 128n)
  ctx.model.fillBank(start, count, value)
  return ctx.add({ label: 'bank.fill', from: ctx.pickSender(), to: ctx.contracts.bank, value: 0n, data: encodeBankWrite(start, count, value), gas: bankWriteGas(count), accessList: bankList(ctx, start, count), expect: 'success' })
}

/** Zeroes a filled range (refunds). */
export function bankClear(ctx: PlanContext, range: BankRange): PlannedTx {
  ctx.model.clearBank(range)
  return ctx.add({ label: 'bank.clear', from: ctx.pickSender(), to: ctx.contracts.bank, value: 0n, data: encodeBankWrite(range.start, range.count, 0n), gas: bankClearGas(range.count), accessList: bankList(ctx, range.start, range.count), expect: 'success' })
}

/** Intentional failure: 40 fresh writes with gas for about two; nothing is stored. */
export function bankOutOfGas(ctx: PlanContext): PlannedTx {
  const start = BigInt(ctx.blockNumber) * COLD_BANK_BASE + 999_000n
  return ctx.add({ label: 'bank.outOfGas', from: ctx.pickSender(), to: ctx.contracts.bank, value: 0n, data: encodeBankWrite(start, 40, 1n), gas: 70_000n, kind: 'legacy', expect: 'revert' })
}

/** A cold bank range unique to (block, position in block); blocks are >= 1. */
export function coldBankStart(ctx: PlanContext): bigint {
  return BigInt(ctx.blockNumber) * COLD_BANK_BASE + BigInt(ctx.txsInBlock) * 1_000n
}

function factoryList(ctx: PlanContext, child: string): { address: string; storageKeys: string[] }[] {
  return [{ address: ctx.contracts.factory, storageKeys: [slotKey(0)] }, { address: child, storageKeys: [] }]
}

/** CREATE2 a child; reverts on purpose when the address still has code. */
export function factoryDeploy(ctx: PlanContext, salt: bigint, value: bigint): PlannedTx {
  const child = childAddress(ctx.contracts.factory, salt)
  const ok = ctx.model.deployChild(salt, child, value, ctx.blockNumber)
  return ctx.add({ label: 'factory.deploy', from: ctx.pickSender(), to: ctx.contracts.factory, value, data: encodeDeploy(salt), gas: FACTORY_GAS, accessList: factoryList(ctx, child), expect: ok ? 'success' : 'revert' })
}

/** CREATE2 a child and self-destruct it in the same transaction. */
export function factoryDeployAndKill(ctx: PlanContext, salt: bigint, value: bigint): PlannedTx {
  const child = childAddress(ctx.contracts.factory, salt)
  const ok = ctx.model.deployAndKillChild(salt, child, value)
  return ctx.add({ label: 'factory.deployAndKill', from: ctx.pickSender(), to: ctx.contracts.factory, value, data: encodeDeployAndKill(salt), gas: FACTORY_GAS, accessList: factoryList(ctx, child), expect: ok ? 'success' : 'revert' })
}

/** Call a child (created in an earlier transaction): SELFDESTRUCT to the caller. */
export function killChild(ctx: PlanContext, salt: bigint): PlannedTx {
  const c = ctx.model.children.get(salt)
  if (!c) throw new Error(`plan: no child with salt ${salt}`)
  ctx.model.killChild(salt)
  return ctx.add({ label: 'child.kill', from: ctx.pickSender(), to: c.address, value: 0n, data: '0x', gas: KILL_GAS, expect: 'success' })
}

export function killKillable(ctx: PlanContext): PlannedTx {
  ctx.model.killKillable()
  return ctx.add({ label: 'killable.kill', from: ctx.pickSender(), to: ctx.contracts.killable, value: 0n, data: '0x', gas: KILL_GAS, expect: 'success' })
}

/** Salts for children made by the random lifecycle op (the script uses 1 and 2). */
const LIFECYCLE_SALT_BASE = 100n

/** One step in a child's life: create a new one, kill a live one, or (re)deploy an old salt. */
export function childLifecycle(ctx: PlanContext): PlannedTx {
  // Only its own children: the script's salts keep the end state the script documents.
  const known = [...ctx.model.children.values()].filter((c) => c.salt >= LIFECYCLE_SALT_BASE)
  const withCode = known.filter((c) => c.hasCode)
  const step = ctx.rng.weighted({ create: 2, kill: withCode.length > 0 ? 2 : 0, redeploy: known.length > 0 ? 1 : 0 })
  if (step === 'kill') return killChild(ctx, ctx.rng.pick(withCode).salt)
  if (step === 'redeploy') return factoryDeploy(ctx, ctx.rng.pick(known).salt, ctx.rng.bigint(0n, GWEI))
  const salt = LIFECYCLE_SALT_BASE + BigInt(known.length)
  return factoryDeploy(ctx, salt, ctx.rng.bigint(0n, GWEI))
}

/**
 * One random operation, mostly on the hot token and pair, some cold (fresh addresses, new
 * bank slots), rarely an intentional failure.
 */
export function randomOp(ctx: PlanContext): PlannedTx {
  // Only ranges randomOp filled itself: the script clears its own ranges at fixed points.
  const coldRanges = ctx.model.bankRanges.filter((r) => r.start >= COLD_BANK_BASE)
  const op = ctx.rng.weighted({
    transfer: 30,
    swap: 20,
    eth: 15,
    ethFresh: 10,
    tokenFresh: 5,
    fill: 6,
    clear: coldRanges.length > 0 ? 6 : 0,
    overdraft: 1,
    swapZero: 1,
    outOfGas: 1,
  })
  switch (op) {
    case 'transfer':
      return tokenTransfer(ctx)
    case 'swap':
      return swap(ctx)
    case 'eth':
      return ethTransfer(ctx)
    case 'ethFresh':
      return ethFresh(ctx)
    case 'tokenFresh':
      return tokenTransfer(ctx, true)
    case 'fill':
      return bankFill(ctx, coldBankStart(ctx), ctx.rng.range(3, 20))
    case 'clear':
      return bankClear(ctx, ctx.rng.pick(coldRanges))
    case 'overdraft':
      return tokenOverdraft(ctx)
    case 'swapZero':
      return swapZero(ctx)
    case 'outOfGas':
      return bankOutOfGas(ctx)
  }
}
