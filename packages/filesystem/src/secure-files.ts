import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import type { Stats } from 'node:fs'
import { chmod, lstat, mkdir, open, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { SecretStoreError } from '@harmony-auth/core'

// O_NOFOLLOW makes open() fail with ELOOP on a symlink. Windows has no such flag, so there the
// lstat checks before each step are the only symlink guard.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0
// O_NONBLOCK keeps open() from hanging on a FIFO planted at a secret path; regular files ignore it.
const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW | (constants.O_NONBLOCK ?? 0)
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW

/** Mode of every secret file, set when the file is created. */
export const FILE_MODE = 0o600
/** Mode of the folders that hold secret files. */
export const FOLDER_MODE = 0o700
/** Marks stage, temporary and lock files, which no valid secret name contains. */
export const INTERNAL_MARK = '~'

/** Returns the errno code of a Node.js system error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Creates the error for a symlink at a secret path. */
export function symlinkError(path: string, secretName?: string): SecretStoreError {
  return new SecretStoreError(
    'ERR_SECRET_SYMLINK',
    `Refusing the symlink at ${path}: secret files and their folder must not be symlinks`,
    { provider: 'filesystem', secretName, source: path },
  )
}

/** Returns the lstat of `path`, or undefined when it does not exist. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
}

/** The content and identity of a file read without following symlinks. */
export interface FileContent {
  bytes: Uint8Array
  version: string
}

/**
 * Reads a regular file without following a symlink at its path. Returns undefined when it does
 * not exist.
 */
export async function readNoFollow(
  path: string,
  secretName?: string,
): Promise<FileContent | undefined> {
  let handle
  try {
    handle = await open(path, READ_FLAGS)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    if (errorCode(error) === 'ELOOP') throw symlinkError(path, secretName)
    throw error
  }
  try {
    const stats = await handle.stat({ bigint: true })
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`)
    const bytes = new Uint8Array(await handle.readFile())
    return { bytes, version: `${stats.ino}-${stats.mtimeNs}-${stats.size}` }
  } finally {
    await handle.close()
  }
}

/** Flushes a folder's entries to disk, so a rename survives a power loss. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY)
  try {
    await handle.sync()
  } catch (error) {
    // Some filesystems (and Windows) cannot fsync a folder. The rename itself is still atomic.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF', 'ENOTSUP'].includes(errorCode(error) ?? '')) {
      throw error
    }
  } finally {
    await handle.close()
  }
}

/**
 * Writes `bytes` to a new temporary file next to `target`, created exclusively with mode 0600,
 * and fsyncs it. Returns the temporary path, which the caller renames over `target`.
 */
export async function writeTempFile(target: string, bytes: Uint8Array): Promise<string> {
  const temp = join(
    dirname(target),
    `${basename(target)}${INTERNAL_MARK}tmp-${randomBytes(8).toString('hex')}`,
  )
  const handle = await open(temp, CREATE_FLAGS, FILE_MODE)
  try {
    // The umask can clear bits of FILE_MODE (0400 under umask 0277), so set it before writing.
    await handle.chmod(FILE_MODE)
    await handle.writeFile(bytes)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw error
  }
  await handle.close()
  return temp
}

/** Creates `folder` and its missing parents with mode 0700, whatever the umask. */
export async function makeFolder(folder: string): Promise<void> {
  const missing: string[] = []
  for (let path = folder; !(await lstatIfExists(path)); path = dirname(path)) {
    missing.unshift(path)
    if (dirname(path) === path) break
  }

  // Under umask 0177 mkdir gives 0600, which the owner cannot enter. So folders are created one
  // level at a time, and each gets its mode before the next is created inside it.
  for (const path of missing) {
    try {
      await mkdir(path, { mode: FOLDER_MODE })
    } catch (error) {
      // Another writer created it in the meantime.
      if (errorCode(error) === 'EEXIST') continue
      throw error
    }
    await chmod(path, FOLDER_MODE)
  }
}

/** Returns the permission bits as four octal digits, for messages. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0')
}
