// Configuration: read once from the environment, validated with zod into one typed object.
// Invalid values stop start-up with every problem listed (see README "Configuration").
import { z } from 'zod';
import { type ApiToken, parseApiTokens } from '../auth/tokens.js';
import { flagEnvName, ROLLOUT_FLAGS, type RolloutFlag } from '../rollout/flags.js';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const percent = z.coerce.number().min(0).max(100);
/** A cache's bound in bytes (0: no cache). */
const byteBound = (bytes: number) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(bytes);

const schema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATA_DIR: z.string().min(1).default('data/pglite'),
  EVENT_LOG_PATH: z.string().min(1).default('logs/events/events_record.jsonl'),
  DEMO: onOff.optional(),
  DEMO_CALLERS: z.coerce.number().min(0).max(1000).default(5),
  CONSOLE_DIR: z.string().min(1).optional(),
  INGEST: onOff.default(true),
  ROLLOUT_PERCENT: percent.default(0),
  CORS_ORIGINS: z.string().optional(),
  GRAPHQL_INTROSPECTION: z.enum(['on', 'off', 'operators']).optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TIME_ZONE: z
    .string()
    .default('UTC')
    .refine((tz) => isTimeZone(tz), { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }),
  DOMAIN_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
  ROLLOUT_RESYNC_MS: z.coerce.number().int().min(100).max(300_000).default(5000),
  LEGACY_ORDER_TOLERANCE_SECONDS: z.coerce.number().min(0).default(60),
  GRAPHQL_JIT: onOff.default(true),
  GRAPHQL_DOCUMENT_CACHE_BYTES: byteBound(32 * 1024 * 1024),
  LEGACY_TAIL_CACHE_LINES: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  LEGACY_TAIL_CACHE_BYTES: byteBound(16 * 1024 * 1024),
  LEGACY_SCAN_BUDGET_MS: z.coerce.number().int().min(1).max(600_000).default(3000),
  LEGACY_SCAN_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  WRITE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  SUBSCRIPTIONS_MAX: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  SUBSCRIPTION_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(12_000),
  ALERTS: onOff.default(true),
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  ALERT_WEBHOOK_HOSTS: z.string().default(''),
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  ALERT_WEBHOOK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ALERT_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(0).max(30_000).default(500),
  SHADOW_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  SHADOW_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
  SHADOW_NOISE_PERCENT: percent.default(10),
  MISMATCH_KEEP: z.coerce.number().int().min(1).max(100_000).default(100),
  BREAKER_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  BREAKER_WINDOW: z.coerce.number().int().min(1).max(10_000).default(20),
  BREAKER_MIN_CALLS: z.coerce.number().int().min(1).max(10_000).default(10),
  BREAKER_COOLDOWN_MS: z.coerce.number().int().min(1).default(5000),
  GUARD: onOff.default(true),
  GUARD_TICK_MS: z.coerce.number().int().min(10).max(300_000).default(1000),
  GUARD_PUBLISH_MS: z.coerce.number().int().min(10).max(300_000).default(1000),
  GUARD_LEASE_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
});

type CorsParse = { ok: true; origins: '*' | string[] } | { ok: false; problems: string[] };

/**
 * CORS_ORIGINS: `*` (any origin, without credentials) or a comma-separated list of origins
 * (`https://ui.example`, echoed with credentials). Production needs the list: a gateway that
 * writes must know its front ends. `null` is refused: any sandboxed page can claim it.
 */
function parseCorsOrigins(raw: string | undefined, production: boolean): CorsParse {
  const listed = (raw ?? '*')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (listed.length === 0 || listed.includes('*')) {
    return production
      ? {
          ok: false,
          problems: [
            `CORS_ORIGINS: required when NODE_ENV=production, as a list of origins such as https://ui.example (got ${JSON.stringify(raw ?? null)}; "*" is for development)`,
          ],
        }
      : { ok: true, origins: '*' };
  }
  const problems = listed
    .filter((origin) => !isOrigin(origin))
    .map(
      (origin) =>
        `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path; "null" is never allowed)`,
    );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, origins: listed };
}

