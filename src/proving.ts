// Proving a step, wired for one app: the per-flag circuit breakers, the shadow runner and its
// sink (metrics, the guard's evidence, the mismatch store), and the guard controller that
// publishes this replica's evidence and, holding the lease, promotes or rolls back.
import { hostname } from 'node:os';
import type { Config } from './config/env.js';
import type { DatabaseHandle } from './db/client.js';
import { readFlags } from './fields/index.js';
import { guardMetrics, setBreakerState } from './ops/guard-metrics.js';
import type { Logger } from './ops/logger.js';
import type { Metrics } from './ops/metrics.js';
import { Breakers } from './rollout/breaker.js';
import type { RolloutControl } from './rollout/control.js';
import { EvidenceRecorder } from './rollout/evidence.js';
import { GuardControl } from './rollout/guard-control.js';
import { GuardController } from './rollout/guard-controller.js';
import { insertMismatch } from './rollout/pg-guard.js';
import type { Proving } from './rollout/runner.js';
import { type ShadowOptions, ShadowRunner, type ShadowSink } from './rollout/shadow.js';

export interface ProvingDeps {
  config: Config;
  handle: DatabaseHandle;
  logger: Logger;
  metrics: Metrics;
  control: RolloutControl;
  clock: () => Date;
  /** Test hooks: a fixed random source for sampling, this replica's name. */
  shadowOptions?: Partial<ShadowOptions>;
  replica?: string;
}

export function createProving(deps: ProvingDeps) {
  const { config, logger, metrics } = deps;
  const db = deps.handle.background;
  const gm = guardMetrics(metrics);
  const evidence = new EvidenceRecorder();
  const breakers = new Breakers(config.breaker, deps.clock);
  breakers.onChange((snapshot, previous) => {
    if (metrics.flags.has(snapshot.flag)) setBreakerState(gm, snapshot.flag, snapshot.state);
    const log = snapshot.state === 'open' ? logger.warn : logger.info;
    log.call(
      logger,
      { flag: snapshot.flag, from: previous, to: snapshot.state },
      'rollout: breaker state changed',
    );
  });
  const timeoutSeconds = config.shadow.timeoutMs / 1000;
  const writes = new Set<Promise<unknown>>();
  const sink: ShadowSink = {
    result(r) {
      const flag = metrics.flags.has(r.flag) ? r.flag : 'other';
      gm.shadowComparisons.inc({ flag, outcome: r.outcome });
      if (r.shadowSeconds !== undefined) {
        gm.shadowDuration.observe({ flag, path: r.shadowPath }, r.shadowSeconds);
      }
      evidence.comparison(r.flag, r.version, r.outcome);
      if (r.outcome === 'dropped') return;
      const failed = r.outcome === 'error' || r.outcome === 'timeout';
      const seconds = r.shadowSeconds ?? timeoutSeconds;
      // A shadowed domain execution is evidence like a served one; a legacy one times legacy.
      if (r.shadowPath === 'domain') evidence.domainRun(r.flag, r.version, !failed, seconds, false);
      else if (!failed) evidence.legacyRun(r.flag, r.version, seconds);
    },
    mismatch(record) {
      logger.info(
        {
          flag: record.flag,
          paths: record.diff.slice(0, 5).map((d) => d.path),
          keyHash: record.keyHash,
        },
        'rollout: shadow mismatch',
      );
      const write = insertMismatch(db, record, config.shadow.keep).catch((error: unknown) =>
        logger.warn({ err: error, flag: record.flag }, 'rollout: storing a mismatch failed'),
      );
      writes.add(write);
      void write.finally(() => writes.delete(write));
    },
  };
  const shadow = new ShadowRunner(sink, {
    maxConcurrent: config.shadow.maxConcurrent,
    timeoutMs: config.shadow.timeoutMs,
    noisePercent: config.shadow.noisePercent,
    noiseWarmup: 10,
    ...deps.shadowOptions,
  });
  const guards = new GuardControl(deps.control);
  const controller = new GuardController({
    db,
    guards,
    recorder: evidence,
    replica:
      deps.replica ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    logger,
    readFlags,
    timing: config.guard,
    onDecision: (flag, d) =>
      gm.guardDecisions.inc({ flag: metrics.flags.has(flag) ? flag : 'other', action: d.action }),
    onLeadership: (leader) => gm.guardLeader.set(leader ? 1 : 0),
  });
  if (config.guard.enabled) controller.start();
  const proving: Proving = { breakers, shadow, evidence };
  return {
    proving,
    breakers,
    shadow,
    guards,
    controller,
    /** Resolves when no shadow task runs and every mismatch is stored (tests, shutdown). */
    async settled() {
      await shadow.idle();
      await Promise.all([...writes]);
    },
    async stop() {
      await controller.stop();
      await this.settled();
    },
  };
}

export type ProvingParts = ReturnType<typeof createProving>;
