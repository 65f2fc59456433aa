// Runs one @rollout field in one request: decide the path, run it within the domain time budget,
// fall back to legacy when the domain path fails, and record what happened (metrics, logs, and
// the per-request report that becomes `extensions.rollout` and the REST X-Rollout-* headers).
// Writes run on exactly one path: they fall back only when the domain path proves it rolled back.
import type { Logger } from 'pino';
import type { ReadSignal } from '../domain/types.js';
import { WriteRolledBackError } from '../domain/write-errors.js';
import { BreakerOpenError, type Breakers } from './breaker.js';
import { ClientGoneError } from './client-gone.js';
import type { Comparator } from './compare.js';
import { type Decision, decide, type RolloutPath } from './engine.js';
import type { EvidenceRecorder } from './evidence.js';
import { ReadCancellation } from './read-cancellation.js';
import type { ShadowRunner } from './shadow.js';
import type { FlagMeta, RolloutStateStore } from './state.js';

export type FallbackCause = 'error' | 'timeout';

/** Where the runner reports what it did (the gateway's metrics implement it). */
export interface RolloutObserver {
  decision(decision: Decision): void;
  fallback(flag: string, cause: FallbackCause): void;
  duration(flag: string, path: RolloutPath, seconds: number): void;
  /** A path's resolution failed: it threw or overran its budget (counted whatever followed). */
  failed(flag: string, path: RolloutPath): void;
}

export interface RolloutRunnerOptions {
  store: RolloutStateStore;
  observer: RolloutObserver;
  logger: Logger;
  /** The domain path's time budget in ms; past it the legacy answer is served. */
  domainTimeoutMs: number;
  /** Proving a step: breaker, shadow comparison, guard evidence. Each is optional. */
  proving?: Proving;
}

export interface Proving {
  breakers?: Breakers;
  shadow?: ShadowRunner;
  evidence?: EvidenceRecorder;
}

/**
 * A read's two paths. The domain path gets a signal that aborts past its time budget, and
 * `comparable` when its answer will be compared with the other path's: it then reads everything
 * the comparator looks at, not only what the caller selected.
 */
export interface ReadPaths<T> {
  domain: (signal: ReadSignal, comparable: boolean) => Promise<T>;
  legacy: () => Promise<T>;
}

/** What a read's shadow comparison needs: the field's comparator and its arguments. */
export interface ShadowSpec<T> {
  comparator: Comparator<T>;
  /** The field's arguments, stored with a mismatch. */
  args: unknown;
}

const NO_META: FlagMeta = { version: 0, shadowPercent: 0 };

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

/** How long a domain read runs before its client's going away is watched (see withBudget). */
const CLIENT_WATCH_AFTER_MS = 20;

export class RequestRollout {
  /** Reports keyed by flag, in the order the fields ran. */
  readonly reports = new Map<string, RolloutReport>();

  /**
   * `clientSignal`: aborts when the request's client goes away. A domain read then stops (its
   * query is cancelled) and the read throws ClientGoneError instead of falling back.
   */
  constructor(
    private readonly options: RolloutRunnerOptions,
    readonly info: RolloutRequestInfo,
    private readonly logger: Logger = options.logger,
    private readonly clientSignal?: AbortSignal,
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

  /**
   * Runs a read under rollout: the domain path (through the flag's breaker), or legacy on
   * decision, open breaker or domain failure. With a comparator and the request in the flag's
   * shadow share, the other path runs after the answer (ShadowRunner) for comparison.
   */
  async read<T>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: ReadPaths<T>,
    shadow?: ShadowSpec<T>,
  ): Promise<T> {
    const decision = this.decide(flag, forceDomain);
    const meta = this.options.store.meta?.(flag) ?? NO_META;
    const { evidence, shadow: shadows } = this.options.proving ?? {};
    if (decision.reason === 'bucket' && this.info.stickyKey) {
      evidence?.bucket(flag, meta.version, decision.path, this.info.stickyKey);
    }
    // Sampled before the answer: a domain answer that will be compared reads what is compared.
    const compared = shadow && shadows?.sampled(meta.shadowPercent) ? shadow : undefined;
    if (decision.path === 'domain') {
      const served = await this.readDomain(flag, decision, meta, paths, compared);
      if (served.ok) return served.value;
    } else {
      this.report(decision);
    }
    const started = performance.now();
    const value = await this.timed(flag, 'legacy', paths.legacy);
    const ms = performance.now() - started;
    evidence?.legacyRun(flag, meta.version, ms / 1000);
    // After a fallback the domain path just failed: nothing to compare.
    if (!this.reports.get(flag)?.fallback)
      this.shadow(flag, meta, 'legacy', value, ms, paths, compared);
    return value;
  }

