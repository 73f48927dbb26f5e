import { createHmac, timingSafeEqual, verify } from 'node:crypto'
import type { SignatureParams } from './keys.js'

/**
 * Checks signatures on the event loop while verifications come one at a time, and on the libuv
 * threadpool (node:crypto's asynchronous `verify`) once `threshold` are in flight, so a loaded
 * verifier uses more than one core. "In flight" counts asynchronous checks not yet finished plus
 * the checks started in the current synchronous turn, such as a `Promise.all` over many tokens.
 */
export class SignatureChecker {
  readonly #threshold: number
  #inFlight = 0
  #burst = 0
  readonly #endBurst = (): void => {
    this.#burst = 0
  }

  constructor(threshold: number) {
    this.#threshold = threshold
  }

  /** Returns whether `signature` is valid for `data`, as a promise when checked off the loop. */
  check(params: SignatureParams, data: Buffer, signature: Buffer): boolean | Promise<boolean> {
    if (signature.length !== params.signatureBytes) return false
    if (params.hmac) return hmacMatches(params, data, signature)
    if (this.#inFlight + this.#burst >= this.#threshold)
      return this.#checkAsync(params, data, signature)
    if (this.#burst++ === 0) queueMicrotask(this.#endBurst)
    try {
      return verify(params.digest, data, params.key, signature)
    } catch {
      return false
    }
  }

  #checkAsync(params: SignatureParams, data: Buffer, signature: Buffer): Promise<boolean> {
    this.#inFlight++
    return new Promise((resolve) => {
      const done = (error: Error | null, valid: boolean): void => {
        this.#inFlight--
        resolve(error === null && valid)
      }
      try {
        verify(params.digest, data, params.key, signature, done)
      } catch {
        done(null, false)
      }
    })
  }
}

function hmacMatches(params: SignatureParams, data: Buffer, signature: Buffer): boolean {
  const expected = createHmac('sha256', params.key as Parameters<typeof createHmac>[1])
    .update(data)
    .digest()
  return timingSafeEqual(expected, signature)
}
