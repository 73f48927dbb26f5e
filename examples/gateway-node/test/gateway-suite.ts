import { request as httpRequest } from 'node:http'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  startCloudEmulator,
  startJwksServer,
  type CloudEmulator,
  type JwksServer,
} from '@harmony-auth/testing'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnGateway, type GatewayProcess } from '../../demo/src/gateway-process.js'

const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..')
const gatewayCode = 'e2e-edge-1'
const instanceId = 'e2e-gateway'

/** Creates a folder under ./tmp of the repository, never under the system /tmp. */
export function makeWorkDir(prefix: string): string {
  const parent = join(repositoryRoot, 'tmp', 'examples')
  mkdirSync(parent, { recursive: true })
  return mkdtempSync(join(parent, `${prefix}-`))
}

/** Whole seconds since the epoch, as JWT time claims count them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** What a gateway test needs around the gateway: issuer, cloud, secrets and a home folder. */
export interface GatewayFixture {
  workDir: string
  homeDir: string
  issuer: JwksServer
  cloud: CloudEmulator
  jwtSecret: string
  publicKeyPath: string
  /** The gateway environment for these fixtures; `overrides` win. */
  env(overrides?: Record<string, string>): Record<string, string>
  /** Signs a user JWT for the cloud emulator with the gateway's `RUNBEAM_JWT_SECRET`. */
  userJwt(claims?: Record<string, unknown>): Promise<string>
  /** Path of the gateway's token file. */
  tokenFile(): string
  close(): Promise<void>
}

/** Starts a JWKS issuer and a cloud emulator and writes the issuer's public key as PEM. */
export async function createFixture(prefix: string): Promise<GatewayFixture> {
  const workDir = makeWorkDir(prefix)
  const homeDir = join(workDir, 'home')
  mkdirSync(homeDir)
  const issuer = await startJwksServer()
  const cloud = await startCloudEmulator({ gateways: [{ code: gatewayCode, name: 'E2E edge' }] })
  const publicKeyPath = join(workDir, 'signing-key.pub.pem')
  writeFileSync(publicKeyPath, issuer.key(issuer.currentKid).publicKeyPem)
  const jwtSecret = 'e2e-jwt-secret-with-at-least-32-bytes-of-text'

  return {
    workDir,
    homeDir,
    issuer,
    cloud,
    jwtSecret,
    publicKeyPath,
    env: (overrides = {}) => ({
      TRAFFIC_PORT: '0',
      MANAGEMENT_PORT: '0',
      JWT_PUBLIC_KEY_PATH: publicKeyPath,
      TRUSTED_ISSUERS: cloud.origin,
      RUNBEAM_JWT_SECRET: jwtSecret,
      INSTANCE_ID: instanceId,
      HARMONY_HOME_DIR: homeDir,
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...overrides,
    }),
    userJwt: (claims = {}) =>
      new SignJWT({
        iss: cloud.origin,
        sub: 'operator',
        iat: nowSeconds(),
        exp: nowSeconds() + 300,
        ...claims,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(jwtSecret)),
    tokenFile: () => join(homeDir, '.runbeam', instanceId, 'auth.json'),
    close: async () => {
      await Promise.all([issuer.close(), cloud.close()])
      rmSync(workDir, { recursive: true, force: true })
    },
  }
}

/** Sends a GET with an optional bearer token. */
export function get(url: string, token?: string): Promise<Response> {
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` }
  return fetch(url, { headers, signal: AbortSignal.timeout(10_000) })
}

/** Sends a GET with the `Authorization` header repeated, once per token, and returns the status. */
export function getWithRepeatedAuthorization(url: string, tokens: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { timeout: 10_000 }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.setHeader(
      'authorization',
      tokens.map((token) => `Bearer ${token}`),
    )
    request.on('error', reject)
    request.end()
  })
}

/** Sends `POST {base}/admin/authorize` with a user JWT and a JSON body. */
export function authorize(
  managementUrl: string,
  userJwt: string,
  body: unknown,
): Promise<Response> {
  return fetch(`${managementUrl}/admin/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userJwt}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
}

/**
 * Declares the tests of the behaviour every example gateway shares: bearer checks on the traffic port, authorization
 * and token metadata on the management port, and a clean stop on SIGTERM.
 */
