// Writes schema.graphql from the code (npm run schema:print). A test fails when they differ.
import { writeFileSync } from 'node:fs';
import { printSchemaSDL } from '../src/schema.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaSDL());
console.log('schema.graphql written');
