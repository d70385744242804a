// ISO 8601 UTC text for a time in ms, by arithmetic (the core reads no clock, and constructs no Date).

/** "2026-11-28T14:00Z" (to the minute), or "2026-11-28T14:00:05Z" when the second is not 0; seconds round up. */
export function utcMinute(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const ofDay = seconds - days * 86_400;
  const [year, month, day] = civilFromDays(days);
  const hh = Math.floor(ofDay / 3600);
  const mm = Math.floor((ofDay % 3600) / 60);
  const ss = ofDay % 60;
  const date = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
  return `${date}T${two(hh)}:${two(mm)}${ss === 0 ? '' : `:${two(ss)}`}Z`;
}

/** Days since 1970-01-01 to [year, month 1-12, day 1-31] (proleptic Gregorian; H. Hinnant's algorithm). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
