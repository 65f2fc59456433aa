// The alert evaluator: every interval, evaluates each enabled rule against the events and
// violations the database holds (the ingester copies the log into `events` as it grows), and
// hands each alert it fires to the rule's channels. Every replica runs one; the store's row lock
// makes each alert fire at most once across them. Deliveries run beside the evaluation, so a
// slow webhook never delays the next rule.

import type { DatabaseHandle } from '../db/client.js';
import type { FiredAlert } from '../repositories/alert-evaluation-store.js';
import { AlertEvaluationStore } from '../repositories/alert-evaluation-store.js';
import { postWebhook, type WebhookOptions } from './webhook.js';

export interface AlertLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AlertEvaluatorOptions {
  handle: DatabaseHandle;
  logger: AlertLogger;
  /** Default: the wall clock. */
  clock?: () => Date;
  /** Pause between evaluations. Default 1000 ms. */
  intervalMs?: number;
  webhook: WebhookOptions;
}

export interface AlertEvaluator {
  /** Evaluates every enabled rule once; the alerts fired (their deliveries may still run). */
  runOnce(): Promise<FiredAlert[]>;
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const { logger } = options;
  const store = new AlertEvaluationStore(options.handle.db);
  const clock = options.clock ?? (() => new Date());
  const intervalMs = options.intervalMs ?? 1000;
  const deliveries = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function deliver(alert: FiredAlert): Promise<void> {
    const { history, rule, values } = alert;
    const payload = {
      alert: { ...history, details: history.details ? JSON.parse(history.details) : null },
      rule: {
        id: rule.id,
        name: rule.name,
        priority: values.priority,
        recipients: values.recipients,
      },
    };
    let sent = false;
    for (const channel of values.notification_channels) {
      const startedAt = new Date();
      const result =
        channel.type === 'log'
          ? logAlert(alert)
          : await postWebhook(
              { url: channel.url, timeoutMs: channel.timeout_ms, retries: channel.retries },
              payload,
              options.webhook,
            );
      sent ||= result.outcome === 'delivered';
      if (result.outcome !== 'delivered') {
        logger.warn(
          { historyId: history.id, channel: channel.type, ...result },
          'alert: delivery failed',
        );
      }
      await store.recordDelivery({
        historyId: history.id,
        channel: channel.type,
        target: channel.type === 'webhook' ? channel.url : null,
        ...result,
        startedAt,
        finishedAt: new Date(),
      });
    }
    if (sent) await store.markSent(history.id, true);
  }

  function logAlert({ history, rule, values }: FiredAlert) {
    logger.warn(
      {
        alertId: history.id,
        ruleId: rule.id,
        priority: values.priority,
        cameraId: history.cameraId,
        details: history.details,
      },
      history.message ?? 'alert',
    );
    return { outcome: 'delivered' as const, attempts: 1, statusCode: null, error: null };
  }

  function track(alert: FiredAlert) {
    const p = deliver(alert)
      .catch((error: unknown) =>
        logger.error({ err: error, historyId: alert.history.id }, 'alert: delivery error'),
      )
      .finally(() => deliveries.delete(p));
    deliveries.add(p);
  }

  async function runOnce(): Promise<FiredAlert[]> {
    const fired: FiredAlert[] = [];
    for (const id of await store.enabledRuleIds()) {
      try {
        const alert = await store.evaluate(id, clock());
        if (!alert) continue;
        logger.info({ ruleId: id, historyId: alert.history.id }, 'alert: fired');
        fired.push(alert);
        track(alert);
      } catch (error) {
        logger.error({ err: error, ruleId: id }, 'alert: evaluation failed');
      }
    }
    return fired;
  }

  const loop = () => {
    if (stopped) return;
    running = runOnce()
      .catch((error: unknown) => logger.error({ err: error }, 'alert: evaluation pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };

  return {
    runOnce,
    idle: async () => {
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    },
    start() {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    },
  };
}
