// Cameras and regions: reference data in the domain tables, loaded per request in batches.
import type { CameraRow, RegionRow } from '../../repositories/loaders.js';
import { builder } from '../builder.js';

export const Region = builder.objectRef<RegionRow>('Region').implement({
  description: 'An area of the kitchen watched by cameras.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', {
      description: 'The name used in event evidence, e.g. 洗手池区域.',
    }),
  }),
});

export const Camera = builder.objectRef<CameraRow>('Camera').implement({
  description: 'A detection camera.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    isActive: t.exposeBoolean('isActive'),
    region: t.field({
      type: Region,
      nullable: true,
      resolve: (camera, _args, ctx) =>
        camera.regionId ? ctx.loaders.regionById.load(camera.regionId) : null,
    }),
  }),
});
