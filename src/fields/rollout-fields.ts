// What schema tooling and front ends can read about the migration: the public
// `Query.rolloutFields` lists every field under @rollout with its flag (introspection does not
// expose applied directives), and the admin `Rollout.fields` names the fields a flag routes.
// Both come from the registry, so they cannot disagree with the schema.
import { builder } from '../graphql/builder.js';
import { Rollout } from '../graphql/types/rollout.js';
import { coordinatesOf, FIELDS } from './index.js';

interface RolloutFieldEntry {
  coordinate: string;
  flag: string;
}

const RolloutField = builder.objectRef<RolloutFieldEntry>('RolloutField').implement({
  description:
    'A field being migrated under `@rollout`: each request is answered by the legacy or the domain path, and `extensions.rollout` says which.',
  fields: (t) => ({
    coordinate: t.exposeString('coordinate', {
      description: 'The schema coordinate of the field, e.g. `Query.recentEvents`.',
    }),
    flag: t.exposeString('flag', {
      description: 'The rollout flag that routes it: the key of `extensions.rollout`.',
    }),
  }),
});

builder.queryField('rolloutFields', (t) =>
  t.field({
    type: [RolloutField],
    description:
      'Every field under `@rollout`, with its flag. Public: it tells clients and schema tooling what is being migrated (no percentages).',
    resolve: () =>
      FIELDS.flatMap((f) => coordinatesOf(f).map((coordinate) => ({ coordinate, flag: f.flag }))),
  }),
);

builder.objectField(Rollout, 'fields', (t) =>
  t.stringList({
    description:
      'The schema coordinates of the fields this flag routes, e.g. `Query.recentEvents`.',
    resolve: (row) => FIELDS.filter((f) => f.flag === row.flag).flatMap(coordinatesOf),
  }),
);
