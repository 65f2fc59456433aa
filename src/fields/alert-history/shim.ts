// GET /api/v1/alerts/history-db: the old parameters, one GraphQL document, the old bytes
// (`{"count":N,"items":[…]}`, each item in the legacy branch's shape).
import { listingShim } from '../listing-shim.js';
import { args, FLAG } from './spec.js';

export const alertHistory = listingShim({
  args,
  flag: FLAG,
  failure: '查询告警历史失败',
  document: /* GraphQL */ `
    query LegacyAlertHistory($limit: Int, $cameraId: String, $alertType: String, $forceDomain: Boolean) {
      alertHistory(limit: $limit, cameraId: $cameraId, alertType: $alertType, forceDomain: $forceDomain) {
        legacyJson
      }
    }
  `,
});
