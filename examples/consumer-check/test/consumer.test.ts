import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = join(dirname(fileURLToPath(import.meta.url)), '..')
const names = ['core', 'filesystem', 'aws', 'azure', 'vault', 'testing', 'cli']
const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc')

function runNode(file: string): string {
  return execFileSync(process.execPath, [file], { cwd: here, encoding: 'utf8' })
}

describe('consumer of the built packages', () => {
  it('imports every package through the ESM build', () => {
    const output = runNode('load.mjs')
    for (const name of names) expect(output).toContain(`import @harmony-auth/${name}:`)
    expect(output).toContain('import @harmony-auth/core/errors: ok')
  })

  it('requires every package through the CJS build', () => {
    const output = runNode('load.cjs')
    for (const name of names) expect(output).toContain(`require @harmony-auth/${name}:`)
    expect(output).toContain('require @harmony-auth/core/errors: ok')
  })

  it('type-checks against both declaration builds', () => {
    const output = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--explainFiles'], {
      cwd: here,
      encoding: 'utf8',
    })
    expect(output).toMatch(/packages\/core\/dist\/index\.d\.ts/)
    expect(output).toMatch(/packages\/core\/dist\/index\.d\.cts/)
    expect(output).toMatch(/packages\/core\/dist\/errors\.d\.ts/)
    expect(output).toMatch(/packages\/core\/dist\/errors\.d\.cts/)
  })
})
