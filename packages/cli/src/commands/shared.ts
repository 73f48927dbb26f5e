import { KeyRotator, type KeyLocation } from '@harmony-auth/core'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import type { CommandContext } from '../context.js'

/** Options that pick the key and the tokens a command works on. */
export interface TargetOptions {
  keyName: string
  token: string[]
}

/** Adds `--key-name` and `--token` to a command. */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--key-name <name>', 'name of the encryption key in the store').default(
        'encryption.key',
      ),
    )
    .addOption(
      new Option('--token <name...>', 'token names to work on (repeat or list)').default([
        'auth.json',
      ]),
    )
}

/** Adds `--concurrency` to a command. */
export function addConcurrencyOption(command: Command): Command {
  return command.addOption(
    new Option('--concurrency <count>', 'entries processed at once, 1 to 64')
      .default(4)
      .argParser(parseCount),
  )
}

/** Parses a positive integer flag value. */
export function parseCount(value: string): number {
  const count = Number(value)
  if (!Number.isInteger(count) || count < 1) {
    // Commander reports this error with the flag name and exits through the usage path.
    throw new InvalidArgumentError(`Expected a positive integer, got "${value}".`)
  }
  return count
}

/** Opens the selected store and builds a rotator over its key and tokens. */
export async function openRotator(
  context: CommandContext,
  options: TargetOptions,
): Promise<{ rotator: KeyRotator; location: string }> {
  const opened = await context.openStore()
  // Like the gateways, a set RUNBEAM_ENCRYPTION_KEY takes precedence over the stored key.
  const key: KeyLocation =
    context.io.env.RUNBEAM_ENCRYPTION_KEY === undefined
      ? { store: opened.store, name: options.keyName }
      : { environment: context.io.env, journalStore: opened.store, name: options.keyName }
  const rotator = new KeyRotator({
    key,
    targets: [
      { store: opened.store, names: options.token, label: opened.store.provider },
      ...(opened.legacy
        ? [{ store: opened.legacy.store, names: options.token, label: opened.legacy.label }]
        : []),
    ],
    logger: context.logger,
  })
  return { rotator, location: opened.location }
}

/** Splits a comma-separated environment list, skipping blanks. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}
