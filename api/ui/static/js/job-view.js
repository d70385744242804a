// #/jobs/<id>: one job: status and reason, progress and ETA, attempts, the status history and the log.
// Live from GET /v1/jobs/<id>/events: each event re-reads the record (progress is applied at once).
import { ApiError, follow, getJson, getText } from './api.js';
import { h, replace } from './dom.js';
import { clock, count, duration, finishEstimate, gpus, percent, relative } from './format.js';
import { progressBar, queueChip, statusBadge } from './widgets.js';

const FINISHED = ['SUCCEEDED', 'FAILED'];

export function mountJob(container, id) {
  let job;
  let closed = false;
  let logsFor; // "<attempt>:<status>" the log was last read for
  const logs = h('pre', { class: 'logs', id: 'job-logs' }, 'Loading…');
  const content = h('div', { id: 'job' });
  replace(container, content, h('p', { class: 'message' }, 'Loading job…'));

  async function refresh() {
    try {
      job = await getJson(`/v1/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!closed) replace(container, h('p', { class: 'message error' }, error.message));
      return;
    }
    if (closed) return;
    render();
    refreshLogs();
  }

  async function refreshLogs() {
    const attempt = job.attempts.length;
    const key = `${attempt}:${job.status}:${job.progress?.done ?? ''}`;
    if (key === logsFor) return;
    logsFor = key;
    if (attempt === 0) {
      logs.textContent = 'No attempt has started yet.';
      return;
    }
    try {
      const text = await getText(`/v1/jobs/${encodeURIComponent(id)}/logs`, { attempt, tailLines: 500 });
      logs.textContent = text || '(the log is empty so far)';
      logs.scrollTop = logs.scrollHeight;
    } catch (error) {
      logs.textContent =
        error instanceof ApiError && error.status === 501
          ? 'This compute environment keeps no job logs (local runners write to the service output).'
          : `The log could not be read: ${error.message}`;
    }
  }

  function render() {
    const last = job.attempts.at(-1);
    replace(
      container,
      h(
        'div',
        { class: 'page-title' },
        h('h1', { id: 'job-name' }, job.spec.name),
        statusBadge(job.status, { id: 'job-status' }),
        queueChip(job.spec.queue),
        h('span', { class: 'subtle mono' }, job.id),
      ),
      h(
        'div',
        { class: 'grid' },
        statusCard(job),
        progressCard(job, last),
        h('section', { class: 'card' }, h('div', { class: 'card-body' }, facts(job))),
      ),
      attemptsCard(job),
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'card' },
          h('div', { class: 'card-header' }, h('h2', {}, 'History')),
          h('div', { class: 'card-body' }, timeline(job)),
        ),
        h(
          'section',
          { class: 'card log-card' },
          h(
            'div',
            { class: 'card-header' },
            h('h2', {}, 'Log'),
            h('span', { class: 'subtle' }, last ? `attempt ${last.number}` : ''),
          ),
          logs,
        ),
      ),
    );
  }

  const stop = follow(`/v1/jobs/${encodeURIComponent(id)}/events`, {}, (type, event) => {
    if (!job) return;
    if (type === 'progress') {
      job.progress = { done: event.done, total: event.total, at: event.at };
      render();
    }
    scheduleRefresh();
  });
  let pending;
  function scheduleRefresh() {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  }
  // ETA and run time move on between events.
  const ticker = setInterval(() => {
    if (job && !FINISHED.includes(job.status)) render();
  }, 2000);

  refresh();
  return () => {
    closed = true;
    stop();
    clearTimeout(pending);
    clearInterval(ticker);
  };
}

function statusCard(job) {
  const waiting = ['SUBMITTED', 'PENDING', 'RUNNABLE'].includes(job.status);
  const placement = job.attempts.at(-1)?.placement;
  const waited = (job.startedAt ?? (waiting ? Date.now() : job.stoppedAt)) - job.createdAt;
  const lines = [
    ['Waited', Number.isFinite(waited) ? duration(waited) : '–'],
    ['Ran', job.startedAt ? duration((job.stoppedAt ?? Date.now()) - job.startedAt) : '–'],
    ['Placed on', placement ? `${placement.node} · GPU ${gpuList(placement)}` : '–'],
  ];
  return h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-body stat' },
      h('span', { class: 'label' }, 'Status'),
      h('span', { class: 'value' }, job.status),
      h('span', { class: 'hint', id: 'job-reason' }, job.statusReason || '–'),
      waiting && job.suggestions?.length
        ? h(
            'ul',
            { class: 'hint' },
            job.suggestions.map((s) => h('li', {}, s)),
          )
        : null,
      h(
        'dl',
        { class: 'facts compact' },
        lines.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
    ),
  );
}

function progressCard(job, last) {
  const pct = job.status === 'SUCCEEDED' ? 100 : percent(job.progress?.done ?? 0, job.progress?.total ?? 0);
  let eta = '–';
  if (job.status === 'RUNNABLE' && job.estimatedStartAt)
    eta = `starts ${relative(job.estimatedStartAt)} (estimate)`;
  else if (job.status === 'RUNNABLE' && job.notBefore) eta = `retry ${relative(job.notBefore)}`;
  else if (job.status === 'RUNNING') {
    const end = finishEstimate(job.progress, last?.startedAt);
    eta = end ? `finishes ${relative(end)} (at ${clock(end)})` : 'finish time known after the first progress';
  } else if (FINISHED.includes(job.status) && job.startedAt && job.stoppedAt) {
    eta = `ran ${duration(job.stoppedAt - job.startedAt)}`;
  }
  const units = job.progress
    ? `${count(job.progress.done)} / ${count(job.progress.total)}`
    : 'no progress reported';
  return h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-body stat' },
      h('span', { class: 'label' }, 'Progress'),
      h('span', { class: 'value', id: 'job-progress' }, pct === undefined ? '–' : `${Math.floor(pct)}%`),
      progressBar(job, true),
      h('span', { class: 'hint' }, units),
      h('span', { class: 'hint', id: 'job-eta' }, eta),
    ),
  );
}

function facts(job) {
  const spec = job.spec;
  const what =
    spec.kind === 'inference' ? `inference · ${spec.model ?? ''}` : `${spec.kind} · ${spec.kernel ?? ''}`;
  const rows = [
    ['Work', what],
    [
      'Resources',
      `${gpus(spec.resources)}${spec.resources?.gpuModel?.length ? ` (${spec.resources.gpuModel.join(', ')})` : ''}`,
    ],
    ['Share', spec.shareIdentifier ?? '–'],
    ['Priority', String(spec.priority ?? 0)],
    ['Submitted', `${clock(job.createdAt)} (${relative(job.createdAt)})`],
    ['Output', job.result?.output ?? spec.output ?? '–'],
  ];
  if (job.result)
    rows.push([
      'Result',
      `${count(job.result.rows)} row${job.result.rows === 1 ? '' : 's'} on ${job.result.backend}`,
    ]);
  return h(
    'dl',
    { class: 'facts' },
    rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function attemptsCard(job) {
  const body = job.attempts.length
    ? h(
        'table',
        { id: 'job-attempts' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['#', 'Node', 'GPUs', 'Started', 'Run time', 'Backend', 'Outcome', 'Reason'].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          job.attempts
            .slice()
            .reverse()
            .map((a) =>
              h(
                'tr',
                {},
                h('td', {}, String(a.number)),
                h('td', { class: 'mono' }, a.placement.node),
                h('td', { class: 'mono' }, gpuList(a.placement)),
                h('td', {}, clock(a.startedAt)),
                h('td', {}, duration((a.stoppedAt ?? Date.now()) - a.startedAt)),
                h('td', {}, a.backend ?? '–'),
                h(
                  'td',
                  {},
                  a.outcome
                    ? h('span', { class: a.outcome === 'succeeded' ? 'tag' : 'tag warn' }, a.outcome)
                    : 'running',
                ),
                h(
                  'td',
                  { class: 'reason' },
                  a.reason || (a.exitCode !== undefined ? `exit ${a.exitCode}` : ''),
                ),
              ),
            ),
        ),
      )
    : h('p', { class: 'message' }, 'No attempts yet.');
  return h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-header' },
      h('h2', {}, 'Attempts'),
      h('span', { class: 'subtle' }, `${job.attempts.length}`),
    ),
    body,
  );
}

function gpuList(placement) {
  if (placement.gpuIndices.length === 0) return 'none';
  const share = placement.gpuMilliPerGpu < 1000 ? ` (${placement.gpuMilliPerGpu / 10}%)` : '';
  return `${placement.gpuIndices.join(', ')}${share}`;
}

function timeline(job) {
  return h(
    'ol',
    { class: 'timeline', id: 'job-history' },
    job.events
      .slice()
      .reverse()
      .map((e) =>
        h(
          'li',
          {},
          h('time', {}, clock(e.at)),
          statusBadge(e.status),
          h('span', { class: 'reason' }, e.reason),
        ),
      ),
  );
}
