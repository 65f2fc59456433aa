// How numbers, times and states read on the page.
import type { Mode } from './api.js';

export const pct = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined ? '–' : `${x.toFixed(digits)} %`;

export const rate = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)} %`;

export const ms = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined
    ? '–'
    : `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;

export const perSecond = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${x.toFixed(x < 10 ? 1 : 0)}/s`;

export const count = (x: number) => Math.round(x).toLocaleString('en');

export const time = (iso: string) => {
  const d = new Date(iso);
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB')}`;
};

export const ago = (iso: string, now = Date.now()) => {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
};

export const mode = (m: Mode) => m.toLowerCase();

export const json = (value: unknown) =>
  value === undefined ? '(missing)' : JSON.stringify(value, null, 2);

export const flagHref = (flag: string) => `#/field/${encodeURIComponent(flag)}`;
export const mismatchHref = (flag: string, id?: string) =>
  `#/mismatches/${encodeURIComponent(flag)}${id ? `/${encodeURIComponent(id)}` : ''}`;
