// The merged path graph of one target: laid out by dagre (layered, left to right: colos, then
// hops by distance), drawn as SVG. Nodes are addresses (coloured by ASN, labelled with name,
// address, ASN, best mean RTT and loss), silent hops are dashed "*" boxes, edges are coloured
// by the RTT of the hop they lead to. Hovering or focusing a colo highlights its path.
// Timing marks: performance.measure 'graph-layout' and 'graph-draw' (bench/web).
import dagre from '@dagrejs/dagre';
import { s } from './dom.js';
import { asn, asnColour, lossBucket, lossPercent, ms, rttBucket } from './format.js';
import { pathOfColo } from './paths.js';

const CHAR_PX = 7;  // the label font's advance, roughly (no measuring: it costs a reflow)
const LINE_PX = 14;

function labelLines(node) {
  if (node.kind === 'colo') return [node.name, node.city].filter(Boolean);
  if (node.kind === 'silent') return ['*', `no reply (TTL ${[...node.ttls].join(', ')})`];
  const lines = [];
  if (node.name && node.name !== node.ip) lines.push(node.name);
  lines.push(node.ip);
  const facts = [asn(node.asn), node.mean_rtt_ms === null ? '' : `${ms(node.mean_rtt_ms)} ms`,
    node.sent ? `loss ${lossPercent(node.sent, node.lost)}` : ''].filter(Boolean);
  if (facts.length) lines.push(facts.join(' · '));
  return lines;
}

// Draws `graph` (paths.mergePaths) into a new <svg>; returns it. `onColo(name|null)` is
// called when a colo is hovered or focused (to highlight its table too).
export function drawGraph(graph, { title }) {
  const t0 = performance.now();
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 36, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [key, node] of graph.nodes) {
    const lines = labelLines(node);
    const width = Math.max(...lines.map((l) => l.length)) * CHAR_PX + 16;
    g.setNode(key, { width, height: lines.length * LINE_PX + 10, lines });
  }
  for (const edge of graph.edges.values()) g.setEdge(edge.from, edge.to);
  dagre.layout(g);
  const t1 = performance.now();

  const size = g.graph();
  const svg = s('svg', {
    class: 'path-graph',
    role: 'img',
    'aria-label': title,
    viewBox: `0 0 ${Math.ceil(size.width)} ${Math.ceil(size.height)}`,
    width: Math.ceil(size.width),
    height: Math.ceil(size.height),
  });
  svg.append(s('title', {}, title));
  const edgeLayer = s('g', { class: 'edges' });
  const nodeLayer = s('g', { class: 'nodes' });
  svg.append(edgeLayer, nodeLayer);
  const edgeEls = new Map();
  const nodeEls = new Map();
  for (const [id, edge] of graph.edges) {
    const points = g.edge(edge.from, edge.to).points;
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    const target = graph.nodes.get(edge.to);
    const el = s('path', {
      class: `edge rtt-${rttBucket(target?.mean_rtt_ms ?? null)}`,
      d,
      'data-from': edge.from,
      'data-to': edge.to,
      'data-colos': [...edge.colos].join(' '),
    });
    edgeEls.set(id, el);
    edgeLayer.append(el);
  }
  for (const [key, node] of graph.nodes) {
    const box = g.node(key);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const classes = ['node', node.kind];
    if (node.kind === 'interface') {
      const c = asnColour(node.asn);
      classes.push(c < 0 ? 'asn-none' : `asn-${c}`, `loss-${lossBucket(node.sent, node.lost)}`);
    }
    const el = s('g', {
      class: classes.join(' '),
      'data-key': key,
      'data-ip': node.ip,
      'data-colos': [...node.colos].join(' '),
      transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
    });
    el.append(s('rect', { width: box.width.toFixed(1), height: box.height, rx: 4 }));
    box.lines.forEach((line, i) => {
      el.append(s('text', { x: 8, y: 17 + i * LINE_PX, class: i === 0 ? 'first' : '' }, line));
    });
    if (node.kind === 'colo') {
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'button');
      el.setAttribute('aria-label', `highlight the path from ${node.name}`);
    }
    nodeEls.set(key, el);
    nodeLayer.append(el);
  }
  const t2 = performance.now();
  performance.measure('graph-layout', { start: t0, end: t1 });
  performance.measure('graph-draw', { start: t1, end: t2 });

  svg.highlight = (colo) => {
    svg.classList.toggle('focused', colo !== null);
    const path = colo === null ? null : pathOfColo(graph, colo);
    for (const [id, el] of edgeEls) el.classList.toggle('on', Boolean(path?.edgeKeys.has(id)));
    for (const [key, el] of nodeEls) el.classList.toggle('on', Boolean(path?.nodeKeys.has(key)));
  };
  const coloOf = (event) => {
    const el = event.target.closest?.('g.node.colo');
    return el ? el.dataset.key.slice('colo:'.length) : null;
  };
  for (const type of ['mouseover', 'focusin']) {
    svg.addEventListener(type, (e) => {
      const colo = coloOf(e);
      if (colo !== null) svg.highlight(colo);
    });
  }
  for (const type of ['mouseout', 'focusout']) {
    svg.addEventListener(type, (e) => {
      if (coloOf(e) !== null) svg.highlight(null);
    });
  }
  return svg;
}
