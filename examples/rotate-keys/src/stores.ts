import type { KeyLocation, RotationTarget } from '@harmony-auth/core'
import { FilesystemSecretStore, instanceFolder } from '@harmony-auth/filesystem'
import type { Logger } from 'pino'

/** Settings a store opener reads; each store kind uses the ones it needs. */
export interface StoreSettings {
  instanceId: string
  homeDir: string
  /** Names of the encrypted entries to rotate, for example `auth.json`. */
  tokenNames: string[]
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
 * Opens the embedded default, `<homeDir>/.runbeam/<instanceId>/`, where `encryption.key` is the key and
 * `auth.json` the machine token, as the gateway's `openTokenStore` keeps them.
 */
function openFilesystemStores(settings: StoreSettings): RotationStores {
  const root = instanceFolder(settings.instanceId, settings.homeDir)
  const store = new FilesystemSecretStore({ root, logger: settings.logger })
  return {
    key: { store, name: 'encryption.key' },
    targets: [{ store, names: settings.tokenNames, label: settings.instanceId }],
    description: store.pathOf('encryption.key'),
  }
}
