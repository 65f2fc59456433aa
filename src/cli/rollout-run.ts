// `rollout run <flag> --steps 5,10,25,50,100 --hold 60s`: walks the schedule one step at a
// time, holds, verifies, and on a failed verification puts the flag back to the step before and
// stops. Every change carries the version read before it, so a run never overwrites a change
// an operator made meanwhile (it stops instead, and says so).
import { type AdminClient, type ChangeAnswer, CliError } from './rollout-client.js';
import { formatReport, verify } from './rollout-verify.js';

export interface RunOptions {
  flag: string;
  steps: number[];
  holdMs: number;
  reason: string;
  out: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Returns the process exit code: 0 when the last step verified, 1 otherwise. */
export async function runSchedule(client: AdminClient, o: RunOptions): Promise<number> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = await client.rollout(o.flag);
  if (start.mode !== 'ACTIVE')
    throw new CliError(`${o.flag} is ${start.mode.toLowerCase()}: resume it first`);
  const todo = o.steps.filter((step) => step > start.percent);
  if (todo.length === 0) {
    o.out(`${o.flag} is already at ${start.percent}%: nothing to do`);
    return 0;
  }
  let previous = start.percent;
  let version = start.version;
  for (const [i, step] of todo.entries()) {
    const label = `step ${i + 1}/${todo.length}`;
    const set = await client.set({
      flag: o.flag,
      percent: step,
      reason: `${o.reason} (rollout run ${label}: ${previous}% -> ${step}%)`,
      expectedVersion: version,
      // The first change records the schedule, so `status` shows the position in it.
      ...(i === 0 ? { steps: o.steps } : {}),
    });
    if (set.__typename !== 'RolloutChanged')
      return stopped(o, set, `${label}: could not set ${step}%`);
    version = set.rollout.version;
    o.out(`${label}: ${o.flag} at ${step}% (version ${version}); holding ${o.holdMs} ms`);
    await sleep(o.holdMs);
    const results = await verify(client, { flag: o.flag, expectPercent: step });
    o.out(formatReport(results));
    if (results.every((r) => r.ok)) {
      previous = step;
      continue;
    }
    o.out(`${label}: verification failed at ${step}%; restoring ${previous}%`);
    const restore = await client.set({
      flag: o.flag,
      percent: previous,
      reason: `${o.reason} (rollout run: verification failed at ${step}%, restoring ${previous}%)`,
      expectedVersion: version,
    });
    if (restore.__typename !== 'RolloutChanged') return stopped(o, restore, 'restore refused');
    o.out(`restored ${o.flag} to ${previous}% (version ${restore.rollout.version})`);
    return 1;
  }
  o.out(`${o.flag} reached ${todo[todo.length - 1]}%: every step verified`);
  return 0;
}

function stopped(
  o: RunOptions,
  answer: Exclude<ChangeAnswer, { __typename: 'RolloutChanged' }>,
  what: string,
) {
  const current = answer.current;
  o.out(`${what}: ${answer.message}`);
  o.out(
    `stopping; ${o.flag} is now ${current.percent}% ${current.mode.toLowerCase()} ` +
      `(version ${current.version}, by ${current.updatedBy}); nothing was overwritten`,
  );
  return 1;
}

/** "60s", "500ms", "2m" or a bare number of seconds, as milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new CliError(`not a duration: ${text} (e.g. 60s, 500ms, 2m)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

/** "5,10,25,50,100" as numbers; each 0 < step ≤ 100, rising. */
export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => Number(s.trim()));
  const rising = steps.every((s, i) => s > 0 && s <= 100 && (i === 0 || s > steps[i - 1]!));
  if (steps.length === 0 || !rising)
    throw new CliError(`--steps must be rising percentages in (0, 100]: ${text}`);
  return steps;
}
