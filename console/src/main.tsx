// The operator console: polls the gateway's admin GraphQL API every two seconds and shows the
// overview, a flag's page or its mismatches (chosen by the URL's hash, so every view has a link).
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ActionDialog, KillAllDialog, type Notice } from './actions.js';
import { type Action, AuthError, type Live, loadLive, type Rollout, token } from './api.js';
import { FieldPage } from './field.js';
import { mismatchHref } from './format.js';
import { MismatchesPage } from './mismatches.js';
import { Overview } from './overview.js';
import { SeriesStore } from './series.js';
import './styles.css';

const POLL_MS = 2000;

type Route =
  | { page: 'overview' }
  | { page: 'field'; flag: string }
  | { page: 'mismatches'; flag: string | undefined; id: string | undefined };

function parseRoute(hash: string): Route {
  const [, page, flag, id] = hash.replace(/^#/, '').split('/');
  const decoded = (s: string | undefined) => (s ? decodeURIComponent(s) : undefined);
  if (page === 'field' && flag) return { page: 'field', flag: decodeURIComponent(flag) };
  if (page === 'mismatches') return { page: 'mismatches', flag: decoded(flag), id: decoded(id) };
  return { page: 'overview' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => {
      setRoute(parseRoute(location.hash));
      document.getElementById('main')?.focus();
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Polls the live state; `refresh()` polls at once (after an action). */
function useLive(series: SeriesStore) {
  const [live, setLive] = useState<Live | null>(null);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [needsToken, setNeedsToken] = useState(false);
  const timer = useRef<number | undefined>(undefined);

  const poll = useCallback(async () => {
    clearTimeout(timer.current);
    try {
      const data = await loadLive();
      series.add(Date.now(), data.rollouts);
      setLive(data);
      setTick((t) => t + 1);
      setError(null);
      setNeedsToken(false);
    } catch (e) {
      if (e instanceof AuthError) setNeedsToken(true);
      setError((e as Error).message);
    }
    timer.current = window.setTimeout(poll, POLL_MS);
  }, []);

  useEffect(() => {
    poll();
    return () => clearTimeout(timer.current);
  }, []);
  return { live, tick, error, needsToken, refresh: poll };
}

function TokenForm(props: { message: string | null; onSaved: () => void }) {
  const [value, setValue] = useState('');
  return (
    <section aria-labelledby="token-title" class="token">
      <h1 id="token-title">Operator token</h1>
      <p>
        This gateway needs a token with the <code>rollout:admin</code> scope. It is kept in this
        tab's session storage only.
      </p>
      {props.message && token.get() && (
        <p class="notice error" role="alert">
          {props.message}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          token.set(value.trim());
          props.onSaved();
        }}
      >
        <label>
          Token
          <input
            type="password"
            name="token"
            autoComplete="off"
            required
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary">
          Open the console
        </button>
      </form>
    </section>
  );
}

type Dialog = { action: Action; rollout: Rollout } | { action: 'kill-all' } | null;

function App() {
  const series = useRef(new SeriesStore()).current;
  const route = useRoute();
  const { live, tick, error, needsToken, refresh } = useLive(series);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  // A notice belongs to the page it was given on.
  useEffect(() => setNotice(null), [route]);

  const done = (n: Notice) => {
    setDialog(null);
    setNotice(n);
    refresh();
  };

  let body = <p aria-busy="true">Loading…</p>;
  if (needsToken) body = <TokenForm message={error} onSaved={refresh} />;
  else if (live && route.page === 'overview') {
    body = (
      <Overview
        live={live}
        series={series}
        onKill={(rollout) => setDialog({ action: 'kill', rollout })}
        onKillAll={() => setDialog({ action: 'kill-all' })}
      />
    );
  } else if (live && route.page === 'field') {
    const rollout = live.rollouts.find((r) => r.flag === route.flag);
    body = rollout ? (
      <FieldPage
        rollout={rollout}
        coordinates={rollout.fields}
        series={series}
        tick={tick}
        onAction={(action) => setDialog({ action, rollout })}
      />
    ) : (
      <p>No flag named {route.flag}.</p>
    );
  } else if (live && route.page === 'mismatches') {
    const flags = live.rollouts.map((r) => r.flag);
    body = (
      <MismatchesPage flags={flags} flag={route.flag ?? flags[0] ?? ''} id={route.id} tick={tick} />
    );
  }

  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header>
        <a class="brand" href="#/">
          Rollout console
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'overview' ? 'page' : undefined}>
            Overview
          </a>
          <a
            href={mismatchHref(
              route.page === 'field' || route.page === 'mismatches' ? (route.flag ?? '') : '',
            )}
            aria-current={route.page === 'mismatches' ? 'page' : undefined}
          >
            Mismatches
          </a>
        </nav>
        <span class="status" aria-live="polite">
          {error && !needsToken ? `Not updating: ${error}` : live ? 'Live, every 2 s' : ''}
        </span>
        {token.get() && (
          <button
            type="button"
            class="small"
            onClick={() => {
              token.set(null);
              refresh();
            }}
          >
            Forget token
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <div aria-live="polite" aria-atomic="true">
          {notice && (
            <p class={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
              {notice.text}{' '}
              <button type="button" class="small" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </p>
          )}
        </div>
        {body}
      </main>
      {dialog && dialog.action !== 'kill-all' && (
        <ActionDialog
          action={dialog.action}
          rollout={dialog.rollout}
          onDone={done}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.action === 'kill-all' && live && (
        <KillAllDialog rollouts={live.rollouts} onDone={done} onClose={() => setDialog(null)} />
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
