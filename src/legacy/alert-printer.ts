// The old alert endpoints' items, byte for byte: the legacy branch's keys in its order, nulls
// kept, `{}` for a NULL `details`, jsonb re-emitted as Python printed what asyncpg decoded
// (PostgreSQL's key order, Python's numbers) and naive timestamps with microseconds.
import type { AlertHistoryRow, AlertRuleRow } from '../domain/alerts.js';
import { reencodePy } from './py-json.js';

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));
const json = (text: string | null, ifNull = 'null') => (text === null ? ifNull : reencodePy(text));
const bool = (b: boolean | null) => (b === null ? 'null' : String(b));

/** One item of GET /api/v1/alerts/history-db. */
export function printHistoryItem(h: AlertHistoryRow): string {
  return `{"id":${h.id},"rule_id":${h.ruleId ?? 'null'},"camera_id":${str(h.cameraId)},"alert_type":${str(h.alertType)},"message":${str(h.message)},"details":${json(h.details, '{}')},"notification_sent":${bool(h.notificationSent)},"notification_channels_used":${json(h.notificationChannelsUsed)},"timestamp":${str(h.timestamp)}}`;
}

/** One item of GET /api/v1/alerts/rules (the old answer has no created_by). */
export function printRuleItem(r: AlertRuleRow): string {
  return `{"id":${r.id},"name":${str(r.name)},"camera_id":${str(r.cameraId)},"rule_type":${str(r.ruleType)},"conditions":${json(r.conditions)},"notification_channels":${json(r.notificationChannels)},"recipients":${json(r.recipients)},"enabled":${bool(r.enabled)},"priority":${str(r.priority)},"created_at":${str(r.createdAt)},"updated_at":${str(r.updatedAt)}}`;
}

/** The wrapper both listings answer: `count` is the number of items returned, not a total. */
export function printListing(items: readonly string[]): string {
  return `{"count":${items.length},"items":[${items.join(',')}]}`;
}
