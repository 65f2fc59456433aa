// The operator's actions: set percentage, promote, pause, resume, kill, shadow share, and kill
// every flag at once. Each asks for a reason and sends the version the operator read when the
// dialog opened: if someone changed the flag since, the gateway answers with a conflict, which
// is shown (never retried over), and the page reloads the state.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Action, type ActionResult, act, type Rollout } from './api.js';
import { mode } from './format.js';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export const ACTION_LABELS: Record<Action, string> = {
  set: 'Set percentage',
  promote: 'Promote',
  pause: 'Pause',
  resume: 'Resume',
  kill: 'Kill',
  shadow: 'Shadow share',
};

/** What happened, in a sentence for the page's notice. */
export function describeResult(action: Action, flag: string, result: ActionResult): Notice {
  if (result.kind === 'conflict') {
    const c = result.current;
    return {
      kind: 'error',
      text: `Conflict, not applied: ${flag} changed since you read it (now version ${c.version}, ${c.percent} % ${mode(c.mode)}). The page shows the current state; decide again.`,
    };
  }
  if (result.kind === 'rejected') {
    return { kind: 'error', text: `Refused (${result.code}): ${result.message}` };
  }
  if (!result.changed) return { kind: 'ok', text: `${flag}: nothing to change.` };
  return {
    kind: 'ok',
    text: `${flag}: ${ACTION_LABELS[action].toLowerCase()} applied — ${result.percent} % ${mode(result.mode)}, shadow ${result.shadowPercent} % (version ${result.version}).`,
  };
}

/** A modal dialog (native <dialog>: focus moves in, Escape closes, focus returns). */
function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    dialog.querySelector<HTMLElement>('input, select, button')?.focus();
    const close = () => props.onClose();
    dialog.addEventListener('close', close);
    return () => dialog.removeEventListener('close', close);
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title">
      <h2 id="dialog-title">{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** The reason every change needs, and what went wrong with the last try. */
function ReasonField(props: {
  value: string;
  onInput: (value: string) => void;
  problem: string | null;
}) {
  return (
    <>
      <label>
        Reason (recorded in the change log)
        <input
          name="reason"
          type="text"
          required
          autoComplete="off"
          value={props.value}
          onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
        />
      </label>
      {props.problem && (
        <p class="notice error" role="alert">
          {props.problem}
        </p>
      )}
    </>
  );
}

interface ActionProps {
  action: Action;
  /** The state as read when the dialog opened: its version is sent as expectedVersion. */
  rollout: Rollout;
  onDone: (notice: Notice) => void;
  onClose: () => void;
}

export function ActionDialog({ action, rollout, onDone, onClose }: ActionProps) {
  const [reason, setReason] = useState('');
  const initial = action === 'shadow' ? rollout.shadowPercent : rollout.percent;
  const [percent, setPercent] = useState(String(initial));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const withPercent = action === 'set' || action === 'shadow';
  const read = `Read at version ${rollout.version}: ${rollout.percent} % ${mode(rollout.mode)}, shadow ${rollout.shadowPercent} %.`;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const value = withPercent ? Number(percent) : undefined;
      const result = await act(action, rollout.flag, reason.trim(), rollout.version, value);
      if (result.kind === 'rejected') setProblem(describeResult(action, rollout.flag, result).text);
      else onDone(describeResult(action, rollout.flag, result));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const title = `${ACTION_LABELS[action]}: ${rollout.flag}`;
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit}>
        <p class="muted">{read}</p>
        {action === 'promote' && (
          <p>
            Moves to the next step:{' '}
            <strong>
              {rollout.nextStep === null ? 'none (last step)' : `${rollout.nextStep} %`}
            </strong>
          </p>
        )}
        {action === 'kill' && <p>Every caller goes to the legacy path at once.</p>}
        {withPercent && (
          <label>
            {action === 'set' ? 'New percentage (0–100)' : 'Shadow share (0–100)'}
            <input
              name="percent"
              type="number"
              min={0}
              max={100}
              step="any"
              required
              value={percent}
              onInput={(e) => setPercent((e.target as HTMLInputElement).value)}
            />
          </label>
        )}
        <ReasonField value={reason} onInput={setReason} problem={problem} />
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            class={action === 'kill' ? 'danger' : 'primary'}
            disabled={busy || reason.trim() === ''}
          >
            {busy ? 'Applying…' : ACTION_LABELS[action]}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Kills every flag that is not killed yet, each with the version read. */
export function KillAllDialog(props: {
  rollouts: Rollout[];
  onDone: (notice: Notice) => void;
  onClose: () => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const live = props.rollouts.filter((r) => r.mode !== 'KILLED');

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const results = await Promise.all(
        live.map(
          async (r) => [r.flag, await act('kill', r.flag, reason.trim(), r.version)] as const,
        ),
      );
      const refused = results.filter(([, result]) => result.kind !== 'changed');
      props.onDone(
        refused.length === 0
          ? { kind: 'ok', text: `Killed ${results.length} flags: every caller is on legacy.` }
          : {
              kind: 'error',
              text: `Killed ${results.length - refused.length} of ${results.length}; not applied: ${refused
                .map(([flag, result]) => describeResult('kill', flag, result).text)
                .join(' ')}`,
            },
      );
    } catch (error) {
      setProblem((error as Error).message);
      setBusy(false);
    }
  };

  return (
    <Modal title="Kill every flag" onClose={props.onClose}>
      <form onSubmit={submit}>
        <p>
          Sends every caller of {live.length} flag{live.length === 1 ? '' : 's'} to the legacy path
          at once. Percentages are kept: resume a flag to restore it.
        </p>
        <ReasonField value={reason} onInput={setReason} problem={problem} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy || reason.trim() === ''}>
            {busy ? 'Killing…' : 'Kill all'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
