import type { IncomingMessage } from 'node:http'
import { isPlainObject } from '../authorization/authorize-input.js'
import { isValidName } from '../secrets/names.js'
import type { ManagementErrorReply } from './management-replies.js'

/** The validated body of `POST {base}/authorize`. */
export interface AuthorizeRequestBody {
  gatewayCode: string
  machinePublicKey?: string
  metadata?: Record<string, unknown>
}

/** The outcome of reading a request body: the value, or the error reply to send. */
export type BodyOutcome<T> = { ok: true; value: T } | { ok: false; reply: ManagementErrorReply }

const MAX_PUBLIC_KEY_LENGTH = 8 * 1024

/** Returns whether the request declares a JSON body (`application/json`, parameters allowed). */
export function isJsonContentType(request: IncomingMessage): boolean {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  return type === 'application/json'
}

/**
 * Reads the request body as UTF-8 text, up to `maxBytes`. A larger body, by `Content-Length` or
 * while streaming, yields 413 without reading the rest.
 */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<BodyOutcome<string>> {
  const tooLarge = {
    ok: false as const,
    reply: {
      status: 413,
      message: `The request body is larger than ${maxBytes} bytes`,
      headers: { connection: 'close' },
    },
  }
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return tooLarge
  const text = await collect(request, maxBytes)
  return text === undefined ? tooLarge : { ok: true, value: text }
}

// Listens for data instead of iterating, because leaving a for-await loop early destroys the
// socket, and the 413 reply could then not be sent.
function collect(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = (): void => {
      request.off('data', onData).off('end', onEnd).off('error', onError)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength
      if (size > maxBytes) {
        stop()
        request.pause()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      stop()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onError = (error: Error): void => {
      stop()
      reject(error)
    }
    request.on('data', onData).on('end', onEnd).on('error', onError)
  })
}

/** Parses and validates the authorize body: `gateway_code`, `machine_public_key`, `metadata`. */
export function parseAuthorizeBody(text: string): BodyOutcome<AuthorizeRequestBody> {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return invalid('The request body is not valid JSON')
  }
  if (!isPlainObject(body)) return invalid('The request body must be a JSON object')
  const { gateway_code: gatewayCode, machine_public_key: publicKey, metadata } = body
  if (typeof gatewayCode !== 'string' || !isValidName(gatewayCode)) {
    return invalid(
      'gateway_code must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_" or "-", ' +
        'and not "." or ".."',
    )
  }
  if (
    publicKey !== undefined &&
    (typeof publicKey !== 'string' || publicKey === '' || publicKey.length > MAX_PUBLIC_KEY_LENGTH)
  ) {
    return invalid(
      `machine_public_key must be a string of 1 to ${MAX_PUBLIC_KEY_LENGTH} characters`,
    )
  }
  if (metadata !== undefined && !isPlainObject(metadata)) {
    return invalid('metadata must be a JSON object')
  }
  return {
    ok: true,
    value: {
      gatewayCode,
      ...(publicKey === undefined ? {} : { machinePublicKey: publicKey }),
      ...(metadata === undefined ? {} : { metadata }),
    },
  }
}

function invalid(message: string): BodyOutcome<never> {
  return { ok: false, reply: { status: 400, message } }
}
