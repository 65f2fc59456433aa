// Shadow work: after a read has its answer (path P), the other path Q runs for the same
// arguments, off the response path, and the two answers are compared by the field's comparator.
// Bounded: at most `maxConcurrent` shadow tasks at once (more are dropped and counted), each
// within its own time budget (past it, its domain query is cancelled). For a sampled share of the
// tasks P also runs a second time: what differs between P and P is noise (time, not a bug), and
// a difference counts as a real mismatch only on paths that never differed in a noise run.
import { createHash } from 'node:crypto';
import type { ReadSignal } from '../domain/types.js';
import { type Comparator, type Difference, differences, NoiseModel } from './compare.js';
import type { RolloutPath } from './engine.js';
import type { ComparisonOutcome } from './evidence.js';

export interface ShadowOptions {
  /** Shadow tasks running at once; more are dropped. Default 4. */
  maxConcurrent: number;
  /** A shadow task's time budget, ms. Default 2000. */
  timeoutMs: number;
  /** Share (0–100) of shadow tasks that also re-run the primary path for noise. Default 10. */
  noisePercent: number;
  /** The first this many tasks of each flag always run the noise check. Default 10. */
  noiseWarmup: number;
  /** Default Math.random (tests pin it). */
  random?: () => number;
  /** Schedules the task after the answer; default setImmediate. */
  defer?: (run: () => void) => void;
}

export const DEFAULT_SHADOW: ShadowOptions = {
  maxConcurrent: 4,
  timeoutMs: 2000,
  noisePercent: 10,
  noiseWarmup: 10,
};

/** One shadow comparison to run. */
export interface ShadowTask<R> {
  flag: string;
  version: number;
  comparator: Comparator<R>;
  primaryPath: RolloutPath;
  primary: R;
  primaryMs: number;
  /** Runs the other path with the same arguments. */
  runShadow: (signal: ReadSignal) => Promise<R>;
  /** Runs the primary path again (the noise run). */
  runPrimary: (signal: ReadSignal) => Promise<R>;
  args: unknown;
  /** The caller's sticky key; a mismatch stores only its hash (computed then, off the answer). */
  key: string | null;
}

export interface ShadowResult {
  flag: string;
  version: number;
  outcome: ComparisonOutcome;
  primaryPath: RolloutPath;
  shadowPath: RolloutPath;
  /** The shadow path's duration, when it ran to an end (ok or error). */
  shadowSeconds?: number;
  /** The noise run's differences, when one ran. */
  noisePaths?: string[];
}

export interface MismatchRecord {
  flag: string;
  version: number;
  args: unknown;
  keyHash: string | null;
  primaryPath: RolloutPath;
  primaryMs: number;
  shadowMs: number;
  diff: Difference[];
}

/** Where outcomes go: metrics, the guard's evidence, the mismatch store. */
export interface ShadowSink {
  result(result: ShadowResult): void;
  mismatch(record: MismatchRecord): void;
}

export class ShadowTimeoutError extends Error {
  constructor(ms: number) {
    super(`shadow path exceeded its ${ms} ms budget`);
    this.name = 'ShadowTimeoutError';
  }
}

export class ShadowRunner {
  readonly #noise = new Map<string, NoiseModel>();
  readonly #random: () => number;
  readonly #defer: (run: () => void) => void;
  #active = 0;
  #idle: (() => void)[] = [];

  constructor(
    private readonly sink: ShadowSink,
    private readonly options: ShadowOptions = DEFAULT_SHADOW,
  ) {
    this.#random = options.random ?? Math.random;
    this.#defer = options.defer ?? ((run) => setImmediate(run));
  }

