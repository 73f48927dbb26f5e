import fc from 'fast-check'
import { jwtVerify } from 'jose'
import type { JWTVerifyOptions } from 'jose'
import { describe, expect, it } from 'vitest'
import { isHarmonyAuthError } from '../../src/errors.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { base64url, clockAt, keyPair, NOW, signToken } from './fixtures.js'

// Differential test: generated and mutated tokens go through this verifier and through jose with
// equivalent options, and the verdicts must agree. Where this verifier is deliberately stricter
// than jose, `stricterRejects` names the rule, and only there may this verifier reject alone.

const rsa = keyPair('differential')
const stranger = keyPair('differential-stranger')
const secret = new TextEncoder().encode('differential-hs256-secret-32-bytes!')
const wrongSecret = new TextEncoder().encode('another-hs256-secret-of-32-bytes!!')
const RUNS = 10_000

interface Setup {
  ours: JwtVerifierOptions
  jose: JWTVerifyOptions
  /** Whether jose checks that `iat` is not in the future; it does only with `maxTokenAge`. */
  joseChecksIat: boolean
}

const SETUPS: Setup[] = [
  {
    ours: { issuer: 'https://idp.example', audience: 'gateway', leewaySeconds: 60 },
    jose: { issuer: 'https://idp.example', audience: 'gateway', clockTolerance: 60 },
    joseChecksIat: false,
  },
  {
    ours: { leewaySeconds: 0, typ: 'at+jwt', crit: ['exp'], requiredClaims: ['sub'] },
    jose: { clockTolerance: 0, typ: 'at+jwt', crit: { exp: true }, requiredClaims: ['sub'] },
    joseChecksIat: false,
  },
  {
    ours: {
      leewaySeconds: 30,
      maxTokenAgeSeconds: 300,
      audience: ['a', 'b'],
      issuer: ['i1', 'i2'],
    },
    jose: { clockTolerance: 30, maxTokenAge: 300, audience: ['a', 'b'], issuer: ['i1', 'i2'] },
    joseChecksIat: true,
  },
]

const verifiers = SETUPS.map(
  (setup) =>
    new JwtVerifier({
      keys: [{ pem: rsa.spki }],
      hs256: { secrets: [secret] },
      algorithms: ['RS256', 'HS256'],
      clock: clockAt(),
      ...setup.ours,
    }),
)

/** Mostly `valid`, sometimes absent, sometimes one of the `invalid` values. */
function field(valid: fc.Arbitrary<unknown>, ...invalid: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 24, arbitrary: valid },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid, 7, null, true, [], {}) },
  )
}

/** Generates a time near {@link NOW}, so values fall on both sides of every leeway boundary. */
function near(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: NOW + min, max: NOW + max }) },
    { weight: 1, arbitrary: fc.double({ min: NOW + min, max: NOW + max, noNaN: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(NOW, NOW - 60, NOW - 61, NOW + 60, NOW + 61, 1e20, -1),
    },
  )
}

const ISSUERS = [['https://idp.example'], [], ['i1', 'i2']]
const AUDIENCES = [['gateway'], [], ['a', 'b']]

function payloadFor(setupIndex: number): fc.Arbitrary<Record<string, unknown>> {
  const issuers = ISSUERS[setupIndex]!
  const audiences = AUDIENCES[setupIndex]!
  const iss = issuers.length > 0 ? fc.constantFrom(...issuers) : fc.constant('https://any.example')
  const audValue = audiences.length > 0 ? fc.constantFrom(...audiences) : fc.constant('anyone')
  const aud = fc.oneof(
    audValue,
    fc.array(fc.oneof(audValue, fc.constantFrom('other', 9)), { maxLength: 3 }),
  )
  return fc
    .record({
      iss: field(iss, 'other', ['https://idp.example'], ''),
      aud: field(aud, 'other', []),
      sub: field(fc.constant('user-1'), 5),
      exp: field(near(-70, 400), '1767225600'),
      nbf: field(near(-400, 70), 'soon'),
      iat: field(near(-400, 70), false),
      jti: sometimes(fc.string({ maxLength: 8 })),
    })
    .map(withoutUndefined)
}

