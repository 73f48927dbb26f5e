// PARALLEL WORK NOTE (temporary, the lead removes it): several helpers edit this tree at once.
// Before you edit or commit, read /tmp/briefs/base.md: git protocol, deadlines and shared contracts.
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
export { JwtVerifier } from './jwt/verifier.js'
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
export type {
  AsymmetricAlgorithm,
  AuthenticateFailure,
  AuthenticateResult,
  AuthenticateSuccess,
  CertificateKeySource,
  Hs256Options,
  JsonWebKeyInput,
  JsonWebKeySetInput,
  JwkKeySource,
  JwksKeySource,
  JwtAlgorithm,
  JwtHeader,
  JwtPayload,
  JwtVerifierOptions,
  KeySource,
  PathKeySource,
  PemKeySource,
  RemoteJwksKeySource,
  VerificationFailure,
  VerifiedKey,
  VerifierCacheOptions,
  VerifyResult,
} from './jwt/types.js'
