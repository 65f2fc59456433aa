// How a write on either path failed, when it failed: the one distinction the rollout runner
// needs to decide whether the legacy path may run after a failed domain write.

/**
 * A domain write failed and its transaction certainly rolled back: nothing was applied. The only
 * failure a write falls back on, and only when `fallback` is set: when the database was lost or
 * the write ran out of its time budget, the legacy path (on the same database) must not apply the
 * change instead, and the caller is told that nothing was applied.
 */
export class WriteRolledBackError extends Error {
  readonly fallback: boolean;
  constructor(message: string, options?: { cause?: unknown; fallback?: boolean }) {
    super(message, options);
    this.name = 'WriteRolledBackError';
    this.fallback = options?.fallback ?? true;
  }
}

/** The connection failed while committing: the write may or may not be applied. Never retried. */
export class WriteOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WriteOutcomeUnknownError';
  }
}
