/**
 * The bundle container (format version 1; see FORMAT.md beside this file).
 *
 *   file    = MAGIC record* ; MAGIC = "parevm-bundle\n" (14 bytes)
 *   record  = u32be nameLength, name (UTF-8), u32be dataLength, data
 *
 * Not compressed as a whole: the stored blobs inside are gzip'd already, and a flat container
 * lets a flipped byte be pinned on the entry it hit. Streamed both ways (bounded memory): the
 * writer hashes entries as it goes and, every SEGMENT entries, writes a manifest segment
 * listing them; `manifest.json` then lists the segments, and the final `end` record holds the
 * sha256 of `manifest.json`, so a truncated file (no end record) is always detected.
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'

export const BUNDLE_FORMAT = 'parevm-bundle'
export const BUNDLE_VERSION = 1
export const MAGIC = Buffer.from('parevm-bundle\n', 'ascii')
/** Entries per manifest segment: the most hashes either side keeps in memory at once. */
export const SEGMENT = 1000
export const MANIFEST = 'manifest.json'
export const END = 'end'
const MAX_NAME = 4096

/** A bad bundle (tampered, truncated, of another format): exit 2, naming the entry. */
export class BundleError extends Error {
  override name = 'BundleError'
}

export interface ManifestEntry {
  name: string
  size: number
  sha256: string
}

export interface SegmentRef {
  name: string
  sha256: string
  entries: number
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT
  version: number
  /** Data entries (segments, manifest and end record excluded). */
  entries: number
  segments: SegmentRef[]
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

export const isSegmentName = (name: string): boolean => /^manifest\/\d+\.json$/.test(name)

/** Writes records to `<path>.tmp-<pid>` and renames on finish: a failed export leaves no bundle. */
export class BundleWriter {
  private readonly tmp: string
  private readonly fd: number
  private chunks: Buffer[] = []
  private buffered = 0
  private pending: ManifestEntry[] = []
  private readonly segments: SegmentRef[] = []
  private count = 0
  bytes = 0

  constructor(readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`
    this.fd = openSync(this.tmp, 'w')
    this.write(MAGIC)
  }

  /** A data entry. */
  add(name: string, data: Uint8Array): void {
    this.record(name, data)
    this.pending.push({ name, size: data.length, sha256: sha256(data) })
    this.count++
    if (this.pending.length >= SEGMENT) this.flushSegment()
  }

  addJson(name: string, value: unknown): void {
    this.add(name, Buffer.from(JSON.stringify(value), 'utf8'))
  }

  finish(): void {
    this.flushSegment()
    const manifest: Manifest = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, entries: this.count, segments: this.segments }
    const bytes = Buffer.from(JSON.stringify(manifest), 'utf8')
    this.record(MANIFEST, bytes)
    this.record(END, Buffer.from(sha256(bytes), 'ascii'))
    this.drain()
    fsyncSync(this.fd)
    closeSync(this.fd)
    renameSync(this.tmp, this.path)
  }

  abort(): void {
    try {
      closeSync(this.fd)
    } finally {
      try {
        unlinkSync(this.tmp)
      } catch {
        // already gone
      }
    }
  }

  private flushSegment(): void {
    if (this.pending.length === 0) return
    const name = `manifest/${this.segments.length}.json`
    const bytes = Buffer.from(JSON.stringify({ entries: this.pending }), 'utf8')
    this.record(name, bytes)
    this.segments.push({ name, sha256: sha256(bytes), entries: this.pending.length })
    this.pending = []
  }

  private record(name: string, data: Uint8Array): void {
    const n = Buffer.from(name, 'utf8')
    if (n.length === 0 || n.length > MAX_NAME) throw new BundleError(`entry name "${name}" is empty or too long`)
    const head = Buffer.alloc(4)
    head.writeUInt32BE(n.length)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    this.write(head, n, len, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  }

  private write(...parts: Buffer[]): void {
    for (const p of parts) {
      this.chunks.push(p)
      this.buffered += p.length
      this.bytes += p.length
    }
    if (this.buffered >= 1 << 20) this.drain()
  }

  private drain(): void {
    if (this.buffered === 0) return
    const buf = Buffer.concat(this.chunks, this.buffered)
    let off = 0
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off)
    this.chunks = []
    this.buffered = 0
  }
}

export interface RawEntry {
  name: string
  /** Byte offset of the entry's data in the file. */
  offset: number
  data: Buffer
}

/**
 * Reads records one at a time (positional reads, one entry in memory). Structural damage —
 * a cut-off record, an absurd length — is reported at once, naming where it happened.
 */
export function* readRecords(path: string): Generator<RawEntry> {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    throw new BundleError(`cannot open bundle ${path}: ${(e as Error).message}`)
  }
  try {
    const size = fstatSync(fd).size
    let pos = 0
    const read = (n: number, what: () => string): Buffer => {
      if (n > size - pos) throw new BundleError(`bundle ${path} is truncated: ${what()} needs ${n} bytes, ${size - pos} left`)
      const buf = Buffer.alloc(n)
      let got = 0
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, pos + got)
        if (r === 0) throw new BundleError(`bundle ${path} is truncated: ${what()}`)
        got += r
      }
      pos += n
      return buf
    }
    if (size < MAGIC.length || !read(MAGIC.length, () => 'the header').equals(MAGIC)) {
      throw new BundleError(`${path} is not a parevm bundle (no "${MAGIC.toString('ascii').trim()}" header)`)
    }
    let last = '(start of file)'
    while (pos < size) {
      const after = last
      const nameLen = read(4, () => `the record after entry ${after}`).readUInt32BE(0)
      if (nameLen === 0 || nameLen > MAX_NAME) {
        throw new BundleError(`bundle ${path} is corrupt after entry ${after}: bad entry name length ${nameLen}`)
      }
      const name = read(nameLen, () => `the name of the entry after ${after}`).toString('utf8')
      const dataLen = read(4, () => `entry ${name} (its length)`).readUInt32BE(0)
      const offset = pos
      const data = read(dataLen, () => `entry ${name}`)
      last = name
      yield { name, offset, data }
    }
  } finally {
    closeSync(fd)
  }
}
