import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isHarmonyAuthError } from '../../src/errors.js'
import { EncryptionKeyRing, isAgeFile } from '../../src/keys/encryption-key-ring.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'resolved'
  } catch (error) {
    return isHarmonyAuthError(error) ? error.code : `uncoded: ${String(error)}`
  }
}

/** Returns the recipient stanza lines of a binary age header. */
function stanzaLines(file: Uint8Array): string[] {
  const text = Buffer.from(file).toString('latin1')
  const header = text.slice(0, text.indexOf('\n---'))
  return header.split('\n').filter((line) => line.startsWith('-> '))
}

describe('EncryptionKeyRing', () => {
  let folder: string
  let identity: string
  let previousIdentity: string

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'key-ring-'))
    identity = await generateX25519Identity()
    previousIdentity = await generateX25519Identity()
  })

  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('round-trips data', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const sealed = await ring.encrypt(encoder.encode('payload'))
    expect(decoder.decode(await ring.decrypt(sealed))).toBe('payload')
    expect(ring.recipient).toBe(await identityToRecipient(identity))
  })

  it('writes binary age with one X25519 recipient', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity, previous: [previousIdentity] })
    const sealed = await ring.encrypt(encoder.encode('payload'))
    expect(isAgeFile(sealed)).toBe(true)
    expect(decoder.decode(sealed.subarray(0, 22))).toBe('age-encryption.org/v1\n')
    const stanzas = stanzaLines(sealed)
    expect(stanzas).toHaveLength(1)
    expect(stanzas[0]).toMatch(/^-> X25519 [A-Za-z0-9+/]{43}$/)
  })

  it('decrypts with a previous identity', async () => {
    const old = await EncryptionKeyRing.from({ current: previousIdentity })
    const sealed = await old.encrypt(encoder.encode('old payload'))
    const ring = await EncryptionKeyRing.from({ current: identity, previous: [previousIdentity] })
    const opened = await ring.open(sealed)
    expect(decoder.decode(opened.plaintext)).toBe('old payload')
    expect(opened.isCurrent).toBe(false)
    expect(opened.recipient).toBe(old.recipient)
    expect((await ring.open(await ring.encrypt(encoder.encode('x')))).isCurrent).toBe(true)
  })

  it('drops duplicate previous identities', async () => {
    const ring = await EncryptionKeyRing.from({
      current: identity,
      previous: [identity, previousIdentity, previousIdentity],
    })
    expect(ring.previousRecipients).toEqual([await identityToRecipient(previousIdentity)])
  })

  it('rotates to a new current identity', async () => {
    const ring = await EncryptionKeyRing.from({ current: previousIdentity })
    const next = await EncryptionKeyRing.generate()
    const rotated = ring.rotateTo(next)
    expect(rotated.recipient).toBe(next.recipient)
    expect(rotated.previousRecipients).toEqual([ring.recipient])
    const sealed = await ring.encrypt(encoder.encode('before rotation'))
    expect(decoder.decode(await rotated.decrypt(sealed))).toBe('before rotation')
  })

  it('generates X25519 identities', async () => {
    const ring = await EncryptionKeyRing.generate()
    expect(ring.currentIdentity().text()).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/)
    expect(ring.recipient).toMatch(/^age1[0-9a-z]{58}$/)
    expect(Buffer.from(ring.toKeyFile().text(), 'base64').toString()).toBe(
      ring.currentIdentity().text(),
    )
  })

  it('reports another recipient as a decrypt failure', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const other = await EncryptionKeyRing.generate()
    const sealed = await other.encrypt(encoder.encode('payload'))
    expect(await codeOf(ring.decrypt(sealed))).toBe('ERR_KEY_DECRYPT_FAILED')
  })

  it('reports damaged data as invalid ciphertext', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const sealed = await ring.encrypt(encoder.encode('payload that spans some bytes'))
    const headerEnd = Buffer.from(sealed).indexOf('\n---') + 1
    const macByte = Uint8Array.from(sealed)
    macByte[headerEnd + 5]! ^= 0x01
    const payloadByte = Uint8Array.from(sealed)
    payloadByte[sealed.length - 3]! ^= 0x80
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(),
      'not age': encoder.encode('hello world'),
      'header only': sealed.subarray(0, headerEnd),
      'truncated payload': sealed.subarray(0, sealed.length - 10),
      'flipped MAC byte': macByte,
      'flipped payload byte': payloadByte,
    }
    for (const [label, bytes] of Object.entries(cases)) {
      expect(await codeOf(ring.decrypt(bytes)), label).toBe('ERR_KEY_CIPHERTEXT_INVALID')
    }
  })

  it('reports every flipped byte as a coded failure', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const sealed = await ring.encrypt(encoder.encode('{"payload":true}'))
    const text = Buffer.from(sealed).toString('latin1')
    const stanzaStart = text.indexOf('-> X25519')
    const stanzaEnd = text.indexOf('\n---')
    for (let index = 0; index < sealed.length; index += 1) {
      const flipped = Uint8Array.from(sealed)
      flipped[index]! ^= 0x04
      const code = await codeOf(ring.decrypt(flipped))
      // A changed recipient stanza is indistinguishable from a file for another key.
      const inStanza = index >= stanzaStart && index < stanzaEnd
      const expected = inStanza
        ? ['ERR_KEY_CIPHERTEXT_INVALID', 'ERR_KEY_DECRYPT_FAILED']
        : ['ERR_KEY_CIPHERTEXT_INVALID']
      expect(expected, `byte ${index}`).toContain(code)
    }
  })

  it('decrypts ASCII-armored files', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const input = join(folder, 'armored.txt')
    writeFileSync(input, 'armored payload')
    const armored = execFileSync('age', ['-a', '-r', ring.recipient, input])
    expect(armored.toString()).toContain('-----BEGIN AGE ENCRYPTED FILE-----')
    expect(decoder.decode(await ring.decrypt(armored))).toBe('armored payload')
  })

  it('is decrypted by the age CLI', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const sealedPath = join(folder, 'sealed.age')
    const identityPath = join(folder, 'identity.txt')
    writeFileSync(sealedPath, await ring.encrypt(encoder.encode('for the CLI')))
    writeFileSync(identityPath, `${identity}\n`, { mode: 0o600 })
    const output = execFileSync('age', ['-d', '-i', identityPath, sealedPath])
    expect(output.toString()).toBe('for the CLI')
  })

  it('decrypts what the age CLI encrypts', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const input = join(folder, 'plain.txt')
    const output = join(folder, 'from-cli.age')
    writeFileSync(input, 'from the CLI')
    execFileSync('age', ['-r', ring.recipient, '-o', output, input])
    expect(decoder.decode(await ring.decrypt(readFileSync(output)))).toBe('from the CLI')
  })

  it('decrypts typage files with several recipients', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity })
    const encrypter = new Encrypter()
    encrypter.addRecipient((await EncryptionKeyRing.generate()).recipient)
    encrypter.addRecipient(ring.recipient)
    const sealed = await encrypter.encrypt('two recipients')
    expect(decoder.decode(await ring.decrypt(sealed))).toBe('two recipients')
  })

  it('keeps identities out of every text form', async () => {
    const ring = await EncryptionKeyRing.from({ current: identity, previous: [previousIdentity] })
    const texts = [
      JSON.stringify(ring),
      inspect(ring, { depth: 10, showHidden: true }),
      inspect({ nested: { ring } }, { depth: 10 }),
    ]
    for (const text of texts) {
      expect(text).not.toContain(identity)
      expect(text).not.toContain(previousIdentity)
      expect(text).not.toContain(identity.slice(16, 40))
    }
    expect(JSON.stringify(ring)).toContain(ring.recipient)
  })

  it('names the source in parse errors', async () => {
    const error = await EncryptionKeyRing.from({ current: 'junk', source: 'KEY_VAR' }).catch(
      (e: unknown) => e,
    )
    expect(isHarmonyAuthError(error, 'ERR_KEY_INVALID')).toBe(true)
    expect((error as Error).message).toContain('KEY_VAR')
  })
})
