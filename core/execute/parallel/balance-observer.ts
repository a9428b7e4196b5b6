/**
 * Which account balances a transaction looks at (see mv-view.ts, "credits instead of
 * conflicts"). Accounts the state layer hands to the EVM for addresses the view tracks report
 * every `.balance` access; credits (`_addToBalance`) and the layer storing an account do not
 * count, and an emptiness check answers without the balance when it can.
 */
import { Account, KECCAK256_NULL, equalsBytes } from '@ethereumjs/util'
import type { Address } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import type { StateLayer } from '../state-layer.js'
import type { SpeculativeView } from './mv-view.js'

interface AccountFields {
  _nonce: bigint
  _balance: bigint
  _storageRoot: Uint8Array
  _codeHash: Uint8Array
}

const balanceAccessor = Object.getOwnPropertyDescriptor(Account.prototype, 'balance')!

export class ObservedAccount extends Account {
  view!: SpeculativeView
  address!: string

  override get balance(): bigint {
    this.view.observe(this.address)
    return balanceAccessor.get!.call(this) as bigint
  }

  override set balance(value: bigint) {
    this.view.observe(this.address)
    balanceAccessor.set!.call(this, value)
  }

  /** EIP-161 emptiness: nonce or code decide without the balance; so does a balance above the one read. */
  override isEmpty(): boolean {
    const f = this as unknown as AccountFields
    if (f._nonce !== 0n || !equalsBytes(f._codeHash, KECCAK256_NULL)) return false
    if (this.view.creditedAbove(this.address, f._balance)) return false
    this.view.observeEmptiness(this.address)
    return f._balance === 0n
  }
}

function observed(a: Account, view: SpeculativeView, address: string): ObservedAccount {
  const f = a as unknown as AccountFields
  const o = new ObservedAccount(f._nonce, f._balance, f._storageRoot, f._codeHash)
  o.view = view
  o.address = address
  return o
}

interface EvmCredit {
  _addToBalance(toAccount: Account, message: unknown): Promise<void>
}

/**
 * Instance hooks on one VM and its layer. `current()` is the running incarnation's view (null
 * between transactions: then everything behaves as without hooks).
 */
export function installBalanceHooks(vm: VM, layer: StateLayer, current: () => SpeculativeView | null): void {
  const getAccount = layer.getAccount.bind(layer)
  layer.getAccount = async (address: Address): Promise<Account | undefined> => {
    const a = await getAccount(address)
    const view = current()
    if (a === undefined || view === null) return a
    const key = address.toString()
    return view.tracks(key) ? observed(a, view, key) : a
  }
  // The layer reads `.balance` to store an account: not the transaction looking at it.
  // (Its body is synchronous up to its return, so the depth covers exactly that.)
  const putAccount = layer.putAccount.bind(layer)
  layer.putAccount = (address: Address, account?: Account): Promise<void> => {
    const view = current()
    if (view) view.storeDepth++
    try {
      return putAccount(address, account)
    } finally {
      if (view) view.storeDepth--
    }
  }
  const evm = vm.evm as unknown as EvmCredit
  const addToBalance = evm._addToBalance.bind(vm.evm)
  evm._addToBalance = (toAccount: Account, message: unknown): Promise<void> => {
    const view = current()
    if (view) view.creditDepth++
    try {
      return addToBalance(toAccount, message)
    } finally {
      if (view) view.creditDepth--
    }
  }
}
