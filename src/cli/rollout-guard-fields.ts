// What `rollout status` reads about a rollout's shadow share, breaker, guard and evidence.

/** The fields `status` asks for on top of the rollout's own. */
export const GUARD_STATUS_FIELDS = `shadowPercent breaker { state since }
  guard { steps holdSeconds minRequests minComparisons onBreach controller { holder thisReplica } }
  evidence { version since replicas domainRequests comparisons mismatches noise errorRate fallbackRate
    mismatchRate noiseRate decision { action reason } }`;

export interface GuardStatusView {
  shadowPercent: number;
  breaker: { state: string; since: string };
  guard: {
    steps: number[];
    holdSeconds: number;
    minRequests: number;
    minComparisons: number;
    onBreach: string;
    controller: { holder: string; thisReplica: boolean } | null;
  } | null;
  evidence: {
    version: number;
    since: string;
    replicas: number;
    domainRequests: number;
    comparisons: number;
    mismatches: number;
    noise: number;
    errorRate: number | null;
    fallbackRate: number | null;
    mismatchRate: number | null;
    noiseRate: number | null;
    decision: { action: string; reason: string } | null;
  };
}
