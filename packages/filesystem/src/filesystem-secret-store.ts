import { chmod, link, readdir, rename, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  HarmonyAuthError,
  Secret,
  SecretStoreError,
  assertValidName,
  isValidName,
  warnOperator,
} from '@harmony-auth/core'
import type {
  Logger,
  SecretDeleteOptions,
  SecretGetOptions,
  SecretListOptions,
  SecretPutOptions,
  SecretStage,
  SecretStore,
  StoredSecret,
} from '@harmony-auth/core'
import {
  FILE_MODE,
  FOLDER_MODE,
  INTERNAL_MARK,
  errorCode,
  formatMode,
  lstatIfExists,
  makeFolder,
  readNoFollow,
  symlinkError,
  syncFolder,
  writeTempFile,
} from './secure-files.js'
import { WriterLock } from './writer-lock.js'
import type { LockState } from './writer-lock.js'

/** Options for {@link FilesystemSecretStore}. */
export interface FilesystemSecretStoreOptions {
  /** Folder that contains the secrets, for example `~/.runbeam/<instance_id>`. Created with mode 0700 at the first write. */
  root: string
  /** Receives the warning when loose permissions are tightened. Default `process.emitWarning`. */
  logger?: Logger
  /** A writer lock not refreshed for this long is taken over, in ms. Default 10000, at least 2000. */
  lockStaleMs?: number
  /** How long a writer waits for the lock, in ms. Default `lockStaleMs` plus 5000. */
  lockTimeoutMs?: number
}

const STAGES: readonly SecretStage[] = ['current', 'previous', 'pending']
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS'])
/** Warning code for permissions that were tightened. */
export const PERMISSIONS_TIGHTENED_WARNING = 'HARMONY_AUTH_PERMISSIONS_TIGHTENED'

function checkMilliseconds(value: unknown, name: string, minimum: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`FilesystemSecretStore ${name} must be a finite number of milliseconds`)
  }
  if (value < minimum)
    throw new RangeError(`FilesystemSecretStore ${name} must be at least ${minimum} ms`)
  return value
}

function storeFailed(verb: string, name: string, cause: unknown): HarmonyAuthError {
  if (cause instanceof HarmonyAuthError) return cause
  const denied = ['EACCES', 'EPERM'].includes(errorCode(cause) ?? '')
  return new SecretStoreError(
    denied ? 'ERR_SECRET_ACCESS_DENIED' : 'ERR_SECRET_STORE_FAILED',
    `Failed to ${verb} the secret ${name} in the filesystem store`,
    { provider: 'filesystem', secretName: name, cause },
  )
}

/**
 * A {@link SecretStore} over one folder, the embedded default. The current stage of `name` is the
 * file `<root>/<name>`, so with root `~/.runbeam/<instance_id>` the files `auth.json` and
 * `encryption.key` sit where the Rust gateway keeps them. Other stages are `<name>~previous` and
 * `<name>~pending`. Temporary files `<name>~tmp-<random>` and the lock folder `<name>~lock` carry
 * the same `~` mark. No valid name contains it, so `list` never shows these files.
 *
 * Every write creates a temporary file exclusively with mode 0600 in the same folder, writes and
 * fsyncs it, renames it over the target and fsyncs the folder, under a cross-process writer lock.
 * Readers take no lock and see the last fully written file. A symlink at the root folder or at
 * any secret file is refused (lstat and O_NOFOLLOW). A folder or file with group or world
 * permission bits is tightened at the next write, with one warning per path.
 *
 * > [!WARNING]
 * > Modes and O_NOFOLLOW are POSIX features: on Windows the files get the folder's ACLs and only
 * > the lstat checks guard against symlinks. The writer lock (a proper-lockfile folder) guards
 * > against other processes on local filesystems. On network filesystems, hosts with skewed
 * > clocks or a holder paused for longer than `lockStaleMs` can end up with two writers, although
 * > each write stays atomic.
 *
 * @example
 * ```ts
 * const store = new FilesystemSecretStore({ root: '/var/lib/gateway/secrets' })
 * await store.put('jwt-secret', Secret.from(value))
 * const { value: stored } = await store.get('jwt-secret')
 * ```
 */
