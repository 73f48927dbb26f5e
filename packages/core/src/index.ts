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
export type { HmacSecretEntry, TimedSecret } from './jwt/secret-window.js'
export { encodeKeyFile, parseAgeIdentity } from './keys/age-identity.js'
export type { ParsedIdentity } from './keys/age-identity.js'
export { EncryptionKeyRing, isAgeFile } from './keys/encryption-key-ring.js'
export type { EncryptionKeyRingInput, OpenedCiphertext } from './keys/encryption-key-ring.js'
export {
  createKeyRingSource,
  DEFAULT_KEY_NAME,
  ENCRYPTION_KEY_VARIABLE,
  PREVIOUS_ENCRYPTION_KEYS_VARIABLE,
} from './keys/key-ring-source.js'
export type { CreateIfAbsent, KeyRingSource, KeyRingSourceOptions } from './keys/key-ring-source.js'
export { MachineToken } from './token-store/machine-token.js'
export type { MachineTokenInput, MachineTokenSummary } from './token-store/machine-token.js'
export { TokenStore } from './token-store/token-store.js'
export type { TokenStoreFallback, TokenStoreOptions } from './token-store/token-store.js'
export { createBearerAuth } from './http/bearer-auth.js'
export type {
  BearerAuthenticator,
  BearerAuthOutcome,
  HttpReply,
  JwtMiddlewareOptions,
} from './http/bearer-auth.js'
export { createNodeJwtAuth } from './http/node-middleware.js'
export type { AuthenticatedHandler, AuthenticatedRequest } from './http/node-middleware.js'
export { createExpressJwtAuth } from './http/express-middleware.js'
export type { ExpressJwtMiddleware, ExpressRequestLike } from './http/express-middleware.js'
export { createFastifyJwtAuth } from './http/fastify-middleware.js'
export type {
  FastifyJwtHook,
  FastifyReplyLike,
  FastifyRequestLike,
} from './http/fastify-middleware.js'
export { createHonoJwtAuth } from './http/hono-middleware.js'
export type { HonoContextLike, HonoJwtEnv, HonoJwtMiddleware } from './http/hono-middleware.js'
export { warnOperator } from './support/logger.js'
export { KeyRotator } from './rotation/key-rotator.js'
export type {
  BackupDestination,
  BackupReport,
  EncryptionKeyRotationReport,
  EnvironmentKeyLocation,
  KeyLocation,
  KeyRotatorOptions,
  RestoreAction,
  RestoreOptions,
  RestoreReport,
  RetireReport,
  RotateEncryptionKeyOptions,
  RotationProgress,
  RotationStatus,
  RotationTarget,
  RunOptions,
  StoredKeyLocation,
} from './rotation/types.js'
export {
  generateJwtSecret,
  MIN_JWT_SECRET_BYTES,
  promoteJwtSecret,
  rotateJwtSecret,
} from './rotation/jwt-secret.js'
export type { JwtSecretRotationReport, RotateJwtSecretOptions } from './rotation/jwt-secret.js'
export { generateSigningKey, jwkThumbprint, publishJwks } from './rotation/signing-keys.js'
export type {
  GenerateSigningKeyOptions,
  PublicJsonWebKey,
  PublicJsonWebKeySet,
  PublishJwksOptions,
  SigningAlgorithm,
  SigningKeyPair,
} from './rotation/signing-keys.js'
export { readSecretFile, writeSecretFile } from './rotation/secure-file.js'
export { AuthorizationClient } from './authorization/authorization-client.js'
export type {
  AuthorizationClientOptions,
  AuthorizedGateway,
  AuthorizeOptions,
  AuthorizeResult,
  AuthorizeRetryOptions,
  CheckExpiryOptions,
  ExpiryStatus,
  MachineTokenStore,
  UserIdentity,
} from './authorization/types.js'
export { createManagementHandler } from './http/management-handler.js'
export type {
  ManagementHandler,
  ManagementHandlerOptions,
  ManagementRateLimitOptions,
} from './http/management-handler.js'
