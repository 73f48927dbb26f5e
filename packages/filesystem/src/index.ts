export { FilesystemSecretStore, PERMISSIONS_TIGHTENED_WARNING } from './filesystem-secret-store.js'
export type { FilesystemSecretStoreOptions } from './filesystem-secret-store.js'
export {
  createFilesystemKeyRingSource,
  instanceFolder,
  LOCAL_KEY_WARNING,
  openTokenStore,
} from './open-token-store.js'
export type { FilesystemKeyRingSourceOptions, OpenTokenStoreOptions } from './open-token-store.js'
