// A named prepared statement on PGlite, run through its wire protocol: parsed and planned once,
// then each run is one Bind/Execute/Sync. PGlite's `query()` parses, describes and plans the
// statement again on every call, in two trips into its WASM PostgreSQL, and builds a message
// object (with a copied slice) per field of its answer: for the 100 rows of a recent-events read
// it took twice as long (~370 µs against ~140–190 µs). Only hot statements use this. With
// `genericPlan`, a run skips planning too (~160 µs → ~120 µs for that read).
//
// Values go in and come back in PostgreSQL's text form, read as drizzle's PGlite driver reads
// them: numbers (int2/4/8, float4/8) as numbers (an int8 beyond 2^53 loses precision, where
// PGlite would answer a BigInt), booleans as booleans, everything else as its text (timestamps stay text, as drizzle
// asks). Parameters are strings, numbers, booleans, dates or null; other objects go as JSON. An
// error answer is thrown with PostgreSQL's fields (code, severity, detail, constraint, …), as
// PGlite's own errors carry them.
import type { PGlite } from '@electric-sql/pglite';

/** The type OIDs read as numbers: int8, int2, int4, float4, float8. */
const NUMERIC = new Set([20, 21, 23, 700, 701]);
const BOOL = 16;

interface Column {
  name: string;
  /** How a value of the column is read from its text. */
  read: 'number' | 'boolean' | 'text';
}

/** What a statement is run with: PGlite's instance (or a proxy of it). */
type Pglite = Pick<
  PGlite,
  'execProtocolRawStream' | 'runExclusive' | '_runExclusiveTransaction' | '_checkReady'
>;

let statements = 0;

export interface PgliteStatementOptions {
  /**
   * Run with the plan made once for any parameter values (a generic plan), not planned again for
   * each run's values (PostgreSQL's choice for a statement whose LIMIT is a parameter: a generic
   * plan's row estimate for it is a guess). For a statement whose best plan does not depend on
   * its values. `plan_cache_mode` is set for that run alone (SET LOCAL in the same trip).
   */
  genericPlan?: boolean;
}

export class PgliteStatement {
  readonly #pglite: Pglite;
  readonly #name: string;
  readonly #text: string;
  readonly #generic: PgliteStatement | undefined;
  #columns: Promise<Column[]> | undefined;

  constructor(pglite: Pglite, text: string, options: PgliteStatementOptions = {}) {
    this.#pglite = pglite;
    // One name per statement object: several apps may share one PGlite (tests do).
    this.#name = `gateway_${++statements}`;
    this.#text = text;
    this.#generic = options.genericPlan
      ? new PgliteStatement(pglite, 'SET LOCAL plan_cache_mode = force_generic_plan')
      : undefined;
  }

  /** Runs the statement with `params` (text form), its rows as objects keyed by column. */
  async rows(params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    // As `query()` does: refused once PGlite is closed, after any open transaction, and alone on
    // the connection.
    await this.#pglite._checkReady();
    return this.#pglite._runExclusiveTransaction(() =>
      this.#pglite.runExclusive(async () => {
        const columns = await this.#prepared();
        const parts: Buffer[] = [];
        if (this.#generic) {
          // Until Sync the messages run in one implicit transaction, which a SET LOCAL lasts: the
          // setting ends with this run, whether it succeeds or fails.
          await this.#generic.#prepared();
          parts.push(bind(this.#generic.#name, []), EXECUTE);
        }
        parts.push(bind(this.#name, params), EXECUTE, SYNC);
        return decode(await this.#run(messages(...parts)), columns).rows;
      }),
    );
  }

  /**
   * The backend's answer to `message`, as bytes. Through the stream variant: `execProtocolRaw`
   * also runs PGlite's own protocol parser over the answer (a message object per field), which
   * is what this class avoids. The chunks are views of PGlite's memory, so they are copied.
   */
  async #run(message: Uint8Array): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.#pglite.execProtocolRawStream(message, {
      syncToFs: false,
      onRawData: (chunk) => chunks.push(Buffer.from(chunk)),
    });
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Parses the statement once (a failed attempt is tried again next time). */
  #prepared(): Promise<Column[]> {
    this.#columns ??= this.#run(
      messages(parse(this.#name, this.#text), describe(this.#name), SYNC),
    ).then((answer) => decode(answer, []).columns);
    this.#columns.catch(() => {
      this.#columns = undefined;
    });
    return this.#columns;
  }
}

