// Small pieces the views share: status badges, queue chips, progress bars.
import { h } from './dom.js';
import { percent } from './format.js';
import { live } from './live.js';

export function statusBadge(status, props = {}) {
  return h('span', { class: 'badge', dataset: { status }, ...props }, status);
}

export function queueChip(queue) {
  const swatch = h('span', { class: 'swatch' });
  swatch.style.background = live.color(queue);
  return h('span', { class: 'chip' }, swatch, queue);
}

/** A bar filled to done/total; a finished job's bar is full whatever it last reported. */
export function progressBar(job, large = false) {
  const fill = h('span');
  const bar = h(
    'div',
    { class: large ? 'progress large' : 'progress', dataset: { status: job.status } },
    fill,
  );
  setProgress(bar, job);
  return bar;
}

export function setProgress(bar, job) {
  bar.dataset.status = job.status;
  const value = job.status === 'SUCCEEDED' ? 100 : percent(job.progress?.done ?? 0, job.progress?.total ?? 0);
  bar.querySelector('span').style.width = `${value ?? 0}%`;
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuenow', String(Math.round(value ?? 0)));
}
