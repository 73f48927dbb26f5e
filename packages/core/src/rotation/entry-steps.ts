import type { EncryptionKeyRing } from '../keys/encryption-key-ring.js'
import { sha256Hex } from './backup-archive.js'
import { readStage, type ResolvedTarget } from './context.js'
import type { JournalWriter } from './journal.js'

/** An entry read and decrypted before anything changes. */
export interface EntrySnapshot {
  target: ResolvedTarget
  ciphertext: Uint8Array
  plaintext: Uint8Array
}

// Saves by a gateway that race with one entry's promotion are taken over this many times.
const MAX_RACE_RECOVERIES = 3

/** Returns whether `ring` decrypts `ciphertext`. */
export async function opensWith(ring: EncryptionKeyRing, ciphertext: Uint8Array): Promise<boolean> {
  return ring.decrypt(ciphertext).then(
    () => true,
    () => false,
  )
}

/**
 * Writes one entry's plaintext, encrypted to the new key, as its pending version and records the
 * hash of the current ciphertext it came from in the journal. Returns the pending ciphertext.
 */
export async function writePending(
  writer: JournalWriter,
  newRing: EncryptionKeyRing,
  { target, ciphertext, plaintext }: EntrySnapshot,
): Promise<Uint8Array> {
  const sealed = await newRing.encrypt(plaintext)
  await target.secretStore.put(target.name, sealed, { stage: 'pending' })
  const source = sha256Hex(ciphertext)
  writer.update((journal) => {
    const entry = journal.targets.find((t) => t.store === target.store && t.name === target.name)
    if (entry) entry.source = source
    else journal.targets.push({ store: target.store, name: target.name, source })
  })
  return sealed
}

/**
 * Makes one entry's current version the new-key version. Returns false when no key decrypts the
 * entry, so it cannot be rotated.
 *
 * @param ring - The new key as current with every older key, for entries still on an old key.
 * @param newRing - The new key alone.
 */
export async function promoteEntry(
  writer: JournalWriter,
  ring: EncryptionKeyRing,
  newRing: EncryptionKeyRing,
  target: ResolvedTarget,
): Promise<boolean> {
  const current = await readStage(target.secretStore, target.name)
  if (!current) return true
  const ciphertext = current.bytes()
  const entry = writer.journal.targets.find(
    (t) => t.store === target.store && t.name === target.name,
  )
  // A matching hash means the pending version was written from this very current version: put
  // is atomic and the hash is recorded only after it, so no decryption is needed to trust it.
  if (entry?.source === sha256Hex(ciphertext)) {
    const promoted = await promotePending(target)
    if (promoted) return takeOverRacingSaves(ring, newRing, target, ciphertext, promoted)
  } else if (await opensWith(newRing, ciphertext)) {
    // Promoted already, or a gateway saved with the new key: a pending version left is stale.
    await target.secretStore.delete(target.name, { stage: 'pending' })
    return true
  }

  const plaintext = await ring.decrypt(ciphertext).catch(() => undefined)
  if (!plaintext) return false
  const pending = await writePending(writer, newRing, { target, ciphertext, plaintext })
  await target.secretStore.promote(target.name)
  return takeOverRacingSaves(ring, newRing, target, ciphertext, pending)
}

/** Promotes the pending version and returns its bytes, or undefined when there is none. */
async function promotePending(target: ResolvedTarget): Promise<Uint8Array | undefined> {
  const pending = await readStage(target.secretStore, target.name, 'pending')
  if (!pending) return undefined
  await target.secretStore.promote(target.name)
  return pending.bytes()
}

/**
 * Checks that the version promotion moved to `previous` is the one checked before it. A gateway
 * that saved in between left its token there; that token is re-encrypted and written as current,
 * so the save is not lost. Returns false when such a token cannot be decrypted.
 *
 * NOTE: SecretStore has no compare-and-swap, so a save landing between this check and the
 * following write is caught only by the next of the bounded rounds.
 */
async function takeOverRacingSaves(
  ring: EncryptionKeyRing,
  newRing: EncryptionKeyRing,
  target: ResolvedTarget,
  replaced: Uint8Array,
  written: Uint8Array,
): Promise<boolean> {
  let expected = sha256Hex(replaced)
  let latest = written
  for (let round = 0; round < MAX_RACE_RECOVERIES; round++) {
    const previous = (await readStage(target.secretStore, target.name, 'previous'))?.bytes()
    if (!previous || sha256Hex(previous) === expected) return true
    const plaintext = await ring.decrypt(previous).catch(() => undefined)
    if (!plaintext) return false
    const sealed = await newRing.encrypt(plaintext)
    await target.secretStore.put(target.name, sealed)
    expected = sha256Hex(latest)
    latest = sealed
  }
  return true
}