  /**
   * Starts a subscription under rollout: one decision for the subscription's whole life (its
   * events all come from the chosen path). A domain stream that fails to start, or does not
   * within the time budget, falls back to the legacy stream like a read; a domain stream that
   * starts after its budget ran out is ended at once. Streams are not shadowed.
   */
  async subscribe<T extends { return?: () => unknown }>(
    flag: string,
    forceDomain: boolean | null | undefined,
    paths: { domain: () => Promise<T>; legacy: () => Promise<T> },
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
      // A stream that starts after its budget ran out is ended at once.
      void domain?.then(
        (stream) => stream.return?.(),
        () => {},
      );
      const cause = error instanceof DomainTimeoutError ? 'timeout' : 'error';
      this.options.observer.fallback(flag, cause);
      this.logger.warn(
        { err: error, flag, cause },
        'rollout: domain stream failed, serving legacy',
      );
      Object.assign(report, { path: 'legacy', fallback: true, fallbackCause: cause });
      return this.timed(flag, 'legacy', paths.legacy);
    }
  }

  /** The domain side of a read; `ok: false` means legacy answers (breaker open or fallback). */
  private async readDomain<T>(
    flag: string,
    decision: Decision,
    meta: FlagMeta,
    paths: ReadPaths<T>,
    shadow: ShadowSpec<T> | undefined,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    const { breakers, evidence } = this.options.proving ?? {};
    // A forced read is an operator's probe: it bypasses the breaker.
    const breaker = decision.reason === 'forced' ? undefined : breakers;
    let report: RolloutReport | undefined;
    const started = performance.now();
    const run = () => {
      report = this.report(decision);
      const cancellation = new ReadCancellation();
      return this.timed(flag, 'domain', () =>
        this.withBudget(flag, () => paths.domain(cancellation, Boolean(shadow)), cancellation),
      );
    };
    try {
      const value = breaker ? await breaker.execute(flag, run) : await run();
      const ms = performance.now() - started;
      evidence?.domainRun(flag, meta.version, true, ms / 1000, true);
      this.shadow(flag, meta, 'domain', value, ms, paths, shadow);
      return { ok: true, value };
    } catch (error) {
      // Nobody is left to answer, and the path did nothing wrong: no fallback, no evidence.
      if (error instanceof ClientGoneError) throw error;
      if (error instanceof BreakerOpenError && report === undefined) {
        this.report({ ...decision, path: 'legacy', reason: 'breaker_open' });
        return { ok: false };
      }
      const cause = error instanceof DomainTimeoutError ? 'timeout' : 'error';
      evidence?.domainRun(flag, meta.version, false, (performance.now() - started) / 1000, true);
      evidence?.fallback(flag, meta.version);
      this.options.observer.fallback(flag, cause);
      this.logger.warn({ err: error, flag, cause }, 'rollout: domain path failed, serving legacy');
      Object.assign(report ?? {}, { path: 'legacy', fallback: true, fallbackCause: cause });
      return { ok: false };
    }
  }

  /** Submits the shadow comparison of an answered read (`spec`: the request is in the share). */
  private shadow<T>(
    flag: string,
    meta: FlagMeta,
    primaryPath: RolloutPath,
    primary: T,
    primaryMs: number,
    paths: ReadPaths<T>,
    spec: ShadowSpec<T> | undefined,
  ): void {
    const { shadow, breakers } = this.options.proving ?? {};
    if (!shadow || !spec) return;
    const key = this.info.stickyKey;
    const compareDomain = (signal: ReadSignal) => paths.domain(signal, true);
    const task = {
      flag,
      version: meta.version,
      comparator: spec.comparator,
      primaryPath,
      primary,
      primaryMs,
      runShadow: primaryPath === 'domain' ? () => paths.legacy() : compareDomain,
      runPrimary: primaryPath === 'domain' ? compareDomain : () => paths.legacy(),
      args: spec.args,
      key: key || null,
    };
    if (primaryPath === 'legacy' && breakers?.isOpen(flag)) shadow.drop(task);
    else shadow.submit(task);
  }

  private async timed<T>(flag: string, path: RolloutPath, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ClientGoneError)) this.options.observer.failed(flag, path);
      throw error;
    } finally {
      this.options.observer.duration(flag, path, (performance.now() - started) / 1000);
    }
  }

  /**
   * Races the budget and, with `cancellation`, the client: past the budget or once the client is
   * gone, `cancellation` aborts (the domain query is cancelled). A read for a client already
   * gone stops at once; otherwise the client is watched only once the read has run for
   * CLIENT_WATCH_AFTER_MS. Nearly every read ends before that, and watching costs a listener
   * added to and removed from the request's signal (an EventTarget): a third of what the
   * runner costs a read.
   */
  private withBudget<T>(
    flag: string,
    run: () => Promise<T>,
    cancellation?: ReadCancellation,
  ): Promise<T> {
    const budget = this.options.domainTimeoutMs;
    const client = cancellation ? this.clientSignal : undefined;
    let timer: NodeJS.Timeout | undefined;
    let gone: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const stop = (error: Error) => {
        reject(error);
        cancellation?.abort(error);
      };
      const expire = () => stop(new DomainTimeoutError(flag, budget));
      if (!client) {
        timer = setTimeout(expire, budget);
        return;
      }
      const watch = () => {
        gone = () => stop(new ClientGoneError(flag));
        if (client.aborted) gone();
        else client.addEventListener('abort', gone, { once: true });
      };
      if (client.aborted || budget <= CLIENT_WATCH_AFTER_MS) {
        timer = setTimeout(expire, budget);
        watch();
        return;
      }
      timer = setTimeout(() => {
        timer = setTimeout(expire, budget - CLIENT_WATCH_AFTER_MS);
        watch();
      }, CLIENT_WATCH_AFTER_MS);
    });
    return Promise.race([run(), stopped]).finally(() => {
      clearTimeout(timer);
      if (gone) client?.removeEventListener('abort', gone);
    });
  }
}
