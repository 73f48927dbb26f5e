// `npm start`: runs gateway-node in the foreground for manual use, with a development setup under
// ./tmp/start: an RSA signing key, a JWT secret, a cloud emulator and sample tokens to curl with.
import { createPrivateKey } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCloudEmulator } from '@harmony-auth/testing'
import { SignJWT } from 'jose'
import { spawnGateway } from './gateway-process.js'
import { createJwtSecret, createSigningKey } from './keys.js'
import { nowSeconds, signHs256, userClaims } from './tokens.js'

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const workDir = resolve('tmp', 'start')
const trafficPort = process.env.TRAFFIC_PORT ?? '8080'
const managementPort = process.env.MANAGEMENT_PORT ?? '9090'

/** Reuses the signing key and JWT secret of an earlier start, so its stored token stays usable. */
async function loadOrCreateSecrets(): Promise<{ privateKeyPem: string; jwtSecret: string }> {
  const privateKeyPath = join(workDir, 'signing-key.pem')
  const secretPath = join(workDir, 'jwt-secret.txt')
  if (!existsSync(privateKeyPath) || !existsSync(secretPath)) {
    await mkdir(workDir, { recursive: true, mode: 0o700 })
    const key = await createSigningKey(workDir, 'start-key-1')
    await writeFile(privateKeyPath, key.privateKeyPem, { mode: 0o600 })
    await writeFile(secretPath, createJwtSecret(), { mode: 0o600 })
  }
  const [privateKeyPem, jwtSecret] = await Promise.all([
    readFile(privateKeyPath, 'utf8'),
    readFile(secretPath, 'utf8'),
  ])
  return { privateKeyPem, jwtSecret }
}

async function main(): Promise<void> {
  const { privateKeyPem, jwtSecret } = await loadOrCreateSecrets()
  const cloud = await startCloudEmulator()
  const gateway = await spawnGateway({
    entry: join(examplesDir, 'gateway-node', 'src', 'main.ts'),
    env: {
      TRAFFIC_PORT: trafficPort,
      MANAGEMENT_PORT: managementPort,
      JWT_PUBLIC_KEY_PATH: join(workDir, 'signing-key.pub.pem'),
      TRUSTED_ISSUERS: cloud.origin,
      RUNBEAM_JWT_SECRET: jwtSecret,
      INSTANCE_ID: process.env.INSTANCE_ID ?? 'start-gateway',
      HARMONY_HOME_DIR: join(workDir, 'home'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    onLog: (record) => console.log(JSON.stringify(record)),
  }).catch(async (error: unknown) => {
    await cloud.close()
    throw error
  })

  const trafficToken = await new SignJWT({ sub: 'manual-client' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt()
    .setExpirationTime(nowSeconds() + 3600)
    .sign(createPrivateKey(privateKeyPem))
  const claims = { ...userClaims(cloud.origin), exp: nowSeconds() + 3600 }
  const userJwt = await signHs256(claims, new TextEncoder().encode(jwtSecret))
  printUsage(gateway.trafficUrl, gateway.managementUrl, trafficToken, userJwt)

  // One shutdown for Ctrl-C and for a gateway that exits by itself, so the emulator closes once.
  let stopping: Promise<void> | undefined
  const stop = (): void => {
    stopping ??= gateway
      .stop()
      .then(() => cloud.close())
      .then(() => console.log('stopped'))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  gateway.child.once('exit', stop)
}

function printUsage(trafficUrl: string, managementUrl: string, token: string, userJwt: string) {
  console.log(`
gateway-node is running (Ctrl-C stops it). Tokens below are valid for one hour.

  TOKEN='${token}'
  USER_JWT='${userJwt}'

  curl -i ${trafficUrl}/orders
  curl -i -H "Authorization: Bearer $TOKEN" ${trafficUrl}/orders
  curl -i -X POST -H "Authorization: Bearer $USER_JWT" -H 'content-type: application/json' \\
    -d '{"gateway_code":"edge-1"}' ${managementUrl}/admin/authorize
  curl -i ${managementUrl}/admin/token
`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
