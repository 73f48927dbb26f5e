import { ConfigurationError, KeyError, RotationError, isHarmonyAuthError } from '../errors.js'
import { EncryptionKeyRing } from '../keys/encryption-key-ring.js'
import { assertValidName } from '../secrets/names.js'
import type { SecretStage, SecretStore } from '../secrets/secret-store.js'
import type { Secret } from '../secrets/secret.js'
import { systemClock, type Clock } from '../support/clock.js'
import { silentLogger, type Logger } from '../support/logger.js'
import { EnvironmentKeyStore } from './environment-key-store.js'
import { journalNameFor } from './journal.js'
import type { KeyRotatorOptions, RotationTarget, RunOptions } from './types.js'
import { isArray } from './guards.js'

/** One configured entry: a name in a target store. */
export interface ResolvedTarget {
  /** Index of the store in the `targets` option. */
  store: number
  secretStore: SecretStore
  name: string
  /** `label/name`, as reports and errors show it. */
  entry: string
}

/** The checked options every rotation step works with. */
export interface RotationContext {
  /** The key store; for a key in the environment a read-only view of the variables. */
  keyStore: SecretStore
  keyName: string
  /** Whether the key comes from `RUNBEAM_ENCRYPTION_KEY`, so no key is generated or written. */
  keyInEnvironment: boolean
  journalStore: SecretStore
  journalName: string
  targets: ResolvedTarget[]
  clock: Clock
  logger: Logger
}

/** The stored stages of the encryption key. */
export interface KeyStages {
  current: Secret
  previous?: Secret
  pending?: Secret
  /** Further previous keys, which only `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` can list. */
  older: Secret[]
}

/** Checks the rotator options once. Misuse throws TypeError or RangeError. */
export function resolveContext(options: KeyRotatorOptions): RotationContext {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required')
  const location = options.key
  const keyInEnvironment = location?.environment !== undefined
  if (keyInEnvironment && typeof location.environment !== 'object') {
    throw new TypeError('key.environment must be an environment object such as process.env')
  }
  if (!keyInEnvironment) assertStore(location?.store, 'key.store')
  const keyName = assertValidName(location.name ?? 'encryption.key', 'key.name')
  const configured: readonly RotationTarget[] = options.targets
  if (!isArray(configured) || configured.length === 0) {
    throw new TypeError('targets must be a non-empty array')
  }
  const targets = configured.flatMap((target, index): ResolvedTarget[] => {
    assertStore(target?.store, `targets[${index}].store`)
    const label = target.label ?? defaultLabel(options, index)
    const names: readonly string[] = target.names ?? ['auth.json']
    if (!isArray(names)) throw new TypeError(`targets[${index}].names must be an array`)
    return names.map((name) => ({
      store: index,
      secretStore: target.store,
      name: assertValidName(name, `targets[${index}].names`),
      entry: `${label}/${name}`,
    }))
  })
  const entries = new Set(targets.map((target) => target.entry))
  if (entries.size !== targets.length) throw new TypeError('targets list an entry twice')
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError('clock must be a function returning a Date')
  }
  const keyStore = location.environment
    ? new EnvironmentKeyStore(location.environment)
    : location.store
  const journalStore = location.environment
    ? (location.journalStore ?? configured[0]!.store)
    : location.store
  assertStore(journalStore, 'key.journalStore')
  return {
    keyStore,
    keyName,
    keyInEnvironment,
    journalStore,
    journalName: journalNameFor(keyName),
    targets,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  }
}

function defaultLabel(options: KeyRotatorOptions, index: number): string {
  const provider = options.targets[index]!.store.provider
  const sameProvider = options.targets.filter((target) => target.store.provider === provider)
  return sameProvider.length > 1 ? `${provider}#${index}` : provider
}

function assertStore(store: unknown, optionName: string): void {
  const candidate = store as Partial<SecretStore> | undefined
  if (
    typeof candidate?.get !== 'function' ||
    typeof candidate.put !== 'function' ||
    typeof candidate.promote !== 'function' ||
    typeof candidate.delete !== 'function'
  ) {
    throw new TypeError(`${optionName} must be a SecretStore`)
  }
}

