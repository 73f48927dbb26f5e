import { createHash } from 'node:crypto'
import { EncryptionKeyRing, isHarmonyAuthError } from '@harmony-auth/core'
import type { SecretStage, SecretStore } from '@harmony-auth/core'

export const KEY_NAME = 'encryption.key'
export const JOURNAL_NAME = 'encryption.key.rotation'
const STAGES: readonly SecretStage[] = ['current', 'previous', 'pending']

/** Returns the names `token-00` … of `count` tokens. */
export function tokenNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `token-${String(index).padStart(2, '0')}`)
}

/** Returns the plaintext of token `name`: a token record as the TokenStore writes it. */
export function tokenPlaintext(name: string, generation = 0): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      machine_token: `mt-${name}-${generation}`,
      expires_at: '2030-01-01T00:00:00Z',
      gateway_id: `gw-${name}`,
      gateway_code: 'code',
      abilities: [],
      issued_at: '2026-01-01T00:00:00Z',
    }),
  )
}

/** Stores a new key and `names` encrypted to it, and returns the key ring. */
export async function seedStore(
  keyStore: SecretStore,
  tokenStore: SecretStore,
  names: readonly string[],
): Promise<EncryptionKeyRing> {
  const ring = await EncryptionKeyRing.generate()
  await keyStore.put(KEY_NAME, ring.toKeyFile())
  for (const name of names) {
    await tokenStore.put(name, await ring.encrypt(tokenPlaintext(name)))
  }
  return ring
}

async function readStage(
  store: SecretStore,
  name: string,
  stage: SecretStage,
): Promise<Uint8Array | undefined> {
  try {
    return (await store.get(name, { stage })).value.bytes()
  } catch (error) {
    if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return undefined
    throw error
  }
}

/**
 * Returns the SHA-256 of every stage of the key, the journal and every token, keyed by
 * `name~stage`, to compare a store before and after an operation byte for byte.
 */
export async function snapshotStores(
  keyStore: SecretStore,
  tokenStore: SecretStore,
  names: readonly string[],
): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {}
  const entries: [SecretStore, string][] = [
    [keyStore, KEY_NAME],
    [keyStore, JOURNAL_NAME],
    ...names.map((name): [SecretStore, string] => [tokenStore, name]),
  ]
  for (const [store, name] of entries) {
    for (const stage of STAGES) {
      const bytes = await readStage(store, name, stage)
      if (bytes) snapshot[`${name}~${stage}`] = createHash('sha256').update(bytes).digest('hex')
    }
  }
  return snapshot
}

/** Returns the ring of the key's current and previous stages, as a gateway loads it. */
export async function storedRing(keyStore: SecretStore): Promise<EncryptionKeyRing> {
  const current = await readStage(keyStore, KEY_NAME, 'current')
  const previous = await readStage(keyStore, KEY_NAME, 'previous')
  const pending = await readStage(keyStore, KEY_NAME, 'pending')
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
  return EncryptionKeyRing.from({
    current: decode(current!),
    previous: [previous, pending].filter((b) => b !== undefined).map(decode),
  })
}

/** Decrypts the current stage of `name` with `ring`, or returns undefined when it fails. */
export async function decryptCurrent(
  store: SecretStore,
  name: string,
  ring: EncryptionKeyRing,
): Promise<string | undefined> {
  const bytes = await readStage(store, name, 'current')
  if (!bytes) return undefined
  return ring.decrypt(bytes).then(
    (plaintext) => new TextDecoder().decode(plaintext),
    () => undefined,
  )
}

/** Reads one stage, or undefined. */
export { readStage }
