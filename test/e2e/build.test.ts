// The build as `npm start` runs it: plain node on dist/ (built by the suite's global setup, as
// `npm ci` builds it), with stack traces that name the TypeScript sources.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the build', () => {
  it('runs the CLI from dist/ with plain node, and its stack traces point at the .ts lines', async () => {
    const failing = run(process.execPath, [
      '--enable-source-maps',
      '--input-type=module',
      '-e',
      "import { runRolloutCli } from './dist/cli/rollout.js'; await runRolloutCli(null);",
    ]);
    const error = (await failing.catch((e: unknown) => e)) as { stderr: string };
    expect(error.stderr).toContain('TypeError');
    expect(error.stderr).toMatch(/at runRolloutCli \(\S*src\/cli\/rollout\.ts:\d+:\d+\)/);
    expect(error.stderr).not.toContain('dist/cli/rollout.js');
  });
});
