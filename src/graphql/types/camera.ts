// Cameras and regions: reference data in the domain tables, loaded per request in batches.
import type { CameraRow, RegionRow } from '../../repositories/loaders.js';
import { builder } from '../builder.js';

export const Region = builder.objectRef<RegionRow>('Region').implement({
  description: 'An area of the kitchen watched by cameras.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The region id.' }),
    name: t.exposeString('name', {
      description: 'The name used in event evidence, e.g. 洗手池区域.',
    }),
  }),
});

export const Camera = builder.objectRef<CameraRow>('Camera').implement({
  description: 'A detection camera.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The camera id events carry as `cameraId`, e.g. cam0.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    isActive: t.exposeBoolean('isActive', {
      description: 'Whether the camera is in service (its region counts as active).',
    }),
    region: t.field({
      type: Region,
      nullable: true,
      description: 'The region it watches, if any.',
      resolve: (camera, _args, ctx) =>
        camera.regionId ? ctx.loaders.regionById.load(camera.regionId) : null,
    }),
  }),
});
