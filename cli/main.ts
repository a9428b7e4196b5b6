#!/usr/bin/env node
/**
 * The `parevm` binary: a thin shell that parses flags (commander) and calls the libraries.
 * Every command module exports `register(program)`. Errors become one line and an exit code.
 */
import { Command, CommanderError } from 'commander'
import { EXIT, exitCodeFor, oneLine } from './errors.js'
import { registerAll } from './commands/index.js'

export function buildProgram(): Command {
  const program = new Command('parevm')
    .description('Ethereum archive replay and verification: fetch, parallel re-execution (Block-STM), exact verification')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  registerAll(program)
  return program
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return Number(process.exitCode ?? EXIT.ok)
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok
      // commander already printed its own one-line message
      return EXIT.usage
    }
    process.stderr.write(oneLine(err) + '\n')
    if (process.env.PAREVM_DEBUG) process.stderr.write(String((err as Error).stack) + '\n')
    return exitCodeFor(err)
  }
}

const code = await main(process.argv.slice(2))
process.exitCode = code
