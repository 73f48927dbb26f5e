import { execFileSync } from 'node:child_process'
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { beforeAll, describe, expect, it } from 'vitest'
import { isHarmonyAuthError } from '../../src/errors.js'
import { encodeKeyFile, parseAgeIdentity } from '../../src/keys/age-identity.js'
import { Secret } from '../../src/secrets/secret.js'

const base64 = (text: string): string => Buffer.from(text).toString('base64')

async function rejection(text: string, source = 'RUNBEAM_ENCRYPTION_KEY'): Promise<Error> {
  try {
    await parseAgeIdentity(text, source)
  } catch (error) {
    return error as Error
  }
  throw new Error('parseAgeIdentity accepted invalid key text')
}

describe('parseAgeIdentity', () => {
  let identity: string
  let recipient: string
  let keygenOutput: string
  let keygenIdentity: string

  beforeAll(async () => {
    identity = await generateX25519Identity()
    recipient = await identityToRecipient(identity)
    keygenOutput = execFileSync('age-keygen', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    keygenIdentity = keygenOutput.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))!
  })

  it('accepts the raw identity line', async () => {
    const parsed = await parseAgeIdentity(identity, 'test')
    expect(parsed.identity.text()).toBe(identity)
    expect(parsed.recipient).toBe(recipient)
  })

  it('accepts the raw line with surrounding whitespace', async () => {
    expect((await parseAgeIdentity(`\n  ${identity}\r\n`, 'test')).recipient).toBe(recipient)
  })

  it('accepts standard base64 of the line', async () => {
    const encoded = base64(identity)
    expect(encoded.endsWith('=')).toBe(true)
    expect((await parseAgeIdentity(encoded, 'test')).recipient).toBe(recipient)
  })

  it('accepts base64 with a trailing newline inside', async () => {
    expect((await parseAgeIdentity(base64(`${identity}\n`), 'test')).recipient).toBe(recipient)
    expect((await parseAgeIdentity(base64(`${identity}\r\n`), 'test')).recipient).toBe(recipient)
  })

  it('accepts unpadded and wrapped base64', async () => {
    const encoded = base64(identity)
    expect((await parseAgeIdentity(encoded.replace(/=+$/, ''), 'test')).recipient).toBe(recipient)
    const wrapped = encoded.replace(/(.{76})/g, '$1\n')
    expect(wrapped).toContain('\n')
    expect((await parseAgeIdentity(wrapped, 'test')).recipient).toBe(recipient)
  })

  it('accepts base64 of the whole age-keygen output', async () => {
    expect(keygenOutput).toContain('# created:')
    expect(keygenOutput).toContain('# public key:')
    const parsed = await parseAgeIdentity(base64(keygenOutput), 'test')
    expect(parsed.identity.text()).toBe(keygenIdentity)
    expect(keygenOutput).toContain(`# public key: ${parsed.recipient}`)
  })

  it('accepts the raw age-keygen output', async () => {
    expect((await parseAgeIdentity(keygenOutput, 'test')).identity.text()).toBe(keygenIdentity)
  })

  it('accepts a Secret', async () => {
    expect((await parseAgeIdentity(new Secret(base64(identity)), 'test')).recipient).toBe(recipient)
  })

  it('rejects every invalid form with a coded error', async () => {
    const hybrid = await generateHybridIdentity()
    const lastCharacter = identity.at(-1) === 'Q' ? 'P' : 'Q'
    const cases: Record<string, string> = {
      empty: '',
      blank: ' \n\t ',
      'not base64': 'not a key!',
      'base64 of binary data': Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64'),
      'base64 of comments only': base64('# created: 2020-01-01\n# public key: age1x\n'),
      'two identity lines': `${identity}\n${identity}`,
      'identity and another line': base64(`${identity}\nextra line\n`),
      'post-quantum identity': hybrid,
      'bad checksum': identity.slice(0, -1) + lastCharacter,
      'lower case': identity.toLowerCase(),
      truncated: identity.slice(0, 40),
      'padding in the middle': `${base64(identity).slice(0, 8)}=${base64(identity).slice(8)}`,
      'public key': recipient,
    }
    for (const [label, text] of Object.entries(cases)) {
      const error = await rejection(text)
      expect(isHarmonyAuthError(error, 'ERR_KEY_INVALID'), label).toBe(true)
      expect(error.message, label).toContain('RUNBEAM_ENCRYPTION_KEY')
      expect(error.message, label).toContain('AGE-SECRET-KEY-1…')
      expect(error.message, label).not.toContain(identity.slice(16, 40))
      expect(error.message, label).not.toContain(base64(identity).slice(0, 24))
    }
  })

  it('names the file in errors', async () => {
    const error = await rejection('', '/home/gw/.runbeam/gw-1/encryption.key')
    expect(error.message).toContain('/home/gw/.runbeam/gw-1/encryption.key is empty')
    expect((error as { details?: { source?: string } }).details?.source).toBe(
      '/home/gw/.runbeam/gw-1/encryption.key',
    )
  })
})

describe('encodeKeyFile', () => {
  it('writes padded base64 of the 74-character identity', async () => {
    const identity = await generateX25519Identity()
    const content = encodeKeyFile(new Secret(identity)).text()
    expect(identity).toHaveLength(74)
    expect(content).toBe(Buffer.from(identity).toString('base64'))
    expect(content).toHaveLength(100)
    expect(content.endsWith('=')).toBe(true)
    expect(content).not.toContain('\n')
  })
})
