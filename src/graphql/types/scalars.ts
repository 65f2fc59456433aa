// DateTime (ISO 8601 strings, UTC) and JSON (objects passed through untouched: no per-row
// re-stringifying), from graphql-scalars.
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { builder } from '../builder.js';

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
