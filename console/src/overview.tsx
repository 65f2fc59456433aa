// Every migrated field with its flag, percentage, mode, step, breaker and guard, and the last
// ten seconds' domain share and traffic on this gateway. Kill per flag, or every flag at once.
import type { Live, Rollout } from './api.js';
import { flagHref, mode, pct, perSecond } from './format.js';
import type { SeriesStore } from './series.js';

export function guardText(r: Rollout): string {
  if (!r.guard) return 'none';
  const failing = r.evidence.gates.filter((g) => g.status === 'fail').map((g) => g.name);
  const decision = r.evidence.decision?.action ?? 'none';
  return failing.length > 0 ? `${decision}: ${failing.join(', ')} failing` : decision;
}

export function stepText(r: Rollout): string {
  const first = r.steps[0] ?? 100;
  const at =
    r.step !== null
      ? `${r.step} of ${r.steps.length}`
      : r.percent < first
        ? `0 of ${r.steps.length}`
        : 'off the schedule';
  return r.nextStep === null ? `${at}, last` : `${at}, next ${r.nextStep} %`;
}

/** A table's column headers; an empty name is read out as `hidden`. */
export function TableHead(props: { columns: string[]; hidden?: string }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th scope="col" key={c}>
            {c || <span class="visually-hidden">{props.hidden}</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export const Badge = (props: { kind: string; text: string }) => (
  <span class={`badge ${props.kind.toLowerCase()}`}>{props.text}</span>
);

interface Props {
  live: Live;
  series: SeriesStore;
  onKill: (r: Rollout) => void;
  onKillAll: () => void;
}

export function Overview({ live, series, onKill, onKillAll }: Props) {
  const byFlag = new Map(live.rollouts.map((r) => [r.flag, r]));
  const allKilled = live.rollouts.every((r) => r.mode === 'KILLED');
  return (
    <section aria-labelledby="overview-title">
      <div class="title-row">
        <h1 id="overview-title">Migrated fields</h1>
        <button type="button" class="danger" onClick={onKillAll} disabled={allKilled}>
          Kill all…
        </button>
      </div>
      <p class="muted">
        Domain share and traffic: the last 10 seconds on this gateway. Percentage, mode and step:
        the stored state every gateway routes by.
      </p>
      <table class="fields responsive">
        <TableHead
          columns={[
            'Field',
            'Flag',
            'Percent',
            'Mode',
            'Step',
            'Breaker',
            'Guard',
            'Domain share',
            'Requests',
            '',
          ]}
          hidden="Actions"
        />
        <tbody>
          {live.rolloutFields.map((f) => {
            const r = byFlag.get(f.flag);
            if (!r) return null;
            const point = series.latest(f.flag);
            const rps =
              point?.domainRps === null || point?.domainRps === undefined
                ? null
                : point.domainRps + (point.legacyRps ?? 0);
            return (
              <tr key={f.coordinate} data-coordinate={f.coordinate} data-flag={f.flag}>
                <th scope="row" data-label="Field">
                  <a href={flagHref(f.flag)}>{f.coordinate}</a>
                </th>
                <td data-label="Flag">
                  <code>{f.flag}</code>
                </td>
                <td data-label="Percent" class="num">
                  {pct(r.percent)}
                  {r.servingPercent !== r.percent && (
                    <span class="muted"> (serving {pct(r.servingPercent)})</span>
                  )}
                </td>
                <td data-label="Mode">
                  <Badge kind={r.mode} text={mode(r.mode)} />
                </td>
                <td data-label="Step">{stepText(r)}</td>
                <td data-label="Breaker">
                  <Badge kind={`breaker-${r.breaker.state}`} text={r.breaker.state.toLowerCase()} />
                </td>
                <td data-label="Guard">{guardText(r)}</td>
                <td data-label="Domain share" class="num">
                  {pct(point?.share, 1)}
                </td>
                <td data-label="Requests" class="num">
                  {perSecond(rps)}
                </td>
                <td data-label="Actions">
                  <button
                    type="button"
                    class="danger small"
                    disabled={r.mode === 'KILLED'}
                    aria-label={`Kill ${f.flag}`}
                    onClick={() => onKill(r)}
                  >
                    Kill
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
