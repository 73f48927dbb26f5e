export {
  AuthorizationError,
  ConfigurationError,
  ERROR_CODES,
  HarmonyAuthError,
  isHarmonyAuthError,
  JwksError,
  JwtVerificationError,
  KeyError,
  NotSupportedError,
  RotationError,
  SecretStoreError,
  TokenStoreError,
} from './errors.js'
export type { ErrorDetails, HarmonyAuthErrorCode, HarmonyAuthErrorOptions } from './errors.js'
export { Secret } from './secrets/secret.js'
export type { SecretInput } from './secrets/secret.js'
export { assertValidName, isValidName } from './secrets/names.js'
export type {
  SecretDeleteOptions,
  SecretGetOptions,
  SecretListOptions,
  SecretPutOptions,
  SecretStage,
  SecretStore,
  StoredSecret,
} from './secrets/secret-store.js'
export { silentLogger } from './support/logger.js'
export type { LogFields, Logger } from './support/logger.js'
export { systemClock } from './support/clock.js'
export type { Clock } from './support/clock.js'