function headerFor(setupIndex: number): fc.Arbitrary<Record<string, unknown>> {
  const typ =
    setupIndex === 1 ? fc.constantFrom('at+jwt', 'application/AT+JWT') : fc.constant('JWT')
  return fc
    .record({
      alg: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('RS256', 'HS256') },
        {
          weight: 1,
          arbitrary: fc.constantFrom<unknown>(
            'none',
            'NONE',
            'PS256',
            'ES256',
            'rs256',
            'HS512',
            '',
            1,
          ),
        },
      ),
      typ: field(typ, 'JWT', 'jwt', 'application/jwt'),
      kid: sometimes(
        fc.constantFrom<unknown>('k1', 'k1', 'k1', '', 'x'.repeat(40), 3, null, { a: 1 }),
      ),
      crit: sometimes(
        fc.constantFrom<unknown>(
          ['exp'],
          ['exp'],
          ['b64'],
          ['exp', 'exp'],
          [],
          'exp',
          ['zip'],
          [1],
        ),
      ),
      exp: sometimes(fc.constantFrom<unknown>(1, 1, 'yes')),
      b64: sometimes(fc.constantFrom<unknown>(true, false, 'true')),
      jwk: sometimes(fc.constant(stranger.publicKey.export({ format: 'jwk' }))),
    })
    .map(withoutUndefined)
}

/** Absent three times in four. */
function sometimes(arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

type Signer = 'right' | 'wrong' | 'rsa-public-as-secret'
type Mutation =
  | { kind: 'none' }
  | { kind: 'replace'; index: number; char: string }
  | { kind: 'delete'; index: number }
  | { kind: 'insert'; index: number; char: string }
  | { kind: 'truncate'; index: number }
  | { kind: 'signature-bits' }
  | { kind: 'swap-alg' }

const charArbitrary = fc.constantFrom(...'AQgw09-_+/=. \n\u00e9'.split(''))
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 14, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      index: fc.nat(),
      char: charArbitrary,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), index: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      index: fc.nat(),
      char: charArbitrary,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'signature-bits' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'swap-alg' as const }) },
)

function sign(header: Record<string, unknown>, payload: unknown, signer: Signer): string {
  if (signer === 'rsa-public-as-secret') return signToken(header, payload, rsa.spki, 'HS256')
  const asymmetric = header.alg === 'RS256'
  if (asymmetric)
    return signToken(
      header,
      payload,
      signer === 'right' ? rsa.privateKey : stranger.privateKey,
      'RS256',
    )
  return signToken(header, payload, signer === 'right' ? secret : wrongSecret, 'HS256')
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function mutate(token: string, mutation: Mutation): string {
  const at = (index: number): number => index % (token.length + 1)
  switch (mutation.kind) {
    case 'none':
      return token
    case 'replace':
      return (
        token.slice(0, at(mutation.index)) + mutation.char + token.slice(at(mutation.index) + 1)
      )
    case 'delete':
      return token.slice(0, at(mutation.index)) + token.slice(at(mutation.index) + 1)
    case 'insert':
      return token.slice(0, at(mutation.index)) + mutation.char + token.slice(at(mutation.index))
    case 'truncate':
      return token.slice(0, at(mutation.index))
    case 'signature-bits': {
      const last = token.at(-1) ?? 'A'
      return token.slice(0, -1) + ALPHABET[(ALPHABET.indexOf(last) + 1) % 64]
    }
    case 'swap-alg': {
      const [header, ...rest] = token.split('.')
      const decoded = Buffer.from(header ?? '', 'base64url').toString()
      const swapped = decoded.includes('RS256')
        ? decoded.replace('RS256', 'HS256')
        : decoded.replace('HS256', 'RS256')
      return [base64url(swapped), ...rest].join('.')
    }
  }
}

function isCanonicalBase64url(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) &&
    Buffer.from(segment, 'base64url').toString('base64url') === segment
  )
}

