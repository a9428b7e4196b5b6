/**
 * Runs one BlockchainTest: genesis from `pre` (its full state root must match the genesis
 * header), then every block imported as a client would — decoded with its fork's rules,
 * validated against its parent, executed on the parent's full state, its stateRoot,
 * receiptsRoot, logsBloom, gasUsed and requestsHash compared with its header — onto a block tree
 * whose head follows total difficulty before the merge and the latest block after it. Blocks
 * marked `expectException` must be rejected; the chain continues from the valid ones. At the end
 * the head must be `lastblockhash` and its state `postState` (or `postStateHash`).
 */
import type { Block, BlockHeader } from '@ethereumjs/block'
import { createBlockFromBytesArray } from '@ethereumjs/block'
import { ConsensusType, Hardfork } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt, bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { encodeReceipt } from '@ethereumjs/vm'
import type { TxReceipt } from '@ethereumjs/vm'
import type { BlockExecution, BlockInput, ExecuteOptions } from '../../execute/block-executor.js'
import { orderedTrieRoot } from '../trie-root.js'
import type { BlockchainTest } from './fixture.js'
import { FullState } from './full-state.js'
import { UnsupportedNetworkError, testChain, type TestChain } from './networks.js'
import {
  InvalidBlockError, shortMessage, validateBlockData, validateEncoding, validateHeader, validateUncles, type AncestorView,
} from './validate.js'

export type TestResult = 'pass' | 'fail' | 'skip'

export interface TestOutcome {
  name: string
  network: string
  result: TestResult
  /** Why it failed or was skipped; empty on a pass. */
  reason: string
  blocks: number
  seconds: number
}

/** What runs a block: the sequential `BlockExecutor`, or the parallel executor with the same contract. */
export interface Executor {
  execute(input: BlockInput, opts?: ExecuteOptions): Promise<BlockExecution>
}

/** A block the tree accepted, with the full state after it. */
interface ChainNode extends AncestorView {
  header: BlockHeader
  parent?: ChainNode
  totalDifficulty: bigint
  state: FullState
}

class TestFailure extends Error {
  override name = 'TestFailure'
}

class BlockTree {
  private nodes = new Map<string, ChainNode>()
  head: ChainNode

  constructor(genesis: ChainNode) {
    this.nodes.set(genesis.hash, genesis)
    this.head = genesis
  }

  get(hash: string): ChainNode | undefined {
    return this.nodes.get(hash)
  }

  add(node: ChainNode): void {
    this.nodes.set(node.hash, node)
    // Proof of stake: each imported block becomes the head (the tests' forkchoice follows
    // every payload). Proof of work: the heaviest chain, the first seen on a tie.
    const pos = node.header.common.consensusType() === ConsensusType.ProofOfStake
    if (pos || node.totalDifficulty > this.head.totalDifficulty) this.head = node
  }
}

/** Hash of the ancestor at height `n` on `from`'s branch (BLOCKHASH looks back ≤ 256 blocks). */
function ancestorHash(from: ChainNode, n: bigint): Uint8Array | undefined {
  let node: ChainNode | undefined = from
  while (node && node.header.number > n) node = node.parent
  return node && node.header.number === n ? hexToBytes(node.hash as `0x${string}`) : undefined
}

/** Decode with the rules of the block's own fork, found from its raw number and timestamp. */
function decodeBlock(bytes: Uint8Array, chain: TestChain): Block {
  const values = RLP.decode(bytes) as unknown
  if (!Array.isArray(values) || !Array.isArray(values[0]) || values[0].length < 15) {
    throw new InvalidBlockError('block RLP is not a list with a header list')
  }
  const header = values[0] as Uint8Array[]
  if (!(header[8] instanceof Uint8Array) || !(header[11] instanceof Uint8Array)) {
    throw new InvalidBlockError('header number or timestamp is not a byte string')
  }
  const common = chain.commonFor(bytesToBigInt(header[8]), bytesToBigInt(header[11]))
  return createBlockFromBytesArray(values as never, { common })
}

function blockBloom(receipts: TxReceipt[]): Uint8Array {
  const out = new Uint8Array(256)
  for (const r of receipts) for (let i = 0; i < 256; i++) out[i]! |= r.bitvector[i]!
  return out
}

function compare(field: string, expected: Uint8Array | bigint | undefined, actual: Uint8Array | bigint | undefined): void {
  const e = expected instanceof Uint8Array ? bytesToHex(expected) : String(expected)
  const a = actual instanceof Uint8Array ? bytesToHex(actual) : String(actual)
  if (e !== a) throw new InvalidBlockError(`${field} mismatch: header ${e}, computed ${a}`)
}

