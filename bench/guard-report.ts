// The guarded-rollout section of the benchmark report (bench/guard.ts's JSON as markdown).

export interface GuardResult {
  requestsPerRound: number;
  rounds: number;
  gapMs: number;
  p50OffMs: number;
  p50OnMs: number;
  p50Ratio: number;
  ratios: number[];
  shadowOutcomes: Record<string, number>;
  controllerTickMs: number;
  publishMs: number;
  guardedFlags: number;
}

export function guardMarkdown(g: GuardResult): string {
  const outcomes = Object.entries(g.shadowOutcomes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    '## Guarded rollouts (embedded PGlite, bench/guard.ts)',
    '',
    `Shadow overhead: \`GET /api/v1/events/recent?limit=100\` served by legacy, the domain path run after the answer and compared; ${g.rounds} rounds × ${g.requestsPerRound} requests, one every ${g.gapMs} ms, shadow 0% and 100% alternating (ABBA).`,
    '',
    '| | p50 |',
    '| --- | --- |',
    `| shadow 0% | ${g.p50OffMs.toFixed(3)} ms |`,
    `| shadow 100% | ${g.p50OnMs.toFixed(3)} ms |`,
    `| ratio (median of rounds) | **${g.p50Ratio.toFixed(3)}×** (goal ≤ 1.1×; rounds ${g.ratios.map((r) => r.toFixed(2)).join(', ')}) |`,
    '',
    `Shadow outcomes: ${outcomes}.`,
    '',
    `Guard controller: one period (lease renewal, publish, ${g.guardedFlags} guarded flags summed and judged) ${g.controllerTickMs.toFixed(2)} ms; one evidence publish ${g.publishMs.toFixed(2)} ms. At the default 1 s period that is ${(g.controllerTickMs / 10).toFixed(2)}% of one core on the controller replica.`,
    '',
  ].join('\n');
}
