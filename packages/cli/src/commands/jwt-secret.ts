import { promoteJwtSecret, rotateJwtSecret } from '@harmony-auth/core'
import { Command, Option } from 'commander'
import { confirm } from '../confirm.js'
import { defineAction, usageError } from '../context.js'
import type { CliIo } from '../io.js'
import { parseCount } from './shared.js'

interface JwtSecretOptions {
  name: string
  bytes: number
  promote: boolean
  promotePending?: boolean
  dryRun?: boolean
}

/** Builds `harmony-auth jwt-secret rotate`. */
export function jwtSecretCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const command = new Command('jwt-secret').description('the HS256 secret of the user JWTs')
  command
    .command('rotate')
    .description(
      'write a new random secret as pending, then promote it; the old one stays as previous',
    )
    .addOption(new Option('--name <name>', 'secret name in the store').default('jwt-secret'))
    .addOption(
      new Option('--bytes <count>', 'random bytes in the new secret, at least 32')
        .default(32)
        .argParser(parseCount),
    )
    .option('--no-promote', 'leave the new secret pending, for a coordinated change-over')
    .option('--promote-pending', 'promote a secret left pending by --no-promote')
    .option('--dry-run', 'check the store, write nothing')
    .action(
      defineAction<JwtSecretOptions>(io, setExitCode, async (context, options) => {
        assertNotKeyOrToken(options.name)
        const opened = await context.openStore()
        const store = opened.store
        if (!options.dryRun) {
          await confirm(
            io,
            context.options.yes === true,
            `Rotate the secret ${options.name} at ${opened.location}?`,
          )
        }
        if (options.promotePending) {
          if (!options.dryRun) await promoteJwtSecret({ store, name: options.name })
          context.print({ name: options.name, stage: 'current', dryRun: options.dryRun === true }, [
            `${options.dryRun ? 'would promote' : 'promoted'} the pending secret ${options.name}`,
          ])
          return
        }
        const report = await rotateJwtSecret({
          store,
          name: options.name,
          byteLength: options.bytes,
          promote: options.promote,
          dryRun: options.dryRun === true,
        })
        context.print(report, [
          `${report.dryRun ? 'would write' : 'wrote'} a new ${report.byteLength}-byte secret ${report.name} as ${report.stage}`,
        ])
      }),
    )
  return command
}

// Names the gateways and `key rotate` use by default in the same store. Writing a secret there
// would replace the encryption key or the token with random text.
const RESERVED_NAMES = ['encryption.key', 'auth.json']

function assertNotKeyOrToken(name: string): void {
  if (RESERVED_NAMES.includes(name) || name.endsWith('.rotation')) {
    throw usageError(
      `The name ${name} is an encryption key, token or rotation journal: give the name of the JWT secret`,
    )
  }
}
