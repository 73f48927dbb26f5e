import { join } from 'node:path'
import { assertValidName } from '@harmony-auth/core'
import { CliError, EXIT_CODES } from '../exit-codes.js'
import type { OpenedStore, StoreDriver, StoreSettings } from './registry.js'

/**
 * The filesystem store: `<home>/.runbeam/<instance id>`, where the Rust gateway keeps
 * `encryption.key` and `auth.json`, or the folder given with `--root`.
 */
export const filesystemDriver: StoreDriver = {
  async open(settings: StoreSettings): Promise<OpenedStore> {
    const { FilesystemSecretStore, createFilesystemKeyRingSource } =
      await import('@harmony-auth/filesystem')
    const root = rootOf(settings)
    const store = new FilesystemSecretStore({ root })
    // The Rust gateway's older layout keeps the token in <root>/runbeam/auth.json.
    const legacy = new FilesystemSecretStore({ root: join(root, 'runbeam') })
    return {
      store,
      keyRing: createFilesystemKeyRingSource(store, { env: settings.env }),
      location: root,
      legacy: { store: legacy, label: 'filesystem-legacy' },
    }
  },
}

function rootOf(settings: StoreSettings): string {
  if (settings.root !== undefined) return settings.root
  if (settings.instanceId === undefined) {
    throw new CliError(
      'ERR_CLI_NO_INSTANCE',
      'The filesystem store needs --instance-id (or HARMONY_AUTH_INSTANCE_ID) or --root',
      EXIT_CODES.usage,
    )
  }
  return join(settings.home, '.runbeam', assertValidName(settings.instanceId, 'instance id'))
}
