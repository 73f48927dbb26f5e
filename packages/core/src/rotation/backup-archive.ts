import { createHash } from 'node:crypto'
import { Decrypter, Encrypter } from 'age-encryption'
import { RotationError } from '../errors.js'
import { parseAgeIdentity } from '../keys/age-identity.js'
import { isValidName } from '../secrets/names.js'
import { Secret } from '../secrets/secret.js'
import { isArray } from './guards.js'

/** Value of the `format` member that marks a Harmony Auth backup archive. */
export const BACKUP_FORMAT = 'harmony-auth-backup'

/** The archive version this build writes and reads. */
export const BACKUP_VERSION = 1

/** One stored stage of the encryption key, as kept in an archive. */
export interface ArchivedKeyStage {
  /** The stored bytes of the key (any text form the key ring parses). */
  value: Secret
  /** The public `age1…` recipient of the key. */
  recipient: string
}

/** One token ciphertext, as kept in an archive. */
export interface ArchivedTarget {
  /** Index of the target store in the rotator's `targets` option. */
  store: number
  /** The store provider, for example `filesystem`. */
  provider: string
  /** The token name, for example `auth.json`. */
  name: string
  /** The age ciphertext of the `current` stage, byte for byte. */
  ciphertext: Uint8Array
}

/** The decrypted content of a backup archive. */
export interface BackupContent {
  /** When the backup was written. */
  createdAt: Date
  /** The key location the key material came from. */
  key: {
    provider: string
    name: string
    current: ArchivedKeyStage
    previous?: ArchivedKeyStage
  }
  /** The token ciphertexts. */
  targets: ArchivedTarget[]
}

/**
 * Encrypts a backup to the operator's recovery recipients as one binary age v1 file. The
 * plaintext is a JSON document (format `harmony-auth-backup`, version 1) with base64 values and a
 * SHA-256 per entry, so `age -d -i recovery.txt backup.age` shows it with standard tools.
 *
 * @throws RotationError `ERR_CONFIG_INVALID` when no recipient is given or one is not an `age1…`
 * public key.
 */
export async function encryptBackup(
  content: BackupContent,
  recipients: readonly string[],
): Promise<Uint8Array> {
  if (!isArray(recipients) || recipients.length === 0) {
    throw new RotationError('ERR_CONFIG_INVALID', 'A backup needs at least one recovery recipient')
  }
  const encrypter = new Encrypter()
  for (const recipient of recipients) {
    if (typeof recipient !== 'string' || !recipient.startsWith('age1')) {
      throw new RotationError('ERR_CONFIG_INVALID', 'Recovery recipients must be age1… public keys')
    }
    try {
      encrypter.addRecipient(recipient)
    } catch (error) {
      throw new RotationError('ERR_CONFIG_INVALID', `Invalid recovery recipient ${recipient}`, {
        cause: error,
      })
    }
  }
  return encrypter.encrypt(JSON.stringify(toDocument(content)))
}

/**
 * Decrypts and parses a backup archive. The identity may be an `AGE-SECRET-KEY-1…` line or the
 * whole `age-keygen` output, in any form `parseAgeIdentity` accepts.
 *
 * @throws KeyError `ERR_KEY_INVALID` when the identity is not an age X25519 identity.
 * @throws RotationError `ERR_BACKUP_DECRYPT_FAILED` when the identity does not open the archive,
 * and `ERR_BACKUP_INVALID` when the content is not a valid version 1 archive or an entry fails
 * its SHA-256 check.
 */
export async function decryptBackup(archive: Uint8Array, identity: Secret): Promise<BackupContent> {
  const { identity: line } = await parseAgeIdentity(identity, 'the recovery identity')
  let plaintext: string
  try {
    const decrypter = new Decrypter()
    decrypter.addIdentity(line.text())
    plaintext = await decrypter.decrypt(archive, 'text')
  } catch (error) {
    throw new RotationError(
      'ERR_BACKUP_DECRYPT_FAILED',
      'Failed to decrypt the backup: the identity is not one of its recovery recipients, or the file is not an age archive',
      { cause: error },
    )
  }
  return fromDocument(parseJson(plaintext))
}

