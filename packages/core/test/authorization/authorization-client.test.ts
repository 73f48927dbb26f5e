import { afterEach, describe, expect, it } from 'vitest'
import { startCloudEmulator } from '@harmony-auth/testing'
import type { CloudEmulator } from '@harmony-auth/testing'
import { AuthorizationClient } from '../../src/authorization/authorization-client.js'
import { MachineToken } from '../../src/token-store/machine-token.js'
import {
  frozenClock,
  newSecret,
  nowSeconds,
  NOW,
  setUpAuthorization,
  signUserJwt,
} from './fixtures.js'
import type { AuthorizationSetup } from './fixtures.js'

const clouds: CloudEmulator[] = []

async function setUp(...args: Parameters<typeof setUpAuthorization>): Promise<AuthorizationSetup> {
  const setup = await setUpAuthorization(...args)
  clouds.push(setup.cloud)
  return setup
}

afterEach(async () => {
  await Promise.all(clouds.splice(0).map((cloud) => cloud.close()))
})

async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

function circularMetadata(): Record<string, unknown> {
  const metadata: Record<string, unknown> = {}
  metadata.self = metadata
  return metadata
}

describe('AuthorizationClient.authorize', () => {
  it('exchanges the user JWT and saves the machine token', async () => {
    const { client, store, userJwt } = await setUp(
      {},
      {
        gateways: [{ code: 'edge-1', id: 'gw-42', name: 'Edge', abilities: ['proxy'] }],
        machineToken: 'mt_secret_value',
        expiresInSeconds: 86_400.75,
      },
    )
    const token = await userJwt()
    const result = await client.authorize(token, {
      gatewayCode: 'edge-1',
      machinePublicKey: 'age1publickey',
      metadata: { version: '1.0.0' },
    })

    expect(result).toEqual({
      gateway: { id: 'gw-42', code: 'edge-1', name: 'Edge' },
      expiresAt: new Date(NOW.getTime() + 86_400_750),
      expiresIn: 86_400,
      abilities: ['proxy'],
    })
    expect(store.token?.machineToken.text()).toBe('mt_secret_value')
    expect(store.token?.gatewayId).toBe('gw-42')
    expect(store.token?.gatewayCode).toBe('edge-1')
    expect(store.token?.abilities).toEqual(['proxy'])
    expect(store.token?.issuedAt).toEqual(NOW)
    expect(store.token?.expiresAt).toEqual(new Date(NOW.getTime() + 86_400_750))
  })

  it('sends the documented request', async () => {
    const { client, cloud, userJwt } = await setUp()
    const token = await userJwt()
    await client.authorize(token, {
      gatewayCode: 'edge-1',
      machinePublicKey: 'age1publickey',
      metadata: { region: 'eu' },
    })

    expect(cloud.requests).toHaveLength(1)
    const [request] = cloud.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/api/harmony/authorize')
    expect(request?.headers.authorization).toBe(`Bearer ${token}`)
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.body).toEqual({
      token,
      gateway_code: 'edge-1',
      machine_public_key: 'age1publickey',
      metadata: { region: 'eu' },
    })
  })

  it('leaves optional fields out of the request', async () => {
    const { client, cloud, userJwt } = await setUp()
    const token = await userJwt()
    await client.authorize(token, { gatewayCode: 'edge-1' })
    expect(cloud.requests[0]?.body).toEqual({ token, gateway_code: 'edge-1' })
  })

  it('never returns the machine token', async () => {
    const { client, userJwt } = await setUp({}, { machineToken: 'mt_never_returned' })
    const result = await client.authorize(await userJwt(), { gatewayCode: 'edge-1' })
    expect(JSON.stringify(result)).not.toContain('mt_never_returned')
    expect(Object.keys(result).sort()).toEqual(['abilities', 'expiresAt', 'expiresIn', 'gateway'])
  })

  it('accepts a user JWT signed with a previous secret', async () => {
    const previous = newSecret()
    const { client, cloud } = await setUp({ jwtSecret: [newSecret(), previous] })
    const token = await signUserJwt(previous, { iss: cloud.origin })
    const result = await client.authorize(token, { gatewayCode: 'edge-1' })
    expect(result.gateway.code).toBe('edge-1')
  })

  it('replaces the stored token on a second authorization', async () => {
    const { client, store, userJwt } = await setUp()
    await client.authorize(await userJwt(), { gatewayCode: 'edge-1' })
    const first = store.token?.machineToken.text()
    await client.authorize(await userJwt(), { gatewayCode: 'edge-1' })
    expect(store.saves).toBe(2)
    expect(store.token?.machineToken.text()).not.toBe(first)
  })

  it.each([
    ['an empty gateway code', { gatewayCode: '' }],
    ['a gateway code with a slash', { gatewayCode: 'a/b' }],
    ['a gateway code of 129 characters', { gatewayCode: 'a'.repeat(129) }],
    ['a gateway code of the wrong type', { gatewayCode: 7 }],
    ['an empty public key', { gatewayCode: 'a', machinePublicKey: '' }],
    ['array metadata', { gatewayCode: 'a', metadata: [] }],
    ['class metadata', { gatewayCode: 'a', metadata: new Date() }],
    ['metadata with a BigInt', { gatewayCode: 'a', metadata: { count: 1n } }],
    ['circular metadata', { gatewayCode: 'a', metadata: circularMetadata() }],
  ])('rejects %s before sending', async (_case, options) => {
    const { client, cloud, userJwt } = await setUp()
    const error = await rejectionOf(client.authorize(await userJwt(), options as never))
    expect(error.code).toBe('ERR_AUTHORIZE_INVALID_REQUEST')
    expect(cloud.requests).toHaveLength(0)
  })

  it('logs the outcome with the gateway code and no token', async () => {
    const { client, log, userJwt } = await setUp({}, { machineToken: 'mt_not_in_logs' })
    await client.authorize(await userJwt(), { gatewayCode: 'edge-1' })
    const info = log.records.find((record) => record.level === 'info')
    expect(info?.fields).toMatchObject({ gatewayCode: 'edge-1', gatewayId: 'gw-edge-1' })
    expect(log.text()).not.toContain('mt_not_in_logs')
  })
})

