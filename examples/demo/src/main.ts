import { appendFileSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EncryptionKeyRing } from '@harmony-auth/core'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'
import { startCloudEmulator, startJwksServer, type JwksServer } from '@harmony-auth/testing'
import { spawnGateway, type GatewayProcess, type LogRecord } from './gateway-process.js'
import { send } from './http.js'
import { createJwtSecret, createSigningKey, type DemoSigningKey } from './keys.js'
import { DemoRunner, expectThat, type DemoStep } from './runner.js'
import { runScript } from './script-process.js'
import { inspectTokenFile } from './token-file.js'
import { nowSeconds, signHs256, userClaims } from './tokens.js'

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
// The demo keeps every file under ./tmp of the folder it runs in, never under the system /tmp.
const workDir = resolve('tmp', 'demo')
const homeDir = join(workDir, 'home')
const instanceId = 'demo-gateway'
const gatewayCode = 'demo-edge-1'
const instanceDir = join(homeDir, '.runbeam', instanceId)
const logFile = join(workDir, 'gateway.log')

/** Objects that one step creates and later steps use. */
interface DemoState {
  signingKey?: DemoSigningKey
  issuer?: JwksServer
  cloudOrigin?: string
  jwtSecret?: string
  /** The public key the rotation's backup is encrypted to. */
  recoveryRecipient?: string
  gateway?: GatewayProcess
}

function required<T>(value: T | undefined, what: string): T {
  expectThat(value !== undefined, `${what} is missing because an earlier step did not finish`)
  return value
}

