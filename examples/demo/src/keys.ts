import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The signing key of the demo's identity provider, written under the demo folder. */
export interface DemoSigningKey {
  kid: string
  privateKeyPem: string
  publicKeyPem: string
  /** Path of the SPKI PEM public key file. */
  publicKeyPath: string
  /** Path of the JWKS file that publishes the public key. */
  jwksPath: string
}

/** Generates an RSA 2048 key pair and writes its public PEM and JWKS under `folder`. */
export async function createSigningKey(folder: string, kid: string): Promise<DemoSigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }

  const publicKeyPath = join(folder, 'signing-key.pub.pem')
  const jwksPath = join(folder, 'jwks.json')
  await writeFile(publicKeyPath, publicKeyPem)
  await writeFile(jwksPath, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`)

  return {
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem,
    publicKeyPath,
    jwksPath,
  }
}

/** Generates a random `RUNBEAM_JWT_SECRET` of 48 bytes, as base64 text. */
export function createJwtSecret(): string {
  return randomBytes(48).toString('base64')
}