describe('AuthorizationClient user JWT checks', () => {
  it.each([
    ['an expired token', { exp: nowSeconds - 61 }, 'ERR_JWT_EXPIRED'],
    ['a token not yet valid', { nbf: nowSeconds + 120 }, 'ERR_JWT_NOT_YET_VALID'],
    ['a token without iss', { iss: undefined }, 'ERR_JWT_CLAIM_MISSING'],
    ['a token without sub', { sub: undefined }, 'ERR_JWT_CLAIM_MISSING'],
    ['a token without iat', { iat: undefined }, 'ERR_JWT_CLAIM_MISSING'],
    ['a token without exp', { exp: undefined }, 'ERR_JWT_CLAIM_MISSING'],
    ['a numeric iss', { iss: 42 }, 'ERR_JWT_CLAIMS_INVALID'],
    ['an empty sub', { sub: '' }, 'ERR_JWT_CLAIMS_INVALID'],
    ['a numeric sub', { sub: 7 }, 'ERR_JWT_CLAIMS_INVALID'],
    ['a string iat', { iat: 'yesterday' }, 'ERR_JWT_CLAIMS_INVALID'],
    ['an iat in the future', { iat: nowSeconds + 3600 }, 'ERR_JWT_ISSUED_IN_FUTURE'],
  ])('rejects %s without a request', async (_case, claims, code) => {
    const { client, cloud, userJwt } = await setUp()
    const error = await rejectionOf(client.authorize(await userJwt(claims), { gatewayCode: 'a' }))
    expect(error.code).toBe(code)
    expect(cloud.requests).toHaveLength(0)
  })

  it('accepts a token expired within the 60 s leeway', async () => {
    const { client, userJwt } = await setUp()
    const result = await client.authorize(await userJwt({ exp: nowSeconds - 30 }), {
      gatewayCode: 'a',
    })
    expect(result.gateway.code).toBe('a')
  })

  it('rejects a token signed with another secret', async () => {
    const { client, cloud } = await setUp()
    const token = await signUserJwt(newSecret(), { iss: cloud.origin })
    const error = await rejectionOf(client.authorize(token, { gatewayCode: 'a' }))
    expect(error.code).toBe('ERR_JWT_SIGNATURE_INVALID')
    expect(cloud.requests).toHaveLength(0)
  })

  it('rejects a token with another algorithm', async () => {
    const { client, cloud, secret } = await setUp()
    const token = await signUserJwt(
      new Uint8Array([...secret, ...secret]),
      { iss: cloud.origin },
      'HS512',
    )
    const error = await rejectionOf(client.authorize(token, { gatewayCode: 'a' }))
    expect(error.code).toBe('ERR_JWT_ALG_NOT_ALLOWED')
    expect(cloud.requests).toHaveLength(0)
  })

  it('rejects an unsigned token', async () => {
    const { client, cloud } = await setUp()
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const claims = { iss: cloud.origin, sub: 'u', iat: nowSeconds, exp: nowSeconds + 60 }
    const token = `${encode({ alg: 'none' })}.${encode(claims)}.`
    const error = await rejectionOf(client.authorize(token, { gatewayCode: 'a' }))
    expect(String(error.code)).toMatch(/^ERR_JWT_/)
    expect(cloud.requests).toHaveLength(0)
  })

  it('rejects a token that is not a string', async () => {
    const { client } = await setUp()
    const error = await rejectionOf(client.authorize(42 as never, { gatewayCode: 'a' }))
    expect(error.code).toBe('ERR_JWT_MALFORMED')
  })

  it('checks aud only when an audience is configured', async () => {
    const { client, userJwt } = await setUp({ audience: 'harmony-gateway' })
    const wrong = await rejectionOf(
      client.authorize(await userJwt({ aud: 'other' }), { gatewayCode: 'a' }),
    )
    expect(wrong.code).toBe('ERR_JWT_AUDIENCE_INVALID')
    const right = await client.authorize(await userJwt({ aud: 'harmony-gateway' }), {
      gatewayCode: 'a',
    })
    expect(right.gateway.code).toBe('a')
  })
})

