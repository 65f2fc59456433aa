// The shapes of the admin GraphQL answers the console reads (see schema.graphql).

export type Mode = 'ACTIVE' | 'PAUSED' | 'KILLED';

export interface Bucket {
  le: number | null;
  count: number;
}

export interface Counters {
  decisions: { path: string; reason: string; count: number }[];
  fallbacks: { cause: string; count: number }[];
  errors: { path: string; count: number }[];
  latency: {
    path: string;
    count: number;
    meanSeconds: number;
    p50Seconds: number | null;
    p99Seconds: number | null;
    buckets: Bucket[];
  }[];
}

export interface Gate {
  name: string;
  status: string;
  value: number | null;
  limit: number | null;
  text: string;
}

export interface Evidence {
  version: number;
  since: string;
  replicas: number;
  domainRequests: number;
  domainErrors: number;
  domainServed: number;
  fallbacks: number;
  comparisons: number;
  mismatches: number;
  noise: number;
  errorRate: number | null;
  fallbackRate: number | null;
  mismatchRate: number | null;
  noiseRate: number | null;
  p99DomainSeconds: number | null;
  p99LegacySeconds: number | null;
  gates: Gate[];
  decision: { action: string; reason: string; targetPercent: number | null } | null;
}

export interface Rollout {
  flag: string;
  percent: number;
  mode: Mode;
  steps: number[];
  step: number | null;
  nextStep: number | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
  servingPercent: number;
  servingMode: Mode;
  shadowPercent: number;
  fields: string[];
  breaker: { state: 'CLOSED' | 'OPEN' | 'HALF_OPEN'; since: string };
  guard: { steps: number[]; holdSeconds: number; onBreach: string } | null;
  evidence: Evidence;
  counters: Counters;
}

export interface Change {
  id: string;
  at: string;
  by: string;
  action: string;
  fromPercent: number | null;
  fromMode: Mode | null;
  toPercent: number;
  toMode: Mode;
  version: number;
  reason: string;
  requestId: string | null;
  detail: unknown;
}

export interface Mismatch {
  id: string;
  flag: string;
  at: string;
  version: number;
  args: unknown;
  keyHash: string | null;
  primaryPath: string;
  primaryMs: number;
  shadowMs: number;
  diff: { path: string; primary?: unknown; shadow?: unknown }[];
}

export interface Live {
  rolloutFields: { coordinate: string; flag: string }[];
  rollouts: Rollout[];
}
