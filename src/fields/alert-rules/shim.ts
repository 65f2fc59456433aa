// GET /api/v1/alerts/rules: the old parameters, one GraphQL document, the old bytes.
import { listingShim } from '../listing-shim.js';
import { args, FLAG } from './spec.js';

export const listAlertRules = listingShim({
  args,
  flag: FLAG,
  failure: '列出告警规则失败',
  document: /* GraphQL */ `
    query LegacyAlertRules($cameraId: String, $enabled: Boolean, $forceDomain: Boolean) {
      alertRules(cameraId: $cameraId, enabled: $enabled, forceDomain: $forceDomain) {
        legacyJson
      }
    }
  `,
});
