/**
 * Freezes `value` and everything reachable from it, for results shared between calls. Iterative,
 * so deeply nested JSON cannot exhaust the stack.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue
    Object.freeze(next)
    for (const member of Object.values(next)) pending.push(member)
  }
  return value
}
