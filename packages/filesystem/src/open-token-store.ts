import { homedir } from 'node:os'
import { join } from 'node:path'
import { TokenStore, assertValidName, createKeyRingSource, warnOperator } from '@harmony-auth/core'
import type { Clock, KeyRingSource, Logger } from '@harmony-auth/core'
import { FilesystemSecretStore } from './filesystem-secret-store.js'

/** Options for {@link openTokenStore}. */
export interface OpenTokenStoreOptions {
  /** The gateway instance id: 1 to 128 characters of `[A-Za-z0-9._-]`, not `.` or `..`. */
  instanceId: string
  /** Home folder that contains `.runbeam`. Default `os.homedir()`. */
  homeDir?: string
  /** Environment with `RUNBEAM_ENCRYPTION_KEY` and `RUNBEAM_ENCRYPTION_KEY_PREVIOUS`. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Receives warnings and debug records. Default: warnings go to `process.emitWarning`. */
  logger?: Logger
  /** Clock for token validity and `issuedAt` defaults. Default the system clock. */
  clock?: Clock
}

/** Options for {@link createFilesystemKeyRingSource}. */
export interface FilesystemKeyRingSourceOptions {
  /** Environment with the key variables. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Receives the local-disk warning when a key is generated. Default `process.emitWarning`. */
  logger?: Logger
}

/** Warning code for a key generated on local disk. */
export const LOCAL_KEY_WARNING = 'HARMONY_AUTH_LOCAL_KEY_FILE'

/** Returns the instance folder the Rust gateway uses: `<homeDir>/.runbeam/<instanceId>`. */
export function instanceFolder(instanceId: string, homeDir: string = homedir()): string {
  return join(homeDir, '.runbeam', assertValidName(instanceId, 'instanceId'))
}

/**
 * Creates the key ring source of a filesystem store: `RUNBEAM_ENCRYPTION_KEY` and
 * `RUNBEAM_ENCRYPTION_KEY_PREVIOUS` first, then the file `encryption.key` in the store's root,
 * generated at the first save under the store's writer lock, so processes that start together
 * end with one key. Generating a key logs a warning that it lives on local disk.
 *
 * @example
 * ```ts
 * const store = new FilesystemSecretStore({ root: '/data/gateway' })
 * const tokens = new TokenStore({ backend: store, keyRing: createFilesystemKeyRingSource(store) })
 * ```
 */
export function createFilesystemKeyRingSource(
  store: FilesystemSecretStore,
  options: FilesystemKeyRingSourceOptions = {},
): KeyRingSource {
  return createKeyRingSource({
    env: options.env,
    store,
    keyLocation: store.pathOf('encryption.key'),
    createIfAbsent: (name, value) => store.putIfAbsent(name, value),
    onKeyCreated: (keyLocation) =>
      warnOperator(
        options.logger,
        LOCAL_KEY_WARNING,
        `Generated a new encryption key at ${keyLocation}. The key lives on local disk: in a ` +
          `container, keep ${store.root} on a persistent volume or set RUNBEAM_ENCRYPTION_KEY, ` +
          'or the stored token cannot be decrypted after the container is replaced',
        { keyLocation },
      ),
    logger: options.logger,
  })
}

/**
 * Opens the machine-token store of a gateway instance where the Rust gateway kept it:
 * `~/.runbeam/<instanceId>/auth.json`, encrypted with the key from `RUNBEAM_ENCRYPTION_KEY` or
 * `~/.runbeam/<instanceId>/encryption.key`. The older layout
 * `~/.runbeam/<instanceId>/runbeam/auth.json` is read when the new file is absent. Nothing is
 * created until the first save.
 *
 * @throws HarmonyAuthError `ERR_SECRET_INVALID_NAME` when `instanceId` is invalid.
 * @throws TypeError when `instanceId` is missing, `homeDir` is empty or an option has the wrong
 * type.
 * @example
 * ```ts
 * const store = openTokenStore({ instanceId: 'gw-1' })
 * await store.save({ machineToken, expiresAt, gatewayId, gatewayCode })
 * const token = await store.load()
 * ```
 */
export function openTokenStore(options: OpenTokenStoreOptions): TokenStore {
  if (typeof options !== 'object' || options === null || options.instanceId === undefined) {
    throw new TypeError('openTokenStore needs an instanceId')
  }
  // An empty homeDir would put the key file under the working folder.
  if (
    options.homeDir !== undefined &&
    (typeof options.homeDir !== 'string' || options.homeDir === '')
  ) {
    throw new TypeError('openTokenStore homeDir must be a non-empty string')
  }
  const root = instanceFolder(options.instanceId, options.homeDir)
  const backend = new FilesystemSecretStore({ root, logger: options.logger })
  const legacy = new FilesystemSecretStore({ root: join(root, 'runbeam'), logger: options.logger })
  return new TokenStore({
    backend,
    keyRing: createFilesystemKeyRingSource(backend, options),
    name: 'auth.json',
    label: backend.pathOf('auth.json'),
    fallbacks: [{ backend: legacy, name: 'auth.json', label: legacy.pathOf('auth.json') }],
    clock: options.clock,
    logger: options.logger,
  })
}