/** Checks the concurrency option: an integer from 1 to 64, default 4. */
export function concurrencyOf(options: RunOptions): number {
  const concurrency = options.concurrency ?? 4
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new RangeError('concurrency must be an integer from 1 to 64')
  }
  return concurrency
}

/** Reads one stage, or returns undefined when it does not exist. */
export async function readStage(
  store: SecretStore,
  name: string,
  stage: SecretStage = 'current',
): Promise<Secret | undefined> {
  try {
    return (await store.get(name, { stage })).value
  } catch (error) {
    if (isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')) return undefined
    throw error
  }
}

/**
 * Reads every stage of the encryption key.
 *
 * @throws KeyError `ERR_KEY_NOT_FOUND` when the key has no current stage.
 */
export async function readKeyStages(context: RotationContext): Promise<KeyStages> {
  const { keyStore, keyName } = context
  const [current, previous, pending] = await Promise.all([
    readStage(keyStore, keyName, 'current'),
    readStage(keyStore, keyName, 'previous'),
    readStage(keyStore, keyName, 'pending'),
  ])
  if (!current) {
    throw new KeyError('ERR_KEY_NOT_FOUND', `The encryption key "${keyName}" does not exist`, {
      secretName: keyName,
      provider: keyStore.provider,
    })
  }
  const older = keyStore instanceof EnvironmentKeyStore ? keyStore.previousKeys().slice(1) : []
  return { current, previous, pending, older }
}

/** Builds a one-key ring from a stored key stage, naming the stage in errors. */
export function ringOf(context: RotationContext, value: Secret, stage: SecretStage) {
  return EncryptionKeyRing.from({ current: value, source: keySource(context, stage) })
}

/** Names a key stage in errors, for example `filesystem:encryption.key (pending)`. */
export function keySource(context: RotationContext, stage: SecretStage): string {
  if (context.keyInEnvironment) {
    return stage === 'current' ? 'RUNBEAM_ENCRYPTION_KEY' : 'RUNBEAM_ENCRYPTION_KEY_PREVIOUS'
  }
  const base = `${context.keyStore.provider}:${context.keyName}`
  return stage === 'current' ? base : `${base} (${stage})`
}

/** Raises the error for entries that no available key decrypts. Changes nothing. */
export function undecryptable(entries: readonly string[], hint: string): RotationError {
  return new RotationError(
    'ERR_ROTATION_UNDECRYPTABLE',
    `No key decrypts ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${entries.join(', ')}. ${hint}`,
    { names: entries },
  )
}

/** Raises when the options do not fit what the stored data or journal needs. */
export function configurationMismatch(message: string): ConfigurationError {
  return new ConfigurationError('ERR_CONFIG_INVALID', message)
}

/**
 * Runs `task` over `items` with at most `concurrency` in flight, in order of start. After the first
 * failure no new item starts, and the error is thrown once the running ones have settled. Stops
 * starting items once `signal` aborts and then throws `ERR_ROTATION_ABORTED`.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      throwIfAborted(signal)
      const item = items[next++]!
      try {
        await task(item)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, worker)
  const results = await Promise.allSettled(workers)
  const rejected = results.find((result) => result.status === 'rejected')
  if (rejected) throw rejected.reason
  throwIfAborted(signal)
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RotationError(
      'ERR_ROTATION_ABORTED',
      'The rotation was aborted: run resume() to complete it or rollback() to undo it',
      { cause: signal.reason },
    )
  }
}

/** Builds the ring of every stored key stage, current first. */
export async function ringOfStages(
  context: RotationContext,
  stages: KeyStages,
): Promise<EncryptionKeyRing> {
  const previous: Secret[] = [...(stages.previous ? [stages.previous] : []), ...stages.older]
  return EncryptionKeyRing.from({
    current: stages.current,
    previous,
    source: keySource(context, 'current'),
  })
}
