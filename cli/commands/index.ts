import type { Command } from 'commander'
import { register as importCmd } from './import.js'
import { register as replayCmd } from './replay.js'
import { register as fetchCmd } from './fetch.js'
import { register as benchCmd } from './bench.js'
import { register as runCmd } from './run.js'
import { register as demoCmd } from './demo.js'
import { register as reportCmd } from './report.js'
import { register as conformanceCmd } from './conformance.js'
import { register as auditCmd } from './audit.js'
import { register as snapshotCmd } from './snapshot.js'

/** Each command lives in its own module; this list is the only place that names them all. */
export function registerAll(program: Command): void {
  importCmd(program)
  fetchCmd(program)
  replayCmd(program)
  runCmd(program)
  demoCmd(program)
  conformanceCmd(program)
  reportCmd(program)
  auditCmd(program)
  snapshotCmd(program)
  benchCmd(program)
}
