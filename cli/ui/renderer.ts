/**
 * Picks how a long job reports progress: the ink dashboard on an interactive terminal,
 * plain grep-able lines everywhere else. Both write to stderr so stdout stays clean for --json.
 */
import type { ProgressSnapshot } from '../../core/pipeline/progress.js'
import { createInkRenderer } from './dashboard.js'
import { createPlainRenderer } from './plain.js'

export interface Renderer {
  /** Cheap to call on every change: renderers throttle internally. */
  update(s: ProgressSnapshot): void
  /** Draw the final state plus a summary line, then release the terminal. Idempotent. */
  finish(s: ProgressSnapshot, summary?: string): void
  /** Release the terminal without a summary (e.g. from the caller's Ctrl-C handler);
   *  the last frame stays on screen and the cursor is shown again. Idempotent. */
  unmount(): void
}

export interface RendererOptions {
  tui: boolean
  /** Defaults to process.stderr. */
  stream?: NodeJS.WriteStream
}

/** Set and not explicitly "0"/"false": the same test ink itself applies. */
function flagSet(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false'
}

/**
 * The dashboard only makes sense on an interactive terminal that understands cursor
 * movement: not with --no-tui, not when stderr is piped, not under CI (logs keep every
 * repaint), not on TERM=dumb.
 */
export function shouldUseTui(o: { noTui?: boolean; env: NodeJS.ProcessEnv | Record<string, string | undefined>; isTTY: boolean | undefined }): boolean {
  if (o.noTui) return false
  if (!o.isTTY) return false
  if (flagSet(o.env['CI']) || flagSet(o.env['CONTINUOUS_INTEGRATION'])) return false
  if (o.env['TERM'] === 'dumb') return false
  return true
}

export function createRenderer(opts: RendererOptions): Renderer {
  const stream = opts.stream ?? process.stderr
  return opts.tui ? createInkRenderer(stream) : createPlainRenderer({ stream })
}
