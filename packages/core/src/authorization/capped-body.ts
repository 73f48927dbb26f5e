import { AuthorizationError } from '../errors.js'

/**
 * Reads a response body as UTF-8 text, stopping as soon as it passes `maxBytes`, so a hostile
 * server cannot make the gateway buffer an unbounded reply.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_BAD_RESPONSE` when the body is larger than `maxBytes`.
 */
export async function readCappedText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw tooLarge(maxBytes)
  }
  if (!response.body) return ''

  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function tooLarge(maxBytes: number): AuthorizationError {
  return new AuthorizationError(
    'ERR_AUTHORIZE_BAD_RESPONSE',
    `The cloud API reply is larger than ${maxBytes} bytes`,
  )
}
