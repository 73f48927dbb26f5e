import { randomBytes } from 'node:crypto'
import { RotationError } from '../errors.js'
import { EncryptionKeyRing } from '../keys/encryption-key-ring.js'
import { writeBackup } from './backup.js'
import {
  concurrencyOf,
  configurationMismatch,
  forEachLimit,
  readKeyStages,
  readStage,
  ringOfStages,
  undecryptable,
  type RotationContext,
} from './context.js'
import { opensWith, promoteEntry, writePending, type EntrySnapshot } from './entry-steps.js'
import { JournalWriter, refuseInProgress, type RotationJournal } from './journal.js'
import type {
  EncryptionKeyRotationReport,
  RotateEncryptionKeyOptions,
  RunOptions,
} from './types.js'

/**
 * Reads and decrypts every configured entry with `ring`, changing nothing.
 *
 * @throws RotationError `ERR_ROTATION_UNDECRYPTABLE` listing every entry the ring cannot decrypt.
 */
export async function checkEntries(
  context: RotationContext,
  ring: EncryptionKeyRing,
  run: RunOptions,
): Promise<{ snapshots: EntrySnapshot[]; missing: string[] }> {
  const snapshots: EntrySnapshot[] = []
  const missing: string[] = []
  const failed: string[] = []
  let done = 0
  await forEachLimit(context.targets, concurrencyOf(run), run.signal, async (target) => {
    const stored = await readStage(target.secretStore, target.name)
    if (!stored) {
      missing.push(target.entry)
    } else {
      const ciphertext = stored.bytes()
      const plaintext = await ring.decrypt(ciphertext).catch(() => undefined)
      if (plaintext) snapshots.push({ target, ciphertext, plaintext })
      else failed.push(target.entry)
    }
    run.onProgress?.({
      phase: 'check',
      done: ++done,
      total: context.targets.length,
      entry: target.entry,
    })
  })
  if (failed.length > 0) {
    throw undecryptable(
      failed.sort(),
      'Nothing was changed: restore those entries from a backup, or add the key that encrypted them as the previous key',
    )
  }
  return { snapshots: sortByEntry(snapshots), missing: missing.sort() }
}

function sortByEntry(snapshots: EntrySnapshot[]): EntrySnapshot[] {
  return snapshots.sort((a, b) => (a.target.entry < b.target.entry ? -1 : 1))
}

/** Runs an encryption-key rotation from the start. See `KeyRotator.rotateEncryptionKey`. */
export async function rotateEncryptionKey(
  context: RotationContext,
  options: RotateEncryptionKeyOptions,
): Promise<EncryptionKeyRotationReport> {
  const started = Date.now()
  if (options?.backup === undefined) {
    throw configurationMismatch('Pass backup: { to, recipients } or backup: false to rotate')
  }
  concurrencyOf(options)
  await refuseInProgress(context.journalStore, context.journalName)
  const stages = await readKeyStages(context)
  const oldRing = await ringOfStages(context, stages)
  const { snapshots, missing } = await checkEntries(context, oldRing, options)
  const report: EncryptionKeyRotationReport = {
    dryRun: options.dryRun ?? false,
    resumed: false,
    previousRecipient: oldRing.recipient,
    entries: snapshots.map((snapshot) => snapshot.target.entry),
    missing,
    durationMs: 0,
  }
  if (report.dryRun) return { ...report, durationMs: Date.now() - started }

  if (options.backup) {
    report.backup = await writeBackup(context, stages, snapshots, options.backup)
    options.onProgress?.({ phase: 'backup', done: 1, total: 1 })
  }
  // A key in the environment is already the new one: the operator set it on every gateway.
  const newRing = context.keyInEnvironment
    ? await EncryptionKeyRing.from({ current: oldRing.currentIdentity() })
    : await EncryptionKeyRing.generate()
  const writer = new JournalWriter(
    context.journalStore,
    context.journalName,
    newJournal(context, oldRing.recipient, newRing.recipient, snapshots, report.backup),
    context.clock,
  )
  await writer.create()
  context.logger.info(
    { rotationId: writer.journal.id, recipient: newRing.recipient, entries: snapshots.length },
    'Encryption key rotation started',
  )
  try {
    if (!context.keyInEnvironment) {
      await context.keyStore.put(context.keyName, newRing.toKeyFile(), { stage: 'pending' })
    }
    await reencryptEntries(context, writer, newRing, snapshots, options)
    await completeRotation(context, writer, newRing.withPrevious(oldRing), options)
  } finally {
    await writer.settle()
  }
  const previousRecipient = context.keyInEnvironment
    ? (oldRing.previousRecipients[0] ?? oldRing.recipient)
    : oldRing.recipient
  return {
    ...report,
    previousRecipient,
    recipient: newRing.recipient,
    durationMs: Date.now() - started,
  }
}

