import { RotationError } from '../errors.js'
import { EncryptionKeyRing } from '../keys/encryption-key-ring.js'
import { sha256Hex } from './backup-archive.js'
import {
  concurrencyOf,
  forEachLimit,
  readKeyStages,
  readStage,
  ringOf,
  undecryptable,
  type KeyStages,
  type RotationContext,
} from './context.js'
import { completeRotation, reencryptEntries } from './encryption-key-rotation.js'
import type { EntrySnapshot } from './entry-steps.js'
import { JournalWriter, readJournal, type RotationJournal } from './journal.js'
import type { EncryptionKeyRotationReport, RotationStatus, RunOptions } from './types.js'

/** The stored keys of an interrupted rotation, matched to the journal. */
interface StoredKeys {
  /** The current key. */
  current: EncryptionKeyRing
  /** The journal's new key, when it is stored as current or pending. */
  next?: EncryptionKeyRing
  /** Every stored key, current first, for decrypting entries in either state. */
  all: EncryptionKeyRing
}

async function matchKeys(
  context: RotationContext,
  stages: KeyStages,
  journal: RotationJournal,
): Promise<StoredKeys> {
  const current = await ringOf(context, stages.current, 'current')
  const pending = stages.pending ? await ringOf(context, stages.pending, 'pending') : undefined
  const previous = stages.previous ? await ringOf(context, stages.previous, 'previous') : undefined
  const older = await Promise.all(stages.older.map((value) => ringOf(context, value, 'previous')))
  const next = [current, pending].find((ring) => ring?.recipient === journal.newRecipient)
  let all = next ?? current
  for (const ring of [current, pending, previous, ...older]) {
    if (ring && ring !== all) all = all.withPrevious(ring)
  }
  return { current, next, all }
}

async function requireJournal(context: RotationContext): Promise<RotationJournal> {
  const journal = await readJournal(context.journalStore, context.journalName)
  if (!journal) {
    throw new RotationError('ERR_ROTATION_NOT_IN_PROGRESS', 'No rotation is in progress', {
      secretName: context.journalName,
      provider: context.keyStore.provider,
    })
  }
  return journal
}

/** Completes an interrupted rotation. See `KeyRotator.resume`. */
export async function resumeRotation(
  context: RotationContext,
  run: RunOptions,
): Promise<EncryptionKeyRotationReport> {
  const started = Date.now()
  concurrencyOf(run)
  const journal = await requireJournal(context)
  const writer = new JournalWriter(
    context.journalStore,
    context.journalName,
    journal,
    context.clock,
  )
  const keys = await matchKeys(context, await readKeyStages(context), journal)
  context.logger.info({ rotationId: journal.id, phase: journal.phase }, 'Resuming the rotation')

  let next = keys.next
  try {
    if (journal.phase === 're-encrypting') {
      next ??= await replaceLostPendingKey(context, writer, keys)
      const ring = next.withPrevious(keys.all)
      await reencryptEntries(context, writer, next, await staleEntries(context, writer, ring), run)
    } else if (!next) {
      throw cannotComplete(context, journal)
    }
    await completeRotation(context, writer, next.withPrevious(keys.all), run)
  } finally {
    await writer.settle()
  }
  return {
    dryRun: false,
    resumed: true,
    recipient: next.recipient,
    previousRecipient: journal.oldRecipient,
    entries: journal.targets
      .map(
        (t) =>
          context.targets.find((c) => c.store === t.store && c.name === t.name)?.entry ?? t.name,
      )
      .sort(),
    missing: [],
    ...(journal.backup === undefined ? {} : { backup: journal.backup }),
    durationMs: Date.now() - started,
  }
}

/**
 * Generates a new pending key when the journal's one was never stored: the process stopped
 * between writing the journal and the pending key. No entry is encrypted to that key yet, because
 * pending versions are written only after the key.
 */
async function replaceLostPendingKey(
  context: RotationContext,
  writer: JournalWriter,
  keys: StoredKeys,
): Promise<EncryptionKeyRing> {
  if (context.keyInEnvironment) {
    throw new RotationError(
      'ERR_ROTATION_VERIFY_FAILED',
      `RUNBEAM_ENCRYPTION_KEY is not the key ${writer.journal.newRecipient} the rotation started with: set it back, or run rollback()`,
      { source: 'RUNBEAM_ENCRYPTION_KEY' },
    )
  }
  if (keys.current.recipient !== writer.journal.oldRecipient) {
    throw new RotationError(
      'ERR_ROTATION_VERIFY_FAILED',
      'The current key is neither the old nor the new key of the rotation: restore the key from the backup',
      { secretName: context.keyName, provider: context.keyStore.provider },
    )
  }
  const next = await EncryptionKeyRing.generate()
  writer.update((journal) => {
    journal.newRecipient = next.recipient
    for (const target of journal.targets) delete target.source
  })
  await writer.flush()
  await context.keyStore.put(context.keyName, next.toKeyFile(), { stage: 'pending' })
  return next
}

