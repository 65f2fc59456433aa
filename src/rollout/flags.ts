// The rollout flags: one per migrated field (or group of fields moved together). Each field's
// folder under src/fields names its flag from this list, and the field registry checks that every
// flag has at least one field.

export const ROLLOUT_FLAGS = [
  'events.recent',
  'statistics.realtime',
  'violations.updateStatus',
  'events.stream',
  'alerts.history',
  'alerts.rules',
  'alerts.rules.write',
] as const;
export type RolloutFlag = (typeof ROLLOUT_FLAGS)[number];

/** The environment variable that seeds one flag: ROLLOUT_PERCENT_<FLAG>, e.g. _EVENTS_RECENT. */
export function flagEnvName(flag: string): string {
  return `ROLLOUT_PERCENT_${flag.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}
