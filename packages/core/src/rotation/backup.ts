import { RotationError } from '../errors.js'
import { EncryptionKeyRing } from '../keys/encryption-key-ring.js'
import { Secret } from '../secrets/secret.js'
import {
  decryptBackup,
  encryptBackup,
  type ArchivedKeyStage,
  type ArchivedTarget,
  type BackupContent,
} from './backup-archive.js'
import {
  readKeyStages,
  readStage,
  ringOfStages,
  ringOf,
  type KeyStages,
  type ResolvedTarget,
  type RotationContext,
} from './context.js'
import type { EntrySnapshot } from './entry-steps.js'
import { refuseInProgress } from './journal.js'
import { readSecretFile, writeSecretFile } from './secure-file.js'
import type {
  BackupDestination,
  BackupReport,
  RestoreAction,
  RestoreOptions,
  RestoreReport,
} from './types.js'
import { isArray } from './guards.js'

async function archivedStage(
  context: RotationContext,
  value: Secret,
  stage: 'current' | 'previous',
): Promise<ArchivedKeyStage> {
  return { value, recipient: (await ringOf(context, value, stage)).recipient }
}

/**
 * Writes a backup archive of the key stages and the given ciphertexts and returns its path.
 *
 * @throws RotationError `ERR_CONFIG_INVALID` when a recovery recipient is one of the keys being
 * backed up, which would let the backed-up key open its own backup.
 */
export async function writeBackup(
  context: RotationContext,
  stages: KeyStages,
  entries: readonly Pick<EntrySnapshot, 'target' | 'ciphertext'>[],
  destination: BackupDestination,
): Promise<string> {
  if (typeof destination?.to !== 'string' || destination.to === '') {
    throw new TypeError('backup.to must be a file path')
  }
  const recipients: readonly string[] = destination.recipients
  if (!isArray(recipients)) {
    throw new TypeError('backup.recipients must be an array of age1… public keys')
  }
  const current = await archivedStage(context, stages.current, 'current')
  const previous = stages.previous
    ? await archivedStage(context, stages.previous, 'previous')
    : undefined
  const own = [current.recipient, previous?.recipient]
  if (recipients.some((recipient) => own.includes(recipient))) {
    throw new RotationError(
      'ERR_CONFIG_INVALID',
      'A recovery recipient is a key being backed up: name recovery keys kept elsewhere',
    )
  }
  const content: BackupContent = {
    createdAt: context.clock(),
    key: {
      provider: context.keyStore.provider,
      name: context.keyName,
      current,
      ...(previous ? { previous } : {}),
    },
    targets: entries.map(({ target, ciphertext }) => ({
      store: target.store,
      provider: target.secretStore.provider,
      name: target.name,
      ciphertext,
    })),
  }
  const archive = await encryptBackup(content, recipients)
  await writeSecretFile(destination.to, archive, { overwrite: false })
  context.logger.info({ path: destination.to, entries: entries.length }, 'Backup written')
  return destination.to
}

/** Writes a backup of the key and every configured entry. See `KeyRotator.backup`. */
export async function createBackup(
  context: RotationContext,
  destination: BackupDestination,
): Promise<BackupReport> {
  const stages = await readKeyStages(context)
  const entries: Pick<EntrySnapshot, 'target' | 'ciphertext'>[] = []
  for (const target of context.targets) {
    const stored = await readStage(target.secretStore, target.name)
    if (stored) entries.push({ target, ciphertext: stored.bytes() })
  }
  const path = await writeBackup(context, stages, entries, destination)
  const archive = await readSecretFile(path)
  const keyRecipients = [(await ringOf(context, stages.current, 'current')).recipient]
  if (stages.previous)
    keyRecipients.push((await ringOf(context, stages.previous, 'previous')).recipient)
  return {
    path,
    keyRecipients,
    entries: entries.map((e) => e.target.entry),
    bytes: archive.byteLength,
  }
}

/** Restores an archive after checking it against the live data. See `KeyRotator.restore`. */
export async function restoreBackup(
  context: RotationContext,
  options: RestoreOptions,
): Promise<RestoreReport> {
  if (typeof options?.from !== 'string' || options.from === '') {
    throw new TypeError('from must be the path of a backup archive')
  }
  if (typeof options.identity !== 'string' && !Secret.isSecret(options.identity)) {
    throw new TypeError('identity must be an AGE-SECRET-KEY-1… string or a Secret')
  }
  await refuseInProgress(context.journalStore, context.journalName)
  const identity = Secret.from(options.identity)
  const content = await decryptBackup(await readSecretFile(options.from), identity)
  const archivedKey = await parseArchivedKey(content)
  const live = await readStage(context.keyStore, context.keyName)
  const liveRing = live ? await ringOf(context, live, 'current') : undefined

  const { keyAction, ringAfter } = await keyChange(context, archivedKey, liveRing)
  const entries = await planEntries(context, content.targets, ringAfter)
  const report: RestoreReport = {
    dryRun: options.dryRun ?? false,
    createdAt: content.createdAt.toISOString(),
    key: { recipient: archivedKey.recipient, action: keyAction },
    entries: entries.map(({ target, action }) => ({ entry: target.entry, action })),
  }
  if (report.dryRun) return report

  if (keyAction !== 'unchanged') {
    await context.keyStore.put(context.keyName, content.key.current.value)
  }
  for (const { target, action, ciphertext } of entries) {
    if (action !== 'unchanged') await target.secretStore.put(target.name, ciphertext)
  }
  context.logger.info({ path: options.from, entries: entries.length }, 'Backup restored')
  return report
}

