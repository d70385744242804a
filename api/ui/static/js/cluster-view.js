// #/cluster: each compute environment's nodes with one cell per GPU, coloured by the queue (or share) of
// the job on it; partly used GPUs show their free remainder hatched (capacity only shared-GPU jobs can
// use). Below, queue depth and GPU allocation over time from the samples the dashboard keeps.
import { chips, legend, stackedAreaChart } from './chart.js';
import { nodeCells, poolTotals } from './cluster-model.js';
import { palette } from './colors.js';
import { h, replace } from './dom.js';
import { count, relative } from './format.js';
import { live, on, sample } from './live.js';

const COMPACT_OVER = 24;

export function mountCluster(container) {
  let colourBy = 'queue';
  const pools = h('div', { id: 'pools' }, h('p', { class: 'message' }, 'Loading the cluster…'));
  const toggle = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Colour GPUs by' },
    ['queue', 'share'].map((by) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(by === colourBy),
          dataset: { by },
          onclick: () => setColourBy(by),
        },
        `By ${by}`,
      ),
    ),
  );
  const depthChart = h('div', { id: 'chart-depth' });
  const allocationChart = h('div', { id: 'chart-allocation' });
  replace(
    container,
    h('div', { class: 'page-title' }, h('h1', {}, 'Cluster'), h('span', { class: 'spacer' }), toggle),
    pools,
    h(
      'div',
      { class: 'grid' },
      chartCard('Queue depth', 'jobs waiting, per queue', depthChart),
      chartCard('GPU allocation', 'GPUs held by running jobs, per queue', allocationChart),
    ),
  );

  function setColourBy(by) {
    colourBy = by;
    for (const button of toggle.querySelectorAll('button'))
      button.setAttribute('aria-pressed', String(button.dataset.by === by));
    render();
  }

  let drawn; // what the map shows, so a sample that changed nothing leaves the DOM (and tooltips) alone
  function render() {
    if (!live.sampledAt) return;
    renderPools();
    const queues = live.queues;
    replace(depthChart, chart(live.depth, queues), legend(queues, live.color));
    replace(allocationChart, chart(live.allocation, queues, 'GPUs'), legend(queues, live.color));
  }

  function renderPools() {
    const placements = live.running.map((job) => [
      job.id,
      job.spec.queue,
      job.spec.shareIdentifier,
      job.attempts.at(-1)?.placement,
    ]);
    const ces = live.computeEnvironments.map(({ updatedAt: _, ...ce }) => ce);
    const signature = JSON.stringify([colourBy, live.queues, ces, placements]);
    for (const el of pools.querySelectorAll('[data-published]'))
      el.textContent = published(Number(el.dataset.published));
    if (signature === drawn) return;
    drawn = signature;
    const shares = [...new Set(live.running.map((job) => job.spec.shareIdentifier).filter(Boolean))];
    const shareColour = palette(shares);
    const byQueue = colourBy === 'queue';
    const colourOf = (job) =>
      byQueue ? live.color(job.queue) : job.share ? shareColour(job.share) : '#94a3b8';
    if (live.computeEnvironments.length === 0)
      replace(pools, h('p', { class: 'message' }, 'No compute environments.'));
    else
      replace(
        pools,
        live.computeEnvironments.map((ce) =>
          poolCard(ce, colourOf, byQueue ? live.queues : shares, byQueue ? live.color : shareColour),
        ),
      );
  }

  function chart(samples, keys, totalLabel) {
    const width = Math.max(320, depthChart.clientWidth || 560);
    return stackedAreaChart({
      samples,
      keys,
      color: live.color,
      width,
      totalLabel: totalLabel && `${samples.at(-1)?.total ?? 0} GPUs`,
    });
  }

  const stop = on('sample', render);
  render();
  sample().catch(() => {}); // fresh numbers now rather than at the next tick
  return stop;
}

function published(at) {
  return `map published ${relative(at)}`;
}

function chartCard(title, subtitle, body) {
  return h(
    'section',
    { class: 'card' },
    h('div', { class: 'card-header' }, h('h2', {}, title), h('span', { class: 'subtle' }, subtitle)),
    h('div', { class: 'card-body' }, body),
  );
}

