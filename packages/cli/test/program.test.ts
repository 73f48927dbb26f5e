import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CliSandbox } from './helpers.js'

const COMMANDS = [
  ['key', 'generate'],
  ['key', 'status'],
  ['key', 'rotate'],
  ['key', 'resume'],
  ['key', 'rollback'],
  ['key', 'retire'],
  ['backup', 'create'],
  ['backup', 'restore'],
  ['token', 'status'],
  ['token', 'clear'],
  ['jwt-secret', 'rotate'],
  ['jwks', 'generate'],
]

describe('harmony-auth program', () => {
  let sandbox: CliSandbox

  beforeAll(async () => {
    sandbox = await CliSandbox.create()
  })

  afterAll(async () => {
    await sandbox.remove()
  })

  it('lists stores and exit codes in --help', async () => {
    const run = await sandbox.run(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/filesystem\s+available/)
    expect(run.stdout).toMatch(/aws\s+not available yet/)
    expect(run.stdout).toMatch(/azure\s+not available yet/)
    expect(run.stdout).toMatch(/vault\s+not available yet/)
    expect(run.stdout).toContain('Exit codes:')
  })

  it.each(COMMANDS)('prints help for %s %s', async (group, command) => {
    const run = await sandbox.run([group, command, '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Usage: harmony-auth ${group} ${command}`)
  })

  it('prints the package version', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    const run = await sandbox.run(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(manifest.version)
  })

  it('exits 2 for an unknown flag', async () => {
    const run = await sandbox.run(['key', 'status', '--no-such-flag'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('unknown option')
  })

  it('exits 7 for a store not available yet', async () => {
    const run = await sandbox.run(['--json', '--store', 'aws', 'key', 'status'])
    expect(run.code).toBe(7)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_NOT_SUPPORTED' } })
  })

  it('exits 2 for an unknown store', async () => {
    const run = await sandbox.run(['--json', '--store', 'floppy', 'key', 'status'])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_UNKNOWN_STORE' } })
  })

  it('exits 2 for an invalid instance id', async () => {
    const run = await sandbox.run(['--json', '--instance-id', '..', 'key', 'status'])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_SECRET_INVALID_NAME' } })
  })

  it('exits 6 when there is no key', async () => {
    const run = await sandbox.run(['--json', 'key', 'status'])
    expect(run.code).toBe(6)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } })
  })

  it.each([
    [['key', 'status', '--no-such-flag']],
    [['backup', 'create']],
    [['jwks', 'generate', '--alg', 'HS1', '--private-key-out', 'key.pem']],
    [['no-such-command']],
  ])('prints JSON for usage error %j', async (args) => {
    const run = await sandbox.run(['--json', ...args])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_USAGE' }, exitCode: 2 })
  })

  it('exits 2 for a concurrency that is not a number', async () => {
    const run = await sandbox.run(['--json', 'key', 'rotate', '--concurrency', 'many'])
    expect(run.code).toBe(2)
    expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_USAGE' }, exitCode: 2 })
    expect(run.stderr).toContain('positive integer')
  })
})
