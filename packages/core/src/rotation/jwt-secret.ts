import { randomBytes } from 'node:crypto'
import { RotationError, isHarmonyAuthError } from '../errors.js'
import { assertValidName } from '../secrets/names.js'
import { Secret } from '../secrets/secret.js'
import type { SecretStore } from '../secrets/secret-store.js'

/** Smallest number of random bytes in a generated HS256 secret (RFC 7518 section 3.2). */
export const MIN_JWT_SECRET_BYTES = 32

/** Options for {@link rotateJwtSecret}. */
export interface RotateJwtSecretOptions {
  /** The store that contains the secret. */
  store: SecretStore
  /** Name of the secret in the store, for example `jwt-secret`. */
  name: string
  /** Random bytes in the new secret, at least 32. Default 32. */
  byteLength?: number
  /**
   * Whether the pending secret is promoted right away. With `false` it stays pending until
   * {@link promoteJwtSecret}, so both sides of a coordinated rotation can load it first.
   * Default true.
   */
  promote?: boolean
  /** Checks the store and reports what would happen without writing. Default false. */
  dryRun?: boolean
}

/** Report of {@link rotateJwtSecret}. Contains no secret value. */
export interface JwtSecretRotationReport {
  /** The secret name. */
  name: string
  /** The store provider, for example `filesystem`. */
  provider: string
  /** Random bytes in the new secret. */
  byteLength: number
  /** Stage of the new secret: `current` after promotion, `pending` otherwise. */
  stage: 'current' | 'pending'
  /** Whether a current secret existed; after promotion it is the `previous` stage. */
  hadCurrent: boolean
  /** Whether nothing was written. */
  dryRun: boolean
}

/**
 * Creates a random HS256 secret as text: the base64url form of `byteLength` random bytes, so the
 * same value works in `RUNBEAM_JWT_SECRET` and in a store. The HMAC key is the text's UTF-8
 * bytes, which are longer than the random bytes.
 *
 * @throws RangeError when `byteLength` is not an integer of at least 32.
 */
export function generateJwtSecret(byteLength = MIN_JWT_SECRET_BYTES): Secret {
  if (!Number.isInteger(byteLength) || byteLength < MIN_JWT_SECRET_BYTES || byteLength > 1024) {
    throw new RangeError(`byteLength must be an integer from ${MIN_JWT_SECRET_BYTES} to 1024`)
  }
  return new Secret(randomBytes(byteLength).toString('base64url'))
}

/**
 * Rotates an HS256 secret in a store: writes a new random secret as `pending`, then promotes it,
 * which keeps the former secret as `previous`. Verifiers configured with current and previous
 * accept tokens signed with either during the change-over.
 *
 * @throws TypeError or RangeError for invalid options.
 * @throws RotationError `ERR_ROTATION_IN_PROGRESS` when a pending secret already exists: promote
 * it with {@link promoteJwtSecret} or delete it first.
 * @throws SecretStoreError from the store, for example `ERR_SECRET_ACCESS_DENIED`.
 *
 * @example
 * ```ts
 * const report = await rotateJwtSecret({ store, name: 'jwt-secret' })
 * console.log(report.stage) // 'current'
 * ```
 */
export async function rotateJwtSecret(
  options: RotateJwtSecretOptions,
): Promise<JwtSecretRotationReport> {
  const { store, name } = checkOptions(options)
  const secret = generateJwtSecret(options.byteLength)
  const hadCurrent = await hasStage(store, name, 'current')
  if (await hasStage(store, name, 'pending')) {
    throw new RotationError(
      'ERR_ROTATION_IN_PROGRESS',
      `A pending secret "${name}" already exists: promote it or delete its pending stage first`,
      { secretName: name, provider: store.provider },
    )
  }

  const promote = options.promote ?? true
  const report: JwtSecretRotationReport = {
    name,
    provider: store.provider,
    byteLength: options.byteLength ?? MIN_JWT_SECRET_BYTES,
    stage: promote ? 'current' : 'pending',
    hadCurrent,
    dryRun: options.dryRun ?? false,
  }
  if (report.dryRun) return report

  await store.put(name, secret, { stage: 'pending' })
  if (promote) await store.promote(name)
  return report
}

/**
 * Promotes the pending HS256 secret written by `rotateJwtSecret({ promote: false })`.
 *
 * @throws RotationError `ERR_ROTATION_NOT_IN_PROGRESS` when there is no pending secret.
 */
export async function promoteJwtSecret(options: {
  store: SecretStore
  name: string
}): Promise<void> {
  const { store, name } = checkOptions(options)
  if (!(await hasStage(store, name, 'pending'))) {
    throw new RotationError('ERR_ROTATION_NOT_IN_PROGRESS', `No pending secret "${name}"`, {
      secretName: name,
      provider: store.provider,
    })
  }
  await store.promote(name)
}

function checkOptions<T extends { store: SecretStore; name: string }>(options: T): T {
  if (typeof options?.store?.put !== 'function' || typeof options.store.promote !== 'function') {
    throw new TypeError('store must be a SecretStore')
  }
  assertValidName(options.name, 'name')
  return options
}

/** Returns whether `stage` of `name` exists. Errors other than not found propagate. */
export async function hasStage(
  store: SecretStore,
  name: string,
  stage: 'current' | 'previous' | 'pending',
): Promise<boolean> {
  try {
    await store.get(name, { stage })
    return true
  } catch (error) {
    if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return false
    throw error
  }
}
