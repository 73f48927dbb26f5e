import { isHarmonyAuthError } from '../errors.js'
import type { JwtAlgorithm, KeySource, PathKeySource } from './types.js'
import { keyError } from './keys.js'
import type { PreparedKey } from './keys.js'
import { prepareLocalSource, reloadPathKey } from './local-keys.js'
import { fail } from './parse.js'

/** A source whose keys change at run time, such as a remote JWKS. */
export interface DynamicKeySource {
  /** The keys that may verify right now. */
  readonly keys: readonly PreparedKey[]
  /** Returns a promise when no usable key set is loaded yet and the caller has to wait for one. */
  ready(nowMs: number): Promise<void> | undefined
  /** Returns a promise when an unknown `kid` starts a refresh, or undefined when it may not. */
  refreshForKid(kid: string, nowMs: number): Promise<void> | undefined
}

interface PathEntry {
  source: PathKeySource
  index: number
}

/**
 * All keys of a verifier and the rules for choosing one. A token with `kid` takes the keys with
 * that exact `kid`, or the keys without a `kid` when no key has it. A token without `kid` needs
 * exactly one key that fits its `alg`. HS256 tokens try the secrets in order and nothing else.
 */
export class KeySet {
  readonly #accepted: ReadonlySet<string>
  readonly #local: PreparedKey[] = []
  readonly #paths: PathEntry[] = []
  readonly #secrets: readonly PreparedKey[]
  readonly #dynamic: readonly DynamicKeySource[]
  #all: readonly PreparedKey[] = []
  #byKid = new Map<string, PreparedKey[]>()

  constructor(
    sources: readonly KeySource[],
    secrets: readonly PreparedKey[],
    dynamic: readonly DynamicKeySource[],
    accepted: ReadonlySet<string>,
  ) {
    this.#accepted = accepted
    for (const source of sources) {
      if (source.path !== undefined) this.#paths.push({ source, index: this.#local.length })
      this.#local.push(...prepareLocalSource(source, accepted))
    }
    assertDistinguishable(this.#local)
    this.#secrets = secrets
    this.#dynamic = dynamic
    this.rebuild()
  }

  /** Rebuilds the `kid` index after a key source changed. */
  rebuild(): void {
    this.#all = [...this.#local, ...this.#dynamic.flatMap((source) => source.keys)]
    this.#byKid = new Map()
    for (const key of this.#all) {
      if (key.kid === undefined) continue
      const list = this.#byKid.get(key.kid)
      if (list) list.push(key)
      else this.#byKid.set(key.kid, [key])
    }
  }

  /** Reads every `path` key again; a key whose file changed is revoked and replaced. */
  async reload(): Promise<void> {
    const fresh = await Promise.all(
      this.#paths.map(({ source }) => reloadPathKey(source, this.#accepted)),
    )
    fresh.forEach((key, position) => {
      const { index } = this.#paths[position]!
      const old = this.#local[index]!
      if (old.fingerprint === key.fingerprint) return
      old.revoked = true
      this.#local[index] = key
    })
    this.rebuild()
  }

  /**
   * Starts the remote JWKS refreshes that are due without waiting for them. A key set past its
   * stale window revokes its keys here at once, so cached results of those keys stop counting.
   */
  poll(nowMs: number): void {
    for (const source of this.#dynamic) source.ready(nowMs)?.catch(() => undefined)
  }

  /**
   * Returns the keys to try for a token, in order, waiting for a remote JWKS when needed.
   *
   * @throws JwtVerificationError `ERR_JWT_KEY_NOT_FOUND`, `ERR_JWT_KEY_AMBIGUOUS` or
   *   `ERR_JWT_ALG_NOT_ALLOWED` when the matched key does not fit the token's `alg`.
   */
  select(
    alg: JwtAlgorithm,
    kid: string | undefined,
    nowMs: number,
  ): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    if (alg === 'HS256') return this.#secrets
    const waits = this.#pending((source) => source.ready(nowMs))
    if (waits === undefined) return this.#selectLoaded(alg, kid, nowMs)
    return waits.then((results) => {
      const failure = results.find((result) => result.status === 'rejected')
      if (failure === undefined) return this.#selectLoaded(alg, kid, nowMs)
      return this.#chooseDespite(failure.reason, alg, kid)
    })
  }

  /**
   * Chooses among the keys at hand after a key set could not be loaded. Another source may still
   * have the key; when none has, the load failure is the reason the token cannot be verified.
   */
  #chooseDespite(
    loadError: unknown,
    alg: JwtAlgorithm,
    kid: string | undefined,
  ): readonly PreparedKey[] {
    try {
      return this.#choose(alg, kid)
    } catch (error) {
      if (isHarmonyAuthError(error, 'ERR_JWT_KEY_NOT_FOUND')) throw loadError
      throw error
    }
  }

  #selectLoaded(
    alg: JwtAlgorithm,
    kid: string | undefined,
    nowMs: number,
  ): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    if (kid !== undefined && !this.#byKid.has(kid)) {
      const refreshes = this.#pending((source) => source.refreshForKid(kid, nowMs))
      if (refreshes) return refreshes.then(() => this.#choose(alg, kid))
    }
    return this.#choose(alg, kid)
  }

  #pending(
    start: (source: DynamicKeySource) => Promise<void> | undefined,
  ): Promise<PromiseSettledResult<void>[]> | undefined {
    if (this.#dynamic.length === 0) return undefined
    const promises = this.#dynamic.map(start).filter((promise) => promise !== undefined)
    return promises.length === 0 ? undefined : Promise.allSettled(promises)
  }

  #choose(alg: JwtAlgorithm, kid: string | undefined): readonly PreparedKey[] {
    const exact = kid === undefined ? undefined : this.#byKid.get(kid)
    if (exact !== undefined) {
      if (exact.length === 1 && exact[0]!.params.has(alg)) return exact
      const fitting = exact.filter((key) => key.params.has(alg))
      if (fitting.length === 0) {
        fail('ERR_JWT_ALG_NOT_ALLOWED', 'JWT algorithm does not fit the key', { kid })
      }
      return single(fitting, kid)
    }
    const fitting = this.#all.filter(
      (key) => key.params.has(alg) && (kid === undefined || key.kid === undefined),
    )
    return single(fitting, kid)
  }
}

/**
 * Rejects two local keys with the same `kid` (or both without one) and a shared algorithm. Every
 * token that reaches such a pair matches both, so it would always fail as ambiguous.
 *
 * @throws ConfigurationError `ERR_CONFIG_KEY_INVALID`.
 */
function assertDistinguishable(keys: readonly PreparedKey[]): void {
  const seen = new Set<string>()
  for (const key of keys) {
    for (const algorithm of key.params.keys()) {
      const slot = JSON.stringify([key.kid ?? null, algorithm])
      if (seen.has(slot)) {
        const reason = key.kid === undefined ? 'have no kid' : 'have the same kid'
        throw keyError(`Two keys for ${algorithm} ${reason}; give each key its own kid`, key.kid)
      }
      seen.add(slot)
    }
  }
}

function single(keys: readonly PreparedKey[], kid: string | undefined): readonly PreparedKey[] {
  const details = kid === undefined ? {} : { kid }
  if (keys.length === 0) fail('ERR_JWT_KEY_NOT_FOUND', 'No key matches the JWT', details)
  if (keys.length > 1) fail('ERR_JWT_KEY_AMBIGUOUS', 'More than one key matches the JWT', details)
  return keys
}