function poolCard(ce, colourOf, legendKeys, legendColour) {
  const nodes = nodeCells(ce, live.running);
  const totals = poolTotals(nodes);
  const header = h(
    'div',
    { class: 'card-header' },
    h('h2', {}, ce.name),
    h('span', { class: 'tag' }, ce.type),
    ce.state === 'DISABLED' ? h('span', { class: 'tag warn' }, 'DISABLED') : null,
    h('span', { class: 'subtle' }, `queues: ${ce.queues.join(', ') || '–'}`),
    h('span', { class: 'spacer' }),
    ce.updatedAt
      ? h('span', { class: 'subtle', dataset: { published: ce.updatedAt } }, published(ce.updatedAt))
      : null,
  );
  if (!ce.gpuUse) {
    return h(
      'section',
      { class: 'card pool', dataset: { pool: ce.name } },
      header,
      h('p', { class: 'message' }, 'No GPU map yet: the scheduler leader has not published one.'),
    );
  }
  const stats = h(
    'div',
    { class: 'pool-stats' },
    stat(
      'GPUs in use',
      `${count(totals.allocated)} / ${totals.gpus}`,
      `${totals.used} whole, ${totals.partly} shared`,
    ),
    stat('Free GPUs', String(totals.free), `largest block on one node: ${totals.largestFree}`),
    stat('Stranded', `${count(totals.stranded)} GPU`, 'free slivers of shared GPUs', 'stat-stranded'),
    stat(
      'Waiting for a place',
      String(ce.pendingJobs ?? 0),
      ce.nodesWanted ? `${ce.nodesWanted} more node(s) wanted` : 'no nodes wanted',
    ),
  );
  return h(
    'section',
    { class: 'card pool', dataset: { pool: ce.name } },
    header,
    stats,
    // Large pools get small cells, so a few hundred nodes still fit on a screen or two.
    h(
      'div',
      { class: nodes.length > COMPACT_OVER ? 'nodes compact' : 'nodes' },
      nodes.map((node) => nodeBox(node, colourOf)),
    ),
    h(
      'div',
      { class: 'card-body' },
      h(
        'div',
        { class: 'legend' },
        chips(legendKeys, legendColour),
        h('span', { class: 'chip' }, h('span', { class: 'swatch' }), 'free'),
        h(
          'span',
          { class: 'chip' },
          h('span', { class: 'swatch stranded' }),
          'shared GPU: free part hatched',
        ),
      ),
    ),
  );
}

function stat(label, value, hint, id) {
  return h(
    'div',
    { class: 'stat', id },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, value),
    h('span', { class: 'hint' }, hint),
  );
}

function nodeBox(node, colourOf) {
  const cells = node.gpus.map((gpu) => {
    const cell = h('div', {
      class: 'gpu',
      dataset: {
        node: node.node,
        index: String(gpu.index),
        state: gpu.state,
        usedMilli: String(gpu.usedMilli),
        queue: gpu.jobs.map((j) => j.queue).join(' ') || undefined,
        jobs: gpu.jobs.map((j) => j.id).join(' ') || undefined,
      },
      title: cellTitle(node.node, gpu),
    });
    cell.append(h('span', { class: 'index' }, String(gpu.index)));
    // One band per job, as tall as its share of the GPU; use no job accounts for stays grey.
    let drawn = 0;
    for (const job of gpu.jobs) {
      const band = h('span', { class: 'use', dataset: { job: job.id } });
      band.style.height = `${job.milli / 10}%`;
      band.style.background = colourOf(job);
      cell.append(band);
      drawn += job.milli;
    }
    if (gpu.usedMilli > drawn) {
      const band = h('span', { class: 'use' });
      band.style.height = `${(gpu.usedMilli - drawn) / 10}%`;
      cell.append(band);
    }
    return cell;
  });
  const columns = Math.min(8, Math.max(4, node.gpus.length));
  const grid = h('div', { class: 'gpus' }, cells);
  grid.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
  return h(
    'div',
    { class: 'node', dataset: { node: node.node, unschedulable: String(node.unschedulable) } },
    h(
      'div',
      { class: 'node-header' },
      h('span', { class: 'node-name' }, node.node),
      node.unschedulable ? h('span', { class: 'tag warn' }, 'takes no new work') : null,
      h(
        'span',
        { class: 'node-free' },
        `${node.freeGpus} free${node.strandedMilli ? ` · ${node.strandedMilli / 1000} stranded` : ''}`,
      ),
    ),
    grid,
  );
}

function cellTitle(node, gpu) {
  const head = `${node} GPU ${gpu.index}: ${gpu.usedMilli / 10}% in use`;
  const jobs = gpu.jobs.map(
    (j) => `\n${j.name} (${j.queue}${j.share ? `, share ${j.share}` : ''}) ${j.milli / 10}%`,
  );
  return head + jobs.join('');
}