function newJournal(
  context: RotationContext,
  oldRecipient: string,
  newRecipient: string,
  snapshots: readonly EntrySnapshot[],
  backup: string | undefined,
): RotationJournal {
  const now = context.clock().toISOString()
  return {
    format: 'harmony-auth-rotation-journal',
    version: 1,
    id: randomBytes(8).toString('hex'),
    startedAt: now,
    updatedAt: now,
    phase: 're-encrypting',
    oldRecipient,
    newRecipient,
    ...(backup === undefined ? {} : { backup }),
    targets: snapshots.map(({ target }) => ({ store: target.store, name: target.name })),
  }
}

/** Writes each snapshot, encrypted to the new key, as the entry's pending version. */
export async function reencryptEntries(
  context: RotationContext,
  writer: JournalWriter,
  newRing: EncryptionKeyRing,
  snapshots: readonly EntrySnapshot[],
  run: RunOptions,
): Promise<void> {
  let done = 0
  await forEachLimit(snapshots, concurrencyOf(run), run.signal, async (snapshot) => {
    await writePending(writer, newRing, snapshot)
    run.onProgress?.({
      phase: 're-encrypt',
      done: ++done,
      total: snapshots.length,
      entry: snapshot.target.entry,
    })
  })
  await writer.flush()
}

/**
 * Promotes the new key, then every entry's pending version, then checks that the new key alone
 * decrypts every entry and removes the journal. The key goes first so that every entry decrypts
 * with the stored key ring at any point: old entries with the previous key, new ones with the
 * current key.
 *
 * @param ring - The new key as current, with every older key that may still be needed.
 */
export async function completeRotation(
  context: RotationContext,
  writer: JournalWriter,
  ring: EncryptionKeyRing,
  run: RunOptions,
): Promise<void> {
  writer.update((journal) => {
    journal.phase = 'promoting'
  })
  await writer.flush()
  const newRing = await EncryptionKeyRing.from({ current: ring.currentIdentity() })
  await promoteEntriesOnOlderKeys(context, writer, ring, newRing, run)
  await promoteKey(context, ring.recipient)

  const failed: string[] = []
  let done = 0
  const total = context.targets.length
  await forEachLimit(context.targets, concurrencyOf(run), run.signal, async (target) => {
    const ok = await promoteEntry(writer, ring, newRing, target)
    if (!ok) failed.push(target.entry)
    run.onProgress?.({ phase: 'promote', done: ++done, total, entry: target.entry })
  })
  if (failed.length > 0) {
    throw undecryptable(
      failed.sort(),
      'They changed during the rotation: restore them from the backup or delete them, then run resume()',
    )
  }
  await verifyEntries(context, newRing, run)
  await writer.discard()
  await context.journalStore.delete(context.journalName)
  context.logger.info(
    { rotationId: writer.journal.id, recipient: ring.recipient },
    'Encryption key rotation completed',
  )
}

/**
 * Promotes first the entries that neither the current key nor the new key decrypts, such as a
 * token a gateway saved with the previous key. Promoting the key drops the previous key, so
 * those entries must be on the new key (the pending key until then) before it.
 */
async function promoteEntriesOnOlderKeys(
  context: RotationContext,
  writer: JournalWriter,
  ring: EncryptionKeyRing,
  newRing: EncryptionKeyRing,
  run: RunOptions,
): Promise<void> {
  const stages = await readKeyStages(context)
  const current = await EncryptionKeyRing.from({ current: stages.current })
  if (current.recipient === ring.recipient) return
  const readable = newRing.withPrevious(current)
  const failed: string[] = []
  await forEachLimit(context.targets, concurrencyOf(run), run.signal, async (target) => {
    const stored = await readStage(target.secretStore, target.name)
    if (!stored || (await opensWith(readable, stored.bytes()))) return
    if (!(await promoteEntry(writer, ring, newRing, target))) failed.push(target.entry)
  })
  if (failed.length > 0) {
    throw undecryptable(
      failed.sort(),
      'They changed during the rotation: restore them from the backup or delete them, then run resume()',
    )
  }
}

async function promoteKey(context: RotationContext, newRecipient: string): Promise<void> {
  const stages = await readKeyStages(context)
  const current = await EncryptionKeyRing.from({ current: stages.current })
  if (current.recipient === newRecipient) return
  await context.keyStore.promote(context.keyName)
}

/**
 * Checks that the new key alone decrypts every entry.
 *
 * @throws RotationError `ERR_ROTATION_VERIFY_FAILED` listing the entries it does not decrypt.
 */
async function verifyEntries(
  context: RotationContext,
  newRing: EncryptionKeyRing,
  run: RunOptions,
): Promise<void> {
  const failed: string[] = []
  let done = 0
  await forEachLimit(context.targets, concurrencyOf(run), run.signal, async (target) => {
    const current = await readStage(target.secretStore, target.name)
    if (current && !(await opensWith(newRing, current.bytes()))) failed.push(target.entry)
    run.onProgress?.({
      phase: 'verify',
      done: ++done,
      total: context.targets.length,
      entry: target.entry,
    })
  })
  if (failed.length > 0) {
    throw new RotationError(
      'ERR_ROTATION_VERIFY_FAILED',
      `The new key does not decrypt ${failed.join(', ')}: run resume() to retry`,
      { names: failed.sort() },
    )
  }
}
