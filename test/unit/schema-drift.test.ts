import { readFileSync } from 'node:fs';
import { getDirective } from '@graphql-tools/utils';
import type { GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyRolloutDirective } from '../../src/graphql/rollout-directive.js';
import { declaredSchema, printSchemaSDL, schema } from '../../src/schema.js';

describe('schema.graphql', () => {
  it('is exactly the schema the code builds (run `npm run schema:print` after a change)', () => {
    expect(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')).toBe(
      printSchemaSDL(),
    );
  });

  it('declares the @rollout directive and applies it to the migrated fields', () => {
    const sdl = printSchemaSDL();
    expect(sdl).toContain('directive @rollout(');
    expect(sdl).toMatch(/recentEvents\([\s\S]*?\): \[Event!\]! @rollout\(flag: "events.recent"\)/);
    expect(sdl).toMatch(
      /realtimeStatistics\([\s\S]*?\): RealtimeStatistics! @rollout\(flag: "statistics.realtime"\)/,
    );
    const query = schema.getQueryType()!;
    expect(getDirective(schema, query.getFields().recentEvents!, 'rollout')).toEqual([
      { flag: 'events.recent' },
    ]);
  });

  it('refuses to build a schema where @rollout has no implementations to route between', () => {
    const query = declaredSchema.getQueryType() as GraphQLObjectType;
    const field = query.getFields().recentEvents!;
    const saved = field.extensions;
    field.extensions = {};
    try {
      expect(() => applyRolloutDirective(declaredSchema)).toThrow(/Query.recentEvents/);
    } finally {
      field.extensions = saved;
    }
  });
});
