import { RotationError } from '../errors.js'
import {
  concurrencyOf,
  forEachLimit,
  readKeyStages,
  readStage,
  ringOf,
  ringOfStages,
  undecryptable,
  type RotationContext,
} from './context.js'
import { opensWith } from './entry-steps.js'
import { refuseInProgress } from './journal.js'
import type { RetireReport } from './types.js'

/**
 * Removes the previous key and the previous versions of every entry once the current key alone
 * decrypts every entry. See `KeyRotator.retirePreviousKey`.
 */
export async function retirePreviousKey(
  context: RotationContext,
  options: { dryRun?: boolean },
): Promise<RetireReport> {
  await refuseInProgress(context.journalStore, context.journalName)
  const stages = await readKeyStages(context)
  const current = await ringOf(context, stages.current, 'current')
  const previous = stages.previous ? await ringOf(context, stages.previous, 'previous') : undefined

  const everyKey = await ringOfStages(context, stages)
  const inUse: string[] = []
  const unreadable: string[] = []
  const entries: string[] = []
  await forEachLimit(context.targets, concurrencyOf({}), undefined, async (target) => {
    const stored = await readStage(target.secretStore, target.name)
    if (!stored) return
    entries.push(target.entry)
    if (await opensWith(current, stored.bytes())) return
    if (await opensWith(everyKey, stored.bytes())) inUse.push(target.entry)
    else unreadable.push(target.entry)
  })
  // Rotating or resuming would not help with these, so they get their own error.
  if (unreadable.length > 0) {
    throw undecryptable(
      unreadable.sort(),
      'Nothing was removed: restore those entries from a backup or delete them, then retire',
    )
  }
  if (inUse.length > 0) {
    throw new RotationError(
      'ERR_ROTATION_PREVIOUS_KEY_IN_USE',
      `The current key does not decrypt ${inUse.sort().join(', ')}: rotate or resume first. Nothing was removed`,
      { names: inUse },
    )
  }
  const report: RetireReport = {
    dryRun: options.dryRun ?? false,
    ...(previous ? { retiredRecipient: previous.recipient } : {}),
    ...(context.keyInEnvironment && previous
      ? {
          manualStep:
            'Remove RUNBEAM_ENCRYPTION_KEY_PREVIOUS from the environment of every gateway',
        }
      : {}),
    entries: entries.sort(),
  }
  if (report.dryRun) return report

  // Entries first: if the process stops in between, the previous key still decrypts what is left.
  await forEachLimit(context.targets, concurrencyOf({}), undefined, async (target) => {
    await target.secretStore.delete(target.name, { stage: 'previous' })
  })
  await context.keyStore.delete(context.keyName, { stage: 'previous' })
  context.logger.info({ recipient: report.retiredRecipient }, 'Previous encryption key retired')
  return report
}
