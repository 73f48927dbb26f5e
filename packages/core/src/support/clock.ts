/** A function returning the current time. Tests inject a frozen clock. */
export type Clock = () => Date

/** The system clock. */
export const systemClock: Clock = () => new Date()

/** Returns the clock's time in whole seconds since the epoch, as JWT claims count it. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000)
}
