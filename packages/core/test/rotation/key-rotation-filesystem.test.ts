import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'
import { describeKeyRotation } from './key-rotation-suite.js'

describeKeyRotation('FilesystemSecretStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'harmony-rotation-'))
  const store = new FilesystemSecretStore({ root })
  return {
    keyStore: store,
    tokenStore: store,
    cleanup: () => rm(root, { recursive: true, force: true }),
  }
})
