import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { isValidName, systemClock } from '@harmony-auth/core'
import type {
  CloudEmulator,
  CloudEmulatorOptions,
  CloudFault,
  EmulatedGateway,
  IssuedToken,
  RecordedRequest,
} from './cloud-emulator-types.js'

const AUTHORIZE_PATH = '/api/harmony/authorize'
const DEFAULT_EXPIRES_IN_SECONDS = 30 * 24 * 60 * 60
const DEFAULT_HUGE_BODY_BYTES = 2 * 1024 * 1024
const MAX_REQUEST_BYTES = 1024 * 1024
const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1']

interface QueuedFault {
  fault: CloudFault
  remaining: number
}

/**
 * Starts a loopback server that implements the cloud side of the gateway authorization exchange,
 * `POST /api/harmony/authorize`, with configurable gateways and tokens, injected faults and a log
 * of every request received.
 *
 * @throws RangeError when `host` is not `127.0.0.1` or `::1`.
 * @example
 * ```ts
 * const cloud = await startCloudEmulator({ gateways: [{ code: 'edge-1' }] })
 * const client = new AuthorizationClient({ jwtSecret, trustedIssuers: [cloud.origin], tokenStore })
 * cloud.inject({ kind: 'status', status: 503 })
 * // … authorize, then assert on cloud.requests
 * await cloud.close()
 * ```
 */
