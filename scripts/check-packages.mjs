// Packs every package into ./tmp/packs and runs publint --strict and arethetypeswrong on each
// tarball, so what ships is checked rather than the source tree.
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const packsDir = join(root, 'tmp', 'packs')
const packages = ['core', 'filesystem', 'aws', 'azure', 'vault', 'testing', 'cli']

// Profile `node16` checks the resolutions a Node.js consumer can have (node10, node16-cjs and
// node16-esm); the `bundler` resolution adds nothing for a Node-only SDK.
const ATTW_ARGS = ['--profile', 'node16', '--format', 'table-flipped']

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` }
}

rmSync(packsDir, { recursive: true, force: true })
mkdirSync(packsDir, { recursive: true })

const failures = []
for (const name of packages) {
  const packageDir = join(root, 'packages', name)
  const pack = run('npm', ['pack', '--json', '--pack-destination', packsDir], packageDir)
  if (!pack.ok) {
    failures.push(`${name}: npm pack failed\n${pack.output}`)
    continue
  }
  const [{ filename }] = JSON.parse(pack.output.slice(pack.output.indexOf('[')))
  const tarball = join(packsDir, filename)

  const publint = run('npx', ['--no-install', 'publint', '--strict', tarball], root)
  console.log(`check: publint @harmony-auth/${name}: ${publint.ok ? 'ok' : 'failed'}`)
  if (!publint.ok) failures.push(`${name}: publint --strict\n${publint.output}`)

  const attw = run('npx', ['--no-install', 'attw', ...ATTW_ARGS, tarball], root)
  console.log(`check: arethetypeswrong @harmony-auth/${name}: ${attw.ok ? 'ok' : 'failed'}`)
  if (!attw.ok) failures.push(`${name}: arethetypeswrong\n${attw.output}`)
}

if (failures.length > 0) {
  console.error(`\n${failures.join('\n\n')}`)
  process.exit(1)
}
console.log(`check: ${packages.length} packages passed publint --strict and arethetypeswrong`)
