import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../src/legacy/log-record.js';
import { reencodePy } from '../../src/legacy/py-json.js';

const LINE =
  '{"ts":1795921649.509718,"type":"NO_HAIRNET_AT_SINK","camera_id":"cam0","track_id":126,' +
  '"evidence":{"region":"洗手站立区域","confidence":0.976,"bbox":[1489,735,1679,1103]}}';

function okRecord(line: string) {
  const parsed = parseLogLine(line);
  if (!parsed.ok) throw new Error(`expected a record, got ${parsed.reason}`);
  return parsed;
}

describe('parseLogLine', () => {
  it('reads a logged event into a record that keeps its logged text', () => {
    const { record } = okRecord(`${LINE}\n`);
    expect(record).toEqual({
      ts: 1795921649.509718,
      occurredAt: new Date(1795921649509),
      type: 'NO_HAIRNET_AT_SINK',
      cameraId: 'cam0',
      trackId: 126,
      evidence: { region: '洗手站立区域', confidence: 0.976, bbox: [1489, 735, 1679, 1103] },
      raw: LINE,
    });
  });

  it('accepts an integer ts and trims a CRLF ending from the raw text', () => {
    const { record } = okRecord('{"ts":1795921649}\r\n');
    expect(record.occurredAt.toISOString()).toBe('2026-11-29T03:07:29.000Z');
    expect(record.raw).toBe('{"ts":1795921649}');
    expect([record.type, record.cameraId, record.trackId, record.evidence]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('keeps only fields of the expected kinds', () => {
    const { record } = okRecord(
      '{"ts":1,"type":7,"camera_id":["cam0"],"track_id":1.5,"evidence":"just text"}',
    );
    expect([record.type, record.cameraId, record.trackId, record.evidence]).toEqual([
      null,
      null,
      null,
      'just text',
    ]);
  });

  it('replaces NaN and Infinity in evidence with null, while raw keeps what was logged', () => {
    const line = '{"ts":1,"evidence":{"confidence":NaN,"area":Infinity,"bbox":[1,-Infinity]}}';
    const { record } = okRecord(line);
    expect(record.evidence).toEqual({ confidence: null, area: null, bbox: [1, null] });
    expect(record.raw).toBe(line);
    expect(reencodePy(record.raw)).toBe(
      '{"ts":1,"evidence":{"confidence":null,"area":null,"bbox":[1,null]}}',
    );
  });

  it('gives the same record whether or not a line needs the Python-only scanner', () => {
    const plain = okRecord(LINE).record;
    const withNaN = okRecord(LINE.replace('"bbox"', '"score":NaN,"bbox"')).record;
    expect({ ...withNaN, raw: '', evidence: null }).toEqual({ ...plain, raw: '', evidence: null });
    expect(withNaN.evidence).toEqual({ ...(plain.evidence as object), score: null });
  });

  it('gives the Python-faithful value tree of the line', () => {
    const { value } = okRecord('{"ts":1.0,"ts":2,"b":[1,2.0]}');
    expect(value).toEqual(
      new Map<string, unknown>([
        ['ts', 2n],
        ['b', [1n, 2]],
      ]),
    );
  });

  it.each([
    ['{"ts":1,', 'not_json'],
    ['not json at all', 'not_json'],
    ['', 'not_json'],
    ['\ufeff{"ts":1}', 'not_json'],
    [`[${LINE}]`, 'not_object'],
    ['"a string"', 'not_object'],
    ['null', 'not_object'],
    ['{"type":"SKIP_DRYING"}', 'bad_ts'],
    ['{"ts":"abc"}', 'bad_ts'],
    ['{"ts":"1795921649.5"}', 'bad_ts'],
    ['{"ts":null}', 'bad_ts'],
    ['{"ts":true}', 'bad_ts'],
    ['{"ts":NaN}', 'bad_ts'],
    ['{"ts":Infinity}', 'bad_ts'],
    ['{"ts":1e300}', 'bad_ts'],
  ])('rejects %j as %s', (line, reason) => {
    expect(parseLogLine(line)).toEqual({ ok: false, reason });
  });

  it('checks long lines against Python limits the fast path cannot see', () => {
    const deep = `{"ts":1,"evidence":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    expect(parseLogLine(deep)).toEqual({ ok: false, reason: 'not_json' });
    const long = okRecord(`{"ts":1,"evidence":{"note":"${'x'.repeat(5000)}"}}`);
    expect(long.record.evidence).toEqual({ note: 'x'.repeat(5000) });
  });
});
