import { AuthorizationError } from '../errors.js'
import type { Clock } from '../support/clock.js'
import type { Logger } from '../support/logger.js'
import { readCappedText } from './capped-body.js'
import { parseExchangeResponse } from './exchange-response.js'
import type { ExchangeResponse } from './exchange-response.js'
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js'
import type { RetryPolicy } from './retry.js'

/** The path of the cloud API's token exchange, appended to the trusted origin. */
export const AUTHORIZE_PATH = '/api/harmony/authorize'

/** Prepared settings of the exchange, checked once by the client's constructor. */
export interface ExchangeSettings {
  fetch: typeof fetch
  timeoutMs: number
  maxResponseBytes: number
  retry: RetryPolicy
  clock: Clock
  logger: Logger
  sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>
  random: () => number
}

/** One exchange of a verified user JWT for a machine token. */
export interface ExchangeRequest {
  /** The trusted origin derived from `iss`. */
  origin: string
  userJwt: string
  gatewayCode: string
  machinePublicKey?: string
  metadata?: Record<string, unknown>
  signal?: AbortSignal
}

type AttemptOutcome =
  { ok: true; text: string } | { ok: false; error: AuthorizationError; retryAfterMs?: number }

/**
 * Sends `POST {origin}/api/harmony/authorize` and returns the validated reply. Network errors and
 * 429, 502, 503 and 504 replies are retried within the policy; nothing else is. A retry times out
 * when the time budget runs out, even before `timeoutMs`.
 *
 * @throws AuthorizationError `ERR_AUTHORIZE_UPSTREAM_FAILED`, `ERR_AUTHORIZE_UPSTREAM_TIMEOUT`,
 * `ERR_AUTHORIZE_UPSTREAM_REDIRECT` or `ERR_AUTHORIZE_BAD_RESPONSE`.
 */
export async function exchangeUserJwt(
  request: ExchangeRequest,
  settings: ExchangeSettings,
): Promise<ExchangeResponse> {
  const body = JSON.stringify(requestBody(request))
  const { retry, logger } = settings
  let spentMs = 0
  for (let attempt = 1; ; attempt += 1) {
    request.signal?.throwIfAborted()
    // The first attempt gets the full timeout; a retry gets no more than the budget left.
    const timeoutMs =
      attempt === 1 ? settings.timeoutMs : Math.min(settings.timeoutMs, retry.budgetMs - spentMs)
    const started = performance.now()
    const outcome = await sendOnce(request, body, settings, timeoutMs)
    spentMs += performance.now() - started
    if (outcome.ok) return parseExchangeResponse(outcome.text, settings.clock())

    const delayMs =
      attempt < retry.maxAttempts
        ? retryDelayMs(retry, attempt, settings.random, outcome.retryAfterMs)
        : undefined
    if (delayMs === undefined || spentMs + delayMs >= retry.budgetMs) throw outcome.error
    logger.warn(
      {
        gatewayCode: request.gatewayCode,
        attempt,
        code: outcome.error.code,
        status: outcome.error.details.status,
        delayMs: Math.round(delayMs),
      },
      'Retrying the token exchange with the cloud API',
    )
    await sleepUnlessAborted(settings, delayMs, request.signal)
    spentMs += delayMs
  }
}

/** Waits between attempts; an abort rejects with the signal's reason, as fetch does. */
async function sleepUnlessAborted(
  settings: ExchangeSettings,
  delayMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await settings.sleep(delayMs, signal)
  } catch (error) {
    signal?.throwIfAborted()
    throw error
  }
}

function requestBody(request: ExchangeRequest): Record<string, unknown> {
  return {
    token: request.userJwt,
    gateway_code: request.gatewayCode,
    ...(request.machinePublicKey === undefined
      ? {}
      : { machine_public_key: request.machinePublicKey }),
    ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
  }
}

async function sendOnce(
  request: ExchangeRequest,
  body: string,
  settings: ExchangeSettings,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const onAbort = (): void => controller.abort()
  request.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const response = await settings.fetch(new URL(AUTHORIZE_PATH, request.origin), {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${request.userJwt}`,
        'content-type': 'application/json',
      },
      body,
      redirect: 'manual',
      signal: controller.signal,
    })
    return await readOutcome(response, settings)
  } catch (error) {
    request.signal?.throwIfAborted()
    if (controller.signal.aborted) throw timeoutError()
    if (error instanceof AuthorizationError) throw error
    return {
      ok: false,
      error: new AuthorizationError(
        'ERR_AUTHORIZE_UPSTREAM_FAILED',
        'The cloud API could not be reached',
        { cause: error },
      ),
    }
  } finally {
    clearTimeout(timer)
    request.signal?.removeEventListener('abort', onAbort)
  }
}

async function readOutcome(
  response: Response,
  settings: ExchangeSettings,
): Promise<AttemptOutcome> {
  const { status } = response
  if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    await response.body?.cancel()
    throw new AuthorizationError(
      'ERR_AUTHORIZE_UPSTREAM_REDIRECT',
      'The cloud API replied with a redirect, which is not followed',
      { status },
    )
  }
  if (status < 200 || status >= 300) {
    // The upstream body may echo the user JWT, so it is discarded unread.
    await response.body?.cancel()
    const error = new AuthorizationError(
      'ERR_AUTHORIZE_UPSTREAM_FAILED',
      `The cloud API rejected the token exchange with HTTP ${status}`,
      { status },
    )
    if (!isRetryableStatus(status)) throw error
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), settings.clock())
    return { ok: false, error, retryAfterMs }
  }
  return { ok: true, text: await readCappedText(response, settings.maxResponseBytes) }
}

function timeoutError(): AuthorizationError {
  return new AuthorizationError(
    'ERR_AUTHORIZE_UPSTREAM_TIMEOUT',
    'The cloud API did not reply in time',
  )
}
