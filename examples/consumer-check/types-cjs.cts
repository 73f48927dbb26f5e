// Type-checked against the .d.cts files, which NodeNext picks for a CommonJS module.
import { HarmonyAuthError, Secret, type HarmonyAuthErrorCode } from '@harmony-auth/core'
import { isHarmonyAuthError } from '@harmony-auth/core/errors'

const code: HarmonyAuthErrorCode = 'ERR_JWT_EXPIRED'
const error = new HarmonyAuthError(code, 'Token expired')
const secret: Secret = Secret.from('consumer-check-value-of-32-bytes!')
export const checked: boolean = isHarmonyAuthError(error, code) && secret.byteLength > 0
