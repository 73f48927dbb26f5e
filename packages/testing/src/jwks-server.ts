import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  assertValidFault,
  REDIRECT_TARGET_PATH,
  sendFault,
  sendJson,
  type JwksFault,
  type JwksFaultOptions,
} from './jwks-faults.js'
import {
  base64url,
  createTestKey,
  signWithKey,
  type JwksAlgorithm,
  type JwksKeyInput,
  type JwksTestKey,
} from './jwks-keys.js'

/** Options of {@link startJwksServer}. */
export interface JwksServerOptions {
  /** Keys to publish at start. Default: one generated RS256 key with kid `key-1`. */
  keys?: readonly JwksKeyInput[]
  /** Path that serves the JWKS. Default `/.well-known/jwks.json`. */
  path?: string
  /** Loopback address to bind. Default `127.0.0.1`. */
  host?: '127.0.0.1' | '::1'
  /** Extra headers on every JWKS reply, for example `cache-control`. */
  headers?: Readonly<Record<string, string>>
}

/** Options of {@link JwksServer.sign}. */
export interface JwksSignOptions {
  /** Key to sign with. Default: the current signing key (the first key, or the last rotated in). */
  kid?: string
  /** Algorithm of the signature; it must fit the key. Default: the key's own algorithm. */
  alg?: JwksAlgorithm
  /**
   * Header members written after `alg`, `typ: 'JWT'` and `kid`. They change only the header text,
   * never how the signature is computed, so `{ alg: 'none' }` or `{ kid: undefined }` (which drops
   * the member) make attack tokens with a valid signature.
   */
  header?: Record<string, unknown>
}

/** Options of {@link JwksServer.rotateKey}. */
export interface JwksRotateOptions extends JwksKeyInput {
  /** Keep publishing the previous signing key, as an overlap window does. Default `false`. */
  keepPrevious?: boolean
}

/** A running loopback JWKS issuer. See {@link startJwksServer}. */
export interface JwksServer {
  /** Full URL of the JWKS, for example `http://127.0.0.1:40123/.well-known/jwks.json`. */
  readonly url: string
  /** Scheme, host and port of the server, usable as a token issuer. */
  readonly origin: string
  /** Number of HTTP requests received on any path since start or the last reset. */
  readonly requestCount: number
  /** Kid of the key that {@link JwksServer.sign} uses by default. */
  readonly currentKid: string
  /** The published keys, in publishing order. */
  keys(): readonly JwksTestKey[]
  /** Returns the published key with `kid`, or throws a `RangeError`. */
  key(kid: string): JwksTestKey
  /** Generates or imports a key and publishes it. The signing key stays as it is. */
  addKey(input?: JwksKeyInput): Promise<JwksTestKey>
  /** Stops publishing the key; when it was the signing key, the oldest remaining one takes over. */
  removeKey(kid: string): void
  /** Publishes a new key, makes it the signing key and removes the previous one unless kept. */
  rotateKey(options?: JwksRotateOptions): Promise<JwksTestKey>
  /** Signs `payload` into a compact JWS with a published key. */
  sign(payload: Record<string, unknown>, options?: JwksSignOptions): string
  /** Injects `fault` into the next requests for the JWKS path; `undefined` clears it. */
  setFault(fault: JwksFault | undefined, options?: JwksFaultOptions): void
  /** While on, every request for the JWKS path gets `503`, whatever fault is set. */
  setOutage(on: boolean): void
  /** Sets {@link JwksServer.requestCount} back to zero. */
  resetRequestCount(): void
  /** Stops the server, drops open connections and pending delayed replies. */
  close(): Promise<void>
}

/**
 * Starts a loopback HTTP server that publishes a JWKS, signs test tokens with the matching private
 * keys and injects faults (delay, status, bad JSON, oversized body, redirect, reset, outage).
 * It listens on 127.0.0.1 (or `::1`) on a free port and never on another address.
 *
 * @example
 * ```ts
 * const issuer = await startJwksServer()
 * const token = issuer.sign({ sub: 'gateway-1', exp: Math.floor(Date.now() / 1000) + 60 })
 * const verifier = new JwtVerifier({ keys: [{ jwksUrl: issuer.url }] })
 * await verifier.verify(token)
 * await issuer.close()
 * ```
 */
