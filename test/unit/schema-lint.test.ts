// Schema tooling reads schema.graphql (kept equal to the built schema by schema-drift.test.ts):
// graphql-schema-linter's description rules must pass, and every @rollout field must say its
// flag in its description (introspection does not show applied directives).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getDirective } from '@graphql-tools/utils';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { declaredSchema } from '../../src/schema.js';

const ROOT = join(import.meta.dirname, '../..');
const DESCRIPTION_RULES = [
  'types-have-descriptions',
  'fields-have-descriptions',
  'arguments-have-descriptions',
  'enum-values-have-descriptions',
  'input-object-values-have-descriptions',
  'deprecations-have-a-reason',
  'descriptions-are-capitalized',
];

describe('schema.graphql for tooling', () => {
  it("passes graphql-schema-linter's description rules", async () => {
    const bin = join(ROOT, 'node_modules/graphql-schema-linter/lib/cli.js');
    // It exits 1 and lists each problem on stdout when a rule fails.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, '-r', DESCRIPTION_RULES.join(','), '-f', 'compact', 'schema.graphql'],
      { cwd: ROOT },
    ).catch((error: { stdout: string }) => error);
    expect(stdout.trim()).toBe('');
  });

  it('names the flag in the description of every @rollout field', () => {
    const missing: string[] = [];
    let count = 0;
    for (const type of Object.values(declaredSchema.getTypeMap())) {
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const flag = getDirective(declaredSchema, field, 'rollout')?.[0]?.flag as string;
        if (!flag) continue;
        count++;
        if (!field.description?.includes(`\`${flag}\``)) missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(count).toBe(8);
    expect(missing).toEqual([]);
  });
});
