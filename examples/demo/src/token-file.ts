import { readFile, stat } from 'node:fs/promises'

/** Facts about the token file that the demo shows without decrypting it. */
export interface TokenFileView {
  path: string
  /** Permission bits, for example `0o600`. */
  mode: number
  size: number
  /** The first 60 bytes as Latin-1 text: the age header and the start of the stanza. */
  head: string
  /** Whether a field name of the token record appears in clear anywhere in the file. */
  containsPlaintext: boolean
}

const PLAINTEXT_MARKERS = ['machine_token', 'gateway_code', 'expires_at']

/** Reads the mode and the first bytes of the token file at `path`. */
export async function inspectTokenFile(path: string): Promise<TokenFileView> {
  const [info, bytes] = await Promise.all([stat(path), readFile(path)])
  const text = bytes.toString('latin1')
  return {
    path,
    mode: info.mode & 0o777,
    size: info.size,
    head: text.slice(0, 60),
    containsPlaintext: PLAINTEXT_MARKERS.some((marker) => text.includes(marker)),
  }
}