function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface Config {
  host: string;
  port: number;
  nodeEnv: 'development' | 'production' | 'test';
  databaseUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  eventLogPath: string;
  demo: boolean;
  /** Demo read requests per second sent to the gateway itself (with demo data on; 0: none). */
  demoCallers: number;
  /** The built operator console (CONSOLE_DIR); default: dist/console of this package. */
  consoleDir: string | undefined;
  ingest: boolean;
  rolloutPercent: Record<RolloutFlag, number>;
  /** `*`: any origin, never with credentials (not in production); else these origins exactly. */
  corsOrigins: '*' | string[];
  /** Who may introspect the schema: everyone, no one, or operators (rollout:admin). */
  graphqlIntrospection: 'on' | 'off' | 'operators';
  bodyLimitBytes: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  timeZone: string;
  domainTimeoutMs: number;
  /** How often each process re-reads the rollout table (repairs a missed NOTIFY). */
  rolloutResyncMs: number;
  legacyOrderToleranceSeconds: number;
  /** Most parsed log lines the legacy reader keeps in memory (0: no cache). */
  legacyTailCacheLines: number;
  /** Bound of the parsed GraphQL documents kept, in estimated heap bytes. */
  graphqlDocumentCacheBytes: number;
  /** Most bytes of log text behind the cached lines (0: no cache). */
  legacyTailCacheBytes: number;
  /** Execute GraphQL with graphql-jit (GRAPHQL_JIT, default on) or plain graphql-js. */
  graphqlJit: boolean;
  /** API_TOKENS; empty = open access (development only). */
  apiTokens: ApiToken[];
  /** Time budget of one request's reads of the legacy log, in ms. */
  legacyScanBudgetMs: number;
  /** Most requests reading the legacy log at once. */
  legacyScanConcurrency: number;
  /** Time budget of a domain write (WRITE_TIMEOUT_MS); past it the answer is a 503. */
  writeTimeoutMs: number;
  /** Most live subscriptions (SSE, graphql-ws, /ws/events) in this process. */
  subscriptionsMax: number;
  /** Most events queued for one subscriber; past it the subscriber is dropped. */
  subscriptionQueueMax: number;
  /** WebSocket ping period (graphql-ws; a client that does not answer is disconnected). */
  subscriptionKeepAliveMs: number;
  /** The alert evaluator and its notification channels (docs/alerts.md). */
  alerts: {
    evaluate: boolean;
    intervalMs: number;
    /** Webhook hosts allowed besides loopback (`name` or `name:port`, lower case). */
    webhookHosts: string[];
    webhookTimeoutMs: number;
    webhookRetries: number;
    webhookBackoffMs: number;
  };
  /** Shadow comparison: concurrency bound, time budget, noise share, mismatches kept per flag. */
  shadow: { maxConcurrent: number; timeoutMs: number; noisePercent: number; keep: number };
  /** The domain path's circuit breaker, per flag and process. */
  breaker: { threshold: number; window: number; minimumCalls: number; halfOpenAfterMs: number };
  /** The guard controller: on/off and its timing (ms). */
  guard: { enabled: boolean; tickMs: number; publishMs: number; leaseMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError listing every invalid variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as deployment scripts often export VAR= to clear a value.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const problems: string[] = [];
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(`${name}: ${issue.message} (got ${JSON.stringify(cleaned[name] ?? null)})`);
    }
  }
  const overrides: Partial<Record<RolloutFlag, number>> = {};
  for (const flag of ROLLOUT_FLAGS) {
    const name = flagEnvName(flag);
    if (cleaned[name] === undefined) continue;
    const value = percent.safeParse(cleaned[name]);
    if (value.success) overrides[flag] = value.data;
    else
      problems.push(
        `${name}: must be a number from 0 to 100 (got ${JSON.stringify(cleaned[name])})`,
      );
  }
  // API_TOKENS holds secrets: parsed apart so no problem message ever echoes its value.
  const tokens = parseApiTokens(cleaned.API_TOKENS);
  if (!tokens.ok) problems.push(...tokens.problems);
  else if (tokens.tokens.length === 0 && cleaned.NODE_ENV === 'production') {
    problems.push(
      'API_TOKENS: required when NODE_ENV=production (a JSON array of {name, token, scopes})',
    );
  }
  const cors = parseCorsOrigins(cleaned.CORS_ORIGINS, cleaned.NODE_ENV === 'production');
  if (!cors.ok) problems.push(...cors.problems);
  if (problems.length > 0 || !parsed.success || !tokens.ok || !cors.ok) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const rolloutPercent = Object.fromEntries(
    ROLLOUT_FLAGS.map((flag) => [flag, overrides[flag] ?? e.ROLLOUT_PERCENT]),
  ) as Record<RolloutFlag, number>;
  return {
    host: e.HOST,
    port: e.PORT,
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.DB_POOL_MAX,
    dataDir: e.DATA_DIR,
    eventLogPath: e.EVENT_LOG_PATH,
    demo: e.DEMO ?? e.DATABASE_URL === undefined,
    demoCallers: e.DEMO_CALLERS,
    consoleDir: e.CONSOLE_DIR,
    ingest: e.INGEST,
    rolloutPercent,
    corsOrigins: cors.origins,
    graphqlIntrospection:
      e.GRAPHQL_INTROSPECTION ?? (e.NODE_ENV === 'production' ? 'operators' : 'on'),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    timeZone: e.TIME_ZONE,
    domainTimeoutMs: e.DOMAIN_TIMEOUT_MS,
    rolloutResyncMs: e.ROLLOUT_RESYNC_MS,
    legacyOrderToleranceSeconds: e.LEGACY_ORDER_TOLERANCE_SECONDS,
    graphqlJit: e.GRAPHQL_JIT,
    legacyTailCacheLines: e.LEGACY_TAIL_CACHE_LINES,
    graphqlDocumentCacheBytes: e.GRAPHQL_DOCUMENT_CACHE_BYTES,
    legacyTailCacheBytes: e.LEGACY_TAIL_CACHE_BYTES,
    apiTokens: tokens.tokens,
    legacyScanBudgetMs: e.LEGACY_SCAN_BUDGET_MS,
    legacyScanConcurrency: e.LEGACY_SCAN_CONCURRENCY,
    writeTimeoutMs: e.WRITE_TIMEOUT_MS,
    subscriptionsMax: e.SUBSCRIPTIONS_MAX,
    subscriptionQueueMax: e.SUBSCRIPTION_QUEUE_MAX,
    subscriptionKeepAliveMs: e.SUBSCRIPTION_KEEPALIVE_MS,
    alerts: {
      evaluate: e.ALERTS,
      intervalMs: e.ALERT_EVAL_INTERVAL_MS,
      webhookHosts: e.ALERT_WEBHOOK_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      webhookTimeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS,
      webhookRetries: e.ALERT_WEBHOOK_RETRIES,
      webhookBackoffMs: e.ALERT_WEBHOOK_BACKOFF_MS,
    },
    shadow: {
      maxConcurrent: e.SHADOW_MAX_CONCURRENCY,
      timeoutMs: e.SHADOW_TIMEOUT_MS,
      noisePercent: e.SHADOW_NOISE_PERCENT,
      keep: e.MISMATCH_KEEP,
    },
    breaker: {
      threshold: e.BREAKER_THRESHOLD,
      window: e.BREAKER_WINDOW,
      minimumCalls: Math.min(e.BREAKER_MIN_CALLS, e.BREAKER_WINDOW),
      halfOpenAfterMs: e.BREAKER_COOLDOWN_MS,
    },
    guard: {
      enabled: e.GUARD,
      tickMs: e.GUARD_TICK_MS,
      publishMs: e.GUARD_PUBLISH_MS,
      leaseMs: e.GUARD_LEASE_MS,
    },
  };
}
