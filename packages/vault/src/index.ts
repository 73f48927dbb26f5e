import { NotSupportedError } from '@harmony-auth/core'

/**
 * SecretStore for HashiCorp Vault KV v2.
 *
 * > [!WARNING]
 * > Not available in this release: the constructor throws `ERR_NOT_SUPPORTED`. Use
 * > `FilesystemSecretStore` from `@harmony-auth/filesystem` until this adapter ships.
 *
 * @throws NotSupportedError `ERR_NOT_SUPPORTED` always, in this release.
 */
export class VaultKvStore {
  constructor() {
    throw new NotSupportedError(
      'ERR_NOT_SUPPORTED',
      'VaultKvStore is not available in this release; use FilesystemSecretStore from @harmony-auth/filesystem',
      { provider: 'vault' },
    )
  }
}