describe('AuthorizationClient issuer checks', () => {
  it.each([
    ['a look-alike host', (origin: string) => `${origin.replace('127.0.0.1', '127.0.0.1.nip.io')}`],
    ['userinfo', (origin: string) => origin.replace('//', '//127.0.0.1@')],
    ['a path prefix', (origin: string) => `http://127.0.0.2:1/${origin}`],
    ['another port', (origin: string) => origin.replace(/:\d+$/, ':1')],
    ['https instead of http', (origin: string) => origin.replace('http:', 'https:')],
    ['a query', (origin: string) => `${origin}?x=1`],
  ])('sends nothing for %s', async (_case, makeIssuer) => {
    const { client, cloud, userJwt } = await setUp()
    const error = await rejectionOf(
      client.authorize(await userJwt({ iss: makeIssuer(cloud.origin) }), { gatewayCode: 'a' }),
    )
    expect(error.code).toBe('ERR_AUTHORIZE_ISSUER_NOT_TRUSTED')
    expect(cloud.requests).toHaveLength(0)
  })

  it('sends nothing to an untrusted emulator named by iss', async () => {
    const { client, cloud, userJwt } = await setUp()
    const other = await startCloudEmulator({ clock: frozenClock })
    clouds.push(other)
    for (const issuer of [other.origin, `${cloud.origin}@${other.origin.slice(7)}`]) {
      const error = await rejectionOf(
        client.authorize(await userJwt({ iss: issuer }), { gatewayCode: 'a' }),
      )
      expect(error.code).toBe('ERR_AUTHORIZE_ISSUER_NOT_TRUSTED')
    }
    expect(other.requests).toHaveLength(0)
    expect(cloud.requests).toHaveLength(0)
  })

  it('exchanges with an IPv6 loopback issuer', async () => {
    const { client, cloud, userJwt } = await setUp({}, { host: '::1' })
    expect(cloud.origin).toMatch(/^http:\/\/\[::1\]:\d+$/)
    const result = await client.authorize(await userJwt(), { gatewayCode: 'a' })
    expect(result.gateway.code).toBe('a')
    expect(cloud.requests).toHaveLength(1)
  })

  it('accepts an issuer that differs only in case and trailing slash', async () => {
    const { client, cloud, userJwt } = await setUp()
    const issuer = `${cloud.origin.replace('http', 'HTTP')}/`
    const result = await client.authorize(await userJwt({ iss: issuer }), { gatewayCode: 'a' })
    expect(result.gateway.code).toBe('a')
    expect(cloud.requests).toHaveLength(1)
  })
})

describe('AuthorizationClient token saving', () => {
  it('reports a save failure and keeps the old token', async () => {
    const { client, store, userJwt } = await setUp()
    await client.authorize(await userJwt(), { gatewayCode: 'edge-1' })
    const old = store.token
    store.failSave = new Error('disk full')
    const error = await rejectionOf(client.authorize(await userJwt(), { gatewayCode: 'edge-1' }))
    expect(error.code).toBe('ERR_TOKEN_STORE_WRITE_FAILED')
    expect(error.name).toBe('TokenStoreError')
    expect(store.token).toBe(old)
  })

  it('passes a coded write failure through unchanged', async () => {
    const { client, store, userJwt } = await setUp()
    const { TokenStoreError } = await import('../../src/errors.js')
    const original = new TokenStoreError('ERR_TOKEN_STORE_WRITE_FAILED', 'Write failed')
    store.failSave = original
    const error = await rejectionOf(client.authorize(await userJwt(), { gatewayCode: 'edge-1' }))
    expect(error).toBe(original)
  })
})

