import { describe, expect, it } from 'vitest'
import type { Secret } from '@harmony-auth/core'
import {
  generateJwtSecret,
  JwtVerifier,
  promoteJwtSecret,
  rotateJwtSecret,
} from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import { SignJWT } from 'jose'

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

async function stageOf(store: MemorySecretStore, stage: 'current' | 'previous' | 'pending') {
  return store.get('jwt-secret', { stage }).then(
    (stored) => stored.value,
    () => undefined,
  )
}

function signWith(secret: Secret): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('http://127.0.0.1')
    .setSubject('user')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret.bytes())
}

describe('rotateJwtSecret', () => {
  it('generates at least 32 random bytes', () => {
    const secret = generateJwtSecret()
    expect(secret.byteLength).toBeGreaterThanOrEqual(32)
    expect(secret.text()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(generateJwtSecret().equals(secret)).toBe(false)
    expect(() => generateJwtSecret(31)).toThrow(RangeError)
  })

  it('promotes a new secret and keeps the old one', async () => {
    const store = new MemorySecretStore()
    await store.put('jwt-secret', generateJwtSecret())
    const old = (await stageOf(store, 'current'))!
    const report = await rotateJwtSecret({ store, name: 'jwt-secret', byteLength: 48 })
    expect(report).toMatchObject({ stage: 'current', hadCurrent: true, byteLength: 48 })
    expect((await stageOf(store, 'previous'))!.equals(old)).toBe(true)
    expect((await stageOf(store, 'current'))!.equals(old)).toBe(false)
    expect(await stageOf(store, 'pending')).toBeUndefined()
    expect(JSON.stringify(report)).not.toContain((await stageOf(store, 'current'))!.text())
  })

  it('leaves the secret pending on request', async () => {
    const store = new MemorySecretStore()
    await store.put('jwt-secret', generateJwtSecret())
    await rotateJwtSecret({ store, name: 'jwt-secret', promote: false })
    const pending = (await stageOf(store, 'pending'))!
    expect(pending.byteLength).toBeGreaterThanOrEqual(32)
    const again = await failureOf(rotateJwtSecret({ store, name: 'jwt-secret' }))
    expect(again).toMatchObject({ code: 'ERR_ROTATION_IN_PROGRESS' })
    await promoteJwtSecret({ store, name: 'jwt-secret' })
    expect((await stageOf(store, 'current'))!.equals(pending)).toBe(true)
    const none = await failureOf(promoteJwtSecret({ store, name: 'jwt-secret' }))
    expect(none).toMatchObject({ code: 'ERR_ROTATION_NOT_IN_PROGRESS' })
  })

  it('writes nothing in a dry run', async () => {
    const store = new MemorySecretStore()
    const report = await rotateJwtSecret({ store, name: 'jwt-secret', dryRun: true })
    expect(report).toMatchObject({ dryRun: true, hadCurrent: false })
    expect(await store.list()).toEqual([])
  })

  it('rejects invalid options', async () => {
    const store = new MemorySecretStore()
    await expect(rotateJwtSecret({ store, name: '../x' })).rejects.toMatchObject({
      code: 'ERR_SECRET_INVALID_NAME',
    })
    await expect(rotateJwtSecret({ store, name: 'x', byteLength: 16 })).rejects.toThrow(RangeError)
    await expect(rotateJwtSecret({ store: {} as MemorySecretStore, name: 'x' })).rejects.toThrow(
      TypeError,
    )
  })

  it('verifies tokens of both secrets', async () => {
    const store = new MemorySecretStore()
    await store.put('jwt-secret', generateJwtSecret())
    await rotateJwtSecret({ store, name: 'jwt-secret' })
    const current = (await stageOf(store, 'current'))!
    const previous = (await stageOf(store, 'previous'))!
    const verifier = new JwtVerifier({
      algorithms: ['HS256'],
      hs256: { secrets: [current, previous] },
      requiredClaims: ['iss', 'sub', 'iat'],
    })
    const fromOld = await verifier.verify(await signWith(previous))
    const fromNew = await verifier.verify(await signWith(current))
    expect(fromOld.payload.sub).toBe('user')
    expect(fromNew.payload.sub).toBe('user')
    verifier.close()
  })
})
