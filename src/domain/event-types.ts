// The event types of the legacy log and the violation each one stands for. One table, used by
// the demo simulator (to write violation_events) and the legacy statistics (to count them).
import type { VIOLATION_TYPES } from '../db/schema.js';

export const EVENT_TYPES = [
  'HANDWASHING_ACTIVE',
  'INSUFFICIENT_DWELL_TIME',
  'SKIP_DRYING',
  'NO_HAIRNET_AT_SINK',
] as const;

/** Event types that are hygiene violations, and the domain violation_type they map to. */
export const VIOLATION_OF_EVENT: Record<string, (typeof VIOLATION_TYPES)[number]> = {
  NO_HAIRNET_AT_SINK: 'no_hairnet',
  INSUFFICIENT_DWELL_TIME: 'no_handwash',
  SKIP_DRYING: 'no_sanitize',
};