export async function startCloudEmulator(
  options: CloudEmulatorOptions = {},
): Promise<CloudEmulator> {
  const host = options.host ?? '127.0.0.1'
  // The type already limits host, but a JavaScript caller could still pass 0.0.0.0.
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new RangeError("host must be '127.0.0.1' or '::1', so the emulator stays on loopback")
  }
  const state = new EmulatorState(options)
  const server = createServer((request, response) => {
    state.handle(request, response).catch(() => response.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  state.url = url
  return {
    url,
    origin: url,
    requests: state.requests,
    issued: state.issued,
    inject: (fault, times = 1) => state.inject(fault, times),
    reset: () => state.reset(),
    close: () => closeServer(server, state),
  }
}

class EmulatorState {
  readonly requests: RecordedRequest[] = []
  readonly issued: IssuedToken[] = []
  readonly #faults: QueuedFault[] = []
  readonly #gateways: Map<string, EmulatedGateway> | undefined
  readonly #options: CloudEmulatorOptions
  readonly #aborts = new Set<AbortController>()
  url = ''

  constructor(options: CloudEmulatorOptions) {
    this.#options = options
    this.#gateways = options.gateways && new Map(options.gateways.map((g) => [g.code, g]))
  }

  inject(fault: CloudFault, times: number): void {
    if (!(times >= 1)) throw new RangeError('times must be at least 1')
    this.#faults.push({ fault, remaining: times })
  }

  reset(): void {
    this.#faults.length = 0
    this.requests.length = 0
    this.issued.length = 0
  }

  abortPending(): void {
    for (const controller of this.#aborts) controller.abort()
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { text: bodyText, truncated } = await readText(request)
    const recorded = this.#record(request, bodyText)
    if (truncated) {
      return sendError(response, 413, 'Payload Too Large', 'The request body is over 1 MiB')
    }
    const fault = this.#takeFault()
    if (fault?.kind === 'delay') await this.#wait(fault.ms)
    else if (fault) return this.#applyFault(fault, response)
    if (response.destroyed) return
    await this.#reply(recorded, response)
  }

  #record(request: IncomingMessage, bodyText: string): RecordedRequest {
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: { ...request.headers },
      bodyText,
      body: parseJson(bodyText),
      receivedAt: (this.#options.clock ?? systemClock)(),
    }
    this.requests.push(recorded)
    return recorded
  }

  #takeFault(): CloudFault | undefined {
    const head = this.#faults[0]
    if (!head) return undefined
    head.remaining -= 1
    if (head.remaining <= 0) this.#faults.shift()
    return head.fault
  }

  async #wait(ms: number): Promise<void> {
    const controller = new AbortController()
    this.#aborts.add(controller)
    try {
      await sleep(ms, undefined, { signal: controller.signal })
    } catch {
      // Aborted by close(); the connection is dropped next.
    } finally {
      this.#aborts.delete(controller)
    }
  }

  #applyFault(fault: Exclude<CloudFault, { kind: 'delay' }>, response: ServerResponse): void {
    switch (fault.kind) {
      case 'status':
        response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        response.end(fault.body ?? JSON.stringify({ error: 'Error', message: 'Injected failure' }))
        return
      case 'json':
        sendJson(response, 200, fault.body)
        return
      case 'bad-json':
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(fault.body ?? '{"machine_token": "mt_')
        return
      case 'huge-body':
        streamHugeBody(response, fault.bytes ?? DEFAULT_HUGE_BODY_BYTES)
        return
      case 'redirect':
        response.writeHead(fault.status ?? 302, {
          location: fault.location ?? `${this.url}${AUTHORIZE_PATH}/moved`,
        })
        response.end()
        return
      case 'reset':
        response.socket?.resetAndDestroy()
        return
    }
  }

  async #reply(recorded: RecordedRequest, response: ServerResponse): Promise<void> {
    if (recorded.path.split('?')[0] !== AUTHORIZE_PATH) {
      return sendError(response, 404, 'Not Found', 'No such endpoint')
    }
    if (recorded.method !== 'POST') {
      response.setHeader('allow', 'POST')
      return sendError(response, 405, 'Method Not Allowed', 'Use POST')
    }
    const body = recorded.body
    if (!isRecord(body) || typeof body.gateway_code !== 'string') {
      return sendError(response, 422, 'Unprocessable Entity', 'gateway_code is required')
    }
    const userJwt = bearerToken(recorded.headers.authorization)
    if (!userJwt || !(await this.#accepts(userJwt, body.token))) {
      return sendError(response, 401, 'Unauthorized', 'Invalid user token')
    }
    const gateway = this.#findGateway(body.gateway_code)
    if (!gateway) return sendError(response, 404, 'Not Found', 'Gateway not found')
    sendJson(response, 200, this.#issue(gateway))
  }

  async #accepts(userJwt: string, bodyToken: unknown): Promise<boolean> {
    if (this.#options.acceptToken) return this.#options.acceptToken(userJwt)
    return bodyToken === userJwt
  }

  #findGateway(code: string): EmulatedGateway | undefined {
    if (this.#gateways) return this.#gateways.get(code)
    return isValidName(code) ? { code } : undefined
  }

  #issue(gateway: EmulatedGateway): Record<string, unknown> {
    const option = this.#options.machineToken
    const machineToken =
      typeof option === 'function'
        ? option(gateway.code)
        : (option ?? `mt_${randomBytes(24).toString('hex')}`)
    const expiresIn = this.#options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS
    const now = (this.#options.clock ?? systemClock)()
    const expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString()
    this.issued.push({ gatewayCode: gateway.code, machineToken, expiresAt })
    return {
      machine_token: machineToken,
      expires_in: expiresIn,
      expires_at: expiresAt,
      gateway: {
        id: gateway.id ?? `gw-${gateway.code}`,
        code: gateway.code,
        name: gateway.name ?? `Gateway ${gateway.code}`,
      },
      ...(gateway.abilities ? { abilities: [...gateway.abilities] } : {}),
    }
  }
}

/** Reads the body up to MAX_REQUEST_BYTES; `truncated` is true when the request sent more. */
async function readText(request: IncomingMessage): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_REQUEST_BYTES) {
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    }
    chunks.push(chunk)
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^Bearer +(\S+)$/i.exec(header)
  return match?.[1]
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

function sendError(response: ServerResponse, status: number, error: string, message: string) {
  sendJson(response, status, { error, message })
}

function streamHugeBody(response: ServerResponse, bytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'a')
  let sent = 0
  response.writeHead(200, { 'content-type': 'application/json' })
  response.write('{"machine_token":"')
  const writeMore = (): void => {
    while (sent < bytes && !response.destroyed) {
      const piece = chunk.subarray(0, Math.min(chunk.byteLength, bytes - sent))
      sent += piece.byteLength
      if (!response.write(piece)) return void response.once('drain', writeMore)
    }
    if (!response.destroyed) response.end('"}')
  }
  writeMore()
}

async function closeServer(server: Server, state: EmulatorState): Promise<void> {
  state.abortPending()
  server.closeAllConnections()
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
  })
}
