// Builds apps for tests: a temp log directory, a frozen clock, a silent logger, and helpers to
// send GraphQL and REST requests through the app's fetch handler (no port needed).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppDeps, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { seedReference } from '../../src/demo/seed.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { logText } from '../fixtures/legacy-log.js';

export const FROZEN_NOW = new Date('2026-11-29T10:00:00.000Z');

export async function tempLogPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-log-'));
  return join(dir, 'events_record.jsonl');
}

/** The fixture log in a temp file, ingested into `handle` (with the reference data); its path. */
export async function ingestedFixtureLog(handle: DatabaseHandle): Promise<string> {
  const path = await tempLogPath();
  await writeFile(path, logText());
  await seedReference(handle);
  await createIngester({ handle, logPath: path }).runOnce();
  return path;
}

export async function writeLog(path: string, lines: string[]): Promise<void> {
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // The guard controller polls the database every second: only suites about it turn it on.
  const base = loadConfig({ NODE_ENV: 'test', DEMO: 'off', INGEST: 'off', GUARD: 'off' });
  return { ...base, ...overrides };
}

export function buildApp(
  handle: DatabaseHandle,
  options: Partial<Omit<AppDeps, 'handle' | 'config'>> & { config?: Partial<Config> } = {},
) {
  return createApp({
    logger: silentLogger,
    clock: () => FROZEN_NOW,
    startedAt: new Date(FROZEN_NOW.getTime() - 3_723_000),
    ...options,
    handle,
    config: testConfig(options.config),
  });
}

type App = ReturnType<typeof createApp>;

export interface GraphQLAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary response shapes
  body: any;
}

export async function gql(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer> {
  const response = await app.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
