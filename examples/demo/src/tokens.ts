import { SignJWT } from 'jose'

/** Whole seconds since the epoch, as JWT time claims count them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * Signs an HS256 token with `key`. The demo uses it twice: for the user JWT of the management API
 * (signed with `RUNBEAM_JWT_SECRET`), and for the algorithm-confusion attack, where the key is the
 * bytes of the gateway's RSA public key.
 */
export async function signHs256(claims: Record<string, unknown>, key: Uint8Array): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
}

/** Claims of the user JWT that the cloud login would issue for `issuer`. */
export function userClaims(issuer: string): Record<string, unknown> {
  const now = nowSeconds()
  return { iss: issuer, sub: 'demo-operator', iat: now, exp: now + 300 }
}
