/** Shapes shared by the workload planner, the miner and its callers. */

export type TxKind = 'legacy' | 'eip2930' | 'eip1559'

/** Receipt status a transaction is meant to end with. */
export type Outcome = 'success' | 'revert'

export interface AccessListEntry {
  address: string
  storageKeys: string[]
}

/** What a transaction is for; tests and reports group by it. */
export type TxLabel =
  | 'deploy.token'
  | 'deploy.pair'
  | 'deploy.factory'
  | 'deploy.bank'
  | 'deploy.killable'
  | 'create.selfdestruct' // created and destroyed in one transaction
  | 'create.revert' // constructor reverts
  | 'token.mint'
  | 'token.transfer'
  | 'token.transferFresh' // to a never-seen holder
  | 'token.overdraft' // reverts: amount > balance
  | 'pair.addLiquidity'
  | 'pair.swap'
  | 'pair.swapZero' // reverts: amountIn = 0
  | 'factory.deploy' // may revert on purpose (address occupied)
  | 'factory.deployAndKill'
  | 'child.kill'
  | 'killable.kill'
  | 'bank.fill'
  | 'bank.clear'
  | 'bank.outOfGas' // fails: gas limit too small for the writes
  | 'eth.transfer'
  | 'eth.fresh' // to a never-seen address

export interface PlannedTx {
  label: TxLabel
  from: string
  nonce: number
  /** null = contract creation. */
  to: string | null
  value: bigint
  data: string
  /** Explicit gas limit: the node never has to estimate (estimation fails on reverting calls). */
  gas: bigint
  kind: TxKind
  /** Present for eip2930 (possibly empty) and some eip1559 transactions. */
  accessList?: AccessListEntry[]
  /** Priority fee (wei); fee caps are derived from the base fee when sending. */
  tip: bigint
  expect: Outcome
  /** Contract address a creation makes (also for creations meant to fail or self-destruct). */
  creates?: string
}

export interface PlannedBlock {
  /** Short description of the block's purpose. */
  note: string
  txs: PlannedTx[]
}

export interface SentTx extends PlannedTx {
  hash: string
  blockNumber: number
  index: number
  status: Outcome
  gasUsed: bigint
}

export interface MinedBlock {
  number: number
  hash: string
  timestamp: number
  note: string
  txs: SentTx[]
}

/** Addresses of the workload's contracts. */
export interface WorkloadContracts {
  token: string
  pair: string
  factory: string
  bank: string
  killable: string
  /** Where the create-and-self-destruct transaction's contract lived (empty afterwards). */
  suicideOnCreate: string
}
