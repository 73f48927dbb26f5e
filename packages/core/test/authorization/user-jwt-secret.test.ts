import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthorizationClient } from '../../src/authorization/authorization-client.js'
import { resolveUserJwtSecrets } from '../../src/authorization/user-jwt-secret.js'
import { captureLogger, frozenClock, MemoryTokenStore, newSecret, signUserJwt } from './fixtures.js'

const DEVELOPMENT_SECRET = new TextEncoder().encode('base64:your-secret-key-goes-here')

function clientWith(options: Record<string, unknown>) {
  return new AuthorizationClient({
    trustedIssuers: ['https://api.runbeam.io'],
    tokenStore: new MemoryTokenStore(),
    clock: frozenClock,
    ...options,
  })
}

async function codeOf(action: () => unknown): Promise<unknown> {
  try {
    await action()
  } catch (error) {
    return (error as { code?: unknown }).code
  }
  return undefined
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('resolveUserJwtSecrets', () => {
  it('uses the development default outside production with one warning', () => {
    const log = captureLogger()
    const secrets = resolveUserJwtSecrets({
      jwtSecret: undefined,
      env: {},
      production: false,
      logger: log.logger,
    })
    expect(secrets).toHaveLength(1)
    expect(secrets[0]?.byteLength).toBe(32)
    expect(secrets[0]?.equals(DEVELOPMENT_SECRET)).toBe(true)
    expect(log.records).toHaveLength(1)
    expect(log.records[0]?.level).toBe('warn')
    expect(log.records[0]?.fields.code).toBe('HARMONY_AUTH_DEV_JWT_SECRET')
    expect(log.text()).not.toContain('your-secret-key-goes-here')
  })

  it('emits a process warning when no logger is given', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    resolveUserJwtSecrets({ jwtSecret: undefined, env: {}, production: false, logger: undefined })
    expect(emitted).toHaveBeenCalledTimes(1)
  })

  it('fails in production without a secret', async () => {
    const code = await codeOf(() =>
      resolveUserJwtSecrets({ jwtSecret: undefined, env: {}, production: true, logger: undefined }),
    )
    expect(code).toBe('ERR_CONFIG_JWT_SECRET_MISSING')
  })

  it('reads RUNBEAM_JWT_SECRET', () => {
    const value = 'x'.repeat(40)
    const [secret] = resolveUserJwtSecrets({
      jwtSecret: undefined,
      env: { RUNBEAM_JWT_SECRET: value },
      production: true,
      logger: undefined,
    })
    expect(secret?.text()).toBe(value)
  })

  it('prefers the option over the environment', () => {
    const option = newSecret()
    const [secret] = resolveUserJwtSecrets({
      jwtSecret: option,
      env: { RUNBEAM_JWT_SECRET: 'y'.repeat(40) },
      production: false,
      logger: undefined,
    })
    expect(secret?.equals(option)).toBe(true)
  })

  it.each([
    ['an empty RUNBEAM_JWT_SECRET', { env: { RUNBEAM_JWT_SECRET: '' } }],
    ['a 31-byte RUNBEAM_JWT_SECRET', { env: { RUNBEAM_JWT_SECRET: 'z'.repeat(31) } }],
    ['a short option', { jwtSecret: 'short', env: {} }],
    ['a short secret in a list', { jwtSecret: [newSecret(), new Uint8Array(8)], env: {} }],
  ])('rejects %s', async (_case, sources) => {
    const code = await codeOf(() =>
      resolveUserJwtSecrets({
        jwtSecret: undefined,
        production: false,
        logger: undefined,
        ...sources,
      }),
    )
    expect(code).toBe('ERR_CONFIG_INVALID')
  })
})

describe('AuthorizationClient development default', () => {
  it('verifies tokens signed with the default outside production', async () => {
    const log = captureLogger()
    const client = clientWith({ env: {}, logger: log.logger })
    const token = await signUserJwt(DEVELOPMENT_SECRET, { iss: 'https://api.runbeam.io' })
    const identity = await client.verifyUserToken(token)
    expect(identity).toEqual({ subject: 'user-1', origin: 'https://api.runbeam.io' })
    expect(log.records.filter((record) => record.level === 'warn')).toHaveLength(1)
  })

  it('warns once per client, not per token', async () => {
    const log = captureLogger()
    const client = clientWith({ env: {}, logger: log.logger })
    const token = await signUserJwt(DEVELOPMENT_SECRET, { iss: 'https://api.runbeam.io' })
    await client.verifyUserToken(token)
    await client.verifyUserToken(token)
    expect(log.records.filter((record) => record.level === 'warn')).toHaveLength(1)
  })

  it('refuses to start with NODE_ENV=production', async () => {
    const code = await codeOf(() => clientWith({ env: { NODE_ENV: 'production' } }))
    expect(code).toBe('ERR_CONFIG_JWT_SECRET_MISSING')
  })

  it("refuses to start with environment: 'production'", async () => {
    const code = await codeOf(() => clientWith({ env: {}, environment: 'production' }))
    expect(code).toBe('ERR_CONFIG_JWT_SECRET_MISSING')
  })

  it('lets the environment option override NODE_ENV', () => {
    const log = captureLogger()
    const client = clientWith({
      env: { NODE_ENV: 'production' },
      environment: 'development',
      logger: log.logger,
    })
    expect(client).toBeInstanceOf(AuthorizationClient)
    expect(log.records).toHaveLength(1)
  })

  it('starts in production with a real secret', () => {
    const log = captureLogger()
    const client = clientWith({
      env: { NODE_ENV: 'production', RUNBEAM_JWT_SECRET: 'p'.repeat(48) },
      logger: log.logger,
    })
    expect(client).toBeInstanceOf(AuthorizationClient)
    expect(log.records).toHaveLength(0)
  })

  it('rejects an http loopback issuer in production', async () => {
    const code = await codeOf(() =>
      clientWith({
        jwtSecret: newSecret(),
        environment: 'production',
        trustedIssuers: ['http://127.0.0.1:9000'],
      }),
    )
    expect(code).toBe('ERR_CONFIG_ISSUER_NOT_ALLOWED')
  })
})
