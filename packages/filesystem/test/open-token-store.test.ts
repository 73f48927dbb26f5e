import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EncryptionKeyRing } from '@harmony-auth/core'
import type { Logger } from '@harmony-auth/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { LOCAL_KEY_WARNING, instanceFolder, openTokenStore } from '../src/open-token-store.js'

const TOKEN = 'machine-token-canary-fedcba9876543210'
const input = {
  machineToken: TOKEN,
  expiresAt: '2030-06-02T12:00:00Z',
  gatewayId: 'gw-42',
  gatewayCode: 'edge-1',
  abilities: ['proxy'],
}
const modeOf = (path: string): number => statSync(path).mode & 0o777

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

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

function record(): Record<string, unknown> {
  return {
    machine_token: TOKEN,
    expires_at: '2030-01-01T00:00:00Z',
    gateway_id: '7',
    gateway_code: 'cli',
    abilities: [],
    issued_at: '2029-12-31T00:00:00Z',
  }
}

let parent: string
let savedUmask: number

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'open-token-store-'))
  savedUmask = process.umask(0o022)
})

afterAll(() => {
  process.umask(savedUmask)
  rmSync(parent, { recursive: true, force: true })
})

describe('openTokenStore', () => {
  let home: string
  let folder: string

  beforeEach(() => {
    home = mkdtempSync(join(parent, 'home-'))
    folder = join(home, '.runbeam', 'gw-1')
  })

  it('writes the Rust gateway layout', async () => {
    const logger = recordingLogger()
    const store = openTokenStore({ instanceId: 'gw-1', homeDir: home, env: {}, logger })
    await store.save(input)
    expect(modeOf(join(home, '.runbeam'))).toBe(0o700)
    expect(modeOf(folder)).toBe(0o700)
    expect(modeOf(join(folder, 'auth.json'))).toBe(0o600)
    expect(modeOf(join(folder, 'encryption.key'))).toBe(0o600)
    const keyFile = readFileSync(join(folder, 'encryption.key'), 'utf8')
    expect(keyFile).toMatch(/^[A-Za-z0-9+/]{99}=$/)
    expect(keyFile).toHaveLength(100)
    expect(Buffer.from(keyFile, 'base64').toString()).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/)
    expect((await store.load())?.machineToken.text()).toBe(TOKEN)
  })

  it('warns once about a local key file', async () => {
    const logger = recordingLogger()
    const store = openTokenStore({ instanceId: 'gw-1', homeDir: home, env: {}, logger })
    await store.save(input)
    await store.save(input)
    expect(logger.warnings).toHaveLength(1)
    const [fields, message] = logger.warnings[0] as [{ code: string }, string]
    expect(fields.code).toBe(LOCAL_KEY_WARNING)
    expect(message).toContain('persistent volume')
    expect(message).toContain(join(folder, 'encryption.key'))
    const identity = Buffer.from(
      readFileSync(join(folder, 'encryption.key'), 'utf8'),
      'base64',
    ).toString()
    expect(JSON.stringify(logger.warnings)).not.toContain(identity)
  })

  it('creates nothing on load and clear', async () => {
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: {},
      logger: recordingLogger(),
    })
    expect(await store.load()).toBeUndefined()
    await store.clear()
    expect(existsSync(join(home, '.runbeam'))).toBe(false)
  })

  it('opens with the age CLI and key file', async () => {
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: {},
      logger: recordingLogger(),
    })
    await store.save(input)
    const identityPath = join(home, 'identity.txt')
    writeFileSync(
      identityPath,
      Buffer.from(readFileSync(join(folder, 'encryption.key'), 'utf8'), 'base64'),
    )
    const plaintext = execFileSync('age', ['-d', '-i', identityPath, join(folder, 'auth.json')], {
      encoding: 'utf8',
    })
    const record = JSON.parse(plaintext) as Record<string, unknown>
    expect(record.machine_token).toBe(TOKEN)
    expect(record.gateway_id).toBe('gw-42')
    expect(record.abilities).toEqual(['proxy'])
  })

  it('loads a file the age CLI wrote', async () => {
    const keygen = execFileSync('age-keygen', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const recipient = /# public key: (age1[0-9a-z]+)/.exec(keygen)![1]!
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    writeFileSync(join(folder, 'encryption.key'), Buffer.from(keygen).toString('base64'), {
      mode: 0o600,
    })
    const plainPath = join(home, 'plain.json')
    const record = {
      machine_token: 'from-cli',
      expires_at: '2030-01-01T00:00:00.123456789+00:00',
      gateway_id: '7',
      gateway_code: 'cli',
      abilities: [],
      issued_at: '2029-12-31T00:00:00Z',
    }
    writeFileSync(plainPath, JSON.stringify(record))
    execFileSync('age', ['-r', recipient, '-o', join(folder, 'auth.json'), plainPath])
    const token = await openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: {},
      logger: recordingLogger(),
    }).load()
    expect(token?.machineToken.text()).toBe('from-cli')
    expect(token?.expiresAt.toISOString()).toBe('2030-01-01T00:00:00.123Z')
  })

  it('accepts every key file form', async () => {
    const keygen = execFileSync('age-keygen', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const identity = keygen.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))!
    const recipient = /# public key: (age1[0-9a-z]+)/.exec(keygen)![1]!
    const forms: Record<string, string> = {
      'raw line': `${identity}\n`,
      base64: Buffer.from(identity).toString('base64'),
      'base64 with newline inside': Buffer.from(`${identity}\n`).toString('base64'),
      'base64 of age-keygen output': Buffer.from(keygen).toString('base64'),
    }
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    const plainPath = join(home, 'plain.json')
    writeFileSync(plainPath, JSON.stringify({ ...record(), machine_token: 'any-form' }))
    execFileSync('age', ['-r', recipient, '-o', join(folder, 'auth.json'), plainPath])
    for (const [label, content] of Object.entries(forms)) {
      writeFileSync(join(folder, 'encryption.key'), content, { mode: 0o600 })
      const store = openTokenStore({
        instanceId: 'gw-1',
        homeDir: home,
        env: {},
        logger: recordingLogger(),
      })
      expect((await store.load())?.machineToken.text(), label).toBe('any-form')
    }
  })

  it('reads the older runbeam/auth.json layout', async () => {
    const ring = await EncryptionKeyRing.generate()
    const env = { RUNBEAM_ENCRYPTION_KEY: ring.toKeyFile().text() }
    const legacy = join(folder, 'runbeam')
    mkdirSync(legacy, { recursive: true, mode: 0o700 })
    const record = {
      ...input,
      machine_token: 'legacy',
      expires_at: input.expiresAt,
      gateway_id: 'old',
      gateway_code: 'old',
      issued_at: '2029-01-01T00:00:00Z',
    }
    const sealed = await ring.encrypt(new TextEncoder().encode(JSON.stringify(record)))
    writeFileSync(join(legacy, 'auth.json'), sealed, { mode: 0o600 })
    const store = openTokenStore({ instanceId: 'gw-1', homeDir: home, env })
    expect((await store.load())?.machineToken.text()).toBe('legacy')
    expect(readFileSync(join(legacy, 'auth.json'))).toEqual(Buffer.from(sealed))
    await store.save(input)
    expect((await store.load())?.machineToken.text()).toBe(TOKEN)
    await store.clear()
    expect(existsSync(join(legacy, 'auth.json'))).toBe(false)
    expect(await store.load()).toBeUndefined()
  })

  it('uses RUNBEAM_ENCRYPTION_KEY without a key file', async () => {
    const ring = await EncryptionKeyRing.generate()
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: { RUNBEAM_ENCRYPTION_KEY: ring.currentIdentity().text() },
    })
    await store.save(input)
    expect(existsSync(join(folder, 'encryption.key'))).toBe(false)
    expect(
      new TextDecoder().decode(await ring.decrypt(readFileSync(join(folder, 'auth.json')))),
    ).toContain(TOKEN)
  })

  it('names the key file when it is invalid', async () => {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    writeFileSync(join(folder, 'encryption.key'), '', { mode: 0o600 })
    const error = await errorOf(
      openTokenStore({
        instanceId: 'gw-1',
        homeDir: home,
        env: {},
        logger: recordingLogger(),
      }).save(input),
    )
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toContain(join(folder, 'encryption.key'))
    expect(existsSync(join(folder, 'auth.json'))).toBe(false)
  })

  it('reports plaintext token files and leaves them unchanged', async () => {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    const plaintext = JSON.stringify({ machine_token: TOKEN, expires_at: input.expiresAt })
    writeFileSync(join(folder, 'auth.json'), plaintext, { mode: 0o600 })
    const error = await errorOf(
      openTokenStore({
        instanceId: 'gw-1',
        homeDir: home,
        env: {},
        logger: recordingLogger(),
      }).load(),
    )
    expect(error.code).toBe('ERR_TOKEN_STORE_PLAINTEXT')
    expect(error.message).toContain('age -r')
    expect(error.message).toContain(join(folder, 'auth.json'))
    expect(readFileSync(join(folder, 'auth.json'), 'utf8')).toBe(plaintext)
    expect(existsSync(join(folder, 'encryption.key'))).toBe(false)
  })

  it('leaves unreadable token files unchanged', async () => {
    const ring = await EncryptionKeyRing.generate()
    const env = { RUNBEAM_ENCRYPTION_KEY: ring.toKeyFile().text() }
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env,
      logger: recordingLogger(),
    })
    await store.save(input)
    const good = readFileSync(join(folder, 'auth.json'))
    const flipped = Buffer.from(good)
    flipped[flipped.length - 5]! ^= 0x10
    const other = await EncryptionKeyRing.generate()
    const cases: Record<string, [Uint8Array, string]> = {
      'wrong key': [await other.encrypt(good), 'ERR_TOKEN_STORE_DECRYPT_FAILED'],
      truncated: [good.subarray(0, good.length - 1), 'ERR_TOKEN_STORE_CORRUPT'],
      'flipped byte': [flipped, 'ERR_TOKEN_STORE_CORRUPT'],
      plaintext: [
        Buffer.from(JSON.stringify({ machine_token: TOKEN })),
        'ERR_TOKEN_STORE_PLAINTEXT',
      ],
      'bad JSON': [
        await ring.encrypt(Buffer.from('{"machine_token":')),
        'ERR_TOKEN_STORE_INVALID_RECORD',
      ],
    }
    for (const [label, [bytes, code]] of Object.entries(cases)) {
      writeFileSync(join(folder, 'auth.json'), bytes)
      const before = statSync(join(folder, 'auth.json'))
      const listing = readdirSync(folder).sort()
      const error = await errorOf(store.load())
      expect(error.code, label).toBe(code)
      expect(readFileSync(join(folder, 'auth.json')).equals(Buffer.from(bytes)), label).toBe(true)
      expect(statSync(join(folder, 'auth.json')).mtimeMs, label).toBe(before.mtimeMs)
      expect(statSync(join(folder, 'auth.json')).ino, label).toBe(before.ino)
      expect(readdirSync(folder).sort(), label).toEqual(listing)
    }
  })

  it('rejects invalid instance ids', () => {
    for (const instanceId of ['', '.', '..', '../gw', 'gw/1', 'gw 1', 'x'.repeat(129), 'gw~1']) {
      expect(() => openTokenStore({ instanceId, homeDir: home }), instanceId).toThrow(
        expect.objectContaining({ code: 'ERR_SECRET_INVALID_NAME' }),
      )
    }
    expect(() => openTokenStore({ instanceId: 7 as never, homeDir: home })).toThrow(
      expect.objectContaining({ code: 'ERR_SECRET_INVALID_NAME' }),
    )
    expect(() => openTokenStore({} as never)).toThrow(TypeError)
    expect(instanceFolder('a.b_c-1', '/home/gw')).toBe('/home/gw/.runbeam/a.b_c-1')
  })

  it('rejects options of the wrong type', () => {
    const cases = {
      'empty homeDir': { homeDir: '' },
      'clock not a function': { homeDir: home, clock: 'now' },
      'env not an object': { homeDir: home, env: 'RUNBEAM_ENCRYPTION_KEY=x' },
      'logger without methods': { homeDir: home, logger: 'debug' },
    }
    for (const [label, change] of Object.entries(cases)) {
      const options = { instanceId: 'gw-1', ...change } as never
      expect(() => openTokenStore(options), label).toThrow(TypeError)
    }
  })
})
