/** Returns whether `value` is an array, without narrowing a readonly array to `any[]`. */
export function isArray(value: unknown): boolean {
  return Array.isArray(value)
}
