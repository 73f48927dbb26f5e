// Runs one rotation step in a child process so a test can SIGKILL it at any point. It imports
// the built packages, so run `npm run build` before the test.
// Usage: node rotate-child.mjs <root> <rotate|resume> <token count>
// Prints "ready" before it starts and one line per progress event.
import { KeyRotator } from '@harmony-auth/core'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'

const [root, mode, count] = process.argv.slice(2)
const store = new FilesystemSecretStore({ root })
const names = Array.from({ length: Number(count) }, (_, i) => `token-${String(i).padStart(2, '0')}`)
const rotator = new KeyRotator({ key: { store }, targets: [{ store, names }] })
const onProgress = (progress) => {
  process.stdout.write(`${progress.phase} ${progress.done}\n`)
}

process.stdout.write('ready\n')
const run =
  mode === 'resume'
    ? rotator.resume({ onProgress, concurrency: 4 })
    : rotator.rotateEncryptionKey({ backup: false, onProgress, concurrency: 4 })
run.then(
  () => process.stdout.write('done\n'),
  (error) => {
    process.stderr.write(`${error.code ?? String(error)}\n`)
    process.exitCode = 1
  },
)
