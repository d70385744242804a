// #/jobs: the jobs table (GET /v1/jobs with its filters and cursor), kept live by the events stream.
import { getJson } from './api.js';
import { h, replace } from './dom.js';
import { duration, gpus, percent, relative } from './format.js';
import { live, on } from './live.js';
import { progressBar, queueChip, setProgress, statusBadge } from './widgets.js';

const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];
const PAGE = 50;
const EXPLAINED = ['PENDING', 'RUNNABLE', 'FAILED'];
/** Records re-read per batch of status events at most. */
const MAX_READS = 25;

export function mountJobs(container, params) {
  const filters = {
    queue: params.get('queue') ?? '',
    status: params.get('status') ?? '',
    name: params.get('name') ?? '',
  };
  const rows = new Map(); // job id -> { job, tr }
  let cursor;
  let generation = 0;

  const queueSelect = h(
    'select',
    { id: 'filter-queue', name: 'queue' },
    h('option', { value: '' }, 'All queues'),
  );
  const statusSelect = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const nameInput = h('input', {
    id: 'filter-name',
    name: 'name',
    type: 'search',
    placeholder: 'name prefix',
  });
  const body = h('tbody');
  const footer = h('span', { id: 'jobs-count' });
  const more = h(
    'button',
    { class: 'secondary', type: 'button', hidden: true, onclick: () => load(false) },
    'Load more',
  );
  const table = h(
    'table',
    { id: 'jobs-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Job'),
        h('th', {}, 'Queue'),
        h('th', {}, 'Status'),
        h('th', {}, 'Progress'),
        h('th', {}, 'GPUs'),
        h('th', { class: 'num' }, 'Created'),
        h('th', { class: 'num' }, 'Run time'),
      ),
    ),
    body,
  );
  replace(
    container,
    h('div', { class: 'page-title' }, h('h1', {}, 'Jobs'), h('span', { class: 'subtle' }, 'newest first')),
    h(
      'section',
      { class: 'card' },
      h(
        'form',
        { class: 'filters', onsubmit: (e) => e.preventDefault() },
        h('label', { class: 'field' }, 'Queue', queueSelect),
        h('label', { class: 'field' }, 'Status', statusSelect),
        h('label', { class: 'field' }, 'Name', nameInput),
      ),
      table,
      h('div', { class: 'table-footer' }, footer, more),
    ),
  );

  function fillQueues(queues) {
    const options = queues.map((q) => h('option', { value: q }, q));
    replace(queueSelect, h('option', { value: '' }, 'All queues'), options);
    queueSelect.value = filters.queue;
  }
  fillQueues(live.queues);
  statusSelect.value = filters.status;
  nameInput.value = filters.name;

  /** Filters go into the URL, so a filtered table can be shared and survives a reload. */
  function applyFilters() {
    filters.queue = queueSelect.value;
    filters.status = statusSelect.value;
    filters.name = nameInput.value.trim();
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
    history.replaceState(null, '', `#/jobs${query ? `?${query}` : ''}`);
    load(true);
  }
  queueSelect.addEventListener('change', applyFilters);
  statusSelect.addEventListener('change', applyFilters);
  let typing;
  nameInput.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(applyFilters, 250);
  });

  function query() {
    return { queue: filters.queue, status: filters.status, name: filters.name ? `${filters.name}*` : '' };
  }

  async function load(fresh) {
    const mine = ++generation;
    if (fresh) cursor = undefined;
    let page;
    try {
      page = await getJson('/v1/jobs', { ...query(), limit: PAGE, cursor });
    } catch (error) {
      if (mine === generation) replace(footer, h('span', { class: 'error' }, error.message));
      return;
    }
    if (mine !== generation) return; // a newer filter won
    if (fresh) {
      rows.clear();
      body.replaceChildren();
    }
    for (const job of page.jobs) addRow(job, false);
    cursor = page.nextCursor;
    more.hidden = cursor === undefined;
    updateFooter();
  }

  function updateFooter() {
    if (rows.size === 0) {
      body.replaceChildren(
        h(
          'tr',
          {},
          h(
            'td',
            { class: 'message', colspan: 7 },
            filters.queue || filters.status || filters.name ? 'No jobs match these filters.' : 'No jobs yet.',
          ),
        ),
      );
    }
    footer.textContent = `${rows.size} job${rows.size === 1 ? '' : 's'}${cursor ? ' shown' : ''}`;
  }

  function addRow(job, atTop) {
    if (rows.has(job.id)) return;
    if (rows.size === 0) body.replaceChildren();
    const tr = h('tr', { dataset: { jobId: job.id } });
    rows.set(job.id, { job, tr });
    renderRow(job, tr);
    if (atTop) body.prepend(tr);
    else body.append(tr);
  }

  function renderRow(job, tr) {
    tr.dataset.status = job.status;
    const started = job.startedAt ?? job.attempts?.at(-1)?.startedAt;
    const runTime = started ? (job.stoppedAt ?? Date.now()) - started : undefined;
    const pct = job.status === 'SUCCEEDED' ? 100 : percent(job.progress?.done ?? 0, job.progress?.total ?? 0);
    replace(
      tr,
      h(
        'td',
        {},
        h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'job-link' }, job.spec.name),
        h('div', { class: 'subtle mono' }, job.id.slice(0, 13)),
      ),
      h('td', {}, queueChip(job.spec.queue)),
      h(
        'td',
        {},
        statusBadge(job.status, { title: job.statusReason }),
        // Why it waits or why it failed is what people look for; other reasons stay in the tooltip.
        EXPLAINED.includes(job.status) && job.statusReason
          ? h('div', { class: 'reason' }, job.statusReason)
          : null,
      ),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'progress-cell' },
          progressBar(job),
          h('span', { class: 'pct' }, pct === undefined ? '' : `${Math.floor(pct)}%`),
        ),
      ),
      h('td', {}, gpus(job.spec.resources)),
      h(
        'td',
        { class: 'num subtle', title: new Date(job.createdAt).toLocaleString() },
        relative(job.createdAt),
      ),
      h('td', { class: 'num' }, runTime === undefined ? '–' : duration(runTime)),
    );
  }

  /** Whether a job read after an event belongs in the table under the current filters. */
  function matches(job) {
    return (
      (!filters.queue || job.spec.queue === filters.queue) &&
      (!filters.status || job.status === filters.status) &&
      (!filters.name || job.spec.name.startsWith(filters.name))
    );
  }

  // Status events are batched: a burst (an array job's thousand children) costs a bounded number of reads.
  const changed = new Set();
  let flushTimer;
  const stopEvents = on('event', (type, event) => {
    const row = rows.get(event.jobId);
    if (type === 'progress' && row) {
      row.job.progress = { done: event.done, total: event.total, at: event.at };
      setProgress(row.tr.querySelector('.progress'), row.job);
      const pct = percent(event.done, event.total);
      row.tr.querySelector('.pct').textContent = pct === undefined ? '' : `${Math.floor(pct)}%`;
      return;
    }
    if (type !== 'status') return;
    if (!row && filters.queue && event.queue !== filters.queue) return;
    if (!row && filters.status && event.status !== filters.status) return;
    if (row) {
      // The badge moves at once; the re-read below brings the attempt, times and reason.
      row.job = { ...row.job, status: event.status, statusReason: event.reason };
      renderRow(row.job, row.tr);
    }
    changed.add(event.jobId);
    flushTimer ??= setTimeout(flush, 300);
  });

  async function flush() {
    flushTimer = undefined;
    const ids = [...changed];
    changed.clear();
    const unknown = ids.filter((id) => !rows.has(id));
    if (unknown.length > MAX_READS) {
      load(true); // many new jobs: the first page again is cheaper than reading each
      return;
    }
    const shown = ids.filter((id) => rows.has(id)).slice(-MAX_READS);
    const jobs = await Promise.all(
      [...shown, ...unknown].map((id) =>
        getJson(`/v1/jobs/${encodeURIComponent(id)}`).catch(() => undefined),
      ),
    );
    for (const job of jobs) {
      if (!job) continue;
      const current = rows.get(job.id);
      if (current) {
        // A row stays when its job leaves the status filter: the change is what the user is watching.
        current.job = job;
        renderRow(job, current.tr);
      } else if (matches(job) && !olderThanShown(job)) {
        addRow(job, true);
        updateFooter();
      }
    }
  }

  /** Only jobs newer than the first row are prepended; older ones belong to later pages. */
  function olderThanShown(job) {
    const first = rows.values().next().value;
    return first !== undefined && job.createdAt < first.job.createdAt;
  }

  let queuesShown = live.queues.join();
  const stopSample = on('sample', () => {
    if (live.queues.join() === queuesShown) return;
    // A queue came or went: new options, and colours follow the new set.
    queuesShown = live.queues.join();
    fillQueues(live.queues);
    for (const { job, tr } of rows.values()) renderRow(job, tr);
  });
  // Run times of running jobs move on even without events.
  const ticker = setInterval(() => {
    for (const { job, tr } of rows.values()) if (job.status === 'RUNNING') renderRow(job, tr);
  }, 5000);

  load(true);
  return () => {
    generation++;
    stopEvents();
    stopSample();
    clearTimeout(flushTimer);
    clearInterval(ticker);
  };
}
