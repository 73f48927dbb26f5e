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
