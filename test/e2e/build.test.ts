// The build as `npm start` runs it: plain node on dist/ (built by the suite's global setup, as
// `npm ci` builds it), with stack traces that name the TypeScript sources.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/build.mjs';

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

  it("maps the project's own code only: a dependency's frame is printed at its place in the bundle", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-build-'));
    try {
      const dep = join(dir, 'node_modules', 'dep');
      await mkdir(dep, { recursive: true });
      await writeFile(join(dep, 'package.json'), '{"name":"dep","main":"index.js"}');
      await writeFile(join(dep, 'index.js'), 'export function fail(x) {\n  return x.y.z;\n}\n');
      // first.ts lands before the dependency in the bundle, entry.ts after it.
      await writeFile(
        join(dir, 'first.ts'),
        'export const first = (n: number): number => n + 1;\n',
      );
      await writeFile(
        join(dir, 'entry.ts'),
        "import { first } from './first.ts';\nimport { fail } from 'dep';\nexport function own(value: unknown): unknown {\n  return fail(value) ?? first(1);\n}\n",
      );
      await bundle({ entry: 'entry.ts' }, join(dir, 'out'), dir);
      const map = JSON.parse(await readFile(join(dir, 'out', 'entry.js.map'), 'utf8'));
      expect(map.sources).toEqual(['../first.ts', '../entry.ts']);
      const failing = run(
        process.execPath,
        [
          '--enable-source-maps',
          '--input-type=module',
          '-e',
          "(await import('./out/entry.js')).own({});",
        ],
        { cwd: dir },
      );
      const error = (await failing.catch((e: unknown) => e)) as { stderr: string };
      expect(error.stderr).toContain('TypeError');
      // Not taken for a line of first.ts, the mapping before it in the bundle.
      expect(error.stderr).toMatch(/at fail \(\S*out\/entry\.js:\d+:\d+\)/);
      expect(error.stderr).toMatch(/at (Module\.)?own \(\S*\/entry\.ts:4:\d+\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
