#!/usr/bin/env node
/**
 * Kill -9 a real `parevm fetch` of a 200-block anvil workload at 10 random moments, rerun to
 * completion, and check the database equals an uninterrupted fetch's (every table).
 * Usage: npm run build && node scripts/kill-resume-fetch.mjs [--blocks 200] [--kills 10] [--seed 1] [--hardfork cancun]
 */
import { parseArgs } from 'node:util'
import { killResumeCheck } from '../dist/test/fetch-kill-harness.js'

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '200' }, kills: { type: 'string', default: '10' }, seed: { type: 'string', default: String(Date.now() % 100000) },
    hardfork: { type: 'string', default: 'cancun' }, discovery: { type: 'string', default: 'auto' },
  },
})
const r = await killResumeCheck({
  hardfork: values.hardfork, blocks: Number(values.blocks), kills: Number(values.kills), seed: Number(values.seed),
  discovery: values.discovery, log: (l) => process.stderr.write(l + '\n'),
})
const differ = Object.keys(r.reference).filter((t) => JSON.stringify(r.reference[t]) !== JSON.stringify(r.resumed[t]))
for (const t of Object.keys(r.reference)) {
  process.stderr.write(`${t.padEnd(13)} reference ${String(r.reference[t].rows).padStart(6)} rows ${r.reference[t].sha256.slice(0, 16)}  resumed ${String(r.resumed[t].rows).padStart(6)} rows ${r.resumed[t].sha256.slice(0, 16)}\n`)
}
const killed = r.kills.filter((k) => k.killed).length
process.stderr.write(`seed ${values.seed}: ${killed} kills, integrity ${r.integrity}, ${differ.length === 0 ? 'databases EQUAL' : `DIFFER in ${differ.join(', ')}`}\n`)
process.exitCode = differ.length === 0 && r.integrity === 'ok' && killed >= Number(values.kills) ? 0 : 1
