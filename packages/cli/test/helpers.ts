import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { openTokenStore } from '@harmony-auth/filesystem'

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js')

/** The `--json` output object. */
export interface CliJson {
  ok: boolean
  command: string
  result?: Record<string, unknown>
  error?: { code: string; message: string; names?: string[] }
  exitCode?: number
}

/** What one run of the built `harmony-auth` binary printed. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as the `--json` object, when it is one. */
  json: CliJson | undefined
}

/** A temporary home folder with one gateway instance, and the secrets the CLI must not print. */
export class CliSandbox {
  readonly secrets = new Set<string>()
  readonly instanceId = 'gw-1'

  private constructor(readonly home: string) {}

  static async create(): Promise<CliSandbox> {
    if (!existsSync(BIN))
      throw new Error('Run `npm run build` first: the tests run the built binary')
    return new CliSandbox(await mkdtemp(join(tmpdir(), 'harmony-cli-')))
  }

  get root(): string {
    return join(this.home, '.runbeam', this.instanceId)
  }

  /** Saves a machine token the way a gateway does, creating the key file at the first save. */
  async saveToken(machineToken: string, expiresAt = '2099-01-01T00:00:00Z'): Promise<void> {
    const tokens = openTokenStore({ instanceId: this.instanceId, homeDir: this.home, env: {} })
    await tokens.save({
      machineToken,
      expiresAt,
      gatewayId: 'gw-id',
      gatewayCode: 'gw-code',
      abilities: ['read'],
    })
    this.secrets.add(machineToken)
    await this.rememberStoredSecrets()
  }

  /** Adds every stored value (keys, ciphertexts, secrets) to the values that must not be printed. */
  async rememberStoredSecrets(): Promise<void> {
    if (!existsSync(this.root)) return
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      const name = entry.name
      if (!entry.isFile()) continue
      const text = (await readFile(join(this.root, name))).toString('utf8')
      if (name.startsWith('encryption.key') && !name.includes('.rotation')) {
        this.secrets.add(text)
        this.secrets.add(Buffer.from(text, 'base64').toString('utf8'))
      }
      if (name.startsWith('jwt-secret')) this.secrets.add(text)
    }
  }

  /** Runs the built binary with the sandbox home and checks that no known secret is printed. */
  async run(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
    const result = await runBinary(args, { ...this.#environment(), ...options.env })
    for (const secret of this.secrets) {
      expect(result.stdout).not.toContain(secret)
      expect(result.stderr).not.toContain(secret)
    }
    return result
  }

  /**
   * Runs the built binary and sends SIGINT once stderr contains `marker`, as Ctrl-C would.
   */
  async runInterrupted(args: readonly string[], marker: string): Promise<CliRun> {
    return runBinary(args, this.#environment(), { interruptOn: marker })
  }

  /**
   * Runs the built binary on a pseudo-terminal through util-linux `script`, and types `reply`
   * once the confirmation prompt appears.
   */
  async runOnTerminal(args: readonly string[], reply: string): Promise<CliRun> {
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ')
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env.PATH, ...this.#environment() },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let output = ''
      let replied = false
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (!replied && output.includes('Type "yes"')) {
          replied = true
          child.stdin.write(`${reply}\n`)
        }
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({ code, stdout: output, stderr: '', json: undefined })
      })
    })
  }

  #environment(): NodeJS.ProcessEnv {
    return {
      HOME: this.home,
      HARMONY_AUTH_HOME: this.home,
      HARMONY_AUTH_INSTANCE_ID: this.instanceId,
    }
  }

  async remove(): Promise<void> {
    await rm(this.home, { recursive: true, force: true })
  }
}

function runBinary(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { interruptOn?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    let interrupted = false
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (options.interruptOn && !interrupted && stderr.includes(options.interruptOn)) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, json: parseJson(stdout) })
    })
  })
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

function parseJson(stdout: string): CliRun['json'] {
  try {
    return JSON.parse(stdout) as CliRun['json']
  } catch {
    return undefined
  }
}
