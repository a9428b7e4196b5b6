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
const bad = r.trials.filter((t) => JSON.stringify([...t.verdicts]) !== JSON.stringify([...r.reference]) ||
  t.alreadyStored !== t.storedBefore || t.fetched !== r.blocks - t.storedBefore)
const killed = r.trials.filter((t) => t.killed).length
process.stderr.write(`${r.trials.length} trials, ${killed} killed mid-job; ${bad.length === 0 ? 'every rerun: verdicts EQUAL to the uninterrupted run, nothing fetched twice' : `${bad.length} trial(s) DIFFER`}\n`)
process.exitCode = bad.length === 0 && killed === r.trials.length ? 0 : 1
