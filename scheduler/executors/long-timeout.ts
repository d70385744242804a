// setTimeout for any duration: Node fires timers longer than 2^31-1 ms (~24.8 days) after 1 ms, and a
// job's timeoutSeconds may be longer than that.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms`; returns a function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  let cancelled = false;
  const arm = (remaining: number) => {
    timer = setTimeout(
      () => {
        if (cancelled) return;
        if (remaining > MAX_TIMER_MS) arm(remaining - MAX_TIMER_MS);
        else fn();
      },
      Math.min(remaining, MAX_TIMER_MS),
    );
  };
  arm(ms);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
