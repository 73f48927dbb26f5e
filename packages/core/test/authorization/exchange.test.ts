import { afterEach, describe, expect, it } from 'vitest'
import type { CloudEmulator } from '@harmony-auth/testing'
import { exchangeUserJwt } from '../../src/authorization/exchange.js'
import { retryPolicyOf } from '../../src/authorization/retry.js'
import { silentLogger } from '../../src/support/logger.js'
import { frozenClock, NOW, setUpAuthorization } from './fixtures.js'
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

async function failureOf(setup: AuthorizationSetup): Promise<Record<string, unknown>> {
  try {
    await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected authorize() to fail')
}

const validReply = {
  machine_token: 'mt_valid',
  expires_in: 3600,
  expires_at: new Date(NOW.getTime() + 3_600_000).toISOString(),
  gateway: { id: 'gw-1', code: 'edge-1', name: 'Edge' },
}

describe('token exchange transport', () => {
  it('refuses a redirect and does not follow it', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'redirect', status: 307, location: `${setup.cloud.url}/elsewhere` })
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_REDIRECT')
    expect(setup.cloud.requests).toHaveLength(1)
    expect(setup.store.saves).toBe(0)
  })

  it('times out a slow reply', async () => {
    const setup = await setUp({ timeoutMs: 100 })
    setup.cloud.inject({ kind: 'delay', ms: 10_000 })
    const started = performance.now()
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(setup.cloud.requests).toHaveLength(1)
  })

  it('caps a huge reply body', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'huge-body', bytes: 3 * 1024 * 1024 })
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_BAD_RESPONSE')
    expect(setup.store.saves).toBe(0)
  })

  it('honours a smaller configured body cap', async () => {
    const setup = await setUp({ maxResponseBytes: 2048 })
    setup.cloud.inject({ kind: 'huge-body', bytes: 4096 })
    expect((await failureOf(setup)).code).toBe('ERR_AUTHORIZE_BAD_RESPONSE')
  })

  it('aborts when the caller signal fires', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'delay', ms: 10_000 })
    const controller = new AbortController()
    const pending = setup.client.authorize(await setup.userJwt(), {
      gatewayCode: 'edge-1',
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('stopped by caller')), 50)
    await expect(pending).rejects.toThrow('stopped by caller')
  })
})

describe('token exchange retries', () => {
  it('stops waiting for a retry when the caller aborts', async () => {
    const setup = await setUp({
      sleep: undefined,
      retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
    })
    setup.cloud.inject({ kind: 'status', status: 503 }, Infinity)
    const controller = new AbortController()
    const started = performance.now()
    const pending = setup.client.authorize(await setup.userJwt(), {
      gatewayCode: 'edge-1',
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('stopped during backoff')), 100)
    await expect(pending).rejects.toThrow('stopped during backoff')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(setup.cloud.requests).toHaveLength(1)
  })

  it('retries 503 and then succeeds', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status: 503 }, 2)
    const result = await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(result.gateway.code).toBe('edge-1')
    expect(setup.cloud.requests).toHaveLength(3)
    expect(setup.sleeps).toEqual([187.5, 375])
  })

  it.each([429, 502, 504])('retries HTTP %i', async (status) => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status })
    await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(setup.cloud.requests).toHaveLength(2)
  })

  it('stops after maxAttempts', async () => {
    const setup = await setUp({ retry: { maxAttempts: 4 } })
    setup.cloud.inject({ kind: 'status', status: 503 }, Infinity)
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_FAILED')
    expect((error.details as { status?: number }).status).toBe(503)
    expect(setup.cloud.requests).toHaveLength(4)
    expect(setup.sleeps).toHaveLength(3)
  })

  it.each([400, 401, 403, 404, 500])('does not retry HTTP %i', async (status) => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status }, Infinity)
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_FAILED')
    expect(setup.cloud.requests).toHaveLength(1)
  })

  it('retries a connection reset', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'reset' })
    await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(setup.cloud.requests).toHaveLength(2)
  })

  it('reports a network failure after the last attempt', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'reset' }, Infinity)
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_FAILED')
    expect(setup.cloud.requests).toHaveLength(3)
  })

  it('does not retry a timeout', async () => {
    const setup = await setUp({ timeoutMs: 100 })
    setup.cloud.inject({ kind: 'delay', ms: 10_000 }, Infinity)
    expect((await failureOf(setup)).code).toBe('ERR_AUTHORIZE_UPSTREAM_TIMEOUT')
    expect(setup.cloud.requests).toHaveLength(1)
  })

  it('waits as long as Retry-After asks', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status: 429, headers: { 'retry-after': '2' } })
    await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(setup.sleeps).toEqual([2000])
  })

  it('gives up when Retry-After is longer than maxDelayMs', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status: 503, headers: { 'retry-after': '3600' } })
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_FAILED')
    expect(setup.cloud.requests).toHaveLength(1)
    expect(setup.sleeps).toEqual([])
  })

  it('stops retrying at the time budget', async () => {
    const setup = await setUp({
      retry: { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 4000, budgetMs: 5000 },
    })
    setup.cloud.inject({ kind: 'status', status: 503 }, Infinity)
    await failureOf(setup)
    // Delays of 750, 1500 and 3000 ms: the third would pass the 5000 ms budget.
    expect(setup.sleeps).toEqual([750, 1500])
    expect(setup.cloud.requests).toHaveLength(3)
  })

  it('limits a retry to the remaining budget', async () => {
    const setup = await setUp({ retry: { maxAttempts: 3, baseDelayMs: 0, budgetMs: 300 } })
    setup.cloud.inject({ kind: 'status', status: 503 })
    // Longer than the default 10 s timeout, so only the budget can end the retry early.
    setup.cloud.inject({ kind: 'delay', ms: 20_000 })
    const started = performance.now()
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_UPSTREAM_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(setup.cloud.requests).toHaveLength(2)
  })

  it('logs each retry with the status and no body', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'status', status: 503, body: 'upstream-body-canary' })
    await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    const retry = setup.log.records.find((record) => record.message?.startsWith('Retrying'))
    expect(retry?.fields).toMatchObject({ gatewayCode: 'edge-1', status: 503, attempt: 1 })
    expect(setup.log.text()).not.toContain('upstream-body-canary')
  })
})

