import { Secret, readSecretFile } from '@harmony-auth/core'
import { Command, Option } from 'commander'
import { confirm } from '../confirm.js'
import { defineAction, usageError, type CommandContext } from '../context.js'
import type { CliIo } from '../io.js'
import { addTargetOptions, openRotator, splitList, type TargetOptions } from './shared.js'

interface CreateOptions extends TargetOptions {
  to: string
  recipient?: string[]
}

interface RestoreCommandOptions extends TargetOptions {
  from: string
  identityFile?: string
  dryRun?: boolean
}

/** Builds `harmony-auth backup`: create and restore. */
export function backupCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const backup = new Command('backup').description(
    'age-encrypted backups of the key and the token ciphertexts',
  )
  const action = <T extends object>(
    handler: (context: CommandContext, options: T) => Promise<void>,
  ) => defineAction<T>(io, setExitCode, handler)

  addTargetOptions(
    backup
      .command('create')
      .description('write one archive (mode 0600) encrypted to recovery recipients')
      .requiredOption('--to <file>', 'archive path (an existing file is never overwritten)')
      .addOption(
        new Option(
          '--recipient <age1...>',
          'recovery recipient (repeatable); default HARMONY_AUTH_BACKUP_RECIPIENTS',
        ).argParser((value: string, previous: string[] | undefined) => [
          ...(previous ?? []),
          value,
        ]),
      ),
  ).action(action(createBackup))

  addTargetOptions(
    backup
      .command('restore')
      .description('check an archive against the live data, show the changes and restore it')
      .requiredOption('--from <file>', 'archive path')
      .addOption(
        new Option(
          '--identity-file <file>',
          'recovery identity (AGE-SECRET-KEY-1… or age-keygen output)',
        ).env('HARMONY_AUTH_RECOVERY_IDENTITY_FILE'),
      )
      .option('--dry-run', 'check and show the changes, write nothing'),
  ).action(action(restoreBackup))
  return backup
}

async function createBackup(context: CommandContext, options: CreateOptions): Promise<void> {
  const recipients = options.recipient ?? splitList(context.io.env.HARMONY_AUTH_BACKUP_RECIPIENTS)
  if (recipients.length === 0) {
    throw usageError('Give at least one --recipient (or HARMONY_AUTH_BACKUP_RECIPIENTS)')
  }
  const { rotator } = await openRotator(context, options)
  const report = await rotator.backup({ to: options.to, recipients })
  context.print(report, [
    `backup written: ${report.path} (${report.bytes} bytes, ${report.entries.length} tokens)`,
  ])
}

async function restoreBackup(
  context: CommandContext,
  options: RestoreCommandOptions,
): Promise<void> {
  if (options.identityFile === undefined) {
    throw usageError('Give --identity-file (or HARMONY_AUTH_RECOVERY_IDENTITY_FILE)')
  }
  const identity = new Secret(await readSecretFile(options.identityFile))
  const { rotator, location } = await openRotator(context, options)
  const plan = await rotator.restore({ from: options.from, identity, dryRun: true })
  const lines = [
    `key ${plan.key.recipient}: ${plan.key.action}`,
    ...plan.entries.map((entry) => `${entry.entry}: ${entry.action}`),
  ]
  if (options.dryRun) {
    context.print(plan, ['dry run, nothing was written:', ...lines])
    return
  }
  for (const line of lines) context.io.stderr.write(`${line}\n`)
  await confirm(
    context.io,
    context.options.yes === true,
    `Restore ${options.from} into ${location}?`,
  )
  const report = await rotator.restore({ from: options.from, identity })
  context.print(report, ['restored:', ...lines])
}