describe('AuthorizationClient.checkExpiry', () => {
  async function withToken(expiresInSeconds: number | undefined) {
    const setup = await setUp()
    if (expiresInSeconds !== undefined) {
      setup.store.token = new MachineToken(
        {
          machineToken: 'mt_x',
          expiresAt: new Date(NOW.getTime() + expiresInSeconds * 1000),
          gatewayId: 'gw-1',
          gatewayCode: 'edge-1',
        },
        frozenClock,
      )
    }
    return setup
  }

  it('reports a missing token with a warning', async () => {
    const { client, log } = await withToken(undefined)
    expect(await client.checkExpiry()).toEqual({ state: 'missing' })
    expect(log.records.filter((record) => record.level === 'warn')).toHaveLength(1)
  })

  it('warns when the token expires within 7 days', async () => {
    const { client, log } = await withToken(6 * 86_400)
    const status = await client.checkExpiry()
    expect(status).toEqual({
      state: 'expiring',
      expiresAt: new Date(NOW.getTime() + 6 * 86_400_000),
      expiresInSeconds: 6 * 86_400,
    })
    const warning = log.records.find((record) => record.level === 'warn')
    expect(warning?.fields).toMatchObject({
      code: 'HARMONY_AUTH_TOKEN_EXPIRING',
      gatewayCode: 'edge-1',
    })
  })

  it('stays quiet for a token valid past the window', async () => {
    const { client, log } = await withToken(8 * 86_400)
    expect((await client.checkExpiry()).state).toBe('valid')
    expect(log.records.filter((record) => record.level === 'warn')).toHaveLength(0)
  })

  it('uses the configured number of days', async () => {
    const { client } = await withToken(8 * 86_400)
    expect((await client.checkExpiry({ withinDays: 10 })).state).toBe('expiring')
    expect((await client.checkExpiry({ withinDays: 0 })).state).toBe('valid')
  })

  it('reports an expired token', async () => {
    const { client, log } = await withToken(-1)
    const status = await client.checkExpiry()
    expect(status).toMatchObject({ state: 'expired', expiresInSeconds: 0 })
    expect(log.records.find((record) => record.level === 'warn')?.fields.code).toBe(
      'HARMONY_AUTH_TOKEN_EXPIRED',
    )
  })

  it('rejects a negative number of days', async () => {
    const { client } = await withToken(60)
    await expect(client.checkExpiry({ withinDays: -1 })).rejects.toThrow(RangeError)
  })
})

describe('AuthorizationClient construction', () => {
  const store = {
    save: () => Promise.reject(new Error('unused')),
    load: () => Promise.resolve(undefined),
  }
  const base = {
    jwtSecret: newSecret(),
    trustedIssuers: ['https://api.runbeam.io'],
    tokenStore: store,
    env: {},
  }

  it.each([
    ['no options', undefined, TypeError],
    [
      'trustedIssuers as a string',
      { ...base, trustedIssuers: 'https://api.runbeam.io' },
      TypeError,
    ],
    ['an empty trustedIssuers', { ...base, trustedIssuers: [] }, RangeError],
    ['a token store without load', { ...base, tokenStore: { save: store.save } }, TypeError],
    ['a fetch that is not a function', { ...base, fetch: 'fetch' }, TypeError],
    ['a timeout of zero', { ...base, timeoutMs: 0 }, RangeError],
    ['a fractional timeout', { ...base, timeoutMs: 1.5 }, RangeError],
    ['a tiny response cap', { ...base, maxResponseBytes: 10 }, RangeError],
    ['an unknown environment', { ...base, environment: 'staging' }, RangeError],
    ['a logger without warn', { ...base, logger: { info: () => undefined } }, TypeError],
    ['an empty secret list', { ...base, jwtSecret: [] }, RangeError],
    ['a secret of the wrong type', { ...base, jwtSecret: 42 }, TypeError],
    ['an empty audience', { ...base, audience: '' }, TypeError],
  ])('throws for %s', (_case, options, type) => {
    expect(() => new AuthorizationClient(options as never)).toThrow(type)
  })
})