describe('token exchange response validation', () => {
  it('accepts a fractional expires_in', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'json', body: { ...validReply, expires_in: 3599.9 } })
    const result = await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(result.expiresIn).toBe(3599)
    expect(result.abilities).toEqual([])
  })

  it('accepts abilities', async () => {
    const setup = await setUp()
    setup.cloud.inject({ kind: 'json', body: { ...validReply, abilities: ['a', 'b'] } })
    const result = await setup.client.authorize(await setup.userJwt(), { gatewayCode: 'edge-1' })
    expect(result.abilities).toEqual(['a', 'b'])
    expect(setup.store.token?.abilities).toEqual(['a', 'b'])
  })

  it.each([
    ['a body that is not JSON', undefined],
    ['a JSON array', []],
    ['a missing machine_token', { ...validReply, machine_token: undefined }],
    ['an empty machine_token', { ...validReply, machine_token: '' }],
    ['a numeric machine_token', { ...validReply, machine_token: 42 }],
    ['a machine_token with a line break', { ...validReply, machine_token: 'mt_a\r\nx: y' }],
    ['a machine_token with a space', { ...validReply, machine_token: 'mt a' }],
    ['a missing expires_in', { ...validReply, expires_in: undefined }],
    ['a string expires_in', { ...validReply, expires_in: '3600' }],
    ['a negative expires_in', { ...validReply, expires_in: -5 }],
    ['a missing expires_at', { ...validReply, expires_at: undefined }],
    ['an expires_at that is not RFC 3339', { ...validReply, expires_at: 'tomorrow' }],
    ['an expires_at in the past', { ...validReply, expires_at: '2020-01-01T00:00:00Z' }],
    ['an expires_at on June 31', { ...validReply, expires_at: '2026-06-31T00:00:00Z' }],
    ['an expires_at at hour 24', { ...validReply, expires_at: '2026-06-02T24:00:00Z' }],
    ['a missing gateway', { ...validReply, gateway: undefined }],
    ['a gateway without id', { ...validReply, gateway: { code: 'edge-1', name: 'E' } }],
    ['a numeric gateway id', { ...validReply, gateway: { id: 1, code: 'edge-1', name: 'E' } }],
    ['a gateway without name', { ...validReply, gateway: { id: 'g', code: 'edge-1' } }],
    [
      'a gateway code with a line break',
      { ...validReply, gateway: { id: 'g', code: 'edge-1\n', name: 'E' } },
    ],
    ['abilities that are not strings', { ...validReply, abilities: [1] }],
    ['abilities that are not an array', { ...validReply, abilities: 'all' }],
    ['an ability with a line break', { ...validReply, abilities: ['proxy\nadmin'] }],
  ])('rejects %s', async (_case, body) => {
    const setup = await setUp()
    setup.cloud.inject(body === undefined ? { kind: 'bad-json' } : { kind: 'json', body })
    const error = await failureOf(setup)
    expect(error.code).toBe('ERR_AUTHORIZE_BAD_RESPONSE')
    expect(setup.store.saves).toBe(0)
  })
})

describe('exchangeUserJwt', () => {
  it('uses the injected fetch with a manual redirect mode', async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = []
    const fakeFetch: typeof fetch = (input, init) => {
      calls.push({ url: input instanceof Request ? input.url : input.toString(), init })
      return Promise.resolve(Response.json(validReply))
    }
    const reply = await exchangeUserJwt(
      { origin: 'https://api.runbeam.io', userJwt: 'a.b.c', gatewayCode: 'edge-1' },
      {
        fetch: fakeFetch,
        timeoutMs: 1000,
        maxResponseBytes: 1024 * 1024,
        retry: retryPolicyOf(),
        clock: frozenClock,
        logger: silentLogger,
        sleep: () => Promise.resolve(),
        random: () => 0,
      },
    )
    expect(reply.gateway.id).toBe('gw-1')
    expect(calls).toHaveLength(1)
    expect(calls[0]?.url).toBe('https://api.runbeam.io/api/harmony/authorize')
    expect(calls[0]?.init?.redirect).toBe('manual')
    expect(calls[0]?.init?.method).toBe('POST')
  })
})