/** Returns the entries whose pending version is missing or older than their current version. */
async function staleEntries(
  context: RotationContext,
  writer: JournalWriter,
  ring: EncryptionKeyRing,
): Promise<EntrySnapshot[]> {
  const newRing = await EncryptionKeyRing.from({ current: ring.currentIdentity() })
  const stale: EntrySnapshot[] = []
  const failed: string[] = []
  await forEachLimit(context.targets, 4, undefined, async (target) => {
    const current = await readStage(target.secretStore, target.name)
    if (!current) return
    const ciphertext = current.bytes()
    const entry = writer.journal.targets.find(
      (t) => t.store === target.store && t.name === target.name,
    )
    const pending = await readStage(target.secretStore, target.name, 'pending')
    if (entry?.source === sha256Hex(ciphertext) && pending) {
      if (
        await newRing.decrypt(pending.bytes()).then(
          () => true,
          () => false,
        )
      )
        return
    }
    const plaintext = await ring.decrypt(ciphertext).catch(() => undefined)
    if (plaintext) stale.push({ target, ciphertext, plaintext })
    else failed.push(target.entry)
  })
  if (failed.length > 0) {
    throw undecryptable(
      failed.sort(),
      'The old key is still current: run rollback() to undo the rotation',
    )
  }
  return stale
}

function cannotComplete(context: RotationContext, journal: RotationJournal): RotationError {
  // Only called in the promoting phase, where entries may be on the missing key already.
  const next = context.keyInEnvironment
    ? 'set RUNBEAM_ENCRYPTION_KEY to it again'
    : `restore from the backup${journal.backup ? ` ${journal.backup}` : ''}`
  return new RotationError(
    'ERR_ROTATION_VERIFY_FAILED',
    `The new key ${journal.newRecipient} is missing from the key store, so the rotation cannot complete: ${next}`,
  )
}

/**
 * Undoes a rotation that is still re-encrypting: removes the pending versions, the pending
 * key and the journal. See `KeyRotator.rollback`.
 */
export async function rollbackRotation(context: RotationContext): Promise<void> {
  const journal = await requireJournal(context)
  const stages = await readKeyStages(context)
  const current = await ringOf(context, stages.current, 'current')
  if (!canRollBack(context, journal, current)) {
    throw new RotationError(
      'ERR_ROTATION_IN_PROGRESS',
      'The rotation is promoting the new key and the entries, so it can only be completed: run resume()',
      { secretName: context.journalName, provider: context.keyStore.provider },
    )
  }
  await forEachLimit(context.targets, 4, undefined, async (target) => {
    await target.secretStore.delete(target.name, { stage: 'pending' })
  })
  await context.keyStore.delete(context.keyName, { stage: 'pending' })
  await context.journalStore.delete(context.journalName)
  context.logger.info({ rotationId: journal.id }, 'Rotation rolled back')
}

/**
 * Returns whether a rollback loses nothing. A stored key rotation promotes entries to the new key
 * in the promoting phase, even before the key. A key in the environment is never removed, so
 * every entry stays readable whatever the phase.
 */
function canRollBack(
  context: RotationContext,
  journal: RotationJournal,
  current: EncryptionKeyRing,
): boolean {
  const phaseAllows = context.keyInEnvironment || journal.phase === 're-encrypting'
  return phaseAllows && current.recipient === journal.oldRecipient
}

/** Reports the key recipients and any rotation in progress. See `KeyRotator.status`. */
export async function rotationStatus(context: RotationContext): Promise<RotationStatus> {
  const stages = await readKeyStages(context)
  const current = await ringOf(context, stages.current, 'current')
  const previous = stages.previous ? await ringOf(context, stages.previous, 'previous') : undefined
  const journal = await readJournal(context.journalStore, context.journalName)
  return {
    recipient: current.recipient,
    ...(previous ? { previousRecipient: previous.recipient } : {}),
    ...(journal
      ? {
          inProgress: {
            id: journal.id,
            phase: journal.phase,
            startedAt: journal.startedAt,
            newRecipient: journal.newRecipient,
            canRollBack: canRollBack(context, journal, current),
          },
        }
      : {}),
  }
}
