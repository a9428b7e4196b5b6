#!/usr/bin/env node
/**
 * Kill -9 a real `parevm run` at 10 random moments over an anvil workload, rerun to completion,
 * and check the verdicts equal an uninterrupted run's and nothing was fetched twice.
 * Usage: npm run build && node scripts/kill-resume-run.mjs [--blocks 40] [--kills 10] [--seed 1]
 */
import { parseArgs } from 'node:util'
import { runKillCheck } from '../dist/test/run-kill-harness.js'

const { values } = parseArgs({ options: { blocks: { type: 'string', default: '40' }, kills: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' } } })
const r = await runKillCheck({ blocks: Number(values.blocks), kills: Number(values.kills), seed: Number(values.seed), log: (l) => process.stderr.write(l + '\n') })
const same = JSON.stringify([...r.resumed]) === JSON.stringify([...r.reference])
const once = r.final.alreadyStored === r.final.storedBefore && r.final.fetched === r.blocks - r.final.storedBefore
process.stderr.write(`${r.kills} kills; verdicts ${same ? 'EQUAL' : 'DIFFER'} (${r.resumed.size}/${r.reference.size} blocks); ` +
  `final run: ${r.final.alreadyStored} already stored, ${r.final.fetched} fetched, ${r.final.resumedVerdicts} verdicts reused; nothing fetched twice: ${once}\n`)
process.exitCode = same && once && r.kills >= Number(values.kills) ? 0 : 1
