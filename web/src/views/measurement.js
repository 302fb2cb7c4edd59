// One measurement (its permalink: #/a/{account}/m/{id}): per target, the merged path graph of
// every colo and an mtr-style table per colo. While it runs, hops appear as the event stream
// brings them.
import { h, clear } from '../dom.js';
import { call, readEvents, traceroutePath } from '../api.js';
import { asn, lossPercent, ms, when } from '../format.js';
import { mergePaths } from '../paths.js';
import { drawGraph } from '../graph.js';
import { errorBox, isStale, link, page } from './common.js';

// An mtr-style table of one colo's hops: a row per answering interface (a hop's TTL, loss and
// sent span its rows), a "no reply" row for a silent hop.
export function hopTable(target, coloResult) {
  const colo = coloResult.colo?.name ?? '';
  const caption = [`${colo}${coloResult.colo?.city ? ` (${coloResult.colo.city})` : ''} → ${target}`];
  if (coloResult.running) caption.push('running');
  if (coloResult.error) caption.push(`error: ${coloResult.error}`);
  if (typeof coloResult.traceroute_time_ms === 'number' && !coloResult.running) {
    caption.push(`${coloResult.traceroute_time_ms} ms`);
  }
  if ('multipath_complete' in coloResult) {
    caption.push(`multipath ${coloResult.multipath_complete ? 'complete' : 'incomplete'}, ` +
      `${coloResult.multipath_probes} probes`);
  }
  const columns = ['TTL', 'Host', 'Address', 'ASN', 'Loss', 'Sent', 'Min', 'Mean', 'Max', 'StDev', 'Labels'];
  const keys = ['ttl', 'name', 'ip', 'asn', 'loss', 'sent', 'min', 'mean', 'max', 'std_dev', 'labels'];
  const body = h('tbody');
  for (const hop of coloResult.hops ?? []) {
    const nodes = hop.nodes?.length ? hop.nodes : [null];
    nodes.forEach((node, i) => {
      const row = h('tr', { 'data-ttl': hop.packets_ttl, class: node ? '' : 'silent' });
      if (i === 0) {
        const span = nodes.length;
        row.append(
          h('th', { scope: 'row', rowspan: span, 'data-col': 'ttl' }, hop.packets_ttl),
        );
      }
      row.append(
        h('td', { 'data-col': 'name' }, node ? node.name : '* no reply'),
        h('td', { 'data-col': 'ip' }, node ? node.ip : ''),
        h('td', { 'data-col': 'asn' }, node ? asn(node.asn) : ''));
      if (i === 0) {
        row.append(
          h('td', { rowspan: nodes.length, 'data-col': 'loss', class: 'num' },
            lossPercent(hop.packets_sent, hop.packets_lost)),
          h('td', { rowspan: nodes.length, 'data-col': 'sent', class: 'num' }, hop.packets_sent));
      }
      row.append(
        h('td', { 'data-col': 'min', class: 'num' }, node ? ms(node.min_rtt_ms) : ''),
        h('td', { 'data-col': 'mean', class: 'num' }, node ? ms(node.mean_rtt_ms) : ''),
        h('td', { 'data-col': 'max', class: 'num' }, node ? ms(node.max_rtt_ms) : ''),
        h('td', { 'data-col': 'std_dev', class: 'num' }, node ? ms(node.std_dev_rtt_ms) : ''),
        h('td', { 'data-col': 'labels' }, node ? (node.labels ?? []).join(', ') : ''));
      row.dataset.node = node ? node.ip : '';
      body.append(row);
    });
  }
  return h('table', { class: 'hops', 'data-colo': colo, 'data-target': target },
    h('caption', {}, caption.join(' · ')),
    h('thead', {}, h('tr', {}, ...columns.map((c, i) => h('th', { scope: 'col', 'data-col': keys[i] }, c)))),
    body);
}

function targetSection(account, target) {
  const colos = target.colos ?? [];
  const graph = mergePaths(colos);
  const section = h('section', { class: 'target', 'data-target': target.target },
    h('h2', {}, target.target));
  const svg = drawGraph(graph, { title: `paths to ${target.target} from ${colos.length} colo(s)` });
  const tables = colos.map((c) => hopTable(target.target, c));
  // Hovering or focusing a colo's table highlights its path in the graph, too.
  for (const table of tables) {
    for (const type of ['mouseenter', 'focusin']) {
      table.addEventListener(type, () => svg.highlight(table.dataset.colo));
    }
    for (const type of ['mouseleave', 'focusout']) table.addEventListener(type, () => svg.highlight(null));
    table.tabIndex = 0;
  }
  section.append(h('figure', { class: 'graph' }, svg,
    h('figcaption', {}, 'Merged paths: boxes are addresses (coloured by ASN, with RTT and loss); ' +
      'dashed boxes are hops that did not answer. Hover or focus a colo to highlight its path.')),
  ...tables);
  return section;
}