  /** Whether this request is in the flag's shadow share (0–100). */
  sampled(shadowPercent: number): boolean {
    return shadowPercent > 0 && (shadowPercent >= 100 || this.#random() * 100 < shadowPercent);
  }

  get active(): number {
    return this.#active;
  }

  /** The noise paths learned for a flag (this process). */
  noisePatterns(flag: string): string[] {
    return this.#noise.get(flag)?.patterns() ?? [];
  }

  /** Queues the task to run after the current answer; drops it when the bound is full. */
  submit<R>(task: ShadowTask<R>): void {
    const shadowPath: RolloutPath = task.primaryPath === 'domain' ? 'legacy' : 'domain';
    if (this.#active >= this.options.maxConcurrent) {
      this.sink.result({ ...base(task, shadowPath), outcome: 'dropped' });
      return;
    }
    this.#active++;
    this.#defer(() => {
      void this.#run(task, shadowPath).finally(() => {
        this.#active--;
        if (this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    });
  }

  /** Resolves when no shadow task is running (tests, shutdown). */
  idle(): Promise<void> {
    return this.#active === 0 ? Promise.resolve() : new Promise((r) => this.#idle.push(r));
  }

  /** Counts a task the caller decided not to run (e.g. the domain path's breaker is open). */
  drop<R>(task: ShadowTask<R>): void {
    const shadowPath: RolloutPath = task.primaryPath === 'domain' ? 'legacy' : 'domain';
    this.sink.result({ ...base(task, shadowPath), outcome: 'dropped' });
  }

  async #run<R>(task: ShadowTask<R>, shadowPath: RolloutPath): Promise<void> {
    const { timeoutMs } = this.options;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ShadowTimeoutError(timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    budget.catch(() => {});
    const model = this.#model(task.flag);
    const noiseRun =
      model.runs < this.options.noiseWarmup || this.#random() * 100 < this.options.noisePercent;
    const started = performance.now();
    let shadowSeconds: number | undefined;
    const shadow = Promise.race([
      task.runShadow(controller.signal).finally(() => {
        shadowSeconds = (performance.now() - started) / 1000;
      }),
      budget,
    ]);
    const again = noiseRun ? Promise.race([task.runPrimary(controller.signal), budget]) : null;
    const [q, p2] = await Promise.allSettled([shadow, again]);
    clearTimeout(timer);
    const result = {
      ...base(task, shadowPath),
      ...(shadowSeconds === undefined ? {} : { shadowSeconds }),
    };
    if (q.status === 'rejected') {
      const outcome = q.reason instanceof ShadowTimeoutError ? 'timeout' : 'error';
      this.sink.result({ ...result, outcome });
      return;
    }
    let noisePaths: string[] | undefined;
    if (again && p2.status === 'fulfilled' && p2.value !== null) {
      const ds = differences(task.comparator, task.primary, p2.value as R);
      model.learn(ds);
      noisePaths = ds.map((d) => d.path);
    }
    const ds = differences(task.comparator, task.primary, q.value);
    const real = model.real(ds);
    const outcome: ComparisonOutcome =
      ds.length === 0 ? 'match' : real.length === 0 ? 'noise' : 'mismatch';
    this.sink.result({ ...result, outcome, ...(noisePaths ? { noisePaths } : {}) });
    if (outcome === 'mismatch') {
      this.sink.mismatch({
        flag: task.flag,
        version: task.version,
        args: task.args,
        keyHash: task.key === null ? null : keyHash(task.key),
        primaryPath: task.primaryPath,
        primaryMs: task.primaryMs,
        shadowMs: (shadowSeconds ?? 0) * 1000,
        diff: real,
      });
    }
  }

  #model(flag: string): NoiseModel {
    let model = this.#noise.get(flag);
    if (!model) {
      model = new NoiseModel();
      this.#noise.set(flag, model);
    }
    return model;
  }
}

function base<R>(task: ShadowTask<R>, shadowPath: RolloutPath) {
  return { flag: task.flag, version: task.version, primaryPath: task.primaryPath, shadowPath };
}

/** What a mismatch record keeps of the caller's sticky key: 16 hex digits of its SHA-256. */
function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
