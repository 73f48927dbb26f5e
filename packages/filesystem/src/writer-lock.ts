import lockfile from 'proper-lockfile'
import { SecretStoreError } from '@harmony-auth/core'
import { errorCode } from './secure-files.js'

/** Settings of {@link WriterLock}. */
export interface WriterLockOptions {
  /** A lock whose folder was not refreshed for this long is taken over, in ms. At least 2000. */
  staleMs: number
  /** How long to wait for a lock held by another writer, in ms. */
  timeoutMs: number
}

/** State that a task under the lock checks before it commits. */
export interface LockState {
  /** Set when another process took the lock over as stale while the task ran. */
  compromised: Error | undefined
}

// Waits of 3 to 6 ms between attempts (the retry package randomizes each wait between one and two
// times the minimum), so a waiting writer takes over soon after the holder releases.
const RETRY_MIN_MS = 3

/**
 * A cross-process lock per secret, kept by proper-lockfile as the folder `<root>/<name>~lock`.
 * Taking it is an atomic mkdir. The holder refreshes the folder's mtime, and waiters take over a
 * lock whose mtime went stale. Tasks of one process on the same path run one after another
 * without polling.
 *
 * > [!WARNING]
 * > The lock guards against other processes on the same host and on local filesystems. On
 * > network filesystems mkdir is usually atomic too, but staleness compares mtimes with the local
 * > clock, so hosts with skewed clocks, or a holder paused for longer than `staleMs`, can end up
 * > with two writers. Each write is still atomic (rename), so readers never see a mix.
 */
export class WriterLock {
  readonly #options: WriterLockOptions
  readonly #queues = new Map<string, Promise<unknown>>()

  constructor(options: WriterLockOptions) {
    this.#options = options
  }

  /** Runs `task` while holding the lock of `path`, whose lock folder is `lockPath`. */
  async run<T>(path: string, lockPath: string, task: (state: LockState) => Promise<T>): Promise<T> {
    const previous = this.#queues.get(path) ?? Promise.resolve()
    const result = previous.catch(() => undefined).then(() => this.#runLocked(path, lockPath, task))
    const settled = result.catch(() => undefined)
    this.#queues.set(path, settled)
    void settled.then(() => {
      if (this.#queues.get(path) === settled) this.#queues.delete(path)
    })
    return result
  }

  async #runLocked<T>(
    path: string,
    lockPath: string,
    task: (state: LockState) => Promise<T>,
  ): Promise<T> {
    const state: LockState = { compromised: undefined }
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(path, {
        lockfilePath: lockPath,
        realpath: false,
        stale: this.#options.staleMs,
        retries: {
          retries: Math.ceil(this.#options.timeoutMs / (RETRY_MIN_MS * 1.5)),
          factor: 1,
          minTimeout: RETRY_MIN_MS,
          maxTimeout: RETRY_MIN_MS * 2,
          randomize: true,
        },
        onCompromised: (error) => {
          state.compromised = error
        },
      })
    } catch (error) {
      throw new SecretStoreError(
        'ERR_SECRET_LOCK_FAILED',
        `Failed to take the writer lock ${lockPath} within ${this.#options.timeoutMs} ms`,
        { provider: 'filesystem', source: lockPath, cause: error },
      )
    }
    try {
      return await task(state)
    } finally {
      await release().catch((error: unknown) => {
        // A compromised lock was already released or taken over; nothing is left to remove.
        if (state.compromised === undefined && errorCode(error) !== 'ERELEASED') throw error
      })
    }
  }
}
