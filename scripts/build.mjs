// Builds every package with the root tsup.config.ts, in dependency order: a package's declaration
// build reads the declarations of the packages it imports, so those must exist first.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const order = ['core', 'filesystem', 'aws', 'azure', 'vault', 'testing', 'cli']
const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')

if (!existsSync(tsup)) {
  console.error('build: tsup is not installed; run `npm install` in the repository root first')
  process.exit(1)
}

for (const name of order) {
  const cwd = join(root, 'packages', name)
  console.log(`build: @harmony-auth/${name}`)
  const result = spawnSync(
    process.execPath,
    [tsup, '--config', '../../tsup.config.ts', '--silent'],
    {
      cwd,
      stdio: 'inherit',
    },
  )
  if (result.status !== 0) {
    console.error(`build: @harmony-auth/${name} failed (exit ${result.status ?? result.signal})`)
    process.exit(1)
  }
}
