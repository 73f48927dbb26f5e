import type { KeyRingSource, SecretStore } from '@harmony-auth/core'

/** An older location of the tokens, as the gateway still reads it. */
export interface LegacyTokenLocation {
  store: SecretStore
  /** Label in reports and errors, for example `filesystem-legacy`. */
  label: string
}
import { CliError, EXIT_CODES } from '../exit-codes.js'

/** The store settings every command receives, from flags and environment. */
export interface StoreSettings {
  /** Gateway instance id, for stores that keep one folder or prefix per instance. */
  instanceId?: string
  /** Home folder holding `.runbeam`, for the filesystem store. */
  home: string
  /** Root folder of the filesystem store; overrides `home` and `instanceId`. */
  root?: string
  /** Environment the adapter reads its settings from. */
  env: NodeJS.ProcessEnv
}

/** An opened store with what the commands need from it. */
export interface OpenedStore {
  store: SecretStore
  /** The key ring source gateways on this store use, for `token status`. */
  keyRing: KeyRingSource
  /** The location of the store's data for messages, for example a folder path. */
  location: string
  /**
   * An older token location that the gateway reads when the token is absent, such as the
   * filesystem's `runbeam/auth.json`. Tokens there are rotated, backed up and cleared too.
   */
  legacy?: LegacyTokenLocation
}

/** A store adapter as the CLI loads it. */
export interface StoreDriver {
  /** @throws CliError or HarmonyAuthError when the settings do not fit the store. */
  open(settings: StoreSettings): Promise<OpenedStore>
}

/** One entry of the store registry. The adapter code is loaded only when the store is used. */
export interface StoreRegistration {
  /** The `--store` value. */
  name: string
  /** One line for `--help`. */
  description: string
  /** Loads the adapter; absent while the adapter is not available in this build. */
  load?: () => Promise<StoreDriver>
}

const registry = new Map<string, StoreRegistration>()

/** Adds or replaces a store registration. */
export function registerStore(registration: StoreRegistration): void {
  registry.set(registration.name, registration)
}

/** Returns the registrations in the order they were added. */
export function storeRegistrations(): StoreRegistration[] {
  return [...registry.values()]
}

/**
 * Loads the adapter of `name` and opens the store.
 *
 * @throws CliError `ERR_CLI_UNKNOWN_STORE` (exit 2) for a name that is not registered, and
 * `ERR_NOT_SUPPORTED` (exit 7) for a registered store whose adapter is not available yet.
 */
export async function openStore(name: string, settings: StoreSettings): Promise<OpenedStore> {
  const registration = registry.get(name)
  if (!registration) {
    const known = storeRegistrations().map((entry) => entry.name)
    throw new CliError(
      'ERR_CLI_UNKNOWN_STORE',
      `Unknown store "${name}": use one of ${known.join(', ')}`,
      EXIT_CODES.usage,
    )
  }
  if (!registration.load) {
    throw new CliError(
      'ERR_NOT_SUPPORTED',
      `The ${name} store is not available in this version: ${registration.description}`,
      EXIT_CODES.notSupported,
    )
  }
  const driver = await registration.load()
  return driver.open(settings)
}

/** Returns the `--help` section that lists the stores and whether each is available. */
export function storesHelp(): string {
  const lines = storeRegistrations().map((entry) => {
    const state = entry.load ? 'available' : 'not available yet'
    return `  ${entry.name.padEnd(12)} ${state.padEnd(18)} ${entry.description}`
  })
  return ['', 'Stores (--store, HARMONY_AUTH_STORE):', ...lines].join('\n')
}