async function parseArchivedKey(content: BackupContent): Promise<EncryptionKeyRing> {
  const ring = await EncryptionKeyRing.from({
    current: content.key.current.value,
    source: 'the backup archive',
  }).catch((error: unknown) => {
    throw new RotationError(
      'ERR_BACKUP_INVALID',
      'The backup archive contains no valid encryption key',
      { cause: error },
    )
  })
  if (ring.recipient !== content.key.current.recipient) {
    throw new RotationError('ERR_BACKUP_INVALID', 'The backup key does not match its recipient')
  }
  return ring
}

/**
 * Returns what the restore does to the key and the key ring afterwards: the archive's key becomes
 * current and the live key, if different, previous. A key in the environment cannot be written,
 * so it must already hold the archive's key.
 *
 * @throws RotationError `ERR_BACKUP_MISMATCH` when the environment lacks the archive's key.
 */
async function keyChange(
  context: RotationContext,
  archivedKey: EncryptionKeyRing,
  liveRing: EncryptionKeyRing | undefined,
): Promise<{ keyAction: RestoreAction; ringAfter: EncryptionKeyRing }> {
  const keyAction = actionFor(liveRing?.recipient, archivedKey.recipient)
  if (!context.keyInEnvironment) {
    const ringAfter =
      liveRing && keyAction === 'replace' ? archivedKey.withPrevious(liveRing) : archivedKey
    return { keyAction, ringAfter }
  }
  const environmentRing = await ringOfStages(context, await readKeyStages(context))
  const known = [environmentRing.recipient, ...environmentRing.previousRecipients]
  if (!known.includes(archivedKey.recipient)) {
    throw new RotationError(
      'ERR_BACKUP_MISMATCH',
      `The backup key ${archivedKey.recipient} is in neither RUNBEAM_ENCRYPTION_KEY nor RUNBEAM_ENCRYPTION_KEY_PREVIOUS: add it there first. Nothing was changed`,
      { source: 'RUNBEAM_ENCRYPTION_KEY' },
    )
  }
  return { keyAction: 'unchanged', ringAfter: environmentRing }
}

function actionFor(live: string | undefined, archived: string): RestoreAction {
  if (live === undefined) return 'create'
  return live === archived ? 'unchanged' : 'replace'
}

interface PlannedEntry {
  target: ResolvedTarget
  action: RestoreAction
  ciphertext: Uint8Array
}

/**
 * Matches archived entries to the configured targets and checks that the key ring after the
 * restore decrypts every archived entry and every live entry the archive leaves as it is.
 *
 * @throws RotationError `ERR_BACKUP_MISMATCH` naming the entries that do not fit.
 */
async function planEntries(
  context: RotationContext,
  archived: readonly ArchivedTarget[],
  ringAfter: EncryptionKeyRing,
): Promise<PlannedEntry[]> {
  const planned: PlannedEntry[] = []
  const mismatched: string[] = []
  for (const entry of archived) {
    const target = context.targets.find((t) => t.store === entry.store && t.name === entry.name)
    if (!target || target.secretStore.provider !== entry.provider) {
      mismatched.push(`${entry.provider}#${entry.store}/${entry.name}`)
      continue
    }
    if (!(await decrypts(ringAfter, entry.ciphertext))) mismatched.push(target.entry)
    const live = await readStage(target.secretStore, target.name)
    const action =
      live === undefined
        ? 'create'
        : sameBytes(live.bytes(), entry.ciphertext)
          ? 'unchanged'
          : 'replace'
    planned.push({ target, action, ciphertext: entry.ciphertext })
  }
  for (const target of context.targets) {
    if (planned.some((p) => p.target === target)) continue
    const live = await readStage(target.secretStore, target.name)
    if (live && !(await decrypts(ringAfter, live.bytes()))) mismatched.push(target.entry)
  }
  if (mismatched.length > 0) {
    throw new RotationError(
      'ERR_BACKUP_MISMATCH',
      `The backup does not fit the live data at ${mismatched.join(', ')}: the entry is not a configured target, or no key after the restore would decrypt it. Nothing was changed`,
      { names: mismatched },
    )
  }
  return planned
}

async function decrypts(ring: EncryptionKeyRing, ciphertext: Uint8Array): Promise<boolean> {
  return ring.decrypt(ciphertext).then(
    () => true,
    () => false,
  )
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b))
}
