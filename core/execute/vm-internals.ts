/**
 * Block-level helpers of @ethereumjs/vm that its package index does not export (the
 * `exports` map hides them). Loaded by file path from the installed, pinned 10.x package.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Common } from '@ethereumjs/common'
import type { Account, Address } from '@ethereumjs/util'
import type { RunTxResult, VM } from '@ethereumjs/vm'

interface RunBlockInternals {
  accumulateParentBeaconBlockRoot(vm: VM, root: Uint8Array, timestamp: bigint): Promise<void>
  accumulateParentBlockHash(vm: VM, number: bigint, parentHash: Uint8Array): Promise<void>
  calculateMinerReward(minerReward: bigint, ommers: number): bigint
  rewardAccount(evm: VM['evm'], address: Address, reward: bigint, common: Common): Promise<Account>
}

interface RequestsInternals {
  accumulateRequests(vm: VM, txResults: RunTxResult[], gasLimit: bigint, generate?: boolean): Promise<unknown[]>
}

const esmDir = join(dirname(createRequire(import.meta.url).resolve('@ethereumjs/vm')), '..', 'esm')
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(esmDir, file)).href)) as T

export const runBlockInternals: RunBlockInternals = await load<RunBlockInternals>('runBlock.js')
export const requestsInternals: RequestsInternals = await load<RequestsInternals>('requests.js')