export class FilesystemSecretStore implements SecretStore {
  readonly provider = 'filesystem'
  /** The absolute root folder. */
  readonly root: string
  readonly #logger: Logger | undefined
  readonly #lock: WriterLock
  readonly #warned = new Set<string>()

  /**
   * @throws TypeError when `root` is not a non-empty string, a lock option is not a number or
   * `logger` has no `warn` method.
   * @throws RangeError when `lockStaleMs` is below 2000 or `lockTimeoutMs` below 0.
   */
  constructor(options: FilesystemSecretStoreOptions) {
    if (typeof options?.root !== 'string' || options.root === '') {
      throw new TypeError('FilesystemSecretStore needs a root folder path')
    }
    const logger = options.logger as Partial<Logger> | undefined
    if (logger !== undefined && typeof logger?.warn !== 'function') {
      throw new TypeError('FilesystemSecretStore logger must have a warn method')
    }
    this.root = resolve(options.root)
    this.#logger = options.logger
    const staleMs = checkMilliseconds(options.lockStaleMs, 'lockStaleMs', 2000) ?? 10_000
    const timeoutMs = checkMilliseconds(options.lockTimeoutMs, 'lockTimeoutMs', 0) ?? staleMs + 5000
    this.#lock = new WriterLock({ staleMs, timeoutMs })
  }

  /**
   * Returns the file path of a stage of `name`.
   *
   * @throws HarmonyAuthError `ERR_SECRET_INVALID_NAME` when `name` is invalid.
   * @throws TypeError when `stage` is not `current`, `previous` or `pending`.
   */
  pathOf(name: string, stage: SecretStage = 'current'): string {
    assertValidName(name, 'secret name')
    // The stage becomes part of the file name, so an unchecked one could name any path.
    if (!STAGES.includes(stage)) {
      throw new TypeError(`FilesystemSecretStore stage must be one of ${STAGES.join(', ')}`)
    }
    return join(this.root, stage === 'current' ? name : `${name}${INTERNAL_MARK}${stage}`)
  }

