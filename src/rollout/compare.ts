// Shadow comparison: what a field's comparator declares (which parts of an answer both paths can
// know, and how close two numbers must be), the structural diff of two answers (microdiff), and
// the noise rule: a difference counts as a real mismatch only on field paths that never differed
// between two runs of the same path.
import diff from 'microdiff';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Declared next to a field's two implementations: what of its answer is comparable. */
export interface Comparator<R> {
  /** The comparable part of an answer as plain JSON (dates as epoch ms, no lazy getters). */
  project(result: R): Json;
  /**
   * Whether two different numbers at `path` count as equal. Default: never (exact). The path is
   * dot-joined with list indexes as `*` (e.g. `*.evidence.confidence`).
   */
  close?: (path: string, primary: number, shadow: number) => boolean;
  /**
   * Trims both answers to what both sides can know before projecting (e.g. the newest events
   * one side has not yet ingested). Default: compared as they are.
   */
  align?: (primary: R, shadow: R) => [R, R];
  /** One line on what is and is not compared (shown in docs and status). */
  describe: string;
}

/** One differing field path: both sides' values (undefined = missing on that side). */
export interface Difference {
  path: string;
  primary: Json | undefined;
  shadow: Json | undefined;
}

/** A path with list indexes folded to `*`, so noise learned on one row covers every row. */
export function pathPattern(path: (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
}

/** The differences between two projected answers, numbers within the comparator's tolerance. */
export function differences<R>(comparator: Comparator<R>, primary: R, shadow: R): Difference[] {
  const [p, q] = comparator.align ? comparator.align(primary, shadow) : [primary, shadow];
  const a = comparator.project(p);
  const b = comparator.project(q);
  if (isLeaf(a) || isLeaf(b)) {
    return Object.is(a, b) ? [] : [{ path: '', primary: a, shadow: b }];
  }
  const out: Difference[] = [];
  for (const d of diff(a as object, b as object)) {
    const path = d.path.join('.');
    if (d.type === 'CHANGE') {
      const [x, y] = [d.oldValue as Json, d.value as Json];
      const numbers = typeof x === 'number' && typeof y === 'number';
      if (numbers && comparator.close?.(pathPattern(d.path), x, y)) continue;
      out.push({ path, primary: x, shadow: y });
    } else if (d.type === 'CREATE') {
      out.push({ path, primary: undefined, shadow: d.value as Json });
    } else {
      out.push({ path, primary: d.oldValue as Json, shadow: undefined });
    }
  }
  return out;
}

function isLeaf(value: Json): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * The field paths (as patterns) seen differing between two runs of the same path: time, not a
 * bug. Bounded: past `max` patterns new ones are not learned (and so stay real mismatches).
 */
export class NoiseModel {
  readonly #patterns = new Set<string>();
  #runs = 0;

  constructor(private readonly max = 1000) {}

  /** Learns from one noise run (the primary path run twice). Returns the paths that differed. */
  learn(differencesOfPrimaryTwice: Difference[]): string[] {
    this.#runs++;
    const learned: string[] = [];
    for (const d of differencesOfPrimaryTwice) {
      const pattern = toPattern(d.path);
      if (!this.#patterns.has(pattern) && this.#patterns.size < this.max) {
        this.#patterns.add(pattern);
        learned.push(pattern);
      }
    }
    return learned;
  }

  /** The differences on paths never seen as noise: the real mismatch, if any. */
  real(ds: Difference[]): Difference[] {
    return ds.filter((d) => !this.#patterns.has(toPattern(d.path)));
  }

  get runs(): number {
    return this.#runs;
  }

  patterns(): string[] {
    return [...this.#patterns].sort();
  }
}

function toPattern(path: string): string {
  return path
    .split('.')
    .map((p) => (/^\d+$/.test(p) ? '*' : p))
    .join('.');
}
