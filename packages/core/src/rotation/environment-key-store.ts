import { NotSupportedError, SecretStoreError } from '../errors.js'
import {
  ENCRYPTION_KEY_VARIABLE,
  PREVIOUS_ENCRYPTION_KEYS_VARIABLE,
  splitPreviousKeys,
} from '../keys/key-ring-source.js'
import { Secret } from '../secrets/secret.js'
import type { SecretGetOptions, SecretStore, StoredSecret } from '../secrets/secret-store.js'

/**
 * A read-only view of the key variables as a key store: `current` is `RUNBEAM_ENCRYPTION_KEY`
 * and `previous` the first key of `RUNBEAM_ENCRYPTION_KEY_PREVIOUS`. Removing a stage does
 * nothing, because only the operator can change the environment of the gateways; writing raises
 * `ERR_NOT_SUPPORTED`.
 */
export class EnvironmentKeyStore implements SecretStore {
  readonly provider = 'environment'
  readonly #env: NodeJS.ProcessEnv

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env
  }

  /**
   * Returns every key of `RUNBEAM_ENCRYPTION_KEY_PREVIOUS`, split as the key ring splits it, so
   * a wrapped base64 key stays one entry.
   */
  previousKeys(): Secret[] {
    return splitPreviousKeys(this.#env[PREVIOUS_ENCRYPTION_KEYS_VARIABLE]).map(
      (entry) => new Secret(entry.text),
    )
  }

  get(name: string, options: SecretGetOptions = {}): Promise<StoredSecret> {
    const stage = options.stage ?? 'current'
    const value =
      stage === 'current'
        ? this.#env[ENCRYPTION_KEY_VARIABLE]
        : stage === 'previous'
          ? this.previousKeys()[0]?.text()
          : undefined
    if (value === undefined) {
      const variable =
        stage === 'current' ? ENCRYPTION_KEY_VARIABLE : PREVIOUS_ENCRYPTION_KEYS_VARIABLE
      return Promise.reject(
        new SecretStoreError('ERR_SECRET_NOT_FOUND', `${variable} is not set`, {
          provider: this.provider,
          secretName: name,
          source: variable,
        }),
      )
    }
    return Promise.resolve({ value: new Secret(value), stage, version: 'environment' })
  }

  put(): Promise<void> {
    return Promise.reject(readOnly())
  }

  promote(): Promise<void> {
    return Promise.reject(readOnly())
  }

  delete(): Promise<void> {
    return Promise.resolve()
  }

  list(): Promise<string[]> {
    return Promise.resolve([])
  }
}

function readOnly(): NotSupportedError {
  return new NotSupportedError(
    'ERR_NOT_SUPPORTED',
    `The key in ${ENCRYPTION_KEY_VARIABLE} cannot be written: set the new key in the environment of the gateways`,
    { source: ENCRYPTION_KEY_VARIABLE },
  )
}
