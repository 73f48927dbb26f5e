import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnGateway, type GatewayProcess } from '../../demo/src/gateway-process.js'
import { runScript } from '../../demo/src/script-process.js'
import {
  authorize,
  createFixture,
  describeGatewayBehaviour,
  get,
  nowSeconds,
  type GatewayFixture,
} from './gateway-suite.js'

const entry = resolve(import.meta.dirname, '..', 'src', 'main.ts')

describeGatewayBehaviour('gateway-node', entry)

describe('gateway-node with UPSTREAM_URL and JWKS_URL', () => {
  let fixture: GatewayFixture
  let upstream: Server
  let gateway: GatewayProcess
  const received: { url: string | undefined; headers: IncomingHttpHeaders }[] = []

  beforeAll(async () => {
    fixture = await createFixture('gateway-node-proxy')
    upstream = createServer((request, response) => {
      received.push({ url: request.url, headers: request.headers })
      // Responses to /slow are delayed, to hold a request open across a SIGTERM.
      const delayMs = request.url?.includes('slow') ? 800 : 0
      setTimeout(() => {
        response.writeHead(202, { 'content-type': 'text/plain', 'x-upstream': 'yes' })
        response.end('from upstream')
      }, delayMs)
    })
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done))
    const { port } = upstream.address() as AddressInfo
    gateway = await spawnGateway({
      entry,
      env: fixture.env({
        JWT_PUBLIC_KEY_PATH: '',
        JWKS_URL: fixture.issuer.url,
        UPSTREAM_URL: `http://127.0.0.1:${port}/backend`,
      }),
    })
  })

  afterAll(async () => {
    await gateway?.stop()
    await new Promise((done) => upstream?.close(done))
    await fixture?.close()
  })

  it('forwards a verified request upstream', async () => {
    const token = fixture.issuer.sign({ sub: 'client-9', exp: nowSeconds() + 60 })
    const response = await get(`${gateway.trafficUrl}/orders/42?x=1`, token)
    expect(response.status).toBe(202)
    expect(response.headers.get('x-upstream')).toBe('yes')
    expect(await response.text()).toBe('from upstream')
    const forwarded = received.at(-1)
    expect(forwarded?.url).toBe('/backend/orders/42?x=1')
    expect(forwarded?.headers['x-authenticated-subject']).toBe('client-9')
    expect(forwarded?.headers.authorization).toBeUndefined()
  })

  it('forwards nothing for a rejected token', async () => {
    const before = received.length
    const response = await get(`${gateway.trafficUrl}/orders/42`, 'not-a-token')
    expect(response.status).toBe(401)
    expect(received.length).toBe(before)
  })

  it('finishes an open request on SIGTERM', async () => {
    const token = fixture.issuer.sign({ sub: 'client-9', exp: nowSeconds() + 60 })
    const startedAt = Date.now()
    const pending = get(`${gateway.trafficUrl}/slow`, token)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const exit = gateway.stop()
    const response = await pending
    expect(response.status).toBe(202)
    expect(await response.text()).toBe('from upstream')
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(800)
    expect(await exit).toBe(0)
    // The open request ended the wait, not SHUTDOWN_TIMEOUT_MS (2000 ms in the fixture).
    expect(Date.now() - startedAt).toBeLessThan(1800)
  })
})

describe('gateway-node start-up', () => {
  let fixture: GatewayFixture

  beforeAll(async () => {
    fixture = await createFixture('gateway-node-start')
  })

  afterAll(async () => {
    await fixture?.close()
  })

  it('exits 1 naming a missing key variable', async () => {
    const result = await runScript({
      entry,
      env: fixture.env({ JWT_PUBLIC_KEY_PATH: '' }),
      timeoutMs: 30_000,
    })
    expect(result.code).toBe(1)
    expect(result.output).toContain('JWT_PUBLIC_KEY_PATH')
  })

  it('warns when the machine token expires soon', async () => {
    // The emulator issues 30-day tokens, so a 31-day warning window must warn and 7 days must not.
    const first = await spawnGateway({ entry, env: fixture.env() })
    const response = await authorize(first.managementUrl, await fixture.userJwt(), {
      gateway_code: 'e2e-edge-1',
    })
    expect(response.status).toBe(201)
    await first.stop()
    expect(first.logs.some((record) => record.code === 'HARMONY_AUTH_TOKEN_MISSING')).toBe(true)

    const relaxed = await spawnGateway({ entry, env: fixture.env({ RENEWAL_WARNING_DAYS: '7' }) })
    await relaxed.stop()
    expect(relaxed.logs.some((record) => record.msg === 'machine token loaded')).toBe(true)

    const strict = await spawnGateway({ entry, env: fixture.env({ RENEWAL_WARNING_DAYS: '31' }) })
    await strict.stop()
    const warning = strict.logs.find((record) => record.code === 'HARMONY_AUTH_TOKEN_EXPIRING')
    expect(warning?.level).toBe(40)
  })
})
