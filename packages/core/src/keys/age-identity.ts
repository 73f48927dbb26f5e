import { identityToRecipient } from 'age-encryption'
import { KeyError } from '../errors.js'
import { Secret } from '../secrets/secret.js'

/** An age X25519 identity with its public recipient. */
export interface ParsedIdentity {
  /** The `AGE-SECRET-KEY-1…` string, 74 characters. */
  identity: Secret
  /** The matching public `age1…` recipient. */
  recipient: string
}

const EXPECTED_FORMS =
  'Expected an age X25519 identity: the AGE-SECRET-KEY-1… line, its standard base64, or the ' +
  'base64 of the whole age-keygen output.'

// Bech32 upper-case data characters: the alphabet without 1, B, I and O. 32 key bytes and the
// 6-character checksum make 58 of them after the 16-character prefix.
const IDENTITY_PATTERN = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/

function invalidKey(source: string, problem: string): KeyError {
  return new KeyError('ERR_KEY_INVALID', `${source} ${problem}. ${EXPECTED_FORMS}`, { source })
}

/** Decodes strict standard base64, padded or not, to UTF-8 text. Returns undefined for anything else. */
function decodeBase64Text(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '')
  if (!BASE64_PATTERN.test(compact) || compact.length % 4 === 1) return undefined
  if (compact.includes('=') && compact.length % 4 !== 0) return undefined
  const bytes = Buffer.from(compact, 'base64')
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/** Returns the lines of `text` that are neither blank nor `#` comments, trimmed. */
function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

function isRawKeyText(text: string): boolean {
  return text.startsWith('AGE-SECRET-KEY-') || text.startsWith('#')
}

/**
 * Parses an age X25519 identity from any text form the Rust Harmony gateway accepted. These are
 * the raw `AGE-SECRET-KEY-1…` line, its standard base64 (with or without a trailing newline
 * inside), and the base64 of the whole `age-keygen` output, whose `#` comment lines are skipped.
 * The raw `age-keygen` output is accepted too.
 *
 * @param text - The key text, for example the value of `RUNBEAM_ENCRYPTION_KEY`.
 * @param source - Names the variable or file in errors, for example `RUNBEAM_ENCRYPTION_KEY`.
 * @throws KeyError `ERR_KEY_INVALID` when the text is empty or is none of these forms. The message
 * names `source` and the expected forms and never contains key material.
 * @example
 * ```ts
 * const { recipient } = await parseAgeIdentity(process.env.RUNBEAM_ENCRYPTION_KEY ?? '', 'RUNBEAM_ENCRYPTION_KEY')
 * ```
 */
export async function parseAgeIdentity(
  text: string | Secret,
  source: string,
): Promise<ParsedIdentity> {
  const trimmed = (typeof text === 'string' ? text : text.text()).trim()
  if (trimmed === '') throw invalidKey(source, 'is empty')

  const decoded = isRawKeyText(trimmed) ? trimmed : decodeBase64Text(trimmed)
  if (decoded === undefined) throw invalidKey(source, 'is neither an age identity nor base64')

  const lines = keyLines(decoded)
  if (lines.length === 0) throw invalidKey(source, 'contains no age identity line')
  if (lines.length > 1) throw invalidKey(source, 'contains more than one non-comment line')

  const line = lines[0] ?? ''
  if (line.startsWith('AGE-SECRET-KEY-PQ-1')) {
    throw invalidKey(source, 'is a post-quantum age identity, which this SDK does not support')
  }
  if (!IDENTITY_PATTERN.test(line)) throw invalidKey(source, 'is not an age X25519 identity')

  try {
    return { identity: new Secret(line), recipient: await identityToRecipient(line) }
  } catch {
    throw invalidKey(source, 'has an invalid age identity checksum')
  }
}

/**
 * Encodes an identity as the Rust gateway wrote its `encryption.key` file: padded standard base64
 * of the 74-character `AGE-SECRET-KEY-1…` string, with no newline.
 */
export function encodeKeyFile(identity: Secret): Secret {
  return new Secret(Buffer.from(identity.bytes()).toString('base64'))
}
