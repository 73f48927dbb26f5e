import {
  createHmac,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { JwtVerifier } from '@harmony-auth/core'
import { createVerifier } from 'fast-jwt'
import { importSPKI, jwtVerify, SignJWT } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import type { Operation } from './harness.js'

/** The algorithms the JWT suite compares. */
export type BenchAlgorithm = 'RS256' | 'HS256'

/** One verifier under test, with the operation for each way of calling it. */
export interface Contender {
  id: ContenderId
  label: string
  oneAtATime: Operation
  inFlight: Operation
  /** Whether the operation accepts `token`; checked before measuring. */
  accepts(token: string): Promise<boolean>
}

export type ContenderId =
  | 'raw'
  | 'raw-decoding'
  | 'harmony'
  | 'harmony-cached'
  | 'jose'
  | 'fast-jwt'
  | 'fast-jwt-cached'
  | 'jsonwebtoken'

/** The token every contender verifies, and the keys and claims it was made with. */
export interface Fixture {
  algorithm: BenchAlgorithm
  token: string
  /** SPKI PEM of the RSA public key, or the HS256 secret as text. */
  key: string
  issuer: string
  audience: string
}

/**
 * Names the measured versions: the commit of this repository and the installed versions of the
 * other libraries, read from their package.json files under node_modules.
 */
export function describeVersions(root: string): string {
  const versionOf = (name: string): string => {
    const manifest = readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')
    return `${name} ${(JSON.parse(manifest) as { version: string }).version}`
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' })
  const commit = git.status === 0 ? `commit ${git.stdout.trim()}` : 'an unknown commit'
  const libraries = ['jose', 'fast-jwt', 'jsonwebtoken', 'tinybench'].map(versionOf)
  return `JwtVerifier from the working tree at ${commit}; ${libraries.join(', ')}`
}

const ISSUER = 'https://idp.example'
const AUDIENCE = 'gateway'

/** Signs one token with a fresh RSA 2048 key or a fresh 256-bit HS256 secret. */
export async function createFixture(algorithm: BenchAlgorithm): Promise<Fixture> {
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({ sub: 'gateway-1', scope: 'read write' })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT', kid: 'bench' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)

  if (algorithm === 'HS256') {
    const secret = randomBytes(32).toString('base64url')
    const token = await jwt.sign(Buffer.from(secret))
    return { algorithm, token, key: secret, issuer: ISSUER, audience: AUDIENCE }
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return { algorithm, token: await jwt.sign(privateKey), key, issuer: ISSUER, audience: AUDIENCE }
}

async function acceptsSafely(contender: Contender, token: string): Promise<boolean> {
  try {
    return await contender.accepts(token)
  } catch {
    return false
  }
}

/**
 * Checks that a contender accepts the fixture token and rejects one with a changed signature, so
 * the benchmark measures the success path of a verifier that really checks.
 */
export async function checkContender(contender: Contender, fixture: Fixture): Promise<void> {
  // Changes the second-to-last character, because the last one of an RSA signature also carries
  // padding bits that some decoders ignore.
  const index = fixture.token.length - 2
  const swapped = fixture.token[index] === 'A' ? 'B' : 'A'
  const forged = `${fixture.token.slice(0, index)}${swapped}${fixture.token.slice(index + 1)}`

  if (!(await acceptsSafely(contender, fixture.token))) {
    throw new Error(`${contender.label} rejected the ${fixture.algorithm} benchmark token`)
  }
  if (await acceptsSafely(contender, forged)) {
    throw new Error(`${contender.label} accepted a forged ${fixture.algorithm} token`)
  }
}

/** Builds every contender for the fixture, each configured to check the same claims. */
export async function createContenders(fixture: Fixture): Promise<Contender[]> {
  const { token, issuer, audience, algorithm } = fixture
  const library = (id: ContenderId, label: string, run: (jwt: string) => unknown): Contender => ({
    id,
    label,
    oneAtATime: () => run(token),
    inFlight: () => run(token),
    accepts: async (jwt) => (await run(jwt)) !== undefined,
  })

  const harmonyOptions = {
    issuer,
    audience,
    ...(algorithm === 'HS256'
      ? { algorithms: ['HS256' as const], hs256: { secrets: [fixture.key] } }
      : { keys: [{ pem: fixture.key, kid: 'bench' }] }),
  }
  const harmony = new JwtVerifier(harmonyOptions)
  const harmonyCached = new JwtVerifier({ ...harmonyOptions, cache: true })
  const joseKey =
    algorithm === 'HS256' ? Buffer.from(fixture.key) : await importSPKI(fixture.key, 'RS256')
  const fastOptions = { key: fixture.key, algorithms: [algorithm], allowedIss: issuer }
  const fast = createVerifier({ ...fastOptions, allowedAud: audience, cache: false })
  const fastCached = createVerifier({ ...fastOptions, allowedAud: audience, cache: true })
  // A KeyObject, because jsonwebtoken 9 first tries createPublicKey() on a string secret and pays
  // for the thrown error on every call.
  const legacyKey =
    algorithm === 'HS256' ? createSecretKey(Buffer.from(fixture.key)) : createPublicKey(fixture.key)
  const legacyOptions = { algorithms: [algorithm], issuer, audience }

  return [
    ...createRawContenders(fixture),
    library('harmony', 'JwtVerifier', (jwt) => harmony.verify(jwt)),
    library('harmony-cached', 'JwtVerifier, cache', (jwt) => harmonyCached.verify(jwt)),
    library('jose', 'jose jwtVerify', (jwt) => jwtVerify(jwt, joseKey, legacyOptions)),
    library('fast-jwt', 'fast-jwt', (jwt) => fast(jwt) as unknown),
    library('fast-jwt-cached', 'fast-jwt, cache', (jwt) => fastCached(jwt) as unknown),
    library('jsonwebtoken', 'jsonwebtoken', (jwt) =>
      jsonwebtoken.verify(jwt, legacyKey, legacyOptions),
    ),
  ]
}

/**
 * Builds the limits that every verifier is compared with: the signature check alone, without
 * parsing or claim checks. "raw" checks input decoded once. "raw, decoding per call" decodes the
 * token on every call, which is the least work any verifier of a token must do. With many in
 * flight, RS256 uses node:crypto's asynchronous `verify` on the libuv threadpool. HMAC has no
 * asynchronous form in node:crypto, so HS256 stays synchronous.
 */
function createRawContenders(fixture: Fixture): Contender[] {
  const { token } = fixture
  const decoded = split(token)
  const check = createSignatureCheck(fixture)
  const name = fixture.algorithm === 'HS256' ? 'raw createHmac' : 'raw crypto.verify'
  const accepts = async (jwt: string) => {
    const parts = split(jwt)
    return check.inFlight(parts.data, parts.signature)
  }

  return [
    {
      id: 'raw',
      label: name,
      oneAtATime: () => check.oneAtATime(decoded.data, decoded.signature),
      inFlight: () => check.inFlight(decoded.data, decoded.signature),
      accepts,
    },
    {
      id: 'raw-decoding',
      label: `${name}, decoding per call`,
      oneAtATime: () => {
        const parts = split(token)
        return check.oneAtATime(parts.data, parts.signature)
      },
      inFlight: () => {
        const parts = split(token)
        return check.inFlight(parts.data, parts.signature)
      },
      accepts,
    },
  ]
}

function split(jwt: string): { data: Buffer; signature: Buffer } {
  const end = jwt.lastIndexOf('.')
  return {
    data: Buffer.from(jwt.slice(0, end)),
    signature: Buffer.from(jwt.slice(end + 1), 'base64url'),
  }
}

interface SignatureCheck {
  oneAtATime(data: Buffer, signature: Buffer): boolean
  inFlight(data: Buffer, signature: Buffer): boolean | Promise<boolean>
}

function createSignatureCheck(fixture: Fixture): SignatureCheck {
  if (fixture.algorithm === 'HS256') {
    const secret = Buffer.from(fixture.key)
    const hmacMatches = (data: Buffer, expected: Buffer) => {
      const actual = createHmac('sha256', secret).update(data).digest()
      return actual.length === expected.length && timingSafeEqual(actual, expected)
    }
    return { oneAtATime: hmacMatches, inFlight: hmacMatches }
  }

  const publicKey = createPublicKey(fixture.key)
  return {
    oneAtATime: (data, signature) => verify('sha256', data, publicKey, signature),
    inFlight: (data, signature) =>
      new Promise<boolean>((resolve, reject) => {
        verify('sha256', data, publicKey, signature, (error, valid) =>
          error ? reject(error) : resolve(valid),
        )
      }),
  }
}
