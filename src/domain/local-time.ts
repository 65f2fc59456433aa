// Wall-clock time in a configured IANA zone: "today" for statistics and the old service's naive
// local timestamps. One formatter per zone, reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

export interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/** The local calendar date and time of `instant` in `timeZone`, as zero-padded strings. */
function localParts(instant: Date, timeZone: string): LocalParts {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return Object.fromEntries(
    format.formatToParts(instant).map((p) => [p.type, p.value]),
  ) as unknown as LocalParts;
}

/** Local midnight of `now` in `timeZone`, as an instant. */
export function startOfDay(now: Date, timeZone: string): Date {
  const p = localParts(now, timeZone);
  const sinceMidnightMs =
    ((Number(p.hour) * 60 + Number(p.minute)) * 60 + Number(p.second)) * 1000 +
    now.getUTCMilliseconds();
  return new Date(now.getTime() - sinceMidnightMs);
}

/** Python's naive `datetime.isoformat()` of the local time of `instant` in `timeZone`. */
export function naiveLocalIso(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  const base = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  const ms = instant.getUTCMilliseconds();
  // isoformat() omits the fraction when the microseconds are zero.
  return ms === 0 ? base : `${base}.${String(ms * 1000).padStart(6, '0')}`;
}
