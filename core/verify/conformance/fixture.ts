/**
 * Reading BlockchainTests fixtures: `.json` or `.json.gz` files (or folders of them), each a map
 * from test name to `{network, genesisRLP, pre, blocks, postState | postStateHash, lastblockhash}`.
 * Only the shape the runner needs is checked here; everything consensus-related is the runner's.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** Bad input (missing path, malformed JSON, not a BlockchainTests document): exit 2. */
export class ConformanceInputError extends Error {
  override name = 'ConformanceInputError'
}

export interface FixtureAccount {
  balance?: string
  nonce?: string
  code?: string
  storage?: Record<string, string>
}

export interface FixtureBlock {
  rlp: string
  expectException?: string
  blockHeader?: { hash?: string; number?: string } & Record<string, unknown>
  /** ethereum/tests: the chain a block belongs to (side chains, reorgs). */
  chainname?: string
  blocknumber?: string
}

export interface BlockchainTest {
  network: string
  genesisRLP: string
  genesisBlockHeader: { hash: string; stateRoot: string } & Record<string, unknown>
  pre: Record<string, FixtureAccount>
  blocks: FixtureBlock[]
  postState?: Record<string, FixtureAccount>
  postStateHash?: string
  lastblockhash: string
  sealEngine?: string
  /** execution-spec-tests: chain id and blob schedule. */
  config?: { chainid?: string; blobSchedule?: Record<string, BlobScheduleEntry> }
}

export interface BlobScheduleEntry {
  target: string
  max: string
  baseFeeUpdateFraction: string
}

/** A fixture file to run. */
export interface FixtureFile {
  path: string
  /** Path shown in reports: relative to the argument it was found under. */
  display: string
}

/** A file listed in a MISSING_FILES.txt next to the fixtures: reported as a skip with the reason. */
export interface MissingFile {
  path: string
  display: string
  reason: string
}

const FIXTURE_RE = /\.json(\.gz)?$/

export function isFixtureName(name: string): boolean {
  return FIXTURE_RE.test(name)
}

/** Every fixture file under the given paths (files taken as given), and the listed-missing ones. */
export function collectFixtureFiles(paths: string[]): { files: FixtureFile[]; missing: MissingFile[] } {
  if (paths.length === 0) throw new ConformanceInputError('conformance: no path given')
  const files: FixtureFile[] = []
  const missing: MissingFile[] = []
  const seen = new Set<string>()
  for (const arg of paths) {
    const abs = resolve(arg)
    if (!existsSync(abs)) throw new ConformanceInputError(`conformance: no such file or folder: ${arg}`)
    const st = statSync(abs)
    if (st.isFile()) {
      if (!seen.has(abs)) files.push({ path: abs, display: arg })
      seen.add(abs)
      continue
    }
    for (const path of walk(abs)) {
      if (seen.has(path)) continue
      seen.add(path)
      files.push({ path, display: join(basename(abs), relative(abs, path)) })
    }
    for (const m of missingUnder(abs)) {
      if (!seen.has(m.path)) missing.push(m)
      seen.add(m.path)
    }
  }
  return { files, missing }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(p)
    else if (entry.isFile() && isFixtureName(entry.name)) yield p
  }
}

/**
 * The shared mirrors list the files they could not hold (≥ 4 MiB, git-lfs pointers) in a
 * MISSING_FILES.txt at the suite root, with paths relative to it. Those under `dir` are skips.
 */
function missingUnder(dir: string): MissingFile[] {
  const out: MissingFile[] = []
  for (let d = dir, i = 0; i < 6; i++, d = dirname(d)) {
    const list = join(d, 'MISSING_FILES.txt')
    if (existsSync(list)) {
      for (const line of readFileSync(list, 'utf8').split('\n')) {
        const m = /^(\S+)\s*(?:\((.*)\))?\s*$/.exec(line.trim())
        if (!m) continue
        const full = join(d, m[1]!)
        if (!full.startsWith(dir + '/') && full !== dir) continue
        if (existsSync(full) || existsSync(full + '.gz')) continue
        out.push({
          path: full,
          display: join(basename(dir), relative(dir, full)),
          reason: `file absent from this mirror (${m[2] ?? 'listed'}; see ${basename(d)}/MISSING_FILES.txt)`,
        })
      }
      break
    }
    if (dirname(d) === d) break
  }
  return out
}

/** Parse one fixture file (plain or gzipped JSON) and check the shape of every test in it. */
export function readFixtureFile(path: string): Record<string, BlockchainTest> {
  let text: string
  try {
    const raw = readFileSync(path)
    text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
  } catch (err) {
    throw new ConformanceInputError(`conformance: cannot read ${path}: ${(err as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConformanceInputError(`conformance: malformed JSON in ${path}: ${(err as Error).message}`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConformanceInputError(`conformance: ${path} is not a BlockchainTests document (expected an object of tests)`)
  }
  for (const [name, t] of Object.entries(json as Record<string, unknown>)) checkShape(path, name, t)
  return json as Record<string, BlockchainTest>
}

function checkShape(path: string, name: string, t: unknown): void {
  const bad = (what: string): never => {
    throw new ConformanceInputError(`conformance: ${path}: test "${name}" ${what}`)
  }
  if (t === null || typeof t !== 'object') bad('is not an object')
  const o = t as Record<string, unknown>
  if (typeof o.network !== 'string') bad('has no "network"')
  if (typeof o.genesisRLP !== 'string') bad('has no "genesisRLP"')
  if (!o.pre || typeof o.pre !== 'object') bad('has no "pre" state')
  if (!Array.isArray(o.blocks)) bad('has no "blocks" list')
  if (typeof o.lastblockhash !== 'string') bad('has no "lastblockhash"')
  if (o.postState === undefined && typeof o.postStateHash !== 'string') bad('has neither "postState" nor "postStateHash"')
  for (const b of o.blocks as unknown[]) {
    if (!b || typeof (b as FixtureBlock).rlp !== 'string') bad('has a block without "rlp"')
  }
}
