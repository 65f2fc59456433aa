// Schema governance (npm run schema:check; also run by the test suite): compares schema.graphql
// with the schema clients had before this change, with @graphql-inspector/core, and fails on a
// breaking change that schema-changes.md does not list with a reason.
//
// "Before" is, first found: SCHEMA_BASE_REF (a git ref), the merge base with origin/main or main,
// the newest tag; `git show <ref>:schema.graphql`. Without git history (a fresh shallow clone, an
// export) it is schema-baseline.graphql, the committed schema of the last release.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

const ROOT = join(import.meta.dirname, '..');

export interface Base {
  /** Where the old schema came from, for the report. */
  from: string;
  sdl: string;
}

type Git = (args: string[]) => string | undefined;

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return undefined;
  }
}

/** The schema clients had before this change. */
export function findBase(
  env: Record<string, string | undefined> = process.env,
  run: Git = git,
): Base {
  const candidates = [
    env.SCHEMA_BASE_REF,
    run(['merge-base', 'HEAD', 'origin/main']),
    run(['merge-base', 'HEAD', 'main']),
    run(['describe', '--tags', '--abbrev=0']),
  ];
  for (const ref of candidates) {
    if (!ref) continue;
    const sdl = run(['show', `${ref}:schema.graphql`]);
    if (sdl !== undefined) return { from: `git ${ref.slice(0, 12)}`, sdl };
  }
  return {
    from: 'schema-baseline.graphql',
    sdl: readFileSync(join(ROOT, 'schema-baseline.graphql'), 'utf8'),
  };
}

/**
 * The accepted breaking changes: list items of schema-changes.md of the form
 * "- `<path>`: <reason>", where <path> is the inspector's path of the change (e.g.
 * `Query.recentEvents` or `Event.type`). An item without a reason accepts nothing.
 */
export function acceptedChanges(markdown: string): Map<string, string> {
  const accepted = new Map<string, string>();
  for (const match of markdown.matchAll(/^\s*[-*]\s+`([^`]+)`\s*:\s*(.*?)\s*$/gm)) {
    if (match[2]) accepted.set(match[1]!, match[2]);
  }
  return accepted;
}

export interface SchemaReport {
  changes: Change[];
  /** Breaking changes not accepted in schema-changes.md. */
  refused: Change[];
}

export async function checkSchema(
  oldSdl: string,
  newSdl: string,
  accepted: Map<string, string>,
): Promise<SchemaReport> {
  const changes = await diff(buildSchema(oldSdl), buildSchema(newSdl));
  const refused = changes.filter(
    (c) => c.criticality.level === CriticalityLevel.Breaking && !accepted.has(c.path ?? ''),
  );
  return { changes, refused };
}

async function main() {
  const base = findBase();
  const current = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
  const accepted = acceptedChanges(readFileSync(join(ROOT, 'schema-changes.md'), 'utf8'));
  const { changes, refused } = await checkSchema(base.sdl, current, accepted);
  console.log(`schema.graphql against ${base.from}: ${changes.length} change(s)`);
  // Description changes are many and harmless: counted, not listed.
  for (const c of changes.filter((c) => !c.type.includes('DESCRIPTION'))) {
    console.log(`  [${c.criticality.level}] ${c.path ?? ''}: ${c.message}`);
  }
  if (refused.length > 0) {
    console.error(
      '\nBreaking changes not listed in schema-changes.md (add "- `<path>`: <reason>"):',
    );
    for (const c of refused) console.error(`  ${c.path}: ${c.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
