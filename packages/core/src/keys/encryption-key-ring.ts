import { inspect } from 'node:util'
import { Decrypter, Encrypter, armor, generateX25519Identity } from 'age-encryption'
import type { Identity } from 'age-encryption'
import { KeyError } from '../errors.js'
import type { Secret } from '../secrets/secret.js'
import { encodeKeyFile, parseAgeIdentity } from './age-identity.js'
import type { ParsedIdentity } from './age-identity.js'

/** Options for {@link EncryptionKeyRing.from}. */
export interface EncryptionKeyRingInput {
  /** The identity that encrypts, in any text form `parseAgeIdentity` accepts. */
  current: Secret | string
  /** Older identities that still decrypt, tried in order after `current`. Default none. */
  previous?: readonly (Secret | string)[]
  /** Names the origin of the keys in errors. Default `encryption key`. */
  source?: string
}

/** The result of {@link EncryptionKeyRing.open}. */
export interface OpenedCiphertext {
  /** The decrypted bytes. */
  plaintext: Uint8Array
  /** The recipient of the identity that decrypted the data. */
  recipient: string
  /** Whether the current identity decrypted it. False means a previous one did. */
  isCurrent: boolean
}

const AGE_MAGIC = new TextEncoder().encode('age-encryption.org/v1\n')
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----'

/** Returns whether `bytes` starts with the age v1 header line. */
export function isAgeFile(bytes: Uint8Array): boolean {
  if (bytes.byteLength < AGE_MAGIC.byteLength) return false
  return AGE_MAGIC.every((byte, index) => bytes[index] === byte)
}

function invalidCiphertext(cause?: unknown): KeyError {
  return new KeyError(
    'ERR_KEY_CIPHERTEXT_INVALID',
    'The data is not a valid age file: it is truncated, changed or in another format',
    { cause },
  )
}

/** Returns binary age data, decoding the ASCII armor that `age -a` writes. */
function toBinary(ciphertext: Uint8Array): Uint8Array {
  if (isAgeFile(ciphertext)) return ciphertext
  const text = new TextDecoder().decode(ciphertext.subarray(0, ARMOR_BEGIN.length))
  if (text !== ARMOR_BEGIN) throw invalidCiphertext()
  try {
    return armor.decode(new TextDecoder().decode(ciphertext))
  } catch (error) {
    throw invalidCiphertext(error)
  }
}

/**
 * The age X25519 identities of a store: one current identity that encrypts, and previous ones
 * that still decrypt, so a key rotation never breaks a load. Files are binary age v1 with exactly
 * one X25519 recipient, as `age -r age1… -o file` writes them.
 *
 * The identities never appear in `JSON.stringify`, `util.inspect` or errors; only the public
 * recipients do.
 *
 * @example
 * ```ts
 * const ring = await EncryptionKeyRing.from({ current: process.env.RUNBEAM_ENCRYPTION_KEY ?? '' })
 * const sealed = await ring.encrypt(new TextEncoder().encode('hello'))
 * const opened = await ring.decrypt(sealed)
 * ```
 */
export class EncryptionKeyRing {
  /** The public `age1…` recipient of the current identity. */
  readonly recipient: string
  /** The public recipients of the previous identities, in the order they are tried. */
  readonly previousRecipients: readonly string[]
  readonly #current: ParsedIdentity
  readonly #previous: readonly ParsedIdentity[]

  private constructor(current: ParsedIdentity, previous: readonly ParsedIdentity[]) {
    this.#current = current
    this.#previous = previous.filter(
      (entry, index) =>
        entry.recipient !== current.recipient &&
        previous.findIndex((other) => other.recipient === entry.recipient) === index,
    )
    this.recipient = current.recipient
    this.previousRecipients = Object.freeze(this.#previous.map((entry) => entry.recipient))
    Object.freeze(this)
  }

  /**
   * Builds a ring from key text. Duplicates of the current identity among `previous` are dropped.
   *
   * @throws KeyError `ERR_KEY_INVALID` when a key is not a valid age X25519 identity.
   */
  static async from(input: EncryptionKeyRingInput): Promise<EncryptionKeyRing> {
    const source = input.source ?? 'encryption key'
    const current = await parseAgeIdentity(input.current, source)
    const previous = await Promise.all(
      (input.previous ?? []).map((text, index) =>
        parseAgeIdentity(text, `${source} (previous ${index + 1})`),
      ),
    )
    return new EncryptionKeyRing(current, previous)
  }

