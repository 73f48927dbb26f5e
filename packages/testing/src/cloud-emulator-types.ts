import type { Clock } from '@harmony-auth/core'

/** A gateway registered in the emulated cloud. */
export interface EmulatedGateway {
  /** The gateway code sent as `gateway_code`. */
  code: string
  /** The gateway ID returned in `gateway.id`. Default: `gw-<code>`. */
  id?: string
  /** The display name returned in `gateway.name`. Default: `Gateway <code>`. */
  name?: string
  /** Abilities returned with the machine token. Default: none, so the field is left out. */
  abilities?: readonly string[]
}

/**
 * A failure the emulator produces instead of a normal reply:
 * - `status`: replies with the status, optional headers and a body (default a JSON error).
 * - `json`: replies 200 with this value as the JSON body, to test response validation.
 * - `bad-json`: replies 200 with a body that is not JSON.
 * - `huge-body`: replies 200 and streams `bytes` bytes (default 2 MiB) of JSON-looking text.
 * - `redirect`: replies with a 3xx and a `Location` header (default another emulator path).
 * - `reset`: resets the TCP connection without replying.
 * - `delay`: waits `ms` milliseconds, then replies normally.
 */
export type CloudFault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'json'; body: unknown }
  | { kind: 'bad-json'; body?: string }
  | { kind: 'huge-body'; bytes?: number }
  | { kind: 'redirect'; status?: 301 | 302 | 303 | 307 | 308; location?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }

/** Options of {@link startCloudEmulator}. */
export interface CloudEmulatorOptions {
  /**
   * Gateways registered in the emulator. An unknown `gateway_code` gets 404. Default: every valid code is
   * accepted with a derived ID and name.
   */
  gateways?: readonly EmulatedGateway[]
  /**
   * The machine token issued, or a function that makes one per request. Default: a random
   * `mt_<hex>` string per request.
   */
  machineToken?: string | ((gatewayCode: string) => string)
  /** Lifetime of issued tokens, in seconds; may be fractional. Default 2592000 (30 days). */
  expiresInSeconds?: number
  /**
   * Decides whether the bearer user JWT is accepted; a rejected one gets 401. Default: any
   * non-empty bearer token that equals the body's `token` field.
   */
  acceptToken?: (userJwt: string) => boolean | Promise<boolean>
  /** Loopback address to listen on. Default `127.0.0.1`. */
  host?: '127.0.0.1' | '::1'
  /** Source of the current time for `expires_at`. Default: the system clock. */
  clock?: Clock
}

/** A request the emulator received, recorded before any fault is applied. */
export interface RecordedRequest {
  method: string
  /** The request path with its query string. */
  path: string
  /** Request headers, lower-case names. */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** The raw body text, cut at 1 MiB; a longer request gets 413. */
  bodyText: string
  /** The parsed JSON body, or `undefined` when the body was not JSON. */
  body: unknown
  /** When the request arrived, by the emulator's clock. */
  receivedAt: Date
}

/** A machine token the emulator issued. */
export interface IssuedToken {
  gatewayCode: string
  machineToken: string
  expiresAt: string
}

/** A running emulator of the cloud authorize API. */
export interface CloudEmulator {
  /** Base URL without a trailing slash, for example `http://127.0.0.1:41234`. */
  readonly url: string
  /** The origin a trusted issuer must equal; the same as `url`. */
  readonly origin: string
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /** Every machine token issued, oldest first. */
  readonly issued: readonly IssuedToken[]
  /** Applies `fault` to the next `times` requests (default 1; `Infinity` for all). */
  inject(fault: CloudFault, times?: number): void
  /** Drops queued faults and recorded requests and tokens. */
  reset(): void
  /** Stops the server and drops open connections. */
  close(): Promise<void>
}