export function describeGatewayBehaviour(name: string, entry: string): void {
  describe(`${name} over HTTP`, () => {
    let fixture: GatewayFixture
    let gateway: GatewayProcess

    beforeAll(async () => {
      fixture = await createFixture(name)
      gateway = await spawnGateway({ entry, env: fixture.env() })
    })

    afterAll(async () => {
      await gateway?.stop()
      await fixture?.close()
    })

    it('warns at start that no token is stored', () => {
      const warning = gateway.logs.find((record) => record.code === 'HARMONY_AUTH_TOKEN_MISSING')
      expect(warning?.level).toBe(40)
    })

    it('rejects a request without a token', async () => {
      const response = await get(`${gateway.trafficUrl}/orders`)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="harmony"/)
    })

    it('passes a valid RS256 token to the backend', async () => {
      const token = fixture.issuer.sign({
        sub: 'client-7',
        iat: nowSeconds(),
        exp: nowSeconds() + 60,
      })
      const response = await get(`${gateway.trafficUrl}/orders?limit=1`, token)
      expect(response.status).toBe(200)
      const body = (await response.json()) as { subject: string; method: string; path: string }
      expect(body.subject).toBe('client-7')
      expect(body.method).toBe('GET')
      expect(body.path).toBe('/orders')
    })

    it('rejects a repeated Authorization header', async () => {
      const token = fixture.issuer.sign({ sub: 'client-7', exp: nowSeconds() + 60 })
      const status = await getWithRepeatedAuthorization(`${gateway.trafficUrl}/orders`, [
        token,
        token,
      ])
      expect(status).toBe(401)
    })

    it('rejects an expired token', async () => {
      const token = fixture.issuer.sign({
        sub: 'client-7',
        iat: nowSeconds() - 900,
        exp: nowSeconds() - 600,
      })
      const response = await get(`${gateway.trafficUrl}/orders`, token)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
    })

    it('rejects HS256 signed with the public key', async () => {
      const publicKey = readFileSync(fixture.publicKeyPath)
      const token = await new SignJWT({ sub: 'attacker', exp: nowSeconds() + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(publicKey)
      const response = await get(`${gateway.trafficUrl}/orders`, token)
      expect(response.status).toBe(401)
    })

    it('keeps the reason out of the 401 body', async () => {
      const token = fixture.issuer.sign({ sub: 'client-7', exp: nowSeconds() - 600 })
      const text = await (await get(`${gateway.trafficUrl}/orders`, token)).text()
      expect(text).not.toMatch(/expired|ERR_/i)
    })

    it('authorizes with a user JWT', async () => {
      const response = await authorize(gateway.managementUrl, await fixture.userJwt(), {
        gateway_code: gatewayCode,
      })
      expect(response.status).toBe(201)
      const text = await response.text()
      const body = JSON.parse(text) as { gateway: { code: string }; expires_in: number }
      expect(body.gateway.code).toBe(gatewayCode)
      expect(body.expires_in).toBeGreaterThan(0)
      const issued = fixture.cloud.issued.at(-1)
      expect(issued).toBeDefined()
      expect(text).not.toContain(issued!.machineToken)
    })

    it('returns token metadata without the token', async () => {
      const response = await get(`${gateway.managementUrl}/admin/token`)
      expect(response.status).toBe(200)
      const text = await response.text()
      const body = JSON.parse(text) as { gateway_code: string; valid: boolean }
      expect(body.gateway_code).toBe(gatewayCode)
      expect(body.valid).toBe(true)
      for (const issued of fixture.cloud.issued) expect(text).not.toContain(issued.machineToken)
    })

    it('writes an age-encrypted token file with mode 0600', () => {
      const path = fixture.tokenFile()
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(readFileSync(path).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n')
    })

    it('rejects an untrusted issuer without calling out', async () => {
      const before = fixture.cloud.requests.length
      const userJwt = await fixture.userJwt({ iss: 'http://127.0.0.2:1' })
      const response = await authorize(gateway.managementUrl, userJwt, {
        gateway_code: gatewayCode,
      })
      expect(response.status).toBe(403)
      expect(fixture.cloud.requests.length).toBe(before)
    })

    it('keeps query strings out of the logs', async () => {
      const response = await get(`${gateway.trafficUrl}/orders?access_token=canary-query-value`)
      expect(response.status).toBe(401)
      // Request lines are written after the response, so give the child a moment to log.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const logText = gateway.logs.map((record) => JSON.stringify(record)).join('\n')
      expect(logText).not.toContain('canary-query-value')
    })

    it('never logs a token or secret', () => {
      const logText = gateway.logs.map((record) => JSON.stringify(record)).join('\n')
      expect(logText).not.toContain(fixture.jwtSecret)
      expect(logText).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./)
      for (const issued of fixture.cloud.issued) expect(logText).not.toContain(issued.machineToken)
    })

    it('stops on SIGTERM with exit code 0', async () => {
      const code = await gateway.stop()
      expect(code).toBe(0)
      expect(gateway.logs.some((record) => record.msg === 'gateway stopped')).toBe(true)
    })
  })
}
