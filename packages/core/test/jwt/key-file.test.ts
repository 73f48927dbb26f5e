import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors.js'
import { MAX_KEY_FILE_BYTES, readKeyFile, readKeyFileSync } from '../../src/jwt/key-file.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import { claims, clockAt, keyPair, signToken } from './fixtures.js'

const rsa = keyPair('key-file')
const clock = clockAt()
const folder = mkdtempSync(join(tmpdir(), 'jwt-key-file-'))
const writers: ChildProcess[] = []

afterEach(() => {
  for (const writer of writers.splice(0)) writer.kill('SIGKILL')
})
afterAll(() => rmSync(folder, { recursive: true, force: true }))

function makeFifo(name: string): string {
  const path = join(folder, name)
  execFileSync('mkfifo', [path])
  return path
}

/**
 * Starts a writer that opens the FIFO at `path` after 3 s, which ends any read blocked on it, so
 * a regression cannot hang the test run. It is killed after each test.
 */
function unblockLater(path: string): void {
  writers.push(spawn('sh', ['-c', 'sleep 3; : > "$1"', 'sh', path], { stdio: 'ignore' }))
}

function keyFile(name: string, content: string | Uint8Array = rsa.spki): string {
  const path = join(folder, name)
  writeFileSync(path, content)
  return path
}

function constructionError(path: string): ConfigurationError {
  try {
    new JwtVerifier({ keys: [{ path }], clock })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return error as ConfigurationError
  }
  throw new Error('the verifier was constructed')
}

async function rejection(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(ConfigurationError)
  return error as ConfigurationError
}

describe('key file reading', () => {
  it('reads a regular file', async () => {
    const path = keyFile('plain.pem')
    expect(readKeyFileSync(path)).toBe(rsa.spki)
    expect(await readKeyFile(path)).toBe(rsa.spki)
  })

  it('rejects a FIFO at construction without waiting', () => {
    const path = makeFifo('construct.fifo')
    unblockLater(path)
    const started = Date.now()
    const error = constructionError(path)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error.code).toBe('ERR_CONFIG_KEY_INVALID')
    expect(error.message).toContain(path)
    expect(error.message).toContain('not a regular file')
  })

  it('rejects a FIFO at reload and keeps the old key', async () => {
    const path = keyFile('reload.pem')
    const verifier = new JwtVerifier({ keys: [{ path }], clock })
    const token = signToken({ alg: 'RS256' }, claims(), rsa.privateKey)
    renameSync(makeFifo('reload.fifo'), path)
    unblockLater(path)
    const started = Date.now()
    const error = await rejection(verifier.reload())
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error.code).toBe('ERR_CONFIG_KEY_INVALID')
    expect(error.message).toContain(path)
    expect((await verifier.verify(token)).key.source).toBe('path')
  })

  it('rejects a symbolic link to a key', async () => {
    const target = keyFile('target.pem')
    const link = join(folder, 'link.pem')
    symlinkSync(target, link)
    const error = constructionError(link)
    expect(error.message).toContain(link)
    expect(error.message).toContain('symbolic link')
    const asyncError = await rejection(readKeyFile(link))
    expect(asyncError.message).toContain('symbolic link')
  })

  it('rejects a folder', async () => {
    const path = join(folder, 'a-folder')
    mkdirSync(path)
    expect(constructionError(path).message).toContain('not a regular file')
    expect((await rejection(readKeyFile(path))).message).toContain(path)
  })

  it('rejects a file over the size cap', async () => {
    const path = keyFile('large.pem', `${rsa.spki}${'x'.repeat(MAX_KEY_FILE_BYTES)}`)
    const error = constructionError(path)
    expect(error.message).toContain(path)
    expect(error.message).toContain(`larger than ${MAX_KEY_FILE_BYTES} bytes`)
    expect((await rejection(readKeyFile(path))).message).toContain('larger than')
  })

  it('reads a file at the size cap', () => {
    const path = keyFile(
      'at-cap.pem',
      `${rsa.spki}${' '.repeat(MAX_KEY_FILE_BYTES - rsa.spki.length)}`,
    )
    expect(readKeyFileSync(path)).toHaveLength(MAX_KEY_FILE_BYTES)
  })

  it('names a missing file and the fix', async () => {
    const path = join(folder, 'absent.pem')
    const error = constructionError(path)
    expect(error.message).toBe(`Key file ${path} was not found; check the path option`)
    expect(error.details.source).toBe(path)
    expect((await rejection(readKeyFile(path))).message).toContain('was not found')
  })

  it('names the file of an invalid key, not its content', () => {
    const path = keyFile('invalid.pem', 'CANARY-not-a-key-at-all')
    const error = constructionError(path)
    expect(error.message).toContain(path)
    expect(error.message).not.toContain('CANARY')
    expect(JSON.stringify(error)).not.toContain('CANARY')
  })

  it('names the file of a private key, not its content', () => {
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const path = keyFile('private.pem', pem)
    const error = constructionError(path)
    const body = pem.split('\n')[1]!
    expect(error.message).toContain(path)
    expect(error.message).not.toContain(body)
    expect(JSON.stringify(error)).not.toContain(body)
  })
})
