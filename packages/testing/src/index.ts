export { startCloudEmulator } from './cloud-emulator.js'
export type {
  CloudEmulator,
  CloudEmulatorOptions,
  CloudFault,
  EmulatedGateway,
  IssuedToken,
  RecordedRequest,
} from './cloud-emulator-types.js'
export { startJwksServer } from './jwks-server.js'
export type {
  JwksRotateOptions,
  JwksServer,
  JwksServerOptions,
  JwksSignOptions,
} from './jwks-server.js'
export type { JwksFault, JwksFaultOptions } from './jwks-faults.js'
export type { JwksAlgorithm, JwksKeyInput, JwksTestKey } from './jwks-keys.js'
export { MemorySecretStore } from './memory-secret-store.js'
export type { MemoryStoreOperation } from './memory-secret-store.js'
