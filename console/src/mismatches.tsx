// A flag's latest shadow mismatches, and one of them side by side: for every field path where
// the two answers differ (noise paths are already left out by the gateway), the answer the
// caller got next to the other path's, a value missing on one side marked as such.
import { useEffect, useState } from 'preact/hooks';
import { loadMismatches, type Mismatch } from './api.js';
import { json, mismatchHref, time } from './format.js';

const other = (path: string) => (path === 'domain' ? 'legacy' : 'domain');
/** The store keeps a side's missing value as null: the two read the same here. */
const show = (value: unknown) =>
  value === undefined || value === null ? '(missing or null)' : json(value);

export function MismatchDiff({ m }: { m: Mismatch }) {
  return (
    <article class="diff" aria-labelledby={`mismatch-${m.id}`}>
      <h2 id={`mismatch-${m.id}`}>
        Mismatch #{m.id} of <code>{m.flag}</code>
      </h2>
      <p class="muted">
        {time(m.at)} · version {m.version} · caller key {m.keyHash ?? 'none'} · arguments{' '}
        <code>{JSON.stringify(m.args)}</code>
      </p>
      <table class="side-by-side">
        <caption>
          {m.diff.length} differing path{m.diff.length === 1 ? '' : 's'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">
              {m.primaryPath} (answered the caller, {m.primaryMs.toFixed(1)} ms)
            </th>
            <th scope="col">
              {other(m.primaryPath)} (shadow, {m.shadowMs.toFixed(1)} ms)
            </th>
          </tr>
        </thead>
        <tbody>
          {m.diff.map((d) => {
            const side = (value: unknown) =>
              value === undefined || value === null ? 'missing' : 'changed';
            return (
              <tr key={d.path}>
                <th scope="row">
                  <code>{d.path || '(the whole answer)'}</code>
                </th>
                <td class={side(d.primary)}>
                  <pre>{show(d.primary)}</pre>
                </td>
                <td class={side(d.shadow)}>
                  <pre>{show(d.shadow)}</pre>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </article>
  );
}

interface Props {
  flags: string[];
  flag: string;
  id: string | undefined;
  tick: number;
}

export function MismatchesPage({ flags, flag, id, tick }: Props) {
  const [rows, setRows] = useState<Mismatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    loadMismatches(flag).then(
      (d) => current && setRows(d.rolloutMismatches),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
    // Reload every few polls: the list changes slowly.
  }, [flag, Math.floor(tick / 3)]);
  const selected = rows?.find((m) => m.id === id) ?? (id === undefined ? rows?.[0] : undefined);

  return (
    <section aria-labelledby="mismatches-title">
      <h1 id="mismatches-title">Shadow mismatches</h1>
      <label class="inline">
        Flag{' '}
        <select
          value={flag}
          onChange={(e) => {
            location.hash = mismatchHref((e.target as HTMLSelectElement).value);
          }}
        >
          {flags.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {rows && rows.length === 0 && (
        <p class="muted">
          No mismatch stored for {flag}. Set a shadow share on its page to compare the two paths.
        </p>
      )}
      {rows && rows.length > 0 && (
        <div class="master-detail">
          <nav aria-label="Mismatches">
            <ul class="plain">
              {rows.map((m) => (
                <li key={m.id}>
                  <a
                    href={mismatchHref(flag, m.id)}
                    aria-current={selected?.id === m.id ? 'true' : undefined}
                  >
                    #{m.id} · {time(m.at)} · {m.diff.length} path{m.diff.length === 1 ? '' : 's'}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {selected ? <MismatchDiff m={selected} /> : <p>Mismatch #{id} is no longer stored.</p>}
        </div>
      )}
    </section>
  );
}
