// The event types of the legacy log and the violation each one raises. One table, used by the
// demo simulator (to write violation_events) and the legacy statistics (to count them).
import type { VIOLATION_TYPES } from '../db/schema.js';

export const EVENT_TYPES = [
  'HANDWASHING_ACTIVE',
  'INSUFFICIENT_DWELL_TIME',
  'SKIP_DRYING',
  'NO_HAIRNET_AT_SINK',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The violation each event type raises. The domain model has no drying type: skipping the
 * dryer skips the step that follows washing, which the model calls sanitising; washing too
 * briefly is an incomplete handwash. HANDWASHING_ACTIVE is compliant behaviour.
 */
export const VIOLATION_FOR: Record<EventType, (typeof VIOLATION_TYPES)[number] | null> = {
  HANDWASHING_ACTIVE: null,
  INSUFFICIENT_DWELL_TIME: 'no_handwash',
  SKIP_DRYING: 'no_sanitize',
  NO_HAIRNET_AT_SINK: 'no_hairnet',
};

/** The violation a logged type raises, or undefined for compliant or unknown types. */
export function violationOf(type: string | null): (typeof VIOLATION_TYPES)[number] | undefined {
  return (type && VIOLATION_FOR[type as EventType]) || undefined;
}
