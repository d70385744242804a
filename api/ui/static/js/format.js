// Formatting shared by the views: durations, times, counts. Pure functions (unit-tested in Node).

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function duration(ms) {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 && m < 10 ? `${m} min ${s % 60} s` : `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 24) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "12 s ago", "in 3 min". */
export function relative(at, now = Date.now()) {
  if (!Number.isFinite(at)) return '–';
  const diff = at - now;
  if (Math.abs(diff) < 1500) return 'just now';
  return diff < 0 ? `${duration(-diff)} ago` : `in ${duration(diff)}`;
}

/** Local "HH:MM:SS" for today, else "Mon 28, HH:MM". */
export function clock(at, now = Date.now()) {
  const date = new Date(at);
  const time = date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${time.slice(0, 5)}`;
}

/** 0..100, or undefined without a total. */
export function percent(done, total) {
  if (!total || total <= 0) return undefined;
  return Math.max(0, Math.min(100, (done / total) * 100));
}

/** GPUs as people say them: "2 GPUs", "0.5 GPU", "no GPU". */
export function gpus(resources) {
  if (!resources) return '–';
  if (resources.gpus > 0) return `${resources.gpus} GPU${resources.gpus === 1 ? '' : 's'}`;
  if (resources.gpuMilli > 0) return `${resources.gpuMilli / 1000} GPU`;
  return 'no GPU';
}

/** 1234567 -> "1,234,567"; fractions (shares of GPUs) keep two decimals. */
export function count(value) {
  if (!Number.isFinite(value)) return '–';
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * When a running job should finish, from its progress so far: the rate since its attempt started.
 * Undefined until some progress has been made (no rate yet) or when it is done.
 */
export function finishEstimate(progress, attemptStartedAt) {
  if (!progress || !attemptStartedAt || progress.total <= 0) return undefined;
  if (progress.done <= 0 || progress.done >= progress.total) return undefined;
  const elapsed = progress.at - attemptStartedAt;
  if (elapsed <= 0) return undefined;
  const rate = progress.done / elapsed; // units per ms
  return progress.at + (progress.total - progress.done) / rate;
}