interface EntryDocument {
  value: string
  sha256: string
}

function encodeEntry(bytes: Uint8Array): EntryDocument {
  return { value: Buffer.from(bytes).toString('base64'), sha256: sha256Hex(bytes) }
}

function toDocument(content: BackupContent): Record<string, unknown> {
  const keyStage = (stage: ArchivedKeyStage) => ({
    ...encodeEntry(stage.value.bytes()),
    recipient: stage.recipient,
  })
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: content.createdAt.toISOString(),
    key: {
      provider: content.key.provider,
      name: content.key.name,
      current: keyStage(content.key.current),
      ...(content.key.previous ? { previous: keyStage(content.key.previous) } : {}),
    },
    targets: content.targets.map((target) => ({
      store: target.store,
      provider: target.provider,
      name: target.name,
      ...encodeEntry(target.ciphertext),
    })),
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>
    }
  } catch {
    // Reported below with a fixed message: the plaintext may contain key material.
  }
  throw invalid('the content is not a JSON object')
}

function fromDocument(document: Record<string, unknown>): BackupContent {
  if (document.format !== BACKUP_FORMAT) throw invalid(`the format is not ${BACKUP_FORMAT}`)
  if (document.version !== BACKUP_VERSION) {
    throw invalid(`version ${String(document.version)} is not supported`)
  }
  const createdAt = new Date(String(document.createdAt))
  if (Number.isNaN(createdAt.getTime())) throw invalid('createdAt is not a date')
  const key = objectMember(document, 'key')
  if (!Array.isArray(document.targets)) throw invalid('targets is not an array')
  return {
    createdAt,
    key: {
      provider: stringMember(key, 'provider'),
      name: nameMember(key, 'name'),
      current: decodeKeyStage(objectMember(key, 'current')),
      ...(key.previous === undefined
        ? {}
        : { previous: decodeKeyStage(objectMember(key, 'previous')) }),
    },
    targets: (document.targets as unknown[]).map(decodeTarget),
  }
}

function decodeKeyStage(entry: Record<string, unknown>): ArchivedKeyStage {
  const recipient = stringMember(entry, 'recipient')
  if (!recipient.startsWith('age1')) throw invalid('a key recipient is not an age1… public key')
  return { value: new Secret(decodeEntry(entry)), recipient }
}

function decodeTarget(value: unknown): ArchivedTarget {
  if (typeof value !== 'object' || value === null) throw invalid('a target is not an object')
  const entry = value as Record<string, unknown>
  const store = entry.store
  if (typeof store !== 'number' || !Number.isInteger(store) || store < 0) {
    throw invalid('a target store index is not a non-negative integer')
  }
  return {
    store,
    provider: stringMember(entry, 'provider'),
    name: nameMember(entry, 'name'),
    ciphertext: decodeEntry(entry),
  }
}

function decodeEntry(entry: Record<string, unknown>): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(stringMember(entry, 'value'), 'base64'))
  if (sha256Hex(bytes) !== entry.sha256) throw invalid('an entry fails its SHA-256 check')
  return bytes
}

function objectMember(object: Record<string, unknown>, member: string): Record<string, unknown> {
  const value = object[member]
  if (typeof value !== 'object' || value === null) throw invalid(`${member} is not an object`)
  return value as Record<string, unknown>
}

function stringMember(object: Record<string, unknown>, member: string): string {
  const value = object[member]
  if (typeof value !== 'string' || value === '') throw invalid(`${member} is not a string`)
  return value
}

function nameMember(object: Record<string, unknown>, member: string): string {
  const value = stringMember(object, member)
  if (!isValidName(value)) throw invalid(`${member} is not a valid secret name`)
  return value
}

function invalid(reason: string): RotationError {
  return new RotationError('ERR_BACKUP_INVALID', `Invalid backup archive: ${reason}`)
}

/** Returns the SHA-256 of `bytes` as lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
