import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs'
import type { Stats } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { ConfigurationError } from '../errors.js'

/**
 * Maximum size of a key file, in bytes. The SPKI PEM of a 16384-bit RSA key is about 3 KiB and a
 * certificate for it a few KiB, so this leaves room for long certificate extensions.
 */
export const MAX_KEY_FILE_BYTES = 64 * 1024

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer, and O_NOFOLLOW
// makes opening a symbolic link fail with ELOOP. Windows has neither, so there an lstat call
// before opening rejects symbolic links.
// NOTE: the Windows branch has not been run; its lstat check leaves a short race that O_NOFOLLOW
// closes on POSIX systems.
const NO_FOLLOW = constants.O_NOFOLLOW as number | undefined
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (NO_FOLLOW ?? 0)

function fileError(path: string, reason: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError('ERR_CONFIG_KEY_INVALID', `Key file ${path} ${reason}`, {
    source: path,
    ...(cause === undefined ? {} : { cause }),
  })
}

/** Turns an error of opening or reading a key file into a message that names the path and a fix. */
function openError(path: string, cause: unknown): ConfigurationError {
  const code = (cause as NodeJS.ErrnoException | null)?.code
  switch (code) {
    case 'ENOENT':
      return fileError(path, 'was not found; check the path option', cause)
    case 'ELOOP':
      return symlinkError(path, cause)
    case 'EACCES':
    case 'EPERM':
      return fileError(
        path,
        'could not be read: permission denied; let this process read it',
        cause,
      )
    case 'EISDIR':
      return notRegularError(path)
    default:
      return fileError(
        path,
        `could not be read (${code ?? 'unknown error'}); check the path and its permissions`,
        cause,
      )
  }
}

function symlinkError(path: string, cause?: unknown): ConfigurationError {
  return fileError(
    path,
    'is a symbolic link, which is not followed; give the path of the key file itself',
    cause,
  )
}

function notRegularError(path: string): ConfigurationError {
  return fileError(
    path,
    'is not a regular file (for example a FIFO, socket, device or folder); give the path of a PEM file',
  )
}

function checkStats(path: string, stats: Stats): void {
  if (!stats.isFile()) throw notRegularError(path)
  if (stats.size > MAX_KEY_FILE_BYTES) throw tooLargeError(path)
}

function tooLargeError(path: string): ConfigurationError {
  return fileError(
    path,
    `is larger than ${MAX_KEY_FILE_BYTES} bytes, so it is not a PEM public key or certificate; check the path`,
  )
}

/**
 * Reads a key file as UTF-8 text without following a symbolic link and without blocking on a FIFO.
 * Only a regular file of at most {@link MAX_KEY_FILE_BYTES} is read.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` that names the path and what to do.
 */
export function readKeyFileSync(path: string): string {
  let descriptor: number
  try {
    if (NO_FOLLOW === undefined && lstatSync(path).isSymbolicLink()) throw symlinkError(path)
    descriptor = openSync(path, OPEN_FLAGS)
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw openError(path, error)
  }
  try {
    checkStats(path, fstatSync(descriptor))
    // One byte more than the cap shows a file that grew after fstat.
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const read = readSync(descriptor, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
      if (length > MAX_KEY_FILE_BYTES) throw tooLargeError(path)
    }
    return buffer.toString('utf8', 0, length)
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw openError(path, error)
  } finally {
    closeSync(descriptor)
  }
}

/**
 * Reads a key file like {@link readKeyFileSync}, without blocking the event loop.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID` that names the path and what to do.
 */
export async function readKeyFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    if (NO_FOLLOW === undefined && (await lstat(path)).isSymbolicLink()) throw symlinkError(path)
    handle = await open(path, OPEN_FLAGS)
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw openError(path, error)
  }
  try {
    checkStats(path, await handle.stat())
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > MAX_KEY_FILE_BYTES) throw tooLargeError(path)
    }
    return buffer.toString('utf8', 0, length)
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw openError(path, error)
  } finally {
    await handle.close()
  }
}
