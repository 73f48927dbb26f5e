import { afterEach, describe, expect, it } from 'vitest'
import { startCloudEmulator } from '../src/cloud-emulator.js'
import type { CloudEmulator, CloudEmulatorOptions } from '../src/cloud-emulator-types.js'

const USER_JWT = 'header.payload.signature'
const frozenNow = new Date('2026-03-01T12:00:00.000Z')

let cloud: CloudEmulator | undefined

async function start(options: CloudEmulatorOptions = {}): Promise<CloudEmulator> {
  cloud = await startCloudEmulator({ clock: () => frozenNow, ...options })
  return cloud
}

afterEach(async () => {
  await cloud?.close()
  cloud = undefined
})

function authorize(emulator: CloudEmulator, body: Record<string, unknown>, token = USER_JWT) {
  return fetch(`${emulator.url}/api/harmony/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ token, ...body }),
  })
}

describe('startCloudEmulator', () => {
  it('listens on a loopback address', async () => {
    const emulator = await start()
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emulator.origin).toBe(emulator.url)
  })

  it('listens on the IPv6 loopback address', async () => {
    const emulator = await start({ host: '::1' })
    expect(emulator.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect((await authorize(emulator, { gateway_code: 'a' })).status).toBe(200)
  })

  it.each(['192.0.2.1', 'localhost'])('rejects the listen host %s', async (host) => {
    const options = { host } as unknown as CloudEmulatorOptions
    await expect(startCloudEmulator(options)).rejects.toThrow(RangeError)
  })

  it('issues a machine token for a known gateway', async () => {
    const emulator = await start({
      gateways: [{ code: 'edge-1', id: 'gw-77', name: 'Edge one', abilities: ['proxy'] }],
      machineToken: 'mt_fixed',
      expiresInSeconds: 3600.5,
    })
    const response = await authorize(emulator, { gateway_code: 'edge-1' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      machine_token: 'mt_fixed',
      expires_in: 3600.5,
      expires_at: '2026-03-01T13:00:00.500Z',
      gateway: { id: 'gw-77', code: 'edge-1', name: 'Edge one' },
      abilities: ['proxy'],
    })
    expect(emulator.issued).toEqual([
      { gatewayCode: 'edge-1', machineToken: 'mt_fixed', expiresAt: '2026-03-01T13:00:00.500Z' },
    ])
  })

  it('issues a random token per request by default', async () => {
    const emulator = await start()
    const first = (await (await authorize(emulator, { gateway_code: 'a' })).json()) as {
      machine_token: string
    }
    const second = (await (await authorize(emulator, { gateway_code: 'a' })).json()) as {
      machine_token: string
    }
    expect(first.machine_token).toMatch(/^mt_[0-9a-f]{48}$/)
    expect(second.machine_token).not.toBe(first.machine_token)
  })

  it('records every request with headers and body', async () => {
    const emulator = await start()
    await authorize(emulator, { gateway_code: 'edge-1', metadata: { region: 'eu' } })
    expect(emulator.requests).toHaveLength(1)
    const [recorded] = emulator.requests
    expect(recorded?.method).toBe('POST')
    expect(recorded?.path).toBe('/api/harmony/authorize')
    expect(recorded?.headers.authorization).toBe(`Bearer ${USER_JWT}`)
    expect(recorded?.body).toEqual({
      token: USER_JWT,
      gateway_code: 'edge-1',
      metadata: { region: 'eu' },
    })
    expect(recorded?.receivedAt).toEqual(frozenNow)
  })

  it('rejects an unknown gateway with 404', async () => {
    const emulator = await start({ gateways: [{ code: 'edge-1' }] })
    const response = await authorize(emulator, { gateway_code: 'edge-2' })
    expect(response.status).toBe(404)
  })

  it('rejects a bearer token that differs from the body token', async () => {
    const emulator = await start()
    const response = await fetch(`${emulator.url}/api/harmony/authorize`, {
      method: 'POST',
      headers: { authorization: 'Bearer one', 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'two', gateway_code: 'edge-1' }),
    })
    expect(response.status).toBe(401)
  })

  it('rejects tokens the acceptToken hook declines', async () => {
    const emulator = await start({ acceptToken: (token) => token === 'good' })
    expect((await authorize(emulator, { gateway_code: 'a' }, 'bad')).status).toBe(401)
    expect((await authorize(emulator, { gateway_code: 'a' }, 'good')).status).toBe(200)
  })

  it('answers other paths with 404 and other methods with 405', async () => {
    const emulator = await start()
    expect((await fetch(`${emulator.url}/elsewhere`)).status).toBe(404)
    const wrongMethod = await fetch(`${emulator.url}/api/harmony/authorize`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
  })

  it('rejects a request body over 1 MiB with 413', async () => {
    const emulator = await start()
    const response = await authorize(emulator, {
      gateway_code: 'a',
      metadata: { padding: 'x'.repeat(1024 * 1024) },
    })
    expect(response.status).toBe(413)
    expect(emulator.requests).toHaveLength(1)
    expect(emulator.issued).toHaveLength(0)
  })
})

describe('CloudEmulator.inject', () => {
  it('replies with an injected status for the given count', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'status', status: 503, headers: { 'retry-after': '2' } }, 2)
    const first = await authorize(emulator, { gateway_code: 'a' })
    const second = await authorize(emulator, { gateway_code: 'a' })
    const third = await authorize(emulator, { gateway_code: 'a' })
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('2')
    expect(second.status).toBe(503)
    expect(third.status).toBe(200)
    expect(emulator.requests).toHaveLength(3)
  })

  it('replies with a custom JSON body', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'json', body: { machine_token: 42 } })
    expect(await (await authorize(emulator, { gateway_code: 'a' })).json()).toEqual({
      machine_token: 42,
    })
  })

  it('replies with text that is not JSON', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'bad-json' })
    const text = await (await authorize(emulator, { gateway_code: 'a' })).text()
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError)
  })

  it('streams a huge body of the given size', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'huge-body', bytes: 300_000 })
    const body = await (await authorize(emulator, { gateway_code: 'a' })).arrayBuffer()
    expect(body.byteLength).toBe(300_000 + '{"machine_token":""}'.length)
  })

  it('replies with a redirect', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'redirect', status: 307, location: 'http://127.0.0.1:1/x' })
    const response = await authorize(emulator, { gateway_code: 'a' })
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe('http://127.0.0.1:1/x')
  })

  it('resets the connection', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'reset' })
    await expect(authorize(emulator, { gateway_code: 'a' })).rejects.toThrow(TypeError)
    expect(emulator.requests).toHaveLength(1)
  })

  it('delays the reply', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'delay', ms: 150 })
    const started = performance.now()
    const response = await authorize(emulator, { gateway_code: 'a' })
    expect(response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('closes while a delayed request is pending', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'delay', ms: 60_000 })
    const pending = authorize(emulator, { gateway_code: 'a' })
    await waitFor(() => emulator.requests.length === 1)
    await emulator.close()
    cloud = undefined
    await expect(pending).rejects.toThrow(TypeError)
  })

  it('rejects a fault count below one', async () => {
    const emulator = await start()
    expect(() => emulator.inject({ kind: 'reset' }, 0)).toThrow(RangeError)
  })

  it('forgets faults and requests on reset', async () => {
    const emulator = await start()
    emulator.inject({ kind: 'status', status: 500 })
    await authorize(emulator, { gateway_code: 'a' })
    emulator.reset()
    expect(emulator.requests).toHaveLength(0)
    expect((await authorize(emulator, { gateway_code: 'a' })).status).toBe(200)
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(condition()).toBe(true)
}
