// One flag's page: the actions, the domain share against the configured percentage over time,
// traffic, fallbacks, failures and p50/p99 latency per path, shadow comparisons with real and
// noise mismatch rates, the guard's gates, the change log with the guard's evidence, and the
// latest mismatches.
import { useEffect, useState } from 'preact/hooks';
import { ACTION_LABELS } from './actions.js';
import type { Action, Change, Mismatch, Rollout } from './api.js';
import { loadFieldDetail } from './api.js';
import { Chart } from './chart.js';
import { count, json, mismatchHref, mode, ms, pct, perSecond, rate, time } from './format.js';
import { Badge, guardText, stepText, TableHead } from './overview.js';
import { decisionsOn, errorsOn, type Point, type SeriesStore } from './series.js';

const DOMAIN = '#1d4ed8';
const LEGACY = '#b45309';
const GREY = '#4b5563';
const RED = '#b91c1c';

type Format = (v: number | null) => string;
type Spec = [
  label: string,
  color: string,
  format: Format,
  dash: number[] | undefined,
  key: keyof Point,
];
const DASH = [6, 4];

/** The charts of a flag's page: each line a series of the points kept in the page. */
const CHARTS: { title: string; yRange: [number, number]; lines: Spec[] }[] = [
  {
    title: 'Domain share of decisions vs configured percentage',
    yRange: [0, 100],
    lines: [
      ['domain share', DOMAIN, pct, undefined, 'share'],
      ['configured', GREY, pct, DASH, 'configured'],
    ],
  },
  {
    title: 'Requests, fallbacks and failures per second, by path',
    yRange: [0, 1],
    lines: [
      ['domain', DOMAIN, perSecond, undefined, 'domainRps'],
      ['legacy', LEGACY, perSecond, undefined, 'legacyRps'],
      ['fallbacks', RED, perSecond, [4, 3], 'fallbackRps'],
      ['domain failures', RED, perSecond, undefined, 'domainErrorRps'],
      ['legacy failures', GREY, perSecond, [2, 2], 'legacyErrorRps'],
    ],
  },
  {
    title: 'Latency p50 and p99 per path',
    yRange: [0, 0.001],
    lines: [
      ['domain p50', DOMAIN, ms, undefined, 'p50Domain'],
      ['domain p99', DOMAIN, ms, DASH, 'p99Domain'],
      ['legacy p50', LEGACY, ms, undefined, 'p50Legacy'],
      ['legacy p99', LEGACY, ms, DASH, 'p99Legacy'],
    ],
  },
  {
    title: 'Shadow comparisons: real and noise mismatch rates',
    yRange: [0, 0.05],
    lines: [
      ['real mismatches', RED, rate, undefined, 'mismatchRate'],
      ['noise', GREY, rate, DASH, 'noiseRate'],
    ],
  },
];

function columns(points: Point[], keys: (keyof Point)[]): (number | null)[][] {
  return [points.map((p) => p.t), ...keys.map((k) => points.map((p) => p[k] as number | null))];
}

