import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { CommanderError } from 'commander'
import { EXIT_CODES } from './exit-codes.js'
import { processIo, type CliIo } from './io.js'
import { createProgram } from './program.js'
import { registerBuiltinStores } from './stores/builtin.js'

const VERSION = readVersion()

function readVersion(): string {
  try {
    // The CJS build has no import.meta.url but has __filename; the ESM build has the reverse.
    const here = typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url
    const manifest = new URL('../package.json', here)
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
  } catch {
    return '0.0.0'
  }
}

/**
 * Runs `harmony-auth` with `argv` (as in `process.argv`, starting with node and the script) and
 * returns the exit code. Output goes to `io`, the process streams by default.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv)
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  registerBuiltinStores()
  let exitCode: number = EXIT_CODES.ok
  const program = createProgram(io, VERSION, (code) => {
    exitCode = code
  })
  program.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  })
  for (const command of program.commands) exitOverrideAll(command)
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_CODES.ok
      if (program.opts<{ json?: boolean }>().json === true) printUsageError(io, error)
      return EXIT_CODES.usage
    }
    throw error
  }
  return exitCode
}

/**
 * Prints commander's usage error as the `--json` error object, so a script parsing stdout gets
 * one object on every failure. Commander has already written the message to stderr.
 */
function printUsageError(io: CliIo, error: CommanderError): void {
  const failure = {
    ok: false,
    command: '',
    error: { code: 'ERR_CLI_USAGE', message: error.message.replace(/^error: /, '') },
    exitCode: EXIT_CODES.usage,
  }
  io.stdout.write(`${JSON.stringify(failure)}\n`)
}

function exitOverrideAll(command: ReturnType<typeof createProgram>): void {
  command.exitOverride()
  for (const child of command.commands) exitOverrideAll(child)
}
