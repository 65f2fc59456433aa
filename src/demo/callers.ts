// Demo traffic: a few hundred pretend users reading the migrated fields through the gateway's
// own GraphQL endpoint, each with its sticky key, so that a fresh `npm start` has live numbers
// to show (decisions per path, latency, shadow comparisons once a share is set). The requests go
// through the whole gateway (routing, metrics, evidence) like any caller's.

/** The reads the demo users make, each touching one migrated field. */
export const DEMO_READS = [
  '{ recentEvents(limit: 20) { ts type cameraId trackId evidence } }',
  '{ realtimeStatistics { systemStatus detectionStats { handwashingDetections violationCount } } }',
  '{ alertHistory(limit: 20) { id alertType } }',
  '{ alertRules { id name enabled } }',
] as const;

export interface DemoCallersOptions {
  /** The gateway's fetch handler (or any fetch aimed at it). */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Requests per second, spread evenly; 0: none. */
  perSecond: number;
  /** How many distinct users (sticky keys) take turns. */
  users?: number;
  /** The random source (tests pass a seeded one). */
  rng?: () => number;
  /** Called with a request that failed (the gateway answered >= 500 or the fetch threw). */
  onError?: (error: unknown) => void;
}

export function createDemoCallers(options: DemoCallersOptions) {
  const { fetch, perSecond, users = 300, rng = Math.random } = options;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const call = () => {
    // A slow gateway is not piled onto: at most a second's worth of requests wait at once.
    if (inFlight >= Math.max(1, perSecond)) return;
    const user = `demo-user-${Math.floor(rng() * users)}`;
    const query = DEMO_READS[Math.floor(rng() * DEMO_READS.length)]!;
    inFlight++;
    const request = fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollout-key': user },
      body: JSON.stringify({ query }),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status >= 500) options.onError?.(new Error(`HTTP ${response.status}`));
      })
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };

  return {
    /** Requests sent and not answered yet. */
    get inFlight() {
      return inFlight;
    },
    start() {
      if (timer || perSecond <= 0) return;
      timer = setInterval(call, 1000 / perSecond);
      timer.unref();
    },
    /** Stops sending and waits for the requests on their way. */
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await Promise.all(pending);
    },
  };
}
