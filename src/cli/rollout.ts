// `npm run rollout -- <command>`: operate rollouts on a running gateway through its admin GraphQL
// API (bearer token from --token or ROLLOUT_TOKEN, gateway from --url or ROLLOUT_URL). Exit codes:
// 0 done, 1 refused or failed (conflict, rejected, verification), 2 usage or connection error.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AdminClient,
  type ChangeAnswer,
  CliError,
  type RolloutView,
  type Verb,
} from './rollout-client.js';
import {
  formatGuardStatus,
  GUARD_OPTIONS,
  GUARD_USAGE,
  guardAnswer,
  printMismatches,
  setGuard,
  setShadow,
} from './rollout-guard.js';
import { parseDuration, parseSteps, runSchedule } from './rollout-run.js';
import { formatReport, verify } from './rollout-verify.js';

const USAGE = `usage: npm run rollout -- <command> [options]
  status [flag]                     state, schedule position, serving %, counters
  set <flag> <percent> --reason R   move to a percentage
  promote <flag> --reason R         next step of the schedule
  pause|resume|kill <flag> --reason R
  history [flag] [--limit N]        the change log, newest first
  verify [flag]                     check the REST and GraphQL endpoints; non-zero on failure
  run <flag> --steps 5,10,25,50,100 --hold 60s [--reason R]
${GUARD_USAGE}
options: --url (default $ROLLOUT_URL or http://localhost:8000), --token (default $ROLLOUT_TOKEN),
  --expect-version N (refuse if someone changed the flag since you read version N)`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

const VERBS: Record<string, Verb> = {
  promote: 'promoteRollout',
  pause: 'pauseRollout',
  resume: 'resumeRollout',
  kill: 'killRollout',
};

export async function runRolloutCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  try {
    const { values: o, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        reason: { type: 'string' },
        'expect-version': { type: 'string' },
        steps: { type: 'string' },
        hold: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...GUARD_OPTIONS,
      },
    });
    const [command, flag, arg] = positionals;
    if (o.help || !command) {
      io.out(USAGE);
      return command || o.help ? 0 : 2;
    }
    const url = o.url ?? env.ROLLOUT_URL ?? 'http://localhost:8000';
    const client = new AdminClient(url, o.token ?? env.ROLLOUT_TOKEN, io.fetch);
    const need = (value: string | undefined, what: string): string => {
      if (!value) throw new CliError(`${command}: ${what} is required\n${USAGE}`);
      return value;
    };
    const expectedVersion =
      o['expect-version'] === undefined ? undefined : Number(o['expect-version']);
    switch (command) {
      case 'status':
        for (const r of await client.rollouts(flag)) io.out(formatRollout(r));
        return 0;
      case 'history':
        for (const c of await client.history(flag, Number(o.limit ?? 20))) {
          const from =
            c.fromPercent === null ? '(none)' : `${c.fromPercent}% ${c.fromMode?.toLowerCase()}`;
          io.out(
            `${c.at}  v${c.version}  ${c.flag}  ${c.action}  ${from} -> ${c.toPercent}% ${c.toMode.toLowerCase()}  by ${c.by}  "${c.reason}"${c.requestId ? `  [${c.requestId}]` : ''}`,
          );
        }
        return 0;
      case 'set': {
        const percent = Number(need(arg, '<percent>'));
        const args = {
          flag: need(flag, '<flag>'),
          reason: need(o.reason, '--reason'),
          expectedVersion,
        };
        return answer(io, await client.set({ ...args, percent }));
      }
      case 'promote':
      case 'pause':
      case 'resume':
      case 'kill': {
        const args = {
          flag: need(flag, '<flag>'),
          reason: need(o.reason, '--reason'),
          expectedVersion,
        };
        return answer(io, await client.change(VERBS[command]!, args));
      }
      case 'shadow': {
        const percent = Number(need(arg, '<percent>'));
        const args = { flag: need(flag, '<flag>'), reason: need(o.reason, '--reason') };
        return guardAnswer(
          io.out,
          io.err,
          await setShadow(client, { ...args, percent, expectedVersion }),
        );
      }
      case 'guard': {
        const args = {
          flag: need(flag, '<flag>'),
          reason: need(o.reason, '--reason'),
          expectedVersion,
        };
        return guardAnswer(io.out, io.err, await setGuard(client, { ...args, o }));
      }
      case 'mismatches':
        await printMismatches(client, need(flag, '<flag>'), Number(o.limit ?? 20), io.out);
        return 0;
      case 'verify': {
        const results = await verify(client, { flag });
        io.out(formatReport(results));
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'run':
        return await runSchedule(client, {
          flag: need(flag, '<flag>'),
          steps: parseSteps(need(o.steps, '--steps')),
          holdMs: parseDuration(o.hold ?? '60s'),
          reason: o.reason ?? 'rollout run',
          out: io.out,
        });
      default:
        throw new CliError(`unknown command: ${command}\n${USAGE}`);
    }
  } catch (error) {
    if (!(error instanceof CliError) && !(error instanceof TypeError)) throw error;
    io.err(`rollout: ${error.message}`);
    return 2;
  }
}

function answer(io: CliIo, result: ChangeAnswer): number {
  if (result.__typename === 'RolloutChanged') {
    const c = result.change;
    io.out(
      c
        ? `${c.flag}: ${c.fromPercent}% ${c.fromMode?.toLowerCase()} -> ${c.toPercent}% ${c.toMode.toLowerCase()} (version ${c.version})`
        : `${result.rollout.flag}: unchanged (version ${result.rollout.version})`,
    );
    return 0;
  }
  const code =
    result.__typename === 'RolloutConflictError' ? 'conflict' : result.code.toLowerCase();
  io.err(`rollout: ${code}: ${result.message}`);
  io.err(formatRollout(result.current));
  return 1;
}

function formatRollout(r: RolloutView): string {
  const step = r.step === null ? 'between steps' : `step ${r.step}/${r.steps.length}`;
  const count = (path: string) =>
    r.counters.decisions.filter((d) => d.path === path).reduce((n, d) => n + d.count, 0);
  const fallbacks = r.counters.fallbacks.reduce((n, f) => n + f.count, 0);
  const serving =
    r.servingPercent === r.percent && r.servingMode === r.mode
      ? ''
      : `  (this gateway still serves ${r.servingPercent}% ${r.servingMode.toLowerCase()})`;
  return [
    `${r.flag}: ${r.percent}% ${r.mode.toLowerCase()}, ${step} of [${r.steps.join(', ')}], next ${r.nextStep ?? '-'}, version ${r.version}${serving}`,
    `  updated ${r.updatedAt} by ${r.updatedBy}; decisions domain=${count('domain')} legacy=${count('legacy')}, fallbacks=${fallbacks}`,
    ...formatGuardStatus(r),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await runRolloutCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
