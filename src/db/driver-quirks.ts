// postgres.js 3.4.9 throws, from a setImmediate, a TypeError when its transaction code writes
// ROLLBACK to the socket of a backend that was killed mid-transaction (porsager/postgres#1208,
// fixes pending upstream). Nothing can catch it, and by default it exits the process, although no
// data is at risk: the transaction never committed and its caller already got an error.

/** Whether an uncaught error is that known, harmless postgres.js write to a closed socket. */
export function isClosedSocketWriteError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /reading 'write'/.test(error.message) &&
    /[/\\]postgres[/\\]/.test(error.stack ?? '')
  );
}