const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
/** Execute the unnamed portal, all rows. */
const EXECUTE = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]);

function messages(...parts: Buffer[]): Uint8Array {
  return Buffer.concat(parts);
}

/** A frontend message: type byte, length, then `body`. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (text: string) => Buffer.from(`${text}\0`);
const int16 = (n: number) => {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
};

function parse(name: string, text: string): Buffer {
  return message('P', Buffer.concat([cstring(name), cstring(text), int16(0)]));
}

function describe(name: string): Buffer {
  return message('D', Buffer.concat([Buffer.from('S'), cstring(name)]));
}

/** Bind the unnamed portal to the statement, every value in text form, every result as text. */
function bind(name: string, params: readonly unknown[]): Buffer {
  const parts = [cstring(''), cstring(name), int16(0), int16(params.length)];
  for (const value of params) {
    const text = asText(value);
    if (text === null) {
      parts.push(int32(-1));
    } else {
      const bytes = Buffer.from(text);
      parts.push(int32(bytes.length), bytes);
    }
  }
  parts.push(int16(0));
  return message('B', Buffer.concat(parts));
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The rows and columns of a backend answer; an error answer is thrown. */
function decode(
  bytes: Buffer,
  known: Column[],
): { rows: Record<string, unknown>[]; columns: Column[] } {
  const rows: Record<string, unknown>[] = [];
  let columns = known;
  let error: Error | undefined;
  for (let at = 0; at + 5 <= bytes.length; ) {
    const type = bytes[at]!;
    const end = at + 1 + bytes.readInt32BE(at + 1);
    let p = at + 5;
    if (type === 0x44) {
      // DataRow
      const row: Record<string, unknown> = {};
      const count = bytes.readInt16BE(p);
      p += 2;
      for (let i = 0; i < count; i++) {
        const length = bytes.readInt32BE(p);
        p += 4;
        const column = columns[i]!;
        if (length < 0) {
          row[column.name] = null;
        } else {
          const text = bytes.toString('utf8', p, p + length);
          row[column.name] =
            column.read === 'text' ? text : column.read === 'number' ? Number(text) : text === 't';
          p += length;
        }
      }
      rows.push(row);
    } else if (type === 0x54) {
      // RowDescription: name, table oid, column, type oid, size, modifier, format
      const count = bytes.readInt16BE(p);
      p += 2;
      columns = [];
      for (let i = 0; i < count; i++) {
        const zero = bytes.indexOf(0, p);
        const name = bytes.toString('utf8', p, zero);
        const oid = bytes.readInt32BE(zero + 7);
        columns.push({
          name,
          read: NUMERIC.has(oid) ? 'number' : oid === BOOL ? 'boolean' : 'text',
        });
        p = zero + 19;
      }
    } else if (type === 0x45) {
      error ??= databaseError(bytes, p, end);
    }
    at = end;
  }
  if (error) throw error;
  return { rows, columns };
}

/** PostgreSQL's error fields (one code byte, then text) as an Error with PGlite's field names. */
function databaseError(bytes: Buffer, from: number, end: number): Error {
  const fields: Record<string, string> = {};
  for (let p = from; p < end && bytes[p] !== 0; ) {
    const zero = bytes.indexOf(0, p + 1);
    fields[String.fromCharCode(bytes[p]!)] = bytes.toString('utf8', p + 1, zero);
    p = zero + 1;
  }
  return Object.assign(new Error(fields.M ?? 'PGlite error'), {
    severity: fields.S,
    code: fields.C,
    detail: fields.D,
    hint: fields.H,
    constraint: fields.n,
    table: fields.t,
    column: fields.c,
  });
}
