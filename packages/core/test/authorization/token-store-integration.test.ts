// Package imports throughout, so core and testing types come from one build under tsc.
import { AuthorizationClient, EncryptionKeyRing, TokenStore } from '@harmony-auth/core'
import { MemorySecretStore, startCloudEmulator } from '@harmony-auth/testing'
import type { CloudEmulator } from '@harmony-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { frozenClock, newSecret, signUserJwt } from './fixtures.js'

let cloud: CloudEmulator
let backend: MemorySecretStore
let store: TokenStore
let client: AuthorizationClient
let secret: Uint8Array

beforeEach(async () => {
  cloud = await startCloudEmulator({ clock: frozenClock })
  backend = new MemorySecretStore()
  store = new TokenStore({
    backend,
    keyRing: await EncryptionKeyRing.generate(),
    clock: frozenClock,
  })
  secret = newSecret()
  client = new AuthorizationClient({
    jwtSecret: secret,
    trustedIssuers: [cloud.origin],
    tokenStore: store,
    env: {},
    clock: frozenClock,
  })
})

afterEach(async () => {
  await cloud.close()
})

async function authorize(): Promise<unknown> {
  const userJwt = await signUserJwt(secret, { iss: cloud.origin })
  try {
    return await client.authorize(userJwt, { gatewayCode: 'edge-1' })
  } catch (error) {
    return error
  }
}

describe('AuthorizationClient with TokenStore', () => {
  it('saves the issued token encrypted in the backend', async () => {
    await authorize()
    const loaded = await store.load()
    expect(loaded?.machineToken.text()).toBe(cloud.issued[0]?.machineToken)
    const stored = await backend.get('auth.json')
    expect(Buffer.from(stored.value.bytes()).toString('latin1')).not.toContain(
      cloud.issued[0]?.machineToken,
    )
  })

  it('keeps the old token when the backend write fails', async () => {
    await authorize()
    const first = cloud.issued[0]?.machineToken
    backend.failNext('put', 10)
    const error = (await authorize()) as { code?: string }
    expect(error.code).toBe('ERR_TOKEN_STORE_WRITE_FAILED')
    expect(cloud.issued).toHaveLength(2)
    expect((await store.load())?.machineToken.text()).toBe(first)
  })
})
