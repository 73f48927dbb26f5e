import { describe, expect, it } from 'vitest'
import { KeySet } from '../../src/jwt/key-set.js'
import type { PreparedKey } from '../../src/jwt/keys.js'
import { parseToken } from '../../src/jwt/parse.js'
import { SignatureChecker } from '../../src/jwt/signature.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'

// RFC 7515 (JSON Web Signature), appendix A.2: "Example JWS Using RSASSA-PKCS1-v1_5 SHA-256".
const RFC7515_A2 = {
  jwk: {
    kty: 'RSA',
    n:
      'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0B' +
      'm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5' +
      'rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhy' +
      'xXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
    e: 'AQAB',
  },
  token:
    'eyJhbGciOiJSUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5j' +
    'ujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L0' +
    '7Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUip' +
    'UTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
}

// RFC 7520 (Examples of Protecting Content Using JOSE), section 4.1: "RSA v1.5 Signature".
const RFC7520_4_1 = {
  jwk: {
    kty: 'RSA',
    kid: 'bilbo.baggins@hobbiton.example',
    use: 'sig',
    n:
      'n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJ' +
      'mSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-' +
      'OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFA' +
      'KwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw',
    e: 'AQAB',
  },
  token:
    'eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9' +
    '.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250' +
    'byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hl' +
    'cmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4' +
    '.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xugl' +
    'II7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w' +
    'W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-' +
    'ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg',
}

/** Flips one character of the signature segment. */
function tamper(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A'
  return `${token.slice(0, -2)}${last}${token.at(-1)}`
}

describe('RFC 7515 appendix A.2', () => {
  // The example's exp is 1300819380 (2011-03-22), so the clock stands just before it.
  const clock = (): Date => new Date(1_300_819_000_000)

  it('verifies the RS256 example', async () => {
    const verifier = new JwtVerifier({ keys: [{ jwk: RFC7515_A2.jwk }], clock })
    const { payload, protectedHeader, key } = await verifier.verify(RFC7515_A2.token)
    expect(protectedHeader).toEqual({ alg: 'RS256' })
    expect(payload).toEqual({ iss: 'joe', exp: 1_300_819_380, 'http://example.com/is_root': true })
    expect(key).toEqual({ algorithm: 'RS256', source: 'jwk' })
  })

  it('rejects the example with a changed signature', async () => {
    const verifier = new JwtVerifier({ keys: [{ jwk: RFC7515_A2.jwk }], clock })
    await expect(verifier.verify(tamper(RFC7515_A2.token))).rejects.toMatchObject({
      code: 'ERR_JWT_SIGNATURE_INVALID',
    })
  })

  it('rejects the example once it expired', async () => {
    const verifier = new JwtVerifier({ keys: [{ jwk: RFC7515_A2.jwk }] })
    await expect(verifier.verify(RFC7515_A2.token)).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    })
  })
})

describe('RFC 7520 section 4.1', () => {
  // The example signs a line of plain text, not a JWT claims set. Its signature is checked on the
  // verifier's own signature path, and the whole verifier gets past the signature to the payload.
  it('verifies the RS256 signature', () => {
    const accepted = new Set(['RS256'])
    const keys = new KeySet([{ jwk: RFC7520_4_1.jwk }], [], [], accepted)
    const parsed = parseToken(RFC7520_4_1.token, 8192)
    const selected = keys.select('RS256', 'bilbo.baggins@hobbiton.example', Date.now())
    const [key] = selected as readonly PreparedKey[]
    const checker = new SignatureChecker(4)
    const params = key!.params.get('RS256')!
    expect(checker.check(params, parsed.signingInput, parsed.signature)).toBe(true)
    expect(checker.check(params, parsed.signingInput, Buffer.alloc(256))).toBe(false)
  })

  it('passes the signature check in verify', async () => {
    const verifier = new JwtVerifier({ keys: [{ jwk: RFC7520_4_1.jwk }] })
    // ERR_JWT_MALFORMED (payload is not a JSON object) can only follow a valid signature.
    await expect(verifier.verify(RFC7520_4_1.token)).rejects.toMatchObject({
      code: 'ERR_JWT_MALFORMED',
    })
    await expect(verifier.verify(tamper(RFC7520_4_1.token))).rejects.toMatchObject({
      code: 'ERR_JWT_SIGNATURE_INVALID',
    })
  })
})