export async function startJwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  const path = options.path ?? '/.well-known/jwks.json'
  if (!path.startsWith('/')) throw new RangeError('path must start with "/"')
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1' && host !== '::1')
    throw new RangeError('host must be a loopback address')

  const state = new ServerState()
  for (const input of options.keys ?? [{ kid: 'key-1' }]) await state.add(input)
  state.currentKid = state.published[0]?.kid ?? ''

  const timers = new Set<NodeJS.Timeout>()
  let origin = ''
  const server = createServer((request, response) => {
    state.requestCount += 1
    handle(request, response)
  })

  const serveJwks = (response: ServerResponse): void => {
    if (response.destroyed) return
    response.setHeader('cache-control', 'no-store')
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      response.setHeader(name, value)
    }
    sendJson(response, 200, state.jwks())
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const requestPath = (request.url ?? '/').split('?')[0]
    if (requestPath === REDIRECT_TARGET_PATH) return serveJwks(response)
    if (requestPath !== path) return sendJson(response, 404, { error: 'not found' })
    if (request.method !== 'GET') return sendJson(response, 405, { error: 'method not allowed' })
    if (state.outage) return sendJson(response, 503, { error: 'service unavailable' })

    const fault = state.takeFault()
    if (fault === undefined) return serveJwks(response)
    if (fault.kind !== 'delay') return sendFault(response, fault, state.jwks(), origin)
    const timer = setTimeout(() => {
      timers.delete(timer)
      serveJwks(response)
    }, fault.ms)
    timers.add(timer)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`

  return {
    url: `${origin}${path}`,
    origin,
    get requestCount() {
      return state.requestCount
    },
    get currentKid() {
      return state.currentKid
    },
    keys: () => [...state.published],
    key: (kid) => state.find(kid),
    addKey: (input = {}) => state.add(input),
    removeKey: (kid) => state.remove(kid),
    rotateKey: (rotateOptions = {}) => state.rotate(rotateOptions),
    sign: (payload, signOptions = {}) => state.sign(payload, signOptions),
    setFault: (fault, faultOptions = {}) => state.setFault(fault, faultOptions),
    setOutage: (on) => {
      state.outage = on
    },
    resetRequestCount: () => {
      state.requestCount = 0
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

class ServerState {
  published: JwksTestKey[] = []
  currentKid = ''
  requestCount = 0
  outage = false
  private fault: JwksFault | undefined
  private faultRemaining = Infinity
  private generated = 0

  async add(input: JwksKeyInput): Promise<JwksTestKey> {
    this.generated += 1
    const kid = input.kid ?? `key-${this.generated}`
    if (this.published.some((key) => key.kid === kid)) {
      throw new RangeError(`A key with kid ${kid} is already published`)
    }
    const key = await createTestKey(input, kid)
    this.published.push(key)
    return key
  }

  find(kid: string): JwksTestKey {
    const key = this.published.find((candidate) => candidate.kid === kid)
    if (key === undefined) throw new RangeError(`No published key has kid ${kid}`)
    return key
  }

  remove(kid: string): void {
    this.find(kid)
    this.published = this.published.filter((key) => key.kid !== kid)
    if (this.currentKid === kid) this.currentKid = this.published[0]?.kid ?? ''
  }

  async rotate(options: JwksRotateOptions): Promise<JwksTestKey> {
    const { keepPrevious = false, ...input } = options
    const previousKid = this.currentKid
    const key = await this.add(input)
    this.currentKid = key.kid
    if (!keepPrevious && this.published.some((candidate) => candidate.kid === previousKid)) {
      this.remove(previousKid)
    }
    return key
  }

  jwks(): { keys: Readonly<Record<string, unknown>>[] } {
    return { keys: this.published.map((key) => key.jwk) }
  }

  sign(payload: Record<string, unknown>, options: JwksSignOptions): string {
    const key = this.find(options.kid ?? this.currentKid)
    const alg = options.alg ?? key.alg
    const header = { alg, typ: 'JWT', kid: key.kid, ...options.header }
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
    return `${signingInput}.${base64url(signWithKey(signingInput, key.privateKey, alg))}`
  }

  setFault(fault: JwksFault | undefined, options: JwksFaultOptions): void {
    if (fault !== undefined) assertValidFault(fault)
    const times = options.times ?? Infinity
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError('times must be a positive integer')
    }
    this.fault = fault
    this.faultRemaining = times
  }

  takeFault(): JwksFault | undefined {
    const fault = this.fault
    if (fault === undefined) return undefined
    this.faultRemaining -= 1
    if (this.faultRemaining <= 0) this.fault = undefined
    return fault
  }
}
