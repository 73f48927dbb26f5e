import type { KeyLocation, RotationTarget } from '@harmony-auth/core'
import { FilesystemSecretStore, instanceFolder } from '@harmony-auth/filesystem'
import type { Logger } from 'pino'

/** Settings a store opener reads; each store kind uses the ones it needs. */
export interface StoreSettings {
  instanceId: string
  homeDir: string
  /** Names of the encrypted entries to rotate, for example `auth.json`. */
  tokenNames: string[]
  /** Environment that may give the key in `RUNBEAM_ENCRYPTION_KEY`, as it does for gateways. */
  env: NodeJS.ProcessEnv
  logger: Logger
}

/** The key and the entries a rotation works on. */
export interface RotationStores {
  key: KeyLocation
  targets: RotationTarget[]
  /** Location of the key, for the summary. */
  description: string
}

type StoreOpener = (settings: StoreSettings) => RotationStores

/**
 * The store kinds `SECRET_STORE` can name. A cloud store (AWS Secrets Manager, Azure Key Vault,
 * Vault) becomes one more entry here that builds its SecretStore, and the rotation code stays as
 * it is.
 */
const OPENERS: Record<string, StoreOpener> = {
  filesystem: openFilesystemStores,
}

/** Lists the store kinds this script can open. */
export function availableStores(): string[] {
  return Object.keys(OPENERS)
}

/**
 * Opens the key and token stores of `kind`.
 *
 * @throws Error naming the available kinds when `kind` is not one of them.
 */
export function openRotationStores(kind: string, settings: StoreSettings): RotationStores {
  const open = OPENERS[kind]
  if (open === undefined) {
    throw new Error(
      `SECRET_STORE=${kind} is not available in this release; available: ${availableStores().join(', ')}`,
    )
  }
  return open(settings)
}

/**
 * Opens the embedded default, `<homeDir>/.runbeam/<instanceId>/`, where `auth.json` is the
 * machine token, as the gateway's `openTokenStore` keeps it. The key is `encryption.key` in the
 * same folder, unless `RUNBEAM_ENCRYPTION_KEY` is set: then the operator has already put the new
 * key there and the old one in `RUNBEAM_ENCRYPTION_KEY_PREVIOUS`, and the rotation re-encrypts to
 * it, with its journal in the folder.
 */
function openFilesystemStores(settings: StoreSettings): RotationStores {
  const root = instanceFolder(settings.instanceId, settings.homeDir)
  const store = new FilesystemSecretStore({ root, logger: settings.logger })
  const targets = [{ store, names: settings.tokenNames, label: settings.instanceId }]
  if (settings.env.RUNBEAM_ENCRYPTION_KEY !== undefined) {
    const key = { environment: settings.env, journalStore: store }
    return { key, targets, description: 'RUNBEAM_ENCRYPTION_KEY' }
  }
  return {
    key: { store, name: 'encryption.key' },
    targets,
    description: store.pathOf('encryption.key'),
  }
}
