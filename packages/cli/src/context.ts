import { homedir } from 'node:os'
import { isHarmonyAuthError } from '@harmony-auth/core'
import type { Command } from 'commander'
import type { Logger as PinoLogger } from 'pino'
import { CliError, EXIT_CODES, exitCodeFor } from './exit-codes.js'
import { printResult, type CliIo } from './io.js'
import { createLogger } from './logger.js'
import { progressReporter } from './progress.js'
import { openStore, type OpenedStore } from './stores/registry.js'

/** The options every command accepts, set on the root command. */
export interface GlobalOptions {
  store: string
  instanceId?: string
  home?: string
  root?: string
  json?: boolean
  yes?: boolean
  logLevel: string
  progress: boolean
}

/** The streams, options and helpers a command handler receives. */
export interface CommandContext {
  io: CliIo
  options: GlobalOptions
  logger: PinoLogger
  /** Aborts on SIGINT and SIGTERM, so a rotation stops between entries and can be resumed. */
  signal: AbortSignal
  /** Loads the selected store adapter and opens the store. */
  openStore(): Promise<OpenedStore>
  /** Reports progress on stderr unless `--no-progress` or `--json` is given. */
  onProgress: ReturnType<typeof progressReporter>
  /** Prints the result: JSON with `--json`, otherwise the human lines. */
  print(result: object, human: readonly string[]): void
}

/** Returns the full command name, for example `key rotate`. */
export function commandPath(command: Command): string {
  const names: string[] = []
  for (let current: Command | null = command; current?.parent; current = current.parent) {
    names.unshift(current.name())
  }
  return names.join(' ')
}

/**
 * Wraps a command handler: builds its context, runs it and turns failures into the documented
 * exit code, with a JSON error object on stdout under `--json` and a message on stderr.
 */
export function defineAction<T extends object>(
  io: CliIo,
  setExitCode: (code: number) => void,
  handler: (context: CommandContext, options: T, command: Command) => Promise<number | void>,
) {
  return async (options: T, command: Command): Promise<void> => {
    const global = command.optsWithGlobals<GlobalOptions & T>()
    const name = commandPath(command)
    const controller = new AbortController()
    // The first signal stops between entries; a second one exits at once, which a rotation also
    // survives. The listener stays registered, because signal-exit (used by the filesystem
    // store's lock) kills the process when it finds itself the only listener.
    const stop = () => {
      if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted)
      controller.abort(new Error('Interrupted by a signal'))
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    let logger: PinoLogger | undefined
    try {
      logger = createLogger(io, global.logLevel)
      const context: CommandContext = {
        io,
        options: global,
        logger,
        signal: controller.signal,
        openStore: () =>
          openStore(global.store, {
            instanceId: global.instanceId,
            home: global.home ?? homedir(),
            root: global.root,
            env: io.env,
          }),
        onProgress: progressReporter(io, global.progress && !global.json),
        print: (result, human) => printResult(io, global.json === true, name, result, human),
      }
      setExitCode((await handler(context, options, command)) ?? EXIT_CODES.ok)
    } catch (error) {
      setExitCode(reportFailure(io, global.json === true, name, error, logger))
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}

function reportFailure(
  io: CliIo,
  json: boolean,
  command: string,
  error: unknown,
  logger: PinoLogger | undefined,
): number {
  const exitCode = exitCodeFor(error)
  logger?.debug(
    isHarmonyAuthError(error) ? { error: error.toJSON() } : { err: error },
    'Command failed',
  )
  const failure = describeFailure(error)
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, command, error: failure, exitCode })}\n`)
  io.stderr.write(`harmony-auth ${command}: ${failure.message}\n`)
  return exitCode
}

/**
 * Returns the code, message and safe details of an error. SDK and option errors carry fixed
 * messages without secret values; other errors get a generic message, because their text and
 * cause may contain data.
 */
function describeFailure(error: unknown): {
  code: string
  message: string
  names?: readonly string[]
} {
  if (error instanceof CliError) return { code: error.code, message: error.message }
  if (isHarmonyAuthError(error)) {
    const names = error.details.names
    return names
      ? { code: error.code, message: error.message, names }
      : { code: error.code, message: error.message }
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return { code: 'ERR_CLI_USAGE', message: error.message }
  }
  return {
    code: 'ERR_CLI_FAILED',
    message: 'The command failed unexpectedly; rerun with --log-level debug',
  }
}

/** Raises a usage error (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('ERR_CLI_USAGE', message, EXIT_CODES.usage)
}
