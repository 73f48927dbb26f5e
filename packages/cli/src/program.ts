import { Command, Option } from 'commander'
import { backupCommand } from './commands/backup.js'
import { jwksCommand } from './commands/jwks.js'
import { jwtSecretCommand } from './commands/jwt-secret.js'
import { keyCommand } from './commands/key.js'
import { tokenCommand } from './commands/token.js'
import { EXIT_CODES } from './exit-codes.js'
import type { CliIo } from './io.js'
import { storesHelp } from './stores/registry.js'

const EXIT_HELP = `
Exit codes:
  ${EXIT_CODES.ok}    success
  ${EXIT_CODES.failure}    unexpected failure
  ${EXIT_CODES.usage}    invalid flags, arguments or configuration
  ${EXIT_CODES.notConfirmed}    destructive command not confirmed (no --yes and no terminal, or declined)
  ${EXIT_CODES.rejected}    data or input rejected (undecryptable token, bad backup, invalid key)
  ${EXIT_CODES.rotationState}    rotation state does not allow it (in progress, none, previous key in use)
  ${EXIT_CODES.notFound}    key, token, secret or file not found
  ${EXIT_CODES.notSupported}    store adapter not available in this version
  ${EXIT_CODES.tokenExpired}    token status: the token has expired
  ${EXIT_CODES.interrupted}  interrupted by SIGINT or SIGTERM (run "key resume" after a rotation)`

/**
 * Builds the `harmony-auth` command tree. `setExitCode` receives the exit code of the command
 * that ran; commander's own usage errors are mapped to exit code 2 by the caller.
 */
export function createProgram(
  io: CliIo,
  version: string,
  setExitCode: (code: number) => void,
): Command {
  const program = new Command('harmony-auth')
    .description('Keys, tokens, secrets and backups of Harmony Auth gateways')
    .version(version)
    .addOption(
      new Option('--store <name>', 'secret store to use')
        .env('HARMONY_AUTH_STORE')
        .default('filesystem'),
    )
    .addOption(
      new Option('--instance-id <id>', 'gateway instance id').env('HARMONY_AUTH_INSTANCE_ID'),
    )
    .addOption(
      new Option('--home <dir>', 'home folder holding .runbeam (default: the user home)').env(
        'HARMONY_AUTH_HOME',
      ),
    )
    .addOption(
      new Option(
        '--root <dir>',
        'filesystem store folder, instead of --home and --instance-id',
      ).env('HARMONY_AUTH_ROOT'),
    )
    .option('--json', 'print one JSON object on stdout: {ok, command, result} or {ok, error}')
    .option('-y, --yes', 'confirm destructive commands without asking (for scripts)')
    .option('--no-progress', 'no progress on stderr')
    .addOption(
      new Option('--log-level <level>', 'pino log level of the stderr log')
        .env('LOG_LEVEL')
        .default('warn'),
    )
    .showHelpAfterError()
    .addHelpText('after', `${storesHelp()}\n${EXIT_HELP}`)

  program.addCommand(keyCommand(io, setExitCode))
  program.addCommand(backupCommand(io, setExitCode))
  program.addCommand(tokenCommand(io, setExitCode))
  program.addCommand(jwtSecretCommand(io, setExitCode))
  program.addCommand(jwksCommand(io, setExitCode))
  return program
}
