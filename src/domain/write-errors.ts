// How a write on either path failed, when it failed: the one distinction the rollout runner
// needs to decide whether the legacy path may run after a failed domain write.

/**
 * A domain write failed and its transaction certainly rolled back: nothing was applied, so the
 * legacy path may run. The only failure a write falls back on.
 */
export class WriteRolledBackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WriteRolledBackError';
  }
}

/** The connection failed while committing: the write may or may not be applied. Never retried. */
export class WriteOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WriteOutcomeUnknownError';
  }
}