function useFieldDetail(flag: string, tick: number) {
  const [detail, setDetail] = useState<{ changes: Change[]; mismatches: Mismatch[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    loadFieldDetail(flag).then(
      (d) => current && setDetail({ changes: d.rolloutChanges, mismatches: d.rolloutMismatches }),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [flag, tick]);
  return { detail, error };
}

interface Props {
  rollout: Rollout;
  coordinates: string[];
  series: SeriesStore;
  /** Bumped by every poll, so the change log and mismatches follow. */
  tick: number;
  onAction: (action: Action) => void;
}

export function FieldPage({ rollout: r, coordinates, series, tick, onAction }: Props) {
  const { detail, error } = useFieldDetail(r.flag, tick);
  const points = series.points(r.flag);
  const e = r.evidence;
  const c = r.counters;
  const lat = (path: string) => c.latency.find((l) => l.path === path);
  const fallbacks = c.fallbacks.reduce((n, f) => n + f.count, 0);
  const actions: Action[] = ['set', 'promote', 'pause', 'resume', 'kill', 'shadow'];
  const disabled = (a: Action) =>
    (a === 'promote' && (r.nextStep === null || r.mode !== 'ACTIVE')) ||
    (a === 'pause' && r.mode !== 'ACTIVE') ||
    (a === 'resume' && r.mode === 'ACTIVE') ||
    (a === 'kill' && r.mode === 'KILLED');

  return (
    <section aria-labelledby="field-title">
      <h1 id="field-title">
        <code>{r.flag}</code>
      </h1>
      <p class="muted">
        {coordinates.join(', ')} · version {r.version}, changed by {r.updatedBy} at{' '}
        {time(r.updatedAt)}
      </p>
      <fieldset class="actions">
        <legend class="visually-hidden">Actions</legend>
        {actions.map((a) => (
          <button
            type="button"
            key={a}
            class={a === 'kill' ? 'danger' : ''}
            disabled={disabled(a)}
            onClick={() => onAction(a)}
          >
            {a === 'promote' && r.nextStep !== null
              ? `Promote to ${r.nextStep} %`
              : ACTION_LABELS[a]}
          </button>
        ))}
      </fieldset>

      <dl class="cards">
        <div>
          <dt>Percentage</dt>
          <dd>
            {pct(r.percent)}
            {r.servingPercent !== r.percent && ` (this gateway serves ${pct(r.servingPercent)})`}
          </dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>
            <Badge kind={r.mode} text={mode(r.mode)} />
          </dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>{stepText(r)}</dd>
        </div>
        <div>
          <dt>Shadow share</dt>
          <dd>{pct(r.shadowPercent)}</dd>
        </div>
        <div>
          <dt>Breaker</dt>
          <dd>
            <Badge kind={`breaker-${r.breaker.state}`} text={r.breaker.state.toLowerCase()} />
          </dd>
        </div>
        <div>
          <dt>Guard</dt>
          <dd>{guardText(r)}</dd>
        </div>
      </dl>

      <div class="charts">
        {CHARTS.map((c) => (
          <Chart
            key={c.title}
            title={c.title}
            yRange={c.yRange}
            lines={c.lines.map(([label, color, format, dash]) => ({ label, color, format, dash }))}
            data={columns(
              points,
              c.lines.map((l) => l[4]),
            )}
          />
        ))}
      </div>

      <h2>Per path on this gateway (since it started)</h2>
      <table class="responsive">
        <TableHead columns={['Path', 'Requests', 'Fallbacks', 'Failures', 'p50', 'p99', 'Mean']} />
        <tbody>
          {['domain', 'legacy'].map((path) => (
            <tr key={path}>
              <th scope="row" data-label="Path">
                {path}
              </th>
              <td data-label="Requests" class="num">
                {count(decisionsOn(c, path))}
              </td>
              <td data-label="Fallbacks" class="num">
                {path === 'domain' ? count(fallbacks) : '–'}
              </td>
              <td data-label="Failures" class="num">
                {count(errorsOn(c, path))}
              </td>
              <td data-label="p50" class="num">
                {ms(lat(path)?.p50Seconds)}
              </td>
              <td data-label="p99" class="num">
                {ms(lat(path)?.p99Seconds)}
              </td>
              <td data-label="Mean" class="num">
                {ms(lat(path)?.count ? lat(path)!.meanSeconds : null)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Evidence of the current step (every replica, version {e.version})</h2>
      <dl class="cards">
        <div>
          <dt>Domain executions</dt>
          <dd>
            {count(e.domainRequests)} ({count(e.domainErrors)} failed, {rate(e.errorRate)})
          </dd>
        </div>
        <div>
          <dt>Fallbacks</dt>
          <dd>
            {count(e.fallbacks)} of {count(e.domainServed)} ({rate(e.fallbackRate)})
          </dd>
        </div>
        <div>
          <dt>Shadow comparisons</dt>
          <dd>{count(e.comparisons)}</dd>
        </div>
        <div>
          <dt>Real mismatches</dt>
          <dd>
            {count(e.mismatches)} ({rate(e.mismatchRate)})
          </dd>
        </div>
        <div>
          <dt>Noise</dt>
          <dd>
            {count(e.noise)} ({rate(e.noiseRate)})
          </dd>
        </div>
        <div>
          <dt>p99 domain / legacy</dt>
          <dd>
            {ms(e.p99DomainSeconds)} / {ms(e.p99LegacySeconds)}
          </dd>
        </div>
      </dl>
      {e.gates.length > 0 && (
        <table class="responsive">
          <caption>
            Guard gates — next: {e.decision?.action ?? 'none'} ({e.decision?.reason ?? ''})
          </caption>
          <TableHead columns={['Gate', 'Status', 'Result']} />
          <tbody>
            {e.gates.map((g) => (
              <tr key={g.name}>
                <th scope="row" data-label="Gate">
                  {g.name}
                </th>
                <td data-label="Status">
                  <Badge kind={`gate-${g.status}`} text={g.status} />
                </td>
                <td data-label="Result">{g.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Latest mismatches</h2>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {detail && detail.mismatches.length === 0 && <p class="muted">None stored.</p>}
      {detail && detail.mismatches.length > 0 && (
        <ul class="plain">
          {detail.mismatches.map((m) => (
            <li key={m.id}>
              <a href={mismatchHref(r.flag, m.id)}>
                #{m.id} at {time(m.at)}: {m.diff.length} path{m.diff.length === 1 ? '' : 's'} differ
                ({m.primaryPath} answered)
              </a>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={mismatchHref(r.flag)}>All mismatches of {r.flag}</a>
      </p>

      <h2>Change log</h2>
      {detail && <ChangeLog changes={detail.changes} />}
    </section>
  );
}

function ChangeLog({ changes }: { changes: Change[] }) {
  return (
    <table class="responsive changes">
      <TableHead columns={['When', 'Who', 'Action', 'Change', 'Version', 'Why']} />
      <tbody>
        {changes.map((c) => {
          const evidence = (c.detail as { evidence?: unknown } | null)?.evidence;
          return (
            <tr key={c.id}>
              <td data-label="When">{time(c.at)}</td>
              <td data-label="Who">{c.by}</td>
              <td data-label="Action">{c.action}</td>
              <td data-label="Change">
                {c.fromPercent === null ? '' : `${pct(c.fromPercent)} ${mode(c.fromMode!)} → `}
                {pct(c.toPercent)} {mode(c.toMode)}
              </td>
              <td data-label="Version" class="num">
                {c.version}
              </td>
              <td data-label="Why">
                {c.reason}
                {c.detail !== null && c.detail !== undefined && (
                  <details>
                    <summary>{evidence ? "Guard's evidence" : 'Detail'}</summary>
                    <pre>{json(evidence ?? c.detail)}</pre>
                  </details>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
