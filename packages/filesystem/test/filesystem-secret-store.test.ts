import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isHarmonyAuthError } from '@harmony-auth/core'
import type { Logger } from '@harmony-auth/core'
import { describeSecretStoreConformance } from '@harmony-auth/testing/secret-store-conformance'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  FilesystemSecretStore,
  PERMISSIONS_TIGHTENED_WARNING,
} from '../src/filesystem-secret-store.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const modeOf = (path: string): number => statSync(path).mode & 0o777

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'resolved'
  } catch (error) {
    return isHarmonyAuthError(error) ? error.code : `uncoded: ${String(error)}`
  }
}

function recordingLogger(): Logger & { warnings: unknown[][] } {
  const warnings: unknown[][] = []
  const ignore = (): void => undefined
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (...args) => void warnings.push(args),
  }
}

let parent: string
let savedUmask: number

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'filesystem-store-'))
  savedUmask = process.umask(0o022)
})

afterAll(() => {
  process.umask(savedUmask)
  rmSync(parent, { recursive: true, force: true })
})

describeSecretStoreConformance('FilesystemSecretStore', () => {
  const root = mkdtempSync(join(parent, 'conformance-'))
  return {
    store: new FilesystemSecretStore({ root: join(root, 'secrets') }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
})

describe('FilesystemSecretStore', () => {
  let root: string
  let store: FilesystemSecretStore

  beforeEach(() => {
    root = join(mkdtempSync(join(parent, 'case-')), 'instance')
    store = new FilesystemSecretStore({ root })
  })

  afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }))

  it('keeps the current stage at root/name', async () => {
    await store.put('auth.json', encoder.encode('one'))
    await store.put('auth.json', encoder.encode('two'))
    await store.put('auth.json', encoder.encode('three'), { stage: 'pending' })
    expect(readFileSync(join(root, 'auth.json'), 'utf8')).toBe('two')
    expect(readFileSync(join(root, 'auth.json~previous'), 'utf8')).toBe('one')
    expect(readFileSync(join(root, 'auth.json~pending'), 'utf8')).toBe('three')
    expect(readdirSync(root).sort()).toEqual([
      'auth.json',
      'auth.json~pending',
      'auth.json~previous',
    ])
    expect(await store.list()).toEqual(['auth.json'])
    expect(store.pathOf('auth.json', 'pending')).toBe(join(root, 'auth.json~pending'))
  })

  it('creates 0700 folders and 0600 files under umask 022', async () => {
    expect(process.umask()).toBe(0o022)
    const nested = new FilesystemSecretStore({ root: join(root, 'a', 'b') })
    await nested.put('secret', encoder.encode('one'))
    expect(modeOf(join(root, 'a'))).toBe(0o700)
    expect(modeOf(join(root, 'a', 'b'))).toBe(0o700)
    expect(modeOf(join(root, 'a', 'b', 'secret'))).toBe(0o600)
    await nested.put('secret', encoder.encode('two'))
    await nested.put('secret', encoder.encode('three'), { stage: 'pending' })
    expect(await nested.putIfAbsent('created', encoder.encode('x'))).toBe(true)
    for (const name of ['secret', 'secret~previous', 'secret~pending', 'created']) {
      expect(modeOf(join(root, 'a', 'b', name)), name).toBe(0o600)
    }
  })

  it('keeps 0700 and 0600 under odd umasks', async () => {
    for (const umask of [0o177, 0o277, 0o777]) {
      const base = join(root, umask.toString(8))
      const nested = new FilesystemSecretStore({ root: join(base, 'a', 'b') })
      process.umask(umask)
      try {
        await nested.put('secret', encoder.encode('one'))
        await nested.put('secret', encoder.encode('two'))
        expect(await nested.putIfAbsent('created', encoder.encode('x'))).toBe(true)
      } finally {
        process.umask(0o022)
      }
      expect(modeOf(join(base, 'a')), `umask ${umask.toString(8)}`).toBe(0o700)
      expect(modeOf(join(base, 'a', 'b')), `umask ${umask.toString(8)}`).toBe(0o700)
      for (const name of ['secret', 'secret~previous', 'created']) {
        expect(modeOf(join(base, 'a', 'b', name)), `${name} ${umask.toString(8)}`).toBe(0o600)
      }
    }
  })

  it('creates nothing before the first write', async () => {
    expect(await store.list()).toEqual([])
    expect(await codeOf(store.get('auth.json'))).toBe('ERR_SECRET_NOT_FOUND')
    await store.delete('auth.json')
    expect(await codeOf(store.promote('auth.json'))).toBe('ERR_SECRET_NOT_FOUND')
    expect(() => statSync(root)).toThrow(/ENOENT/)
  })

  it('refuses a symlink at a secret file', async () => {
    const outside = join(root, '..', 'outside.txt')
    writeFileSync(outside, 'outside')
    await store.put('other', encoder.encode('x'))
    symlinkSync(outside, join(root, 'auth.json'))
    expect(await codeOf(store.get('auth.json'))).toBe('ERR_SECRET_SYMLINK')
    expect(await codeOf(store.put('auth.json', encoder.encode('overwrite')))).toBe(
      'ERR_SECRET_SYMLINK',
    )
    expect(await codeOf(store.putIfAbsent('auth.json', encoder.encode('overwrite')))).toBe(
      'ERR_SECRET_SYMLINK',
    )
    expect(await codeOf(store.delete('auth.json'))).toBe('ERR_SECRET_SYMLINK')
    expect(readFileSync(outside, 'utf8')).toBe('outside')
    expect(await store.list()).toEqual(['other'])
  })

  it('refuses a symlink at a stage file', async () => {
    const outside = join(root, '..', 'outside.txt')
    writeFileSync(outside, 'outside')
    await store.put('auth.json', encoder.encode('one'))
    symlinkSync(outside, join(root, 'auth.json~previous'))
    expect(await codeOf(store.get('auth.json', { stage: 'previous' }))).toBe('ERR_SECRET_SYMLINK')
    expect(await codeOf(store.put('auth.json', encoder.encode('two')))).toBe('ERR_SECRET_SYMLINK')
    expect(readFileSync(outside, 'utf8')).toBe('outside')
    expect(decoder.decode((await store.get('auth.json')).value.bytes())).toBe('one')
  })

  it('refuses a symlinked root folder', async () => {
    const real = join(root, '..', 'real')
    mkdirSync(real, { mode: 0o700 })
    writeFileSync(join(real, 'auth.json'), 'real')
    symlinkSync(real, root)
    expect(await codeOf(store.get('auth.json'))).toBe('ERR_SECRET_SYMLINK')
    expect(await codeOf(store.list())).toBe('ERR_SECRET_SYMLINK')
    expect(await codeOf(store.put('auth.json', encoder.encode('x')))).toBe('ERR_SECRET_SYMLINK')
    expect(readFileSync(join(real, 'auth.json'), 'utf8')).toBe('real')
  })

  it('rejects special files at a secret path', async () => {
    await store.put('other', encoder.encode('x'))
    mkdirSync(join(root, 'folder'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    expect(await codeOf(store.get('folder'))).toBe('ERR_SECRET_STORE_FAILED')
    expect(await codeOf(store.get('pipe'))).toBe('ERR_SECRET_STORE_FAILED')
    expect(await store.list()).toEqual(['other'])
  })

  it('tightens loose modes with one warning', async () => {
    mkdirSync(root, { mode: 0o755 })
    writeFileSync(join(root, 'auth.json'), 'loose', { mode: 0o644 })
    const logger = recordingLogger()
    const loose = new FilesystemSecretStore({ root, logger })
    expect(decoder.decode((await loose.get('auth.json')).value.bytes())).toBe('loose')
    expect(modeOf(root)).toBe(0o755)
    await loose.put('auth.json', encoder.encode('tight'))
    expect(modeOf(root)).toBe(0o700)
    expect(modeOf(join(root, 'auth.json'))).toBe(0o600)
    expect(modeOf(join(root, 'auth.json~previous'))).toBe(0o600)
    expect(logger.warnings).toHaveLength(2)
    expect(logger.warnings.map(([fields]) => (fields as { code: string }).code)).toEqual([
      PERMISSIONS_TIGHTENED_WARNING,
      PERMISSIONS_TIGHTENED_WARNING,
    ])
    expect(String(logger.warnings[1]?.[1])).toContain('from 0644 to 0600')
    await loose.put('auth.json', encoder.encode('again'))
    expect(logger.warnings).toHaveLength(2)
  })

  it('removes temporary files of dead writers', async () => {
    await store.put('auth.json', encoder.encode('one'))
    writeFileSync(join(root, 'auth.json~tmp-0123456789abcdef'), 'half')
    writeFileSync(join(root, 'auth.json~previous~tmp-link'), 'half')
    expect(await store.list()).toEqual(['auth.json'])
    await store.put('auth.json', encoder.encode('two'))
    expect(readdirSync(root).sort()).toEqual(['auth.json', 'auth.json~previous'])
  })

  it('creates a value only when absent', async () => {
    expect(await store.putIfAbsent('encryption.key', encoder.encode('first'))).toBe(true)
    expect(await store.putIfAbsent('encryption.key', encoder.encode('second'))).toBe(false)
    expect(decoder.decode((await store.get('encryption.key')).value.bytes())).toBe('first')
    expect(await codeOf(store.get('encryption.key', { stage: 'previous' }))).toBe(
      'ERR_SECRET_NOT_FOUND',
    )
  })

  it('creates one value among racing stores', async () => {
    const stores = Array.from({ length: 6 }, () => new FilesystemSecretStore({ root }))
    const results = await Promise.all(
      stores.map((other, index) => other.putIfAbsent('key', encoder.encode(`v${index}`))),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    expect(decoder.decode((await store.get('key')).value.bytes())).toBe(`v${winner}`)
  })

  it('takes over a stale lock', async () => {
    await store.put('auth.json', encoder.encode('one'))
    const lock = join(root, 'auth.json~lock')
    mkdirSync(lock)
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    const started = Date.now()
    await store.put('auth.json', encoder.encode('two'))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(decoder.decode((await store.get('auth.json')).value.bytes())).toBe('two')
  })

  it('times out on a lock held by a live writer', async () => {
    await store.put('auth.json', encoder.encode('one'))
    mkdirSync(join(root, 'auth.json~lock'))
    const waiting = new FilesystemSecretStore({ root, lockTimeoutMs: 200 })
    expect(await codeOf(waiting.put('auth.json', encoder.encode('two')))).toBe(
      'ERR_SECRET_LOCK_FAILED',
    )
    expect(decoder.decode((await store.get('auth.json')).value.bytes())).toBe('one')
    expect(await store.list()).toEqual(['auth.json'])
  })

  it('serializes writes of one process', async () => {
    const values = Array.from({ length: 20 }, (_, index) => `value-${index}`)
    await Promise.all(values.map((value) => store.put('auth.json', encoder.encode(value))))
    expect(values).toContain(decoder.decode((await store.get('auth.json')).value.bytes()))
    expect(readdirSync(root).sort()).toEqual(['auth.json', 'auth.json~previous'])
  })

  it('rejects unknown stages before any file access', async () => {
    const outside = join(root, '..', 'outside')
    writeFileSync(outside, 'kept')
    await store.put('auth.json', encoder.encode('one'))
    writeFileSync(join(root, 'auth.json~planted'), 'internal')
    const stages = ['planted', '/../../outside', '__proto__', '']
    for (const stage of stages) {
      const options = { stage: stage as never }
      await expect(store.get('auth.json', options), stage).rejects.toThrow(TypeError)
      await expect(store.delete('auth.json', options), stage).rejects.toThrow(TypeError)
      expect(() => store.pathOf('auth.json', stage as never), stage).toThrow(TypeError)
    }
    expect(readFileSync(outside, 'utf8')).toBe('kept')
    expect(readFileSync(join(root, 'auth.json~planted'), 'utf8')).toBe('internal')
    expect(readFileSync(join(root, 'auth.json'), 'utf8')).toBe('one')
  })

  it('rejects invalid options at construction', () => {
    expect(() => new FilesystemSecretStore(undefined as never)).toThrow(TypeError)
    expect(() => new FilesystemSecretStore({ root: '' })).toThrow(TypeError)
    expect(() => new FilesystemSecretStore({ root, logger: 'warn' as never })).toThrow(TypeError)
    expect(() => new FilesystemSecretStore({ root, lockStaleMs: 100 })).toThrow(RangeError)
    expect(() => new FilesystemSecretStore({ root, lockTimeoutMs: '5' as never })).toThrow(
      TypeError,
    )
  })
})
