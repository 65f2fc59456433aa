// The webhook channel: POSTs an alert as JSON to a URL on an allowed host (loopback always,
// others only when listed in ALERT_WEBHOOK_HOSTS), with a timeout per attempt and retries with
// exponential backoff on network errors, timeouts, 408, 429 and 5xx. Redirects are not followed
// (they could lead off the allowed hosts).

export interface WebhookOptions {
  /** Hosts (`name` or `name:port`, lower case) allowed besides loopback. */
  allowedHosts: readonly string[];
  timeoutMs: number;
  retries: number;
  /** First pause between attempts; doubles each time (capped at 30 s). */
  backoffMs: number;
  /** Test seam. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export interface WebhookResult {
  outcome: 'delivered' | 'failed' | 'refused';
  attempts: number;
  statusCode: number | null;
  error: string | null;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a webhook URL may be called: http(s), and a loopback or an allowed host. */
export function hostAllowed(url: string, allowedHosts: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  if (LOOPBACK.test(host)) return true;
  return allowedHosts.includes(host) || allowedHosts.includes(u.host.toLowerCase());
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function postWebhook(
  target: { url: string; timeoutMs?: number | undefined; retries?: number | undefined },
  payload: unknown,
  options: WebhookOptions,
): Promise<WebhookResult> {
  if (!hostAllowed(target.url, options.allowedHosts)) {
    return { outcome: 'refused', attempts: 0, statusCode: null, error: 'host not allowed' };
  }
  const body = JSON.stringify(payload);
  const retries = target.retries ?? options.retries;
  const timeoutMs = target.timeoutMs ?? options.timeoutMs;
  const sleep = options.sleep ?? defaultSleep;
  let last: WebhookResult = { outcome: 'failed', attempts: 0, statusCode: null, error: null };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    if (attempt > 1) await sleep(Math.min(options.backoffMs * 2 ** (attempt - 2), 30_000));
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'hygiene-gateway-alerts' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) {
        return {
          outcome: 'delivered',
          attempts: attempt,
          statusCode: response.status,
          error: null,
        };
      }
      last = {
        outcome: 'failed',
        attempts: attempt,
        statusCode: response.status,
        error: `HTTP ${response.status}`,
      };
      if (!retryable(response.status)) return last;
    } catch (error) {
      const name = (error as Error).name;
      const message =
        name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : String((error as Error).message);
      last = { outcome: 'failed', attempts: attempt, statusCode: null, error: message };
    }
  }
  return last;
}