// What has the keyboard focus inside `root`, as a selector that finds it again after a redraw
// (a colo's table, a graph node, a link with an id), or null.
function focusKey(root) {
  const el = document.activeElement;
  if (!el || !root.contains(el)) return null;
  if (el.matches('table.hops')) return `table.hops[data-colo="${CSS.escape(el.dataset.colo)}"][data-target="${CSS.escape(el.dataset.target)}"]`;
  if (el.matches('g.node')) return `g.node[data-key="${CSS.escape(el.dataset.key)}"]`;
  if (el.id) return `#${CSS.escape(el.id)}`;
  return null;
}
function restoreFocus(root, key) {
  if (key) root.querySelector(key)?.focus({ preventScroll: true });
}

// Draws `m` into `root`, keeping the keyboard focus where it was (a live redraw must not send
// a keyboard user back to the top).
function render(account, m, root) {
  const focus = focusKey(root);
  const request = m.request ?? {};
  const options = request.options ?? {};
  const status = h('span', { id: 'status', class: `status ${m.status}` }, m.status);
  const summary = h('dl', { class: 'summary' },
    h('dt', {}, 'Status'), h('dd', {}, status),
    h('dt', {}, 'Started'), h('dd', {}, when(m.created_at)),
    h('dt', {}, 'Finished'), h('dd', {}, when(m.finished_at)),
    h('dt', {}, 'Colos'), h('dd', {}, (request.colos ?? []).join(', ') || 'all'),
    h('dt', {}, 'Options'), h('dd', {}, Object.entries(options).map(([k, v]) => `${k} ${v}`).join(', ')));
  const actions = h('p', { class: 'actions' },
    link(account, `/m/${m.id}`, 'Permalink', { id: 'permalink' }), ' · ',
    link(account, `/history?compare=${m.id}`, 'Compare with another…', { id: 'compare-from' }));
  clear(root).append(summary, actions, ...(m.result ?? []).map((t) => targetSection(account, t)));
  restoreFocus(root, focus);
}

// Folds a live event into the measurement being shown.
function apply(m, name, data) {
  const findTarget = (t) => {
    let entry = m.result.find((x) => x.target === t);
    if (!entry) {
      entry = { target: t, colos: [] };
      m.result.push(entry);
    }
    return entry;
  };
  const findColo = (entry, colo) => {
    let c = entry.colos.find((x) => x.colo?.name === colo.name);
    if (!c) {
      c = { colo, error: '', hops: [], running: true };
      entry.colos.push(c);
    }
    return c;
  };
  if (name === 'hop') {
    const c = findColo(findTarget(data.target), data.colo);
    c.hops = c.hops.filter((x) => x.packets_ttl !== data.hop.packets_ttl);
    c.hops.push(data.hop);
    c.hops.sort((a, b) => a.packets_ttl - b.packets_ttl);
  } else if (name === 'colo') {
    const entry = findTarget(data.target);
    const i = entry.colos.findIndex((x) => x.colo?.name === data.result.colo?.name);
    if (i >= 0) entry.colos[i] = data.result;
    else entry.colos.push(data.result);
  }
}

let current = null;  // the stream of the measurement on screen, aborted on navigation


export function leaveMeasurement() {
  current?.abort();
  current = null;
}

export async function showMeasurement(account, id, nav) {
  leaveMeasurement();
  const path = traceroutePath(account, `/measurements/${id}`);
  let m = (await call('GET', path)).result;
  if (isStale(nav)) return;
  const root = h('div', { id: 'measurement', 'data-id': id });
  page(`Measurement ${id}`, root);
  root.dataset.status = m.status;
  render(account, m, root);
  if (m.status !== 'running') return;

  const controller = new AbortController();
  current = controller;
  // The stream starts with what happened so far, then goes on live; it is folded into the
  // snapshot (colos that send no hops, multipath ones, stay shown until their result comes).
  m = structuredClone(m);
  // Redraws at most once a frame, and never more than a third of the time: a big graph takes
  // its layout time again at every redraw (docs/benchmarks.md, "The web page").
  let scheduled = false;
  let lastCostMs = 0;
  let lastEnd = 0;
  const redraw = () => {
    if (scheduled) return;
    scheduled = true;
    const wait = Math.max(0, 2 * lastCostMs - (performance.now() - lastEnd));
    setTimeout(() => requestAnimationFrame(() => {
      scheduled = false;
      if (current !== controller) return;
      const start = performance.now();
      render(account, m, root);
      lastEnd = performance.now();
      lastCostMs = lastEnd - start;
    }), wait);
  };
  try {
    await readEvents(`${path}/events`, (name, data) => {
      if (name === 'done') return;
      apply(m, name, data);
      redraw();
    }, controller.signal);
  } catch (e) {
    if (controller.signal.aborted) return;
    root.prepend(errorBox(e));
  }
  if (current !== controller) return;
  // The stored measurement is the reference: show it as it ended.
  const final = (await call('GET', path)).result;
  if (current !== controller) return;
  root.dataset.status = final.status;
  render(account, final, root);
  current = null;
}

