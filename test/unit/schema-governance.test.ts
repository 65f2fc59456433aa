// Schema governance: a breaking change of schema.graphql fails the suite unless
// schema-changes.md lists it with a reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedChanges, checkSchema, findBase } from '../../scripts/schema-check.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

const OLD = `
"""Reads."""
type Query {
  """A."""
  a(n: Int): String
  """B."""
  b: Int
}
`;
const WITHOUT_B = OLD.replace('  """B."""\n  b: Int\n', '');

describe('schema governance', () => {
  it('finds no unlisted breaking change between schema.graphql and the schema before it', async () => {
    const base = findBase();
    const report = await checkSchema(
      base.sdl,
      read('schema.graphql'),
      acceptedChanges(read('schema-changes.md')),
    );
    expect(report.refused.map((c) => c.message)).toEqual([]);
  });

  it('refuses a removed field unless schema-changes.md lists it with a reason', async () => {
    const refused = await checkSchema(OLD, WITHOUT_B, acceptedChanges('(none)'));
    expect(refused.refused.map((c) => c.path)).toEqual(['Query.b']);
    const noReason = await checkSchema(OLD, WITHOUT_B, acceptedChanges('- `Query.b`:'));
    expect(noReason.refused).toHaveLength(1);
    const listed = await checkSchema(
      OLD,
      WITHOUT_B,
      acceptedChanges('## Listed\n\n- `Query.b`: replaced by `a`, unused since 2026-01'),
    );
    expect(listed.refused).toEqual([]);
  });

  it('lets additions through', async () => {
    const added = OLD.replace('  b: Int\n', '  b: Int\n  """C."""\n  c: Int\n');
    const report = await checkSchema(OLD, added, new Map());
    expect(report.changes.map((c) => c.path)).toContain('Query.c');
    expect(report.refused).toEqual([]);
  });

  it('compares with the committed baseline when git has no history', () => {
    expect(findBase({}, () => undefined)).toEqual({
      from: 'schema-baseline.graphql',
      sdl: read('schema-baseline.graphql'),
    });
    const base = findBase({ SCHEMA_BASE_REF: 'v1' }, (args) =>
      args[0] === 'show' && args[1] === 'v1:schema.graphql' ? 'type Query { a: Int }' : undefined,
    );
    expect(base).toEqual({ from: 'git v1', sdl: 'type Query { a: Int }' });
  });
});
