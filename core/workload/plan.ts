/**
 * The block plan: a fixed opening script that covers every feature once, then filler blocks
 * of varied size. Pure: the same input (accounts, nonces, first block, seed, fork) gives the
 * same transactions and the same predicted final state.
 */
import { PlanContext, PlanError, type PlanInput } from './context.js'
import type { WorkloadModel } from './model.js'
import {
  addLiquidity,
  bankClear,
  bankFill,
  bankOutOfGas,
  childLifecycle,
  deployContracts,
  ethFresh,
  factoryDeploy,
  factoryDeployAndKill,
  killChild,
  killKillable,
  mint,
  randomOp,
  swap,
  swapZero,
  tokenOverdraft,
  tokenTransfer,
} from './ops.js'
import type { PlannedBlock, WorkloadContracts } from './types.js'

/** Blocks in the opening script; a workload needs at least this many. */
export const SCRIPT_BLOCKS = 6

/** Salts of the scripted CREATE2 children. */
export const SALT_REDEPLOY = 1n // deploy → kill (later block) → redeploy
export const SALT_SAME_TX = 2n // deploy+kill in one tx → deploy → kill and redeploy in one block

/** Sizes of the filler blocks after the script, cycled: empty, single, small, large. */
export const FILLER_SIZES: readonly number[] = [10, 1, 50, 0, 25, 3, 60, 15, 0, 40]

const ETHER = 10n ** 18n

export interface WorkloadPlan {
  blocks: PlannedBlock[]
  contracts: WorkloadContracts
  /** Predicted state after all planned blocks are mined. */
  model: WorkloadModel
}

function fillTo(ctx: PlanContext, size: number): void {
  while (ctx.txsInBlock < size && ctx.fits(3_000_000n)) randomOp(ctx)
}

/** Opening script: six blocks, each with one purpose (see the notes). */
function planScript(ctx: PlanContext): void {
  ctx.beginBlock('deploy contracts, create-and-selfdestruct, reverting constructor')
  deployContracts(ctx)
  ctx.endBlock()

  ctx.beginBlock('large: mint to every account, liquidity, CREATE2 children, 120 storage writes, mixed traffic')
  for (const a of ctx.accounts) mint(ctx, a, 1_000_000n * ETHER)
  addLiquidity(ctx, 1_000_000n * ETHER, 2_000_000n * ETHER)
  factoryDeploy(ctx, SALT_REDEPLOY, 1_000n)
  factoryDeployAndKill(ctx, SALT_SAME_TX, 777n)
  bankFill(ctx, 0n, 60)
  bankFill(ctx, 60n, 60)
  fillTo(ctx, Math.max(56, ctx.txsInBlock + 20))
  ctx.endBlock()

  ctx.beginBlock('empty')
  ctx.endBlock()

  ctx.beginBlock('single tx: child self-destructs (deleted before cancun, code kept under EIP-6780)')
  killChild(ctx, SALT_REDEPLOY)
  ctx.endBlock()

  ctx.beginBlock('~10: redeploy killed child, redeploy same-tx-killed salt, kill Killable, intended reverts, clear 60 slots')
  factoryDeploy(ctx, SALT_REDEPLOY, 2_000n) // reverts under cancun+: the child still has code
  factoryDeploy(ctx, SALT_SAME_TX, 3_000n) // succeeds everywhere: the same-tx kill really deleted it
  killKillable(ctx)
  tokenOverdraft(ctx)
  swapZero(ctx)
  bankClear(ctx, ctx.model.bankRanges[0]!)
  swap(ctx)
  tokenTransfer(ctx)
  fillTo(ctx, 10)
  ctx.endBlock()

  ctx.beginBlock('~25: kill and redeploy in one block, out-of-gas write, clear 60 slots, cold recipients')
  killChild(ctx, SALT_SAME_TX)
  factoryDeploy(ctx, SALT_SAME_TX, 4_000n) // same block as the kill; reverts under cancun+
  bankOutOfGas(ctx)
  bankClear(ctx, ctx.model.bankRanges[0]!)
  for (let i = 0; i < 3; i++) tokenTransfer(ctx, true)
  for (let i = 0; i < 3; i++) ethFresh(ctx)
  fillTo(ctx, 25)
  ctx.endBlock()
}

/** Filler block `i` (0-based after the script). */
function planFiller(ctx: PlanContext, i: number): void {
  const size = FILLER_SIZES[i % FILLER_SIZES.length]!
  ctx.beginBlock(size === 0 ? 'empty' : `mixed, ${size} txs`)
  // A child lifecycle step every few non-empty blocks keeps CREATE2/SELFDESTRUCT in long runs.
  if (size > 0 && i % 3 === 0) childLifecycle(ctx)
  fillTo(ctx, size)
  ctx.endBlock()
}

export function planWorkload(input: PlanInput & { blocks: number }): WorkloadPlan {
  if (!Number.isInteger(input.blocks) || input.blocks < SCRIPT_BLOCKS) {
    throw new PlanError(`workload needs at least ${SCRIPT_BLOCKS} blocks (got ${input.blocks})`)
  }
  const ctx = new PlanContext(input)
  planScript(ctx)
  for (let i = 0; ctx.blocks.length < input.blocks; i++) planFiller(ctx, i)
  return { blocks: ctx.blocks, contracts: ctx.contracts, model: ctx.model }
}