function steps(runner: DemoRunner, state: DemoState): DemoStep[] {
  const gateway = (): GatewayProcess => required(state.gateway, 'the gateway')
  const issuer = (): JwksServer => required(state.issuer, 'the JWKS issuer')

  return [
    {
      title: 'Generate an RSA key pair and JWKS, an encryption key file; start the cloud emulator',
      run: async () => {
        await rm(workDir, { recursive: true, force: true })
        await mkdir(homeDir, { recursive: true })
        state.signingKey = await createSigningKey(workDir, 'demo-key-1')
        state.jwtSecret = createJwtSecret()
        const keyStore = new FilesystemSecretStore({ root: instanceDir })
        const encryptionKey = await EncryptionKeyRing.generate()
        await keyStore.put('encryption.key', encryptionKey.toKeyFile())
        const recovery = await EncryptionKeyRing.generate()
        await new FilesystemSecretStore({ root: workDir }).put('recovery.key', recovery.toKeyFile())
        state.recoveryRecipient = recovery.recipient
        state.issuer = await startJwksServer({
          keys: [{ kid: state.signingKey.kid, privateKey: state.signingKey.privateKeyPem }],
        })
        runner.defer('JWKS issuer', () => issuer().close())
        const cloud = await startCloudEmulator({
          gateways: [{ code: gatewayCode, name: 'Demo edge' }],
        })
        runner.defer('cloud emulator', () => cloud.close())
        state.cloudOrigin = cloud.origin
        console.log(`  wrote ${state.signingKey.publicKeyPath} and ${state.signingKey.jwksPath}`)
        console.log(
          `  wrote ${keyStore.pathOf('encryption.key')} (recipient ${encryptionKey.recipient})`,
        )
        console.log(`  wrote ${join(workDir, 'recovery.key')}, the identity that opens the backup`)
        console.log(`  JWKS issuer at ${issuer().url}`)
        console.log(`  cloud emulator at ${cloud.origin}`)
      },
    },
    {
      title: 'Start gateway-node with the JWKS URL and a filesystem token store under ./tmp/demo',
      run: async () => {
        state.gateway = await spawnGateway({
          entry: join(examplesDir, 'gateway-node', 'src', 'main.ts'),
          env: {
            TRAFFIC_PORT: '0',
            MANAGEMENT_PORT: '0',
            JWKS_URL: issuer().url,
            TRUSTED_ISSUERS: required(state.cloudOrigin, 'the cloud origin'),
            RUNBEAM_JWT_SECRET: required(state.jwtSecret, 'the JWT secret'),
            INSTANCE_ID: instanceId,
            HARMONY_HOME_DIR: homeDir,
            LOG_LEVEL: 'info',
          },
          onLog: printGatewayWarnings,
        })
        runner.defer('gateway-node', async () => void (await gateway().stop()))
        console.log(
          `  traffic port ${gateway().trafficUrl}, management port ${gateway().managementUrl}`,
        )
        console.log(`  gateway log: ${logFile}`)
      },
    },
    {
      title: 'A request without a token gets 401',
      run: async () => {
        const reply = await send({ method: 'GET', url: `${gateway().trafficUrl}/orders` })
        expectThat(reply.status === 401, `expected 401, got ${reply.status}`)
        const challenge = reply.headers.get('www-authenticate') ?? ''
        expectThat(challenge.startsWith('Bearer'), 'expected a WWW-Authenticate: Bearer challenge')
      },
    },
    {
      title: 'A valid RS256 token gets 200 with its subject',
      run: async () => {
        const token = issuer().sign({
          sub: 'demo-client',
          iat: nowSeconds(),
          exp: nowSeconds() + 300,
        })
        const reply = await send({
          method: 'GET',
          url: `${gateway().trafficUrl}/orders`,
          headers: { authorization: `Bearer ${token}` },
        })
        expectThat(reply.status === 200, `expected 200, got ${reply.status}`)
        const subject = (reply.json as { subject?: unknown } | undefined)?.subject
        expectThat(
          subject === 'demo-client',
          `expected subject demo-client, got ${String(subject)}`,
        )
      },
    },
    {
      title: 'An expired RS256 token gets 401',
      run: async () => {
        const token = issuer().sign({
          sub: 'demo-client',
          iat: nowSeconds() - 900,
          exp: nowSeconds() - 600,
        })
        const reply = await send({
          method: 'GET',
          url: `${gateway().trafficUrl}/orders`,
          headers: { authorization: `Bearer ${token}` },
        })
        expectThat(reply.status === 401, `expected 401, got ${reply.status}`)
      },
    },
    {
      title: 'An HS256 token signed with the RSA public key gets 401',
      run: async () => {
        const publicKey = new TextEncoder().encode(
          required(state.signingKey, 'the key').publicKeyPem,
        )
        const claims = { sub: 'attacker', iat: nowSeconds(), exp: nowSeconds() + 300 }
        const token = await signHs256(claims, publicKey)
        const reply = await send({
          method: 'GET',
          url: `${gateway().trafficUrl}/orders`,
          headers: { authorization: `Bearer ${token}` },
        })
        expectThat(reply.status === 401, `expected 401, got ${reply.status}`)
      },
    },
    {
      title: 'POST /admin/authorize with a user JWT gets 201',
      run: async () => {
        const secret = new TextEncoder().encode(required(state.jwtSecret, 'the JWT secret'))
        const userJwt = await signHs256(
          userClaims(required(state.cloudOrigin, 'the origin')),
          secret,
        )
        const reply = await send({
          method: 'POST',
          url: `${gateway().managementUrl}/admin/authorize`,
          headers: { authorization: `Bearer ${userJwt}` },
          json: { gateway_code: gatewayCode },
        })
        expectThat(reply.status === 201, `expected 201, got ${reply.status}`)
        expectThat(!reply.text.includes('machine_token'), 'the reply must not contain the token')
      },
    },
    {
      title: 'GET /admin/token shows the metadata, never the token',
      run: () => expectTokenMetadata(gateway()),
    },
    {
      title: 'The token file has mode 0600 and starts with the age header, no plaintext',
      run: async () => {
        const file = await inspectTokenFile(join(instanceDir, 'auth.json'))
        console.log(`  ${file.path}`)
        console.log(`  mode ${file.mode.toString(8).padStart(4, '0')}, ${file.size} bytes`)
        console.log(`  first bytes: ${JSON.stringify(file.head)}`)
        expectThat(file.mode === 0o600, `expected mode 0600, got ${file.mode.toString(8)}`)
        expectThat(file.head.startsWith('age-encryption.org/v1\n'), 'expected the age v1 header')
        expectThat(!file.containsPlaintext, 'the file must not contain the token fields in clear')
      },
    },
    {
      title: 'Rotate the encryption key with KeyRotator (examples/rotate-keys)',
      run: async () => {
        const result = await runScript({
          entry: join(examplesDir, 'rotate-keys', 'src', 'main.ts'),
          env: {
            INSTANCE_ID: instanceId,
            HARMONY_HOME_DIR: homeDir,
            BACKUP_RECIPIENTS: required(state.recoveryRecipient, 'the recovery recipient'),
            BACKUP_PATH: join(workDir, 'backups', 'before-rotation.age'),
            LOG_LEVEL: 'warn',
          },
        })
        for (const line of result.output.trimEnd().split('\n')) console.log(`  | ${line}`)
        expectThat(result.code === 0, `rotate-keys exited with code ${String(result.code)}`)
      },
    },
    {
      title: 'GET /admin/token still answers after the rotation',
      run: () => expectTokenMetadata(gateway()),
    },
  ]
}

async function expectTokenMetadata(gateway: GatewayProcess): Promise<void> {
  const reply = await send({ method: 'GET', url: `${gateway.managementUrl}/admin/token` })
  expectThat(reply.status === 200, `expected 200, got ${reply.status}`)
  const metadata = reply.json as { gateway_code?: unknown; valid?: unknown } | undefined
  expectThat(metadata?.gateway_code === gatewayCode, `expected gateway_code ${gatewayCode}`)
  expectThat(metadata.valid === true, 'expected a valid token')
  expectThat(!reply.text.includes('machine_token'), 'the reply must not contain the token')
}

/** Appends every gateway log record to the log file and prints warnings and errors inline. */
function printGatewayWarnings(record: LogRecord): void {
  appendFileSync(logFile, `${JSON.stringify(record)}\n`)
  if (record.level >= 40)
    console.log(`  gateway ${record.level >= 50 ? 'error' : 'warning'}: ${record.msg}`)
}

const runner = new DemoRunner()
process.exitCode = await runner.run(steps(runner, {}))