  /**
   * Reads one stage of a secret.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when it does not exist, `ERR_SECRET_SYMLINK`
   * when the file or root is a symlink, `ERR_SECRET_ACCESS_DENIED` or `ERR_SECRET_STORE_FAILED`.
   * @throws TypeError when `options.stage` is not a stage.
   */
  async get(name: string, options: SecretGetOptions = {}): Promise<StoredSecret> {
    const stage = options.stage ?? 'current'
    const path = this.pathOf(name, stage)
    try {
      if (!(await this.#rootExists())) throw notFound(name, stage)
      const content = await readNoFollow(path, name)
      if (!content) throw notFound(name, stage)
      return { value: new Secret(content.bytes), stage, version: content.version }
    } catch (error) {
      throw storeFailed('read', name, error)
    }
  }

  /**
   * Writes a stage atomically. Writing `current` moves the former current value to `previous`.
   *
   * @throws SecretStoreError `ERR_SECRET_SYMLINK`, `ERR_SECRET_LOCK_FAILED`,
   * `ERR_SECRET_ACCESS_DENIED` or `ERR_SECRET_STORE_FAILED`. The current stage is then unchanged.
   */
  async put(
    name: string,
    value: Secret | Uint8Array,
    options: SecretPutOptions = {},
  ): Promise<void> {
    const stage = options.stage ?? 'current'
    if (stage !== 'current' && stage !== 'pending') {
      throw new TypeError(`FilesystemSecretStore.put stage must be 'current' or 'pending'`)
    }
    const bytes = Secret.from(value).bytes()
    await this.#write('write', name, async (state) => {
      const target = this.pathOf(name, stage)
      const temp = await writeTempFile(target, bytes)
      await this.#commit(temp, target, async () => {
        if (stage === 'current') await this.#preserveCurrent(name)
        this.#assertLockHeld(state, name)
      })
    })
  }

  /**
   * Stores `value` as the current stage unless one exists. Returns whether it stored the value.
   * Processes that race for the same name end with exactly one value, the first one written.
   *
   * @throws SecretStoreError as {@link FilesystemSecretStore.put}.
   */
  async putIfAbsent(name: string, value: Secret | Uint8Array): Promise<boolean> {
    const bytes = Secret.from(value).bytes()
    return this.#write('create', name, async (state) => {
      const target = this.pathOf(name)
      if (await lstatIfExists(target)) return false
      const temp = await writeTempFile(target, bytes)
      await this.#commit(temp, target, () => Promise.resolve(this.#assertLockHeld(state, name)))
      return true
    })
  }

  /**
   * Makes `pending` current and the former current `previous`. Readers of `current` see the old
   * or the new value at every moment.
   *
   * @throws SecretStoreError `ERR_SECRET_NOT_FOUND` when there is no pending stage, or as `put`.
   */
  async promote(name: string): Promise<void> {
    const pending = this.pathOf(name, 'pending')
    if (!(await this.#checkedRootExists('promote', name))) throw notFound(name, 'pending')
    await this.#write('promote', name, async (state) => {
      if (!(await lstatIfExists(pending))) throw notFound(name, 'pending')
      await this.#preserveCurrent(name)
      this.#assertLockHeld(state, name)
      await rename(pending, this.pathOf(name))
      await syncFolder(this.root)
    })
  }

  /**
   * Removes one stage, or every stage. Removing what does not exist succeeds.
   *
   * @throws SecretStoreError `ERR_SECRET_SYMLINK` (nothing is removed), `ERR_SECRET_LOCK_FAILED`,
   * `ERR_SECRET_ACCESS_DENIED` or `ERR_SECRET_STORE_FAILED`.
   * @throws TypeError when `options.stage` is not a stage.
   */
  async delete(name: string, options: SecretDeleteOptions = {}): Promise<void> {
    const stages = options.stage === undefined ? STAGES : [options.stage]
    const paths = stages.map((stage) => this.pathOf(name, stage))
    if (!(await this.#checkedRootExists('delete', name))) return
    await this.#write('delete', name, async () => {
      for (const path of paths) await unlink(path).catch(ignoreMissing)
      await syncFolder(this.root)
    })
  }

  /**
   * Lists the names that have a current stage, sorted. Stage, temporary and lock files are never
   * listed, and neither are symlinks or folders.
   *
   * @throws SecretStoreError `ERR_SECRET_SYMLINK` when the root is a symlink, or `ERR_SECRET_STORE_FAILED`.
   */
  async list(options: SecretListOptions = {}): Promise<string[]> {
    const prefix = options.prefix ?? ''
    try {
      if (!(await this.#rootExists())) return []
      const entries = await readdir(this.root, { withFileTypes: true })
      return entries
        .filter(
          (entry) => entry.isFile() && isValidName(entry.name) && entry.name.startsWith(prefix),
        )
        .map((entry) => entry.name)
        .sort()
    } catch (error) {
      throw storeFailed('list', prefix || 'names', error)
    }
  }

  /** Returns whether the root exists, refusing a symlink or a non-folder in its place. */
  async #rootExists(): Promise<boolean> {
    const stats = await lstatIfExists(this.root)
    if (!stats) return false
    if (stats.isSymbolicLink()) throw symlinkError(this.root)
    if (!stats.isDirectory()) throw new Error(`${this.root} is not a folder`)
    return true
  }

  /** Returns whether the root exists, with failures mapped to coded errors. */
  async #checkedRootExists(verb: string, name: string): Promise<boolean> {
    try {
      return await this.#rootExists()
    } catch (error) {
      throw storeFailed(verb, name, error)
    }
  }

  /**
   * Renames a written temporary file over `target` after `prepare`, and fsyncs the folder. The
   * temporary file is removed when a step fails, so the target keeps its old content.
   */
  async #commit(temp: string, target: string, prepare: () => Promise<void>): Promise<void> {
    try {
      await prepare()
      await rename(temp, target)
    } catch (error) {
      await unlink(temp).catch(() => undefined)
      throw error
    }
    await syncFolder(this.root)
  }

  /** Runs a write step under the lock of `name`, after the root and stage files are checked. */
  async #write<T>(verb: string, name: string, step: (state: LockState) => Promise<T>): Promise<T> {
    const path = this.pathOf(name)
    try {
      await this.#prepareRoot()
      return await this.#lock.run(path, `${path}${INTERNAL_MARK}lock`, async (state) => {
        await this.#checkStageFiles(name)
        await this.#removeOrphanTemps(name)
        return step(state)
      })
    } catch (error) {
      throw storeFailed(verb, name, error)
    }
  }

  async #prepareRoot(): Promise<void> {
    if (!(await this.#rootExists())) await makeFolder(this.root)
    const stats = await lstatIfExists(this.root)
    if (stats && (stats.mode & 0o077) !== 0) await this.#tighten(this.root, stats.mode, FOLDER_MODE)
  }

  /** Refuses symlinks among the stage files of `name` and tightens loose modes. */
  async #checkStageFiles(name: string): Promise<void> {
    for (const stage of STAGES) {
      const path = this.pathOf(name, stage)
      const stats = await lstatIfExists(path)
      if (stats?.isSymbolicLink()) throw symlinkError(path, name)
      if (stats && (stats.mode & 0o077) !== 0) await this.#tighten(path, stats.mode, FILE_MODE)
    }
  }

  async #tighten(path: string, mode: number, target: number): Promise<void> {
    await chmod(path, target)
    if (this.#warned.has(path)) return
    this.#warned.add(path)
    warnOperator(
      this.#logger,
      PERMISSIONS_TIGHTENED_WARNING,
      `Tightened the permissions of ${path} from ${formatMode(mode)} to ${formatMode(target)}, because secrets must not be readable by group or others`,
      { path },
    )
  }

  /** Removes temporary files of `name` left by writers that died; only the lock holder writes them. */
  async #removeOrphanTemps(name: string): Promise<void> {
    const entries = await readdir(this.root)
    for (const entry of entries) {
      if (entry.startsWith(`${name}${INTERNAL_MARK}`) && entry.includes(`${INTERNAL_MARK}tmp-`)) {
        await unlink(join(this.root, entry)).catch(ignoreMissing)
      }
    }
  }

  /** Copies the current stage to `previous`, by hard link where the filesystem allows. */
  async #preserveCurrent(name: string): Promise<void> {
    const current = this.pathOf(name)
    const previous = this.pathOf(name, 'previous')
    if (!(await lstatIfExists(current))) return
    const temp = `${previous}${INTERNAL_MARK}tmp-link`
    await unlink(temp).catch(ignoreMissing)
    try {
      await link(current, temp)
    } catch (error) {
      if (!LINK_UNSUPPORTED.has(errorCode(error) ?? '')) throw error
      const content = await readNoFollow(current, name)
      if (content) await rename(await writeTempFile(previous, content.bytes), previous)
      return
    }
    await rename(temp, previous)
  }

  #assertLockHeld(state: LockState, name: string): void {
    if (!state.compromised) return
    throw new SecretStoreError(
      'ERR_SECRET_LOCK_FAILED',
      `Another writer took over the lock of ${name} as stale; this write was abandoned`,
      { provider: 'filesystem', secretName: name, cause: state.compromised },
    )
  }
}

function notFound(name: string, stage: SecretStage): SecretStoreError {
  return new SecretStoreError('ERR_SECRET_NOT_FOUND', `The secret ${name} has no ${stage} stage`, {
    provider: 'filesystem',
    secretName: name,
  })
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== 'ENOENT') throw error
}
