import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
// Package imports throughout, so the types of core and filesystem come from one build.
import { AuthorizationClient, createManagementHandler } from '@harmony-auth/core'
import { openTokenStore } from '@harmony-auth/filesystem'
import { startCloudEmulator } from '@harmony-auth/testing'
import type { CloudEmulator } from '@harmony-auth/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureLogger, frozenClock, newSecret, NOW, signUserJwt } from './fixtures.js'

const INSTANCE_ID = 'gateway-e2e'
const execFileAsync = promisify(execFile)

type TokenStore = ReturnType<typeof openTokenStore>

let homeDir: string
let cloud: CloudEmulator
let server: Server | undefined

beforeEach(async () => {
  homeDir = await mkdtemp(join(tmpdir(), 'harmony-authorize-'))
  cloud = await startCloudEmulator({
    clock: frozenClock,
    gateways: [{ code: 'edge-1', id: 'gw-1001', name: 'Edge one', abilities: ['proxy'] }],
  })
})

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
  await cloud.close()
  await rm(homeDir, { recursive: true, force: true })
})

function openStore(): TokenStore {
  return openTokenStore({
    instanceId: INSTANCE_ID,
    homeDir,
    env: {},
    clock: frozenClock,
    logger: captureLogger().logger,
  })
}

async function startGateway(secret: Uint8Array, tokenStore: TokenStore): Promise<string> {
  const client = new AuthorizationClient({
    jwtSecret: secret,
    trustedIssuers: [cloud.origin],
    tokenStore,
    env: {},
    clock: frozenClock,
    sleep: () => Promise.resolve(),
  })
  const handler = createManagementHandler({
    basePath: '/admin',
    authorizationClient: client,
    tokenStore,
    clock: frozenClock,
  })
  server = createServer(handler)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function postAuthorize(url: string, userJwt: string): Promise<Response> {
  return fetch(`${url}/admin/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userJwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gateway_code: 'edge-1', metadata: { version: '1.0.0' } }),
  })
}

describe('authorization end to end', () => {
  it('stores an encrypted token the gateway can load again', async () => {
    const secret = newSecret()
    const url = await startGateway(secret, openStore())
    const response = await postAuthorize(url, await signUserJwt(secret, { iss: cloud.origin }))

    expect(response.status).toBe(201)
    const reply = (await response.json()) as Record<string, unknown>
    expect(reply.gateway).toEqual({ id: 'gw-1001', code: 'edge-1', name: 'Edge one' })
    expect(reply.expires_in).toBe(30 * 86_400)

    const issued = cloud.issued[0]?.machineToken ?? ''
    const tokenPath = join(homeDir, '.runbeam', INSTANCE_ID, 'auth.json')
    const fileBytes = await readFile(tokenPath)
    expect(fileBytes.subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1')
    expect(fileBytes.toString('latin1')).not.toContain(issued)
    expect((await stat(tokenPath)).mode & 0o777).toBe(0o600)

    const loaded = await openStore().load()
    expect(loaded?.machineToken.text()).toBe(issued)
    expect(loaded?.gatewayId).toBe('gw-1001')
    expect(loaded?.gatewayCode).toBe('edge-1')
    expect(loaded?.abilities).toEqual(['proxy'])
    expect(loaded?.issuedAt).toEqual(NOW)
    expect(loaded?.expiresAt).toEqual(new Date(NOW.getTime() + 30 * 86_400_000))
  })

  it('writes the token file the Rust gateway reads', async () => {
    const secret = newSecret()
    const url = await startGateway(secret, openStore())
    await postAuthorize(url, await signUserJwt(secret, { iss: cloud.origin }))

    // The key file is the padded base64 of the AGE-SECRET-KEY line; the age CLI reads the line.
    const folder = join(homeDir, '.runbeam', INSTANCE_ID)
    const keyText = Buffer.from(await readFile(join(folder, 'encryption.key'), 'utf8'), 'base64')
    const identityPath = join(homeDir, 'identity.txt')
    await writeFile(identityPath, `${keyText.toString('utf8')}\n`, { mode: 0o600 })
    const { stdout } = await execFileAsync('age', [
      '-d',
      '-i',
      identityPath,
      join(folder, 'auth.json'),
    ])

    expect(JSON.parse(stdout)).toEqual({
      machine_token: cloud.issued[0]?.machineToken,
      expires_at: new Date(NOW.getTime() + 30 * 86_400_000).toISOString(),
      gateway_id: 'gw-1001',
      gateway_code: 'edge-1',
      abilities: ['proxy'],
      issued_at: NOW.toISOString(),
    })
  })

  it('serves the stored metadata on GET /token', async () => {
    const secret = newSecret()
    const url = await startGateway(secret, openStore())
    expect((await fetch(`${url}/admin/token`)).status).toBe(404)
    await postAuthorize(url, await signUserJwt(secret, { iss: cloud.origin }))

    const response = await fetch(`${url}/admin/token`)
    const text = await response.text()
    expect(response.status).toBe(200)
    expect(JSON.parse(text)).toEqual({
      gateway_id: 'gw-1001',
      gateway_code: 'edge-1',
      expires_at: new Date(NOW.getTime() + 30 * 86_400_000).toISOString(),
      abilities: ['proxy'],
      valid: true,
      expires_in: 30 * 86_400,
    })
    expect(text).not.toContain(cloud.issued[0]?.machineToken ?? 'unreachable')
  })

  it('keeps the old token when a later exchange fails', async () => {
    const secret = newSecret()
    const url = await startGateway(secret, openStore())
    await postAuthorize(url, await signUserJwt(secret, { iss: cloud.origin }))
    const first = cloud.issued[0]?.machineToken

    cloud.inject({ kind: 'bad-json' })
    const failed = await postAuthorize(url, await signUserJwt(secret, { iss: cloud.origin }))
    expect(failed.status).toBe(502)
    expect((await openStore().load())?.machineToken.text()).toBe(first)
  })

  it('writes nothing for an untrusted issuer', async () => {
    const secret = newSecret()
    const url = await startGateway(secret, openStore())
    const userJwt = await signUserJwt(secret, { iss: 'https://api.runbeam.io' })
    const response = await postAuthorize(url, userJwt)
    expect(response.status).toBe(403)
    expect(cloud.requests).toHaveLength(0)
    expect(await openStore().load()).toBeUndefined()
  })
})