  /** Generates a ring with a new X25519 identity and no previous ones. */
  static async generate(): Promise<EncryptionKeyRing> {
    const identity = await generateX25519Identity()
    return new EncryptionKeyRing(await parseAgeIdentity(identity, 'generated key'), [])
  }

  /**
   * Returns a ring whose current identity is `next` and whose previous identities are this
   * ring's current and previous ones, as a rotation needs.
   */
  rotateTo(next: EncryptionKeyRing): EncryptionKeyRing {
    return new EncryptionKeyRing(next.#current, [
      this.#current,
      ...this.#previous,
      ...next.#previous,
    ])
  }

  /** Returns a ring with the same current identity and `others` appended to the previous ones. */
  withPrevious(others: EncryptionKeyRing): EncryptionKeyRing {
    return new EncryptionKeyRing(this.#current, [
      ...this.#previous,
      others.#current,
      ...others.#previous,
    ])
  }

  /** Returns the current `AGE-SECRET-KEY-1…` identity. Handle it as key material. */
  currentIdentity(): Secret {
    return this.#current.identity
  }

  /** Returns the `encryption.key` file content of the current identity (padded base64). */
  toKeyFile(): Secret {
    return encodeKeyFile(this.#current.identity)
  }

  /** Encrypts `plaintext` to the current recipient as a binary age v1 file. */
  async encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    const encrypter = new Encrypter()
    encrypter.addRecipient(this.recipient)
    return encrypter.encrypt(plaintext)
  }

  /**
   * Decrypts an age file with the current identity, then the previous ones. ASCII-armored files
   * are accepted too.
   *
   * @throws KeyError `ERR_KEY_DECRYPT_FAILED` when no identity of the ring matches the file's
   * recipient, and `ERR_KEY_CIPHERTEXT_INVALID` when the data is not age, is truncated or fails
   * its authentication tags.
   */
  async decrypt(ciphertext: Uint8Array): Promise<Uint8Array> {
    return (await this.open(ciphertext)).plaintext
  }

  /**
   * Decrypts like {@link EncryptionKeyRing.decrypt} and also reports which identity matched, so
   * a rotation can tell which entries still use a previous key.
   *
   * @throws KeyError `ERR_KEY_DECRYPT_FAILED` or `ERR_KEY_CIPHERTEXT_INVALID`, as `decrypt`.
   */
  async open(ciphertext: Uint8Array): Promise<OpenedCiphertext> {
    const binary = toBinary(ciphertext)
    for (const [index, entry] of [this.#current, ...this.#previous].entries()) {
      const plaintext = await decryptWith(entry, binary)
      if (plaintext !== undefined) {
        return { plaintext, recipient: entry.recipient, isCurrent: index === 0 }
      }
    }
    throw new KeyError(
      'ERR_KEY_DECRYPT_FAILED',
      'No key of the key ring can decrypt the data: it was encrypted to another recipient',
    )
  }

  /** Returns the public recipients only. */
  toJSON(): { recipient: string; previousRecipients: readonly string[] } {
    return { recipient: this.recipient, previousRecipients: this.previousRecipients }
  }

  [inspect.custom](): string {
    return `EncryptionKeyRing { recipient: '${this.recipient}', previous: ${this.#previous.length} }`
  }
}

/**
 * Decrypts with one identity. Returns undefined when the identity does not match the file, and
 * throws `ERR_KEY_CIPHERTEXT_INVALID` for any other failure.
 */
async function decryptWith(
  entry: ParsedIdentity,
  binary: Uint8Array,
): Promise<Uint8Array | undefined> {
  // age-encryption 0.3.1 tries identities in order and stops at the first that unwraps the file
  // key, so this last identity runs only when the real one found no matching stanza. That tells
  // "encrypted to another key" apart from a damaged header or payload without matching messages.
  let unmatched = false
  const sentinel: Identity = {
    unwrapFileKey: () => {
      unmatched = true
      return null
    },
  }
  const decrypter = new Decrypter()
  decrypter.addIdentity(entry.identity.text())
  decrypter.addIdentity(sentinel)
  try {
    return await decrypter.decrypt(binary)
  } catch (error) {
    if (unmatched) return undefined
    throw invalidCiphertext(error)
  }
}
