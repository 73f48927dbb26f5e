import { EncryptionKeyRing } from '@harmony-auth/core'
import { Command, Option } from 'commander'
import { confirm } from '../confirm.js'
import { defineAction, usageError, type CommandContext } from '../context.js'
import type { CliIo } from '../io.js'
import {
  addConcurrencyOption,
  addTargetOptions,
  openRotator,
  splitList,
  type TargetOptions,
} from './shared.js'

interface RotateOptions extends TargetOptions {
  dryRun?: boolean
  backup: boolean
  backupTo?: string
  recipient?: string[]
  concurrency: number
}

/** Builds `harmony-auth key`: generate, status, rotate, resume, rollback and retire. */
export function keyCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const key = new Command('key').description('encryption keys: generate, rotate, resume, retire')
  const action = <T extends object>(
    handler: (context: CommandContext, options: T) => Promise<number | void>,
  ) => defineAction<T>(io, setExitCode, handler)

  key
    .command('generate')
    .description(
      'print a new age identity in the base64 form of RUNBEAM_ENCRYPTION_KEY (the only command that prints a secret)',
    )
    .action(action(generateKey))

  addTargetOptions(
    key.command('status').description('show the key recipients and any rotation in progress'),
  ).action(
    action(async (context, options: TargetOptions) => {
      const { rotator } = await openRotator(context, options)
      const status = await rotator.status()
      context.print(status, [
        `recipient: ${status.recipient}`,
        `previous recipient: ${status.previousRecipient ?? 'none'}`,
        `rotation in progress: ${status.inProgress ? `${status.inProgress.phase} since ${status.inProgress.startedAt}` : 'no'}`,
      ])
    }),
  )

  addConcurrencyOption(
    addTargetOptions(
      key
        .command('rotate')
        .description('re-encrypt the tokens to a new key, after a backup to recovery recipients')
        .option('--dry-run', 'read and decrypt every token, write nothing')
        .option('--backup-to <file>', 'backup archive to write first (never overwritten)')
        .addOption(
          new Option(
            '--recipient <age1...>',
            'recovery recipient of the backup (repeatable)',
          ).argParser(collect),
        )
        .option('--no-backup', 'rotate without writing a backup first'),
    ),
  ).action(action(rotateKey))

  addConcurrencyOption(
    addTargetOptions(key.command('resume').description('complete an interrupted rotation')),
  ).action(
    action(async (context, options: TargetOptions & { concurrency: number }) => {
      const { rotator } = await openRotator(context, options)
      const report = await rotator.resume({
        concurrency: options.concurrency,
        signal: context.signal,
        onProgress: context.onProgress,
      })
      context.print(report, [
        `rotation completed: ${report.entries.length} tokens on ${report.recipient}`,
      ])
    }),
  )

  addTargetOptions(
    key.command('rollback').description('undo an interrupted rotation that is still re-encrypting'),
  ).action(
    action(async (context, options: TargetOptions) => {
      const { rotator, location } = await openRotator(context, options)
      await confirm(io, context.options.yes === true, `Roll back the rotation at ${location}?`)
      await rotator.rollback()
      context.print({ rolledBack: true }, ['rotation rolled back'])
    }),
  )

  addTargetOptions(
    key
      .command('retire')
      .description('remove the previous key once every token uses the current one')
      .option('--dry-run', 'check every token, remove nothing'),
  ).action(
    action(async (context, options: TargetOptions & { dryRun?: boolean }) => {
      const { rotator, location } = await openRotator(context, options)
      if (!options.dryRun) {
        await confirm(io, context.options.yes === true, `Remove the previous key at ${location}?`)
      }
      const report = await rotator.retirePreviousKey({ dryRun: options.dryRun === true })
      context.print(report, [
        report.retiredRecipient
          ? `${report.dryRun ? 'would retire' : 'retired'}: ${report.retiredRecipient}`
          : 'no previous key to retire',
        ...(report.manualStep ? [`next step: ${report.manualStep}`] : []),
      ])
    }),
  )
  return key
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

async function generateKey(context: CommandContext): Promise<void> {
  const ring = await EncryptionKeyRing.generate()
  const key = ring.toKeyFile().text()
  context.print({ key, recipient: ring.recipient }, [key])
  if (!context.options.json) context.io.stderr.write(`recipient: ${ring.recipient}\n`)
}

async function rotateKey(context: CommandContext, options: RotateOptions): Promise<void> {
  const recipients = options.recipient ?? splitList(context.io.env.HARMONY_AUTH_BACKUP_RECIPIENTS)
  const backupTo = options.backupTo ?? context.io.env.HARMONY_AUTH_BACKUP_TO
  let backup: { to: string; recipients: string[] } | false = false
  if (options.backup && !options.dryRun) {
    if (recipients.length === 0 || backupTo === undefined) {
      throw usageError(
        'A rotation writes a backup first: give --backup-to and --recipient (or HARMONY_AUTH_BACKUP_TO and HARMONY_AUTH_BACKUP_RECIPIENTS), or pass --no-backup',
      )
    }
    backup = { to: backupTo, recipients }
  }
  const { rotator, location } = await openRotator(context, options)
  if (!options.dryRun) {
    await confirm(
      context.io,
      context.options.yes === true,
      `Rotate the encryption key at ${location}?`,
    )
  }
  const report = await rotator.rotateEncryptionKey({
    dryRun: options.dryRun === true,
    backup,
    concurrency: options.concurrency,
    signal: context.signal,
    onProgress: context.onProgress,
  })
  context.print(report, [
    report.dryRun
      ? `dry run: ${report.entries.length} tokens decrypt with the current key; nothing was written`
      : `rotated ${report.entries.length} tokens to ${report.recipient} in ${report.durationMs} ms`,
    ...(report.backup ? [`backup: ${report.backup}`] : []),
    ...notFoundLine(report.missing),
  ])
}

/** Lists configured tokens that do not exist, leaving out the older layout, which is optional. */
function notFoundLine(missing: readonly string[]): string[] {
  const shown = missing.filter((entry) => !entry.startsWith('filesystem-legacy/'))
  return shown.length > 0 ? [`not found, skipped: ${shown.join(', ')}`] : []
}