/** Validate, execute and check one block on the tree; throws InvalidBlockError (or any error) to reject it. */
async function importBlock(rlpHex: string, tree: BlockTree, chain: TestChain, executor: Executor): Promise<ChainNode> {
  let bytes: Uint8Array
  let block: Block
  try {
    bytes = hexToBytes(rlpHex as `0x${string}`)
    block = decodeBlock(bytes, chain)
  } catch (err) {
    if (err instanceof InvalidBlockError) throw err
    throw new InvalidBlockError(`cannot decode: ${shortMessage(err)}`)
  }
  validateEncoding(block, bytes)
  const hash = bytesToHex(block.hash())
  const known = tree.get(hash)
  if (known) return known
  const parent = tree.get(bytesToHex(block.header.parentHash))
  if (!parent) throw new InvalidBlockError(`unknown parent ${bytesToHex(block.header.parentHash)}`)
  const header = block.header
  const common = block.common
  validateHeader(header, parent.header)
  await validateBlockData(block, parent.header)
  if (common.consensusType() === ConsensusType.ProofOfWork) validateUncles(block, parent)

  const preByzantium = !common.gteHardfork(Hardfork.Byzantium)
  const result = await executor.execute({
    block,
    preState: parent.state,
    blockHash: (n) => ancestorHash(parent, n),
    ommerCount: block.uncleHeaders.length,
    ommers: block.uncleHeaders.map((u) => ({ number: u.number, coinbase: u.coinbase.toString() })),
    rewards: true,
    daoFork: chain.daoBlock === header.number,
  }, preByzantium ? { intermediateRoot: (changes) => parent.state.apply(changes).stateRoot() } : {})

  // A transaction may use at most the gas the block has left (checked here, after the fact:
  // each one's gas use is known only once it ran).
  let used = 0n
  for (const [i, tx] of block.transactions.entries()) {
    if (used + tx.gasLimit > header.gasLimit) {
      throw new InvalidBlockError(`tx ${i}: gas limit ${tx.gasLimit} exceeds the block's remaining gas ${header.gasLimit - used}`)
    }
    used += result.txs[i]!.blockGasSpent
  }
  compare('gasUsed', header.gasUsed, result.gasUsed)
  const receipts = result.receipts.map((r, i) => encodeReceipt(r, block.transactions[i]!.type))
  compare('receiptsRoot', header.receiptTrie, orderedTrieRoot(receipts))
  compare('logsBloom', header.logsBloom, blockBloom(result.receipts))
  if (common.isActivatedEIP(7685)) compare('requestsHash', header.requestsHash, result.requestsHash)
  const state = parent.state.apply(result.changes)
  compare('stateRoot', header.stateRoot, state.stateRoot())

  return {
    hash,
    header,
    parent,
    uncleHashes: block.uncleHeaders.map((u) => bytesToHex(u.hash())),
    totalDifficulty: parent.totalDifficulty + header.difficulty,
    state,
  }
}

function genesisNode(test: BlockchainTest, chain: TestChain): ChainNode {
  let block: Block
  try {
    block = decodeBlock(hexToBytes(test.genesisRLP as `0x${string}`), chain)
  } catch (err) {
    throw new TestFailure(`genesis: cannot decode: ${shortMessage(err)}`)
  }
  const state = FullState.fromJson(test.pre)
  const hash = bytesToHex(block.hash())
  const want = test.genesisBlockHeader?.hash
  if (typeof want === 'string' && want.toLowerCase() !== hash) throw new TestFailure(`genesis hash ${hash}, expected ${want}`)
  const root = bytesToHex(state.stateRoot())
  const wantRoot = bytesToHex(block.header.stateRoot)
  if (root !== wantRoot) throw new TestFailure(`genesis stateRoot from "pre" is ${root}, header says ${wantRoot}`)
  return { hash, header: block.header, uncleHashes: [], totalDifficulty: block.header.difficulty, state }
}

function checkPostState(test: BlockchainTest, head: ChainNode): void {
  if (head.hash !== test.lastblockhash.toLowerCase()) {
    throw new TestFailure(`head is ${head.hash} (block ${head.header.number}), expected lastblockhash ${test.lastblockhash}`)
  }
  const root = bytesToHex(head.state.stateRoot())
  if (test.postState) {
    const expected = FullState.fromJson(test.postState)
    if (root !== bytesToHex(expected.stateRoot())) {
      throw new TestFailure(`post-state differs: ${head.state.diff(expected).join('; ')}`)
    }
  } else if (test.postStateHash && root !== test.postStateHash.toLowerCase()) {
    throw new TestFailure(`post-state root ${root}, expected postStateHash ${test.postStateHash}`)
  }
}

/** Runs one test to a verdict; never throws (every error becomes a failure with its reason). */
export async function runBlockchainTest(name: string, test: BlockchainTest, executor: Executor): Promise<TestOutcome> {
  const start = performance.now()
  const outcome = (result: TestResult, reason: string): TestOutcome => ({
    name, network: test.network, result, reason, blocks: test.blocks.length, seconds: (performance.now() - start) / 1000,
  })
  try {
    // Proof-of-work seals are not verified (no ethash here): such a test is not one we can pass.
    if (test.sealEngine !== undefined && test.sealEngine !== 'NoProof') {
      throw new TestFailure(`sealEngine ${test.sealEngine} is not supported (proof-of-work seals are not verified)`)
    }
    const chain = testChain(test.network, test.config)
    const tree = new BlockTree(genesisNode(test, chain))
    for (const [i, fb] of test.blocks.entries()) {
      const label = `block ${i + 1}${fb.blockHeader?.number ? ` (number ${BigInt(fb.blockHeader.number as string)})` : ''}`
      let node: ChainNode | undefined
      let reason = ''
      try {
        node = await importBlock(fb.rlp, tree, chain, executor)
      } catch (err) {
        reason = err instanceof InvalidBlockError ? err.message : `${(err as Error)?.name ?? 'Error'}: ${shortMessage(err)}`
      }
      if (fb.expectException) {
        if (node) throw new TestFailure(`${label} was accepted, expected it rejected (${fb.expectException})`)
        continue
      }
      if (!node) throw new TestFailure(`${label} rejected: ${reason}`)
      const want = fb.blockHeader?.hash
      if (typeof want === 'string' && want.toLowerCase() !== node.hash) {
        throw new TestFailure(`${label}: hash ${node.hash}, expected ${want}`)
      }
      tree.add(node)
    }
    checkPostState(test, tree.head)
    return outcome('pass', '')
  } catch (err) {
    if (err instanceof TestFailure || err instanceof UnsupportedNetworkError) return outcome('fail', err.message)
    return outcome('fail', `${(err as Error)?.name ?? 'Error'}: ${shortMessage(err)}`)
  }
}
