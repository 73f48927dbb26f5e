import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthorizationClient } from '../../src/authorization/authorization-client.js'
import { resolveUserJwtSecrets } from '../../src/authorization/user-jwt-secret.js'
import type { UserJwtSecret } from '../../src/authorization/user-jwt-secret.js'
import { Secret } from '../../src/secrets/secret.js'
import {
  captureLogger,
  frozenClock,
  MemoryTokenStore,
  newSecret,
  NOW,
  signUserJwt,
} from './fixtures.js'

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

/** Returns the entry as a Secret after checking that it has no window end. */
function plainSecret(entry: UserJwtSecret | undefined): Secret {
  expect(Secret.isSecret(entry)).toBe(true)
  return entry as Secret
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
    expect(plainSecret(secrets[0]).byteLength).toBe(32)
    expect(plainSecret(secrets[0]).equals(DEVELOPMENT_SECRET)).toBe(true)
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
    expect(plainSecret(secret).text()).toBe(value)
  })

  it('prefers the option over the environment', () => {
    const option = newSecret()
    const [secret] = resolveUserJwtSecrets({
      jwtSecret: option,
      env: { RUNBEAM_JWT_SECRET: 'y'.repeat(40) },
      production: false,
      logger: undefined,
    })
    expect(plainSecret(secret).equals(option)).toBe(true)
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

describe('previous user JWT secrets', () => {
  const issuer = 'https://api.runbeam.io'
  const current = 'c'.repeat(40)
  const previous = 'CANARY-previous-jwt-secret-0123456789abcdef'
  const encoder = new TextEncoder()
  const windowEnd = new Date(NOW.getTime() + 3_600_000)

  /** A clock that starts at NOW and moves only through moveTo. */
  function movableClock(): { clock: () => Date; moveTo: (ms: number) => void } {
    let nowMs = NOW.getTime()
    return {
      clock: () => new Date(nowMs),
      moveTo: (ms) => {
        nowMs = ms
      },
    }
  }

  function tokenAt(secret: string, ms: number): Promise<string> {
    const iat = Math.floor(ms / 1000)
    return signUserJwt(encoder.encode(secret), { iss: issuer, iat, exp: iat + 600 })
  }

  function clientAt(clock: () => Date, options: Record<string, unknown>, log = captureLogger()) {
    return clientWith({
      clock,
      logger: log.logger,
      env: { RUNBEAM_JWT_SECRET: current, RUNBEAM_JWT_SECRET_PREVIOUS: previous },
      ...options,
    })
  }

  it('lists the current secret first, then each previous one', () => {
    const secrets = resolveUserJwtSecrets({
      jwtSecret: undefined,
      env: {
        RUNBEAM_JWT_SECRET: current,
        RUNBEAM_JWT_SECRET_PREVIOUS: ` ${'a'.repeat(32)},\r\n${'b'.repeat(32)}\n,`,
      },
      production: true,
      logger: undefined,
    })
    expect(secrets.map((entry) => plainSecret(entry).text())).toEqual([
      current,
      'a'.repeat(32),
      'b'.repeat(32),
    ])
  })

  it('verifies with the previous secret before the window end', async () => {
    const time = movableClock()
    const client = clientAt(time.clock, { previousSecretNotAfter: windowEnd })
    const at = windowEnd.getTime() - 1000
    time.moveTo(at)
    const identity = await client.verifyUserToken(await tokenAt(previous, at))
    expect(identity).toEqual({ subject: 'user-1', origin: issuer })
  })

  it('rejects the previous secret at the window end', async () => {
    const time = movableClock()
    const client = clientAt(time.clock, { previousSecretNotAfter: windowEnd })
    const at = windowEnd.getTime()
    time.moveTo(at)
    const code = await codeOf(async () => client.verifyUserToken(await tokenAt(previous, at)))
    expect(code).toBe('ERR_JWT_SIGNATURE_INVALID')
    const identity = await client.verifyUserToken(await tokenAt(current, at))
    expect(identity.subject).toBe('user-1')
  })

  it('rejects the previous secret after the window end', async () => {
    const time = movableClock()
    const client = clientAt(time.clock, { previousSecretNotAfter: windowEnd })
    const at = windowEnd.getTime() + 86_400_000
    time.moveTo(at)
    const code = await codeOf(async () => client.verifyUserToken(await tokenAt(previous, at)))
    expect(code).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('keeps previous secrets without a window end', async () => {
    const time = movableClock()
    const client = clientAt(time.clock, {})
    const at = NOW.getTime() + 365 * 86_400_000
    time.moveTo(at)
    const identity = await client.verifyUserToken(await tokenAt(previous, at))
    expect(identity.subject).toBe('user-1')
  })

  it('warns when the window ended before construction', async () => {
    const log = captureLogger()
    const time = movableClock()
    time.moveTo(windowEnd.getTime())
    const client = clientAt(time.clock, { previousSecretNotAfter: windowEnd }, log)
    expect(log.records).toHaveLength(1)
    expect(log.records[0]?.level).toBe('warn')
    expect(log.records[0]?.fields.code).toBe('HARMONY_AUTH_PREVIOUS_JWT_SECRET_ENDED')
    const identity = await client.verifyUserToken(await tokenAt(current, windowEnd.getTime()))
    expect(identity.subject).toBe('user-1')
  })

  it('accepts timed jwtSecret entries', async () => {
    const time = movableClock()
    const client = clientAt(time.clock, {
      jwtSecret: [current, { secret: previous, notAfter: windowEnd }],
    })
    await expect(client.verifyUserToken(await tokenAt(previous, NOW.getTime()))).resolves.toEqual({
      subject: 'user-1',
      origin: issuer,
    })
    time.moveTo(windowEnd.getTime())
    const code = await codeOf(async () =>
      client.verifyUserToken(await tokenAt(previous, windowEnd.getTime())),
    )
    expect(code).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('fails when every jwtSecret entry has ended', async () => {
    const time = movableClock()
    time.moveTo(windowEnd.getTime())
    const code = await codeOf(() =>
      clientAt(time.clock, { jwtSecret: [{ secret: previous, notAfter: windowEnd }] }),
    )
    expect(code).toBe('ERR_CONFIG_JWT_SECRET_MISSING')
  })

  it('fails with only RUNBEAM_JWT_SECRET_PREVIOUS set', async () => {
    const code = await codeOf(() =>
      clientWith({
        env: { RUNBEAM_JWT_SECRET_PREVIOUS: previous },
        logger: captureLogger().logger,
      }),
    )
    expect(code).toBe('ERR_CONFIG_JWT_SECRET_MISSING')
  })

  it('rejects a short previous secret', async () => {
    const code = await codeOf(() =>
      clientWith({ env: { RUNBEAM_JWT_SECRET: current, RUNBEAM_JWT_SECRET_PREVIOUS: 'short' } }),
    )
    expect(code).toBe('ERR_CONFIG_INVALID')
  })

  it.each([
    ['a string', { previousSecretNotAfter: windowEnd.toISOString() }, TypeError],
    ['a number', { previousSecretNotAfter: windowEnd.getTime() }, TypeError],
    ['an invalid Date', { previousSecretNotAfter: new Date(Number.NaN) }, RangeError],
    ['jwtSecret too', { previousSecretNotAfter: windowEnd, jwtSecret: current }, TypeError],
    ['a notAfter string', { jwtSecret: [{ secret: current, notAfter: 'soon' }] }, TypeError],
  ])('rejects previousSecretNotAfter as %s', (_case, options, expected) => {
    expect(() => clientAt(movableClock().clock, options)).toThrow(expected)
  })

  it('keeps previous secrets out of logs and errors', async () => {
    const log = captureLogger()
    const time = movableClock()
    time.moveTo(windowEnd.getTime())
    const client = clientAt(time.clock, { previousSecretNotAfter: windowEnd }, log)
    const failure = await client
      .verifyUserToken(await tokenAt(previous, windowEnd.getTime()))
      .catch((error: unknown) => error)
    const failures = [
      failure,
      (() => {
        try {
          clientWith({ env: { RUNBEAM_JWT_SECRET_PREVIOUS: previous }, logger: log.logger })
        } catch (error) {
          return error
        }
      })(),
    ]
    for (const error of failures) {
      expect(error).toBeInstanceOf(Error)
      expect(inspect(error, { depth: 5 })).not.toContain('CANARY')
      expect(JSON.stringify(error)).not.toContain('CANARY')
    }
    expect(log.records.length).toBeGreaterThan(0)
    expect(log.text()).not.toContain('CANARY')
  })
})
