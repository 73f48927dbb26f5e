import { describe, expect, it } from 'vitest'
import { KeySet } from '../../src/jwt/key-set.js'
import type { PreparedKey } from '../../src/jwt/keys.js'
import { parseToken } from '../../src/jwt/parse.js'
import { SignatureChecker } from '../../src/jwt/signature.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import { claims, clockAt, keyPair, signToken } from './fixtures.js'

const rsa = keyPair('signature')
const token = signToken({ alg: 'RS256' }, claims(), rsa.privateKey)
const parsed = parseToken(token, 8192)
const [key] = new KeySet([{ pem: rsa.spki }], [], [], new Set(['RS256'])).select(
  'RS256',
  undefined,
  0,
) as readonly PreparedKey[]
const params = key!.params.get('RS256')!

describe('SignatureChecker', () => {
  it('checks a single signature synchronously', () => {
    const checker = new SignatureChecker(4)
    expect(checker.check(params, parsed.signingInput, parsed.signature)).toBe(true)
  })

  it('moves a burst to the threadpool', async () => {
    const checker = new SignatureChecker(4)
    const results = Array.from({ length: 10 }, () =>
      checker.check(params, parsed.signingInput, parsed.signature),
    )
    expect(results.slice(0, 4)).toEqual([true, true, true, true])
    expect(results.slice(4).every((result) => result instanceof Promise)).toBe(true)
    expect(await Promise.all(results.map((result) => Promise.resolve(result)))).toEqual(
      Array(10).fill(true),
    )
  })

  it('returns to the event loop after the burst', async () => {
    const checker = new SignatureChecker(4)
    const burst = Array.from({ length: 8 }, () =>
      checker.check(params, parsed.signingInput, parsed.signature),
    )
    await Promise.all(burst.map((result) => Promise.resolve(result)))
    expect(checker.check(params, parsed.signingInput, parsed.signature)).toBe(true)
  })

  it('reports invalid signatures from the threadpool', async () => {
    const checker = new SignatureChecker(1)
    const forged = Buffer.from(parsed.signature)
    forged[10] = forged[10]! ^ 1
    const first = checker.check(params, parsed.signingInput, parsed.signature)
    const second = checker.check(params, parsed.signingInput, forged)
    expect(second).toBeInstanceOf(Promise)
    expect(await first).toBe(true)
    expect(await second).toBe(false)
  })

  it('rejects a signature of the wrong length without crypto', () => {
    const checker = new SignatureChecker(4)
    expect(checker.check(params, parsed.signingInput, parsed.signature.subarray(1))).toBe(false)
  })
})

describe('JwtVerifier under load', () => {
  it('verifies 64 tokens in flight', async () => {
    const verifier = new JwtVerifier({ keys: [{ pem: rsa.spki }], clock: clockAt() })
    const bad = `${token.slice(0, -5)}AAAAA`
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, (_, index) => verifier.verify(index % 8 === 0 ? bad : token)),
    )
    const rejected = results.filter((result) => result.status === 'rejected')
    expect(rejected).toHaveLength(8)
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(56)
  })
})
