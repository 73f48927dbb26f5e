import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { startCloudEmulator } from '@harmony-auth/testing'
import type { CloudEmulator, CloudFault } from '@harmony-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AuthorizationClient } from '../../src/authorization/authorization-client.js'
import { createManagementHandler } from '../../src/http/management-handler.js'
import { captureLogger, frozenClock, MemoryTokenStore, signUserJwt } from './fixtures.js'

// Distinctive strings that must never leave the component that stores them.
const SECRET_CANARY = 'CANARY-jwt-secret-5d1e0a77-0f4b-4c7e-9d1c'
const CLAIM_CANARY = 'CANARY-user-claim-8a2f'
const MACHINE_TOKEN_CANARY = 'mt_CANARY-machine-token-3b9c'
const UPSTREAM_CANARY = 'CANARY-upstream-body-61de'

let cloud: CloudEmulator
let server: Server
let url: string
let store: MemoryTokenStore
let client: AuthorizationClient
let clientLog: ReturnType<typeof captureLogger>
let handlerLog: ReturnType<typeof captureLogger>
let userJwt: string

beforeEach(async () => {
  cloud = await startCloudEmulator({ clock: frozenClock, machineToken: MACHINE_TOKEN_CANARY })
  store = new MemoryTokenStore()
  clientLog = captureLogger()
  handlerLog = captureLogger()
  client = new AuthorizationClient({
    jwtSecret: SECRET_CANARY,
    trustedIssuers: [cloud.origin],
    tokenStore: store,
    env: {},
    clock: frozenClock,
    logger: clientLog.logger,
    retry: { maxAttempts: 2 },
    timeoutMs: 200,
    sleep: () => Promise.resolve(),
  })
  const secretBytes = new TextEncoder().encode(SECRET_CANARY)
  userJwt = await signUserJwt(secretBytes, { iss: cloud.origin, note: CLAIM_CANARY })
  const handler = createManagementHandler({
    authorizationClient: client,
    tokenStore: store,
    logger: handlerLog.logger,
    clock: frozenClock,
  })
  server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await cloud.close()
})

function canaries(): string[] {
  const signature = userJwt.split('.')[2] ?? userJwt
  return [SECRET_CANARY, CLAIM_CANARY, MACHINE_TOKEN_CANARY, UPSTREAM_CANARY, userJwt, signature]
}

function expectNoCanary(text: string): void {
  for (const canary of canaries()) expect(text).not.toContain(canary)
}

function renderError(error: unknown): string {
  const record = error as { message?: string }
  return [
    String(record.message),
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    String(error),
  ].join('\n')
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

async function post(): Promise<string> {
  const response = await fetch(`${url}/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userJwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gateway_code: 'edge-1' }),
  })
  const headers = JSON.stringify([...response.headers.entries()])
  return `${response.status} ${headers} ${await response.text()}`
}

const upstreamFaults: [string, CloudFault][] = [
  ['an error status', { kind: 'status', status: 400, body: `{"message":"${UPSTREAM_CANARY}"}` }],
  ['a retried status', { kind: 'status', status: 503, body: UPSTREAM_CANARY }],
  ['a body that is not JSON', { kind: 'bad-json', body: `{"machine_token":"${UPSTREAM_CANARY}` }],
  ['a bad field', { kind: 'json', body: { machine_token: UPSTREAM_CANARY, expires_in: 'x' } }],
  ['a redirect', { kind: 'redirect', location: `http://127.0.0.1:1/${UPSTREAM_CANARY}` }],
]

describe('redaction of secrets, tokens and upstream bodies', () => {
  it('keeps them out of a successful flow', async () => {
    const reply = await post()
    expect(reply.startsWith('201')).toBe(true)
    const result = await client.authorize(userJwt, { gatewayCode: 'edge-1' })
    expectNoCanary(reply)
    expectNoCanary(JSON.stringify(result) + inspect(result, { depth: 10 }))
    expectNoCanary(clientLog.text() + handlerLog.text())
    expectNoCanary(inspect(client, { depth: 10, showHidden: true }) + JSON.stringify(client))
    expect(store.token?.machineToken.text()).toBe(MACHINE_TOKEN_CANARY)
    expectNoCanary(inspect(store.token) + JSON.stringify(store.token))
  })

  it.each(upstreamFaults)('keeps them out of errors for %s', async (_case, fault) => {
    cloud.inject(fault, 2)
    const error = await errorOf(client.authorize(userJwt, { gatewayCode: 'edge-1' }))
    expectNoCanary(renderError(error))
    expectNoCanary(clientLog.text())
  })

  it.each(upstreamFaults)('keeps them out of the 502 reply for %s', async (_case, fault) => {
    cloud.inject(fault, 2)
    const reply = await post()
    expect(reply.startsWith('502')).toBe(true)
    expectNoCanary(reply)
    expectNoCanary(clientLog.text() + handlerLog.text())
  })

  it('keeps them out of a timeout and a reset', async () => {
    cloud.inject({ kind: 'delay', ms: 5_000 })
    expectNoCanary(renderError(await errorOf(client.authorize(userJwt, { gatewayCode: 'a' }))))
    cloud.reset()
    cloud.inject({ kind: 'reset' }, 2)
    expectNoCanary(renderError(await errorOf(client.authorize(userJwt, { gatewayCode: 'a' }))))
    expectNoCanary(clientLog.text())
  })

  it('keeps them out of a rejected user JWT', async () => {
    const forged = await signUserJwt(new TextEncoder().encode('f'.repeat(32)), {
      iss: cloud.origin,
      note: CLAIM_CANARY,
    })
    const error = await errorOf(client.authorize(forged, { gatewayCode: 'edge-1' }))
    const text = renderError(error)
    expect(text).not.toContain(forged)
    expectNoCanary(text)
    const response = await fetch(`${url}/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' },
      body: '{"gateway_code":"edge-1"}',
    })
    const reply = await response.text()
    expect(reply).not.toContain(forged)
    expectNoCanary(reply + clientLog.text() + handlerLog.text())
  })

  it('keeps them out of a storage failure', async () => {
    store.failSave = new Error('disk full')
    const error = await errorOf(client.authorize(userJwt, { gatewayCode: 'edge-1' }))
    expectNoCanary(renderError(error))
    expectNoCanary(await post())
    expectNoCanary(clientLog.text() + handlerLog.text())
  })
})
