import { TokenStore } from '@harmony-auth/core'
import { Command, Option } from 'commander'
import { confirm } from '../confirm.js'
import { defineAction, type CommandContext } from '../context.js'
import { EXIT_CODES } from '../exit-codes.js'
import type { CliIo } from '../io.js'

interface TokenOptions {
  token: string
}

/** Builds `harmony-auth token`: status and clear. */
export function tokenCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const token = new Command('token').description('the stored machine token (metadata only)')
  const tokenOption = () =>
    new Option('--token <name>', 'token name in the store').default('auth.json')

  token
    .command('status')
    .description(
      'show gateway, abilities and expiry of the stored token, never the token; exit 6 when there is none, 8 when it has expired',
    )
    .addOption(tokenOption())
    .action(defineAction<TokenOptions>(io, setExitCode, tokenStatus))

  token
    .command('clear')
    .description('delete the stored token, so the gateway has to authorize again')
    .addOption(tokenOption())
    .option('--dry-run', 'show what would be deleted')
    .action(
      defineAction<TokenOptions & { dryRun?: boolean }>(
        io,
        setExitCode,
        async (context, options) => {
          const { tokens, location } = await openTokens(context, options)
          if (options.dryRun) {
            context.print({ dryRun: true, token: options.token }, [
              `would delete ${options.token} at ${location}`,
            ])
            return
          }
          await confirm(io, context.options.yes === true, `Delete ${options.token} at ${location}?`)
          await tokens.clear()
          context.print({ dryRun: false, token: options.token }, [`deleted ${options.token}`])
        },
      ),
    )
  return token
}

async function openTokens(context: CommandContext, options: TokenOptions) {
  const opened = await context.openStore()
  const tokens = new TokenStore({
    backend: opened.store,
    keyRing: opened.keyRing,
    name: options.token,
    fallbacks: opened.legacy
      ? [{ backend: opened.legacy.store, name: options.token, label: opened.legacy.label }]
      : [],
    logger: context.logger,
  })
  return { tokens, location: opened.location }
}

async function tokenStatus(context: CommandContext, options: TokenOptions): Promise<number> {
  const { tokens } = await openTokens(context, options)
  const token = await tokens.load()
  if (!token) {
    context.print({ present: false, token: options.token }, [`no token stored as ${options.token}`])
    return EXIT_CODES.notFound
  }
  const metadata = token.toJSON()
  const valid = token.isValid()
  context.print({ present: true, valid, token: options.token, ...metadata }, [
    `gateway: ${metadata.gateway_code} (${metadata.gateway_id})`,
    `expires at: ${metadata.expires_at}${valid ? '' : ' (expired)'}`,
    `issued at: ${metadata.issued_at}`,
    `abilities: ${metadata.abilities.length > 0 ? metadata.abilities.join(', ') : 'none'}`,
  ])
  return valid ? EXIT_CODES.ok : EXIT_CODES.tokenExpired
}