function decodeObject(segment: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Names the rule by which this verifier rejects a token that jose accepts, if one applies. */
function stricterRejects(token: string, setup: Setup): string | undefined {
  const segments = token.split('.')
  // jose decodes with atob, which ignores whitespace and unused trailing bits.
  if (!segments.every(isCanonicalBase64url)) return 'non-canonical base64url'
  const header = decodeObject(segments[0])
  const payload = decodeObject(segments[1])
  // RFC 7515 section 4.1.4 makes kid a string; jose ignores kid when given a single key.
  if (header !== undefined && header.kid !== undefined && typeof header.kid !== 'string') {
    return 'kid is not a string'
  }
  // RFC 7515 section 4.1.11 forbids duplicate names in crit; jose does not check on verify.
  if (Array.isArray(header?.crit) && new Set(header.crit).size !== header.crit.length) {
    return 'crit lists a name twice'
  }
  if (payload === undefined) return undefined
  const leeway = setup.ours.leewaySeconds ?? 60
  if (!setup.joseChecksIat && typeof payload.iat === 'number' && payload.iat > NOW + leeway) {
    return 'iat in the future'
  }
  // RFC 7519 section 4.1.3 makes aud a string or an array of strings.
  const { aud } = payload
  if (
    setup.ours.audience !== undefined &&
    Array.isArray(aud) &&
    aud.some((item) => typeof item !== 'string')
  ) {
    return 'aud array with a non-string member'
  }
  return undefined
}

async function oursAccepts(verifier: JwtVerifier, token: string): Promise<boolean> {
  try {
    await verifier.verify(token)
    return true
  } catch (error) {
    if (!isHarmonyAuthError(error)) throw error
    return false
  }
}

async function joseAccepts(token: string, setup: Setup): Promise<boolean> {
  try {
    await jwtVerify(token, (header) => (header.alg === 'HS256' ? secret : rsa.publicKey), {
      algorithms: ['RS256', 'HS256'],
      currentDate: new Date(NOW * 1000),
      ...setup.jose,
      requiredClaims: ['exp', ...(setup.jose.requiredClaims ?? [])],
    })
    return true
  } catch {
    return false
  }
}

describe('differential test against jose', () => {
  it(`agrees with jose on ${RUNS} generated tokens`, async () => {
    const tally = { accepted: 0, rejected: 0, stricter: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc
          .nat({ max: SETUPS.length - 1 })
          .chain((index) => fc.tuple(fc.constant(index), headerFor(index), payloadFor(index))),
        fc.constantFrom<Signer>(...Array<Signer>(8).fill('right'), 'wrong', 'rsa-public-as-secret'),
        mutationArbitrary,
        async ([setupIndex, header, payload], signer, mutation) => {
          const setup = SETUPS[setupIndex]!
          const token = mutate(sign(header, payload, signer), mutation)
          const ours = await oursAccepts(verifiers[setupIndex]!, token)
          const jose = await joseAccepts(token, setup)
          const rule = stricterRejects(token, setup)
          const expected = jose && rule === undefined
          if (ours) tally.accepted++
          else tally.rejected++
          if (jose && rule !== undefined) tally.stricter++
          expect(ours, `token ${token} (jose ${jose}, rule ${rule ?? 'none'})`).toBe(expected)
        },
      ),
      { numRuns: RUNS },
    )
    // The generators must reach both verdicts often, or the agreement means little.
    expect(tally.accepted).toBeGreaterThan(RUNS / 20)
    expect(tally.rejected).toBeGreaterThan(RUNS / 4)
  }, 60_000)
})
