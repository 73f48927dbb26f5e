import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { RotationError } from '../errors.js'

/**
 * Writes `bytes` to `path` with mode 0600 from creation: a temporary file in the same folder is
 * written, fsynced and renamed over the target, so readers see the old or the new file, never a
 * mix. Missing parent folders are created with mode 0700.
 *
 * @throws RotationError `ERR_SECRET_SYMLINK` when `path` is a symbolic link, `ERR_SECRET_CONFLICT`
 * when the file exists and `overwrite` is false, and `ERR_SECRET_STORE_FAILED` when the write
 * fails. The target is unchanged on failure.
 *
 * @example
 * ```ts
 * await writeSecretFile('/var/backups/harmony.age', archive)
 * ```
 */
export async function writeSecretFile(
  path: string,
  bytes: Uint8Array,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await refuseSymlink(path)
  const folder = dirname(path)
  const temporary = join(folder, `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`)
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (options.overwrite ?? true) {
      await rename(temporary, path)
    } else {
      // link() fails with EEXIST instead of replacing, which rename() would do.
      await link(temporary, path)
      await unlink(temporary)
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined)
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RotationError('ERR_SECRET_CONFLICT', `The file ${path} already exists`, {
        source: path,
      })
    }
    throw new RotationError('ERR_SECRET_STORE_FAILED', `Failed to write the file ${path}`, {
      source: path,
      cause: error,
    })
  }
}

/**
 * Reads a file that holds secret material, refusing a symbolic link at `path`.
 *
 * @throws RotationError `ERR_SECRET_SYMLINK` for a symbolic link, `ERR_SECRET_NOT_FOUND` when the
 * file does not exist and `ERR_SECRET_STORE_FAILED` when it cannot be read.
 */
export async function readSecretFile(path: string): Promise<Uint8Array> {
  await refuseSymlink(path)
  try {
    return new Uint8Array(await readFile(path))
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new RotationError(
      missing ? 'ERR_SECRET_NOT_FOUND' : 'ERR_SECRET_STORE_FAILED',
      missing ? `File not found: ${path}` : `Failed to read the file ${path}`,
      { source: path, cause: error },
    )
  }
}

async function refuseSymlink(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined)
  if (stats?.isSymbolicLink()) {
    throw new RotationError('ERR_SECRET_SYMLINK', `Refusing the symbolic link at ${path}`, {
      source: path,
    })
  }
}
