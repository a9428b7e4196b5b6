/**
 * Block validity before execution, as a client checks an imported block against its parent:
 * canonical encoding, header rules of its fork (number, timestamp, gas limit bounds, difficulty,
 * base fee, excess blob gas), block data (transactions, their trie, uncle hash, withdrawals root,
 * blob gas), and ommers (depth, ancestry, not included twice). @ethereumjs/block's own checks are
 * used where they exist; this adds the parts @ethereumjs leaves to its blockchain package.
 */
import type { Block, BlockHeader } from '@ethereumjs/block'
import { ConsensusType, Hardfork } from '@ethereumjs/common'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'

/** The block is invalid; the message says which rule it broke. */
export class InvalidBlockError extends Error {
  override name = 'InvalidBlockError'
}

const MAX_GAS_LIMIT = 2n ** 63n - 1n
/** Ommers may be at most this many generations older than the including block (uncle parent depth 7). */
const MAX_UNCLE_DEPTH = 7n

function fail(msg: string): never {
  throw new InvalidBlockError(msg)
}

/** @ethereumjs messages end with a long context suffix ("(vm hf=…", "(tx type=…", "- block number=…"): drop it. */
export function shortMessage(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err)
  return msg.replace(/\s*(\((block|block header) number=|\(vm hf=|\(tx type=|- block number=).*$/s, '').split('\n')[0]!
}

/** Runs an @ethereumjs check and turns its throw into an InvalidBlockError. */
function check(what: string, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (err instanceof InvalidBlockError) throw err
    fail(`${what}: ${shortMessage(err)}`)
  }
}

/** Header rules that need the parent header (ommer headers are checked with these too). */
export function validateHeader(header: BlockHeader, parent: BlockHeader): void {
  const common = header.common
  if (header.number !== parent.number + 1n) fail(`block number ${header.number} is not parent number ${parent.number} + 1`)
  if (header.timestamp <= parent.timestamp) fail(`timestamp ${header.timestamp} is not after the parent's ${parent.timestamp}`)
  if (header.gasLimit > MAX_GAS_LIMIT) fail(`gas limit ${header.gasLimit} exceeds 2^63-1`)
  if (common.consensusType() === ConsensusType.ProofOfWork) {
    const want = header.ethashCanonicalDifficulty(parent)
    if (header.difficulty !== want) fail(`difficulty ${header.difficulty}, expected ${want}`)
  }
  check('gas limit', () => header.validateGasLimit(parent))
  if (common.isActivatedEIP(1559)) {
    const londonBlock = common.hardforkBlock(Hardfork.London)
    const want = header.number === londonBlock ? common.param('initialBaseFee') : parent.calcNextBaseFee()
    if (header.baseFeePerGas !== want) fail(`base fee ${header.baseFeePerGas}, expected ${want}`)
  }
  if (common.isActivatedEIP(4844)) {
    const want = parent.calcNextExcessBlobGas(common)
    if (header.excessBlobGas !== want) fail(`excess blob gas ${header.excessBlobGas}, expected ${want}`)
  }
}

/** Parent-independent block data plus the blob rules (which need the parent's excess blob gas). */
export async function validateBlockData(block: Block, parent: BlockHeader): Promise<void> {
  const common = block.common
  try {
    await block.validateData(false, true, common.isActivatedEIP(7934))
  } catch (err) {
    fail(shortMessage(err))
  }
  check('blobs', () => block.validateBlobTransactions(parent))
}

/** What ommer checks need to know about an ancestor. */
export interface AncestorView {
  hash: string
  header: BlockHeader
  uncleHashes: string[]
  parent?: AncestorView
}

/**
 * Ommer rules (pre-merge): at most two, distinct, each a valid header on a parent that is one of
 * the block's last seven ancestors (but not its parent: a sibling is no ommer), neither an
 * ancestor itself nor included by one of them before.
 */
export function validateUncles(block: Block, parent: AncestorView): void {
  const uncles = block.uncleHeaders
  if (uncles.length === 0) return
  if (uncles.length > 2) fail(`${uncles.length} ommers (at most 2)`)
  const ancestors = new Map<string, AncestorView>()
  const included = new Set<string>()
  for (let a: AncestorView | undefined = parent, i = 0n; a && i < MAX_UNCLE_DEPTH; a = a.parent, i++) {
    ancestors.set(a.hash, a)
    for (const u of a.uncleHashes) included.add(u)
  }
  const seen = new Set<string>()
  for (const u of uncles) {
    const hash = bytesToHex(u.hash())
    if (seen.has(hash)) fail(`ommer ${hash} included twice`)
    seen.add(hash)
    if (ancestors.has(hash)) fail(`ommer ${hash} is an ancestor of the block`)
    if (included.has(hash)) fail(`ommer ${hash} was already included by an ancestor`)
    const up = ancestors.get(bytesToHex(u.parentHash))
    if (!up) fail(`ommer ${hash}: its parent is not among the block's last ${MAX_UNCLE_DEPTH} ancestors`)
    const depth = block.header.number - up.header.number
    if (depth <= 1n) fail(`ommer ${hash} is a sibling of the block (same parent)`)
    check(`ommer ${hash}`, () => validateHeader(u, up.header))
  }
}

/** The block re-encodes to exactly the bytes it was decoded from (no leading zeros, no extra fields). */
export function validateEncoding(block: Block, bytes: Uint8Array): void {
  if (!equalsBytes(block.serialize(), bytes)) fail('block RLP is not canonical (it does not re-encode to the same bytes)')
}
