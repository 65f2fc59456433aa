// Rules of the realtime statistics that both paths follow.

/** How many of the newest violations `alerts.recentViolations` lists. */
export const RECENT_VIOLATIONS = 10;

/** Whole seconds since `startedAt` (never negative). */
export function uptimeSeconds(startedAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 1000));
}
