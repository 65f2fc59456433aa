// How the legacy pipeline rotates its event log (Python's RotatingFileHandler with
// backupCount=10): the live file becomes `<path>.1`, `.1` becomes `.2`, … and `.10` is dropped.
// The reader, the ingester and the demo simulator all follow these facts.

/** How many rotated files the pipeline keeps beside the live log. */
export const ROTATED_BACKUPS = 10;

/** The path of rotated file `k` (0 is the live file). */
export function rotatedPath(logPath: string, k: number): string {
  return k === 0 ? logPath : `${logPath}.${k}`;
}
