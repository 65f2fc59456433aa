// Runs one @rollout field in one request: decide the path, run it within the domain time budget,
// fall back to legacy when the domain path fails, and record what happened (metrics, logs, and
// the per-request report that becomes `extensions.rollout` and the REST X-Rollout-* headers).
// Writes run on exactly one path: they fall back only when the domain path proves it rolled back.
import type { Logger } from 'pino';
import { WriteRolledBackError } from '../domain/write-errors.js';
import { type Decision, decide, type RolloutPath } from './engine.js';
import type { RolloutStateStore } from './state.js';

export type FallbackCause = 'error' | 'timeout';

/** Where the runner reports what it did (the gateway's metrics implement it). */
export interface RolloutObserver {
  decision(decision: Decision): void;
  fallback(flag: string, cause: FallbackCause): void;
  duration(flag: string, path: RolloutPath, seconds: number): void;
}

export interface RolloutRunnerOptions {
  store: RolloutStateStore;
  observer: RolloutObserver;
  logger: Logger;
  /** The domain path's time budget in ms; past it the legacy answer is served. */
  domainTimeoutMs: number;
}

/** What one request asked for and is allowed, derived from its headers and principal. */
export interface RolloutRequestInfo {
  /** X-Rollout-Key, else the authenticated principal, else the client address. */
  stickyKey: string | undefined;
  /** X-Rollout-Force header, if any. */
  forceHeader?: RolloutPath | undefined;
  /** Whether forcing a path is honoured for this caller (policy). */
  forceAllowed: boolean;
  /** The same for writes (open access or an operator). Default false. */
  forceAllowedForWrites?: boolean;
}

/** One field's outcome as reported to the client. */
export interface RolloutReport {
  path: RolloutPath;
  reason: string;
  fallback: boolean;
  percent: number;
  fallbackCause?: FallbackCause;
  forceIgnored?: boolean;
}

export class DomainTimeoutError extends Error {
  constructor(
    readonly flag: string,
    readonly budgetMs: number,
  ) {
    super(`domain path of ${flag} exceeded its ${budgetMs} ms budget`);
    this.name = 'DomainTimeoutError';
  }
}

export class RequestRollout {
  /** Reports keyed by flag, in the order the fields ran. */
  readonly reports = new Map<string, RolloutReport>();

  constructor(
    private readonly options: RolloutRunnerOptions,
    readonly info: RolloutRequestInfo,
    private readonly logger: Logger = options.logger,
  ) {}

  decide(
    flag: string,
    forceDomain?: boolean | null,
    forceAllowed = this.info.forceAllowed,
  ): Decision {
    const force: RolloutPath | undefined = forceDomain ? 'domain' : this.info.forceHeader;
    return decide({
      flag,
      state: this.options.store.get(flag),
      stickyKey: this.info.stickyKey,
      force,
      forceAllowed,
    });
  }

  /**
   * Runs a write under rollout. The domain path keeps its own time budget (it alone knows whether
   * COMMIT was sent). Only a WriteRolledBackError that allows it falls back; any other failure (an
   * unknown commit outcome, a lost database, an exhausted budget) reaches the caller.
   */
  async write<T>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: { domain: () => Promise<T>; legacy: () => Promise<T> },
  ): Promise<T> {
    const decision = this.decide(flag, forceDomain, this.info.forceAllowedForWrites ?? false);
    const report = this.report(decision);
    if (decision.path === 'legacy') return this.timed(flag, 'legacy', paths.legacy);
    try {
      return await this.timed(flag, 'domain', paths.domain);
    } catch (error) {
      if (!(error instanceof WriteRolledBackError) || !error.fallback) {
        this.logger.error({ err: error, flag }, 'rollout: domain write failed without fallback');
        throw error;
      }
      this.options.observer.fallback(flag, 'error');
      this.logger.warn({ err: error, flag }, 'rollout: domain write rolled back, running legacy');
      Object.assign(report, { path: 'legacy', fallback: true, fallbackCause: 'error' });
      return this.timed(flag, 'legacy', paths.legacy);
    }
  }

  private report(decision: Decision): RolloutReport {
    this.options.observer.decision(decision);
    const report: RolloutReport = {
      path: decision.path,
      reason: decision.reason,
      fallback: false,
      percent: decision.percent,
      ...(decision.forceIgnored ? { forceIgnored: true } : {}),
    };
    this.reports.set(decision.flag, report);
    return report;
  }

  /** Runs a read under rollout: the domain path, or legacy on decision or domain failure. */
  read<T>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: { domain: () => Promise<T>; legacy: () => Promise<T> },
  ): Promise<T> {
    return this.readOrFallback(flag, forceDomain, paths);
  }

  /**
   * Starts a subscription under rollout: one decision for the subscription's whole life (its
   * events all come from the chosen path). A domain stream that fails to start, or does not
   * within the time budget, falls back to the legacy stream like a read; a domain stream that
   * starts after its budget ran out is ended at once.
   */
  subscribe<T extends { return?: () => unknown }>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: { domain: () => Promise<T>; legacy: () => Promise<T> },
  ): Promise<T> {
    return this.readOrFallback(flag, forceDomain, paths, (late) => {
      void late.then(
        (stream) => stream.return?.(),
        () => {},
      );
    });
  }

  private async readOrFallback<T>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: { domain: () => Promise<T>; legacy: () => Promise<T> },
    abandoned?: (domain: Promise<T>) => void,
  ): Promise<T> {
    const decision = this.decide(flag, forceDomain);
    const report = this.report(decision);
    if (decision.path === 'legacy') return this.timed(flag, 'legacy', paths.legacy);
    let domain: Promise<T> | undefined;
    const runDomain = () => {
      domain = paths.domain();
      return domain;
    };
    try {
      return await this.timed(flag, 'domain', () => this.withBudget(flag, runDomain));
    } catch (error) {
      if (domain && abandoned) abandoned(domain);
      const cause = error instanceof DomainTimeoutError ? 'timeout' : 'error';
      this.options.observer.fallback(flag, cause);
      this.logger.warn({ err: error, flag, cause }, 'rollout: domain path failed, serving legacy');
      Object.assign(report, { path: 'legacy', fallback: true, fallbackCause: cause });
      return this.timed(flag, 'legacy', paths.legacy);
    }
  }

  private async timed<T>(flag: string, path: RolloutPath, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.options.observer.duration(flag, path, (performance.now() - started) / 1000);
    }
  }

  private withBudget<T>(flag: string, run: () => Promise<T>): Promise<T> {
    const budget = this.options.domainTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainTimeoutError(flag, budget)), budget);
    });
    return Promise.race([run(), timeout]).finally(() => clearTimeout(timer));
  }
}
