import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CliSandbox } from '../helpers.js'

describe('harmony-auth jwks', () => {
  let sandbox: CliSandbox

  beforeEach(async () => {
    sandbox = await CliSandbox.create()
  })

  afterEach(async () => {
    await sandbox.remove()
  })

  it('publishes the new and the old key', async () => {
    const oldKey = join(sandbox.home, 'old.pem')
    const first = await sandbox.run([
      'jwks',
      'generate',
      '--alg',
      'ES256',
      '--private-key-out',
      oldKey,
    ])
    expect(first.code).toBe(0)
    const published = JSON.parse(first.stdout) as { keys: { kid: string; d?: string }[] }
    expect(published.keys).toHaveLength(1)
    expect(published.keys[0]).not.toHaveProperty('d')
    expect((await stat(oldKey)).mode & 0o777).toBe(0o600)
    sandbox.secrets.add((await readFile(oldKey, 'utf8')).split('\n')[1]!)

    const jwksFile = join(sandbox.home, 'jwks.json')
    await writeFile(jwksFile, first.stdout)
    const newKey = join(sandbox.home, 'new.pem')
    const second = await sandbox.run([
      '--json',
      'jwks',
      'generate',
      '--alg',
      'ES256',
      '--kid',
      'key-2',
      '--private-key-out',
      newKey,
      '--jwks',
      jwksFile,
    ])
    expect(second.code).toBe(0)
    const jwks = second.json?.result?.jwks as { keys: { kid: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toEqual(['key-2', published.keys[0]!.kid])

    const third = await sandbox.run([
      '--json',
      'jwks',
      'generate',
      '--alg',
      'ES256',
      '--private-key-out',
      join(sandbox.home, 'third.pem'),
      '--jwks',
      jwksFile,
      '--retire',
      published.keys[0]!.kid,
    ])
    expect((third.json?.result?.jwks as { keys: unknown[] }).keys).toHaveLength(1)
  })

  it('never overwrites a private key file', async () => {
    const keyFile = join(sandbox.home, 'key.pem')
    await writeFile(keyFile, 'existing')
    const run = await sandbox.run(['--json', 'jwks', 'generate', '--private-key-out', keyFile])
    expect(run.code).toBe(4)
    expect(await readFile(keyFile, 'utf8')).toBe('existing')
  })

  it('exits 2 for an unknown algorithm', async () => {
    const run = await sandbox.run([
      'jwks',
      'generate',
      '--alg',
      'HS256',
      '--private-key-out',
      'x.pem',
    ])
    expect(run.code).toBe(2)
  })

  it('keeps a non-JSON file out of the error', async () => {
    // A secret passed as --jwks by mistake must not reach the output.
    const secretFile = join(sandbox.home, 'secret.txt')
    const secret = 'x9sEcReT'
    await writeFile(secretFile, secret, { mode: 0o600 })
    sandbox.secrets.add(secret)
    const run = await sandbox.run([
      '--json',
      'jwks',
      'generate',
      '--jwks',
      secretFile,
      '--private-key-out',
      join(sandbox.home, 'key.pem'),
    ])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_USAGE' } })
  })

  it('exits 2 when the JWKS would replace the private key', async () => {
    const keyFile = join(sandbox.home, 'key.pem')
    const run = await sandbox.run([
      '--json',
      'jwks',
      'generate',
      '--private-key-out',
      keyFile,
      '--out',
      join(sandbox.home, '.', 'key.pem'),
    ])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_USAGE' } })
    await expect(stat(keyFile)).rejects.toThrow()
  })
})
