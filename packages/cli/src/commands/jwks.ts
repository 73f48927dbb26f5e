import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  generateSigningKey,
  publishJwks,
  writeSecretFile,
  type PublicJsonWebKeySet,
  type SigningAlgorithm,
} from '@harmony-auth/core'
import { Command, Option } from 'commander'
import { defineAction, usageError, type CommandContext } from '../context.js'
import type { CliIo } from '../io.js'

interface GenerateOptions {
  alg: SigningAlgorithm
  kid?: string
  modulusLength: string
  privateKeyOut: string
  jwks?: string
  retire?: string[]
  out?: string
}

/** Builds `harmony-auth jwks generate`. */
export function jwksCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const command = new Command('jwks').description(
    'JWT signing keys and the JWKS that publishes them',
  )
  command
    .command('generate')
    .description(
      'generate a signing key pair, write the private key (mode 0600) and print the JWKS with the new and the published keys',
    )
    .addOption(
      new Option('--alg <algorithm>', 'signing algorithm')
        .choices(['RS256', 'PS256', 'ES256', 'EdDSA'])
        .default('RS256'),
    )
    .option('--kid <kid>', 'key ID (default: the RFC 7638 thumbprint)')
    .addOption(
      new Option('--modulus-length <bits>', 'RSA modulus length')
        .choices(['2048', '3072', '4096'])
        .default('2048'),
    )
    .requiredOption(
      '--private-key-out <file>',
      'PKCS#8 PEM file for the private key (never overwritten)',
    )
    .option('--jwks <file>', 'the JWKS published now; its keys are kept after the new one')
    .option('--retire <kid...>', 'key IDs to leave out of the new JWKS')
    .option('--out <file>', 'write the JWKS to this file instead of stdout')
    .action(defineAction<GenerateOptions>(io, setExitCode, generate))
  return command
}

async function readJwks(path: string | undefined): Promise<PublicJsonWebKeySet | undefined> {
  if (path === undefined) return undefined
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw usageError(`Failed to read the JWKS ${path}: ${(error as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // The parser's message quotes the start of the file, which may be a key given by mistake.
    throw usageError(`The file ${path} is not valid JSON: give the published JWKS file`)
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !Array.isArray((parsed as { keys?: unknown }).keys)
  ) {
    throw usageError(`The file ${path} is not a JWKS: it has no "keys" array`)
  }
  return parsed as PublicJsonWebKeySet
}

async function generate(context: CommandContext, options: GenerateOptions): Promise<void> {
  if (options.out !== undefined && resolve(options.out) === resolve(options.privateKeyOut)) {
    throw usageError('--out and --private-key-out name the same file: give two paths')
  }
  const existing = await readJwks(options.jwks)
  const key = await generateSigningKey({
    algorithm: options.alg,
    kid: options.kid,
    modulusLength: Number(options.modulusLength) as 2048 | 3072 | 4096,
  })
  const jwks = publishJwks({ keys: [key.publicJwk], existing, retire: options.retire })
  await writeSecretFile(options.privateKeyOut, key.privateKeyPem.bytes(), { overwrite: false })
  if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify(jwks, null, 2)}\n`)
  const result = {
    kid: key.kid,
    algorithm: key.algorithm,
    privateKeyFile: options.privateKeyOut,
    ...(options.out === undefined ? {} : { jwksFile: options.out }),
    jwks,
  }
  if (context.options.json || options.out !== undefined) {
    context.print(result, [`kid ${key.kid} (${key.algorithm}); JWKS written to ${options.out}`])
    return
  }
  context.io.stdout.write(`${JSON.stringify(jwks, null, 2)}\n`)
  context.io.stderr.write(
    `kid ${key.kid} (${key.algorithm}); private key: ${options.privateKeyOut}\n`,
  )
}
