// Web page benchmark: how fast `colotrace serve`'s page at / loads, and how long it takes to
// lay out and draw a big merged path graph (50 colos x 30 hops).
//
//   node bench/web/web_bench.mjs            (from the repository root; as root, like `serve`)
//   env: COLOTRACE_BIN (default build/apps/colotrace), CHROMIUM_BIN (default /usr/bin/chromium),
//        LOAD_RUNS (default 20), GRAPH_RUNS (default 10)
//
// What it does:
//  - starts `colotrace serve --no-db --listen 127.0.0.1:0 --config <tmp toml>` (loopback only;
//    one random token for account "bench"). Nothing here starts a traceroute: the cold loads
//    stop at the sign-in form (no API call), and in the graph runs every /client/v4 request is
//    answered by the bench itself (request interception), so none reaches the server.
//  - Cold page load, LOAD_RUNS times, each in a fresh incognito context (no HTTP cache, no
//    sessionStorage) after one unmeasured warm-up load: first paint and first contentful paint
//    (paint timing), DOMContentLoaded (navigation timing, domContentLoadedEventStart), and
//    "interactive" (interactive_observed_ms): when the sign-in form's #token input exists and
//    has focus, read as the page's performance.now() by a mutation-driven wait (puppeteer
//    waitForFunction; nothing is added to the page's own code). It is an upper bound: it
//    includes the DevTools latency of noticing the new document and the element (milliseconds
//    on an idle machine, hundreds under load). app.js (defer) builds and focuses the form
//    synchronously when there is no token, so in fact the form is ready just before
//    DOMContentLoaded. Also the bytes of index.html, app.js and app.css (resource timing:
//    transferSize with headers, encodedBodySize on the wire, decodedBodySize).
//  - Graph of 50 colos x 30 hops, GRAPH_RUNS times, each in a fresh incognito context: the
//    token and account are put in sessionStorage before the page's scripts run, the two API
//    calls the page makes (GET /accounts, GET .../measurements/{id}) are answered with a
//    synthetic finished measurement (deterministic: same JSON every run), and the page is opened
//    at #/a/bench/m/{id}. Figures: the page's own performance.measure entries 'graph-layout'
//    (dagre) and 'graph-draw' (SVG building); from navigation start, the end of 'graph-draw'
//    (page timeline, exact), when the graph was seen in the DOM (#measurement[data-status=
//    finished] svg.path-graph; observed, an upper bound as above) and the frame after that (two
//    requestAnimationFrame callbacks once seen: style, layout and paint of the graph and the 50
//    tables are done by then; an upper bound too). Counts of graph nodes (g.node),
//    edges (path.edge), tables and table rows, checked against what the synthetic data implies.
//    Request interception pauses every request of those pages (assets too) for a DevTools round
//    trip, so the totals are a little higher than a plain load would be.
//  - p50 and p95 per metric (nearest rank: p95 of 10 runs is the slowest run), a human-readable
//    summary, then one JSON line with every figure, the Chromium version and the CPU model.
//
// Addresses in the synthetic data are documentation ranges only (198.51.100.0/24,
// 203.0.113.0/24, 192.0.2.0/24); ASNs are documentation ASNs (64496-64511).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeBrowser, collectPageProblems, launchBrowser } from '../../tests/web/browser.mjs';

const BIN = process.env.COLOTRACE_BIN ?? 'build/apps/colotrace';
const LOAD_RUNS = Number(process.env.LOAD_RUNS ?? 20);
const GRAPH_RUNS = Number(process.env.GRAPH_RUNS ?? 10);
const VIEWPORT = { width: 1280, height: 900 };
const ACCOUNT = 'bench';
const MEASUREMENT_ID = '01m8fchettebbsat6nnwqzg34';  // 26 characters, like the server's ids
const COLOS = 50;
const HOPS = 30;
const TARGET = '203.0.113.1';
const WAIT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Statistics

function percentile(values, p) {  // nearest rank
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

function stats(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { n: 0, p50: null, p95: null, min: null, max: null };
  const round = (x) => Math.round(x * 100) / 100;
  return {
    n: v.length,
    p50: round(percentile(v, 50)),
    p95: round(percentile(v, 95)),
    min: round(Math.min(...v)),
    max: round(Math.max(...v)),
  };
}

// ---------------------------------------------------------------------------------------------
// The server

function startServer(dir, token) {
  const config = path.join(dir, 'colotrace.toml');
  const sha = createHash('sha256').update(token).digest('hex');
  fs.writeFileSync(config,
    `[colo]\nname = "local"\ncity = "Bench"\n[[tokens]]\nsha256 = "${sha}"\naccounts = ["${ACCOUNT}"]\n`,
    { mode: 0o644 });
  const proc = spawn(BIN, ['serve', '--no-db', '--listen', '127.0.0.1:0', '--config', config],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20_000); });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('colotrace serve: no "listening" line in 20 s')),
      20_000);
    proc.stdout.on('data', (d) => {
      stdout = (stdout + d).slice(-20_000);
      const m = stdout.match(/^colotrace: listening on (http:\/\/127\.0\.0\.1:\d+)\b/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`colotrace serve exited (code ${code}, signal ${signal}) before listening`));
    });
  });
  return { proc, ready, output: () => `stdout:\n${stdout}\nstderr:\n${stderr}` };
}

// SIGTERM, then SIGKILL if it has not exited within 10 s; resolves {code, signal}.
async function stopServer(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return { code: proc.exitCode, signal: proc.signalCode };
  }
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The synthetic measurement: 50 colos in 10 groups of 5, 30 hops each.
//   TTL 1-2:   per colo (198.51.100.1-100)
//   TTL 3-20:  per group of 5 colos (203.0.113.10-189); TTL 8 of even groups and TTL 15 of
//              groups 0, 3, 6, 9 answer from 2 interfaces (the 2nd in 198.51.100.120-139)
//   TTL 21-29: common to all (192.0.2.1-9); TTL 23 and 27 with 2 interfaces (192.0.2.123, .127)
//   TTL 30:    the target, 203.0.113.1
// Silent hops: colo i with i%7==3 at TTL 5, i%9==4 at TTL 17, i%11==6 at TTL 22.

function rng(seed) {  // mulberry32: the same data every run
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function interfacesAt(i, g, ttl) {
  const colo = `c${String(i + 1).padStart(2, '0')}`;
  if (ttl <= 2) {
    return [{ ip: `198.51.100.${1 + i * 2 + (ttl - 1)}`, name: `gw${ttl}.${colo}.example`,
      asn: 'AS64500' }];
  }
  if (ttl <= 20) {
    const first = { ip: `203.0.113.${10 + g * 18 + (ttl - 3)}`, name: `ae${ttl}.core${g}.example`,
      asn: `AS${64501 + g}` };
    if ((ttl === 8 && g % 2 === 0) || (ttl === 15 && g % 3 === 0)) {
      const k = ttl === 8 ? 0 : 1;
      return [first, { ip: `198.51.100.${120 + g * 2 + k}`, name: `ae${ttl}b.core${g}.example`,
        asn: `AS${64501 + g}` }];
    }
    return [first];
  }
  if (ttl < HOPS) {
    const first = { ip: `192.0.2.${ttl - 20}`, name: `xe${ttl}.transit.example`, asn: 'AS64511' };
    if (ttl === 23 || ttl === 27) {
      return [first, { ip: `192.0.2.${100 + ttl}`, name: `xe${ttl}b.transit.example`, asn: 'AS64511' }];
    }
    return [first];
  }
  return [{ ip: TARGET, name: 'target.example', asn: 'AS64511' }];
}

const isSilent = (i, ttl) =>
  (i % 7 === 3 && ttl === 5) || (i % 9 === 4 && ttl === 17) || (i % 11 === 6 && ttl === 22);

function buildMeasurement() {
  const random = rng(20261127);
  const r3 = (x) => Math.round(x * 1000) / 1000;
  const stats4 = (base) => {
    const mean = base * (1 + random() * 0.05);
    return {
      min_rtt_ms: r3(mean * 0.93), mean_rtt_ms: r3(mean),
      max_rtt_ms: r3(mean * 1.12), std_dev_rtt_ms: r3(mean * 0.04),
    };
  };
  const colos = [];
  const expected = { addresses: new Set(), silent: 0, rows: 0 };
  for (let i = 0; i < COLOS; i++) {
    const g = Math.floor(i / 5);
    const name = `c${String(i + 1).padStart(2, '0')}`;
    const hops = [];
    let summary = null;
    for (let ttl = 1; ttl <= HOPS; ttl++) {
      if (isSilent(i, ttl)) {
        hops.push({ packets_ttl: ttl, packets_sent: 3, packets_lost: 3, nodes: [] });
        expected.silent++;
        expected.rows++;
        continue;
      }
      const ifaces = interfacesAt(i, g, ttl);
      const lost = (i + ttl) % 13 === 0 && ifaces.length === 1 ? 1 : 0;
      const counts = ifaces.length === 2 ? [2, 1] : [3 - lost];
      const base = 0.4 + ttl * 1.6 + g * 0.7 + random() * 2;
      const nodes = ifaces.map((f, k) => ({
        asn: f.asn, ip: f.ip, name: f.name, labels: [], packet_count: counts[k],
        ...stats4(base + k * 0.3),
      }));
      for (const n of nodes) expected.addresses.add(n.ip);
      expected.rows += nodes.length;
      hops.push({ packets_ttl: ttl, packets_sent: 3, packets_lost: lost, nodes });
      if (ttl === HOPS) {
        const n = nodes[0];
        summary = {
          asn: n.asn, ip: n.ip, name: n.name, packet_count: n.packet_count,
          min_latency_ms: n.min_rtt_ms, mean_latency_ms: n.mean_rtt_ms,
          max_latency_ms: n.max_rtt_ms, std_dev_latency_ms: n.std_dev_rtt_ms,
          min_rtt_ms: n.min_rtt_ms, mean_rtt_ms: n.mean_rtt_ms,
          max_rtt_ms: n.max_rtt_ms, std_dev_rtt_ms: n.std_dev_rtt_ms,
        };
      }
    }
    colos.push({
      colo: { name, city: `City ${i + 1}` }, error: '', hops, target_summary: summary,
      traceroute_time_ms: Math.round(1400 + random() * 300),
    });
  }
  const body = {
    success: true, errors: [], messages: [],
    result: {
      id: MEASUREMENT_ID, status: 'finished',
      created_at: '2026-11-27T20:51:03.701Z', finished_at: '2026-11-27T20:51:05.705Z',
      request: {
        targets: [TARGET], colos: colos.map((c) => c.colo.name),
        options: { max_ttl: HOPS, packet_type: 'icmp', packets_per_ttl: 3, port: 0, wait_time: 1 },
      },
      result: [{ target: TARGET, colos }],
    },
  };
  return {
    json: JSON.stringify(body),
    expected: {
      nodes: COLOS + expected.addresses.size + expected.silent,
      addresses: expected.addresses.size,
      silent: expected.silent,
      tables: COLOS,
      rows: expected.rows,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cold page load

async function coldLoad(browser, origin) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport(VIEWPORT);
    const problems = collectPageProblems(page);
    const navigation = page.goto(`${origin}/`, { waitUntil: 'load', timeout: WAIT_MS });
    navigation.catch(() => {});  // awaited below; a failure must not go unhandled meanwhile
    // Resolves in the page with its performance.now() once #token exists and has focus.
    const interactive = await page.waitForFunction(() => {
      const input = document.getElementById('token');
      return input && document.activeElement === input ? performance.now() : false;
    }, { polling: 'mutation', timeout: WAIT_MS });
    const interactiveMs = await interactive.jsonValue();
    const response = await navigation;
    if (!response || response.status() !== 200) {
      throw new Error(`GET / answered ${response?.status()}`);
    }
    await page.waitForFunction(
      () => performance.getEntriesByName('first-contentful-paint').length > 0,
      { timeout: WAIT_MS });
    const timeline = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const paint = Object.fromEntries(performance.getEntriesByType('paint')
        .map((e) => [e.name, e.startTime]));
      const size = (e) => e && {
        transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
      };
      const resource = (suffix) => size(performance.getEntriesByType('resource')
        .find((e) => new URL(e.name).pathname === suffix));
      return {
        firstPaint: paint['first-paint'] ?? null,
        firstContentfulPaint: paint['first-contentful-paint'] ?? null,
        domContentLoaded: nav.domContentLoadedEventStart,
        load: nav.loadEventStart,
        bytes: {
          'index.html': size(nav),
          'app.js': resource('/assets/app.js'),
          'app.css': resource('/assets/app.css'),
        },
      };
    });
    return { ...timeline, interactive: interactiveMs, problems };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The big graph

function envelope(result) {
  return JSON.stringify({ success: true, errors: [], messages: [], result });
}

async function graphRun(browser, origin, token, measurementJson) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport(VIEWPORT);
    const problems = collectPageProblems(page);
    // Signed in before the page's scripts run (as after a sign-in in this tab).
    await page.evaluateOnNewDocument((t, a) => {
      if (location.protocol !== 'http:') return;
      sessionStorage.setItem('colotrace.token', t);
      sessionStorage.setItem('colotrace.account', a);
    }, token, ACCOUNT);
    // Every API call is answered here; nothing under /client/v4 reaches the server.
    const measurementPath =
      `/client/v4/accounts/${ACCOUNT}/diagnostics/traceroute/measurements/${MEASUREMENT_ID}`;
    const api = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (!url.pathname.startsWith('/client/v4/')) {
        req.continue();
        return;
      }
      api.push(`${req.method()} ${url.pathname}`);
      const json = (status, body) => req.respond({ status, contentType: 'application/json', body });
      if (req.method() === 'GET' && url.pathname === '/client/v4/accounts') {
        json(200, envelope([{ id: ACCOUNT, name: ACCOUNT }]));
      } else if (req.method() === 'GET' && url.pathname === measurementPath) {
        json(200, measurementJson);
      } else {
        json(404, JSON.stringify({ success: false, messages: [], result: null,
          errors: [{ code: 1000, message: 'not answered by the bench' }] }));
      }
    });
    const navigation = page.goto(`${origin}/#/a/${ACCOUNT}/m/${MEASUREMENT_ID}`,
      { waitUntil: 'load', timeout: WAIT_MS });
    navigation.catch(() => {});  // awaited below
    const inDom = await page.waitForFunction(
      () => (document.querySelector('#measurement[data-status=finished] svg.path-graph')
        ? performance.now() : false),
      { polling: 'mutation', timeout: WAIT_MS });
    const graphInDom = await inDom.jsonValue();
    await navigation;
    const figures = await page.evaluate(async () => {
      // The frame after the graph: two rAF callbacks (the first frame has been produced then).
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const frameAfter = performance.now();
      const measure = (name) => performance.getEntriesByName(name, 'measure').map((e) => e.duration);
      const draw = performance.getEntriesByName('graph-draw', 'measure')[0];
      const svg = document.querySelector('svg.path-graph');
      return {
        frameAfter,
        graphDrawn: draw ? draw.startTime + draw.duration : null,
        layout: measure('graph-layout'),
        draw: measure('graph-draw'),
        nodes: svg.querySelectorAll('g.node').length,
        silentNodes: svg.querySelectorAll('g.node.silent').length,
        edges: svg.querySelectorAll('path.edge').length,
        tables: document.querySelectorAll('table.hops').length,
        rows: document.querySelectorAll('table.hops tbody tr').length,
        svgSize: [svg.width.baseVal.value, svg.height.baseVal.value],
        domElements: document.getElementsByTagName('*').length,
      };
    });
    if (figures.layout.length !== 1 || figures.draw.length !== 1) {
      throw new Error(`expected one graph-layout and one graph-draw measure, got ` +
        `${figures.layout.length} and ${figures.draw.length}`);
    }
    return { ...figures, layout: figures.layout[0], draw: figures.draw[0], graphInDom, api, problems };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------

function cpuModel() {
  try {
    const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    return m ? m[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

const fmt = (s, unit = 'ms') => (s.n ? `p50 ${s.p50} ${unit}, p95 ${s.p95} ${unit} ` +
  `(min ${s.min}, max ${s.max}, n=${s.n})` : 'no data');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'colotrace-webbench-'));
  fs.chmodSync(dir, 0o755);  // the server reads its config; it may drop to nobody
  const token = randomBytes(24).toString('hex');
  let server = null;
  let browser = null;
  const stopAll = async () => {
    const results = {};
    if (browser) {
      await closeBrowser(browser).catch((e) => console.error(`closing the browser: ${e.message}`));
      browser = null;
    }
    if (server) {
      results.server = await stopServer(server.proc);
      server = null;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return results;
  };
  const onSignal = (sig) => {
    server?.proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let report;
  try {
    const loadavg = os.loadavg();
    server = startServer(dir, token);
    const origin = await server.ready.catch((e) => {
      throw new Error(`${e.message}\n${server.output()}`);
    });
    browser = await launchBrowser();
    const chromium = await browser.version();

    // 1. Cold page loads (one unmeasured warm-up first: Chromium's own first-start costs).
    await coldLoad(browser, origin);
    const loads = [];
    for (let i = 0; i < LOAD_RUNS; i++) loads.push(await coldLoad(browser, origin));

    // 2. The big graph.
    const synthetic = buildMeasurement();
    const graphs = [];
    for (let i = 0; i < GRAPH_RUNS; i++) {
      graphs.push(await graphRun(browser, origin, token, synthetic.json));
    }

    const pick = (runs, key) => runs.map((r) => r[key]);
    const bytes = loads[0].bytes;
    const last = graphs[graphs.length - 1];
    const problems = [...loads.flatMap((r) => r.problems), ...graphs.flatMap((r) => r.problems)];
    const unexpectedApi = [...new Set(graphs.flatMap((r) => r.api))].filter((c) =>
      c !== 'GET /client/v4/accounts' && !c.endsWith(`/measurements/${MEASUREMENT_ID}`));
    const countsVary = graphs.some((r) => r.nodes !== last.nodes || r.edges !== last.edges ||
      r.rows !== last.rows);
    report = {
      bench: 'web',
      machine: { cpu: cpuModel(), cores: os.cpus().length, loadavg_at_start: loadavg },
      chromium,
      node: process.version,
      viewport: VIEWPORT,
      percentiles: 'nearest rank',
      cold_load: {
        runs: LOAD_RUNS,
        first_paint_ms: stats(pick(loads, 'firstPaint')),
        first_contentful_paint_ms: stats(pick(loads, 'firstContentfulPaint')),
        dom_content_loaded_ms: stats(pick(loads, 'domContentLoaded')),
        interactive_observed_ms: stats(pick(loads, 'interactive')),
        load_event_ms: stats(pick(loads, 'load')),
        bytes,
      },
      graph: {
        runs: GRAPH_RUNS,
        colos: COLOS,
        hops: HOPS,
        measurement_json_bytes: Buffer.byteLength(synthetic.json),
        layout_ms: stats(pick(graphs, 'layout')),
        draw_ms: stats(pick(graphs, 'draw')),
        graph_drawn_ms: stats(pick(graphs, 'graphDrawn')),
        graph_in_dom_observed_ms: stats(pick(graphs, 'graphInDom')),
        frame_after_graph_observed_ms: stats(pick(graphs, 'frameAfter')),
        nodes: last.nodes,
        silent_nodes: last.silentNodes,
        edges: last.edges,
        tables: last.tables,
        table_rows: last.rows,
        svg_size: last.svgSize,
        dom_elements: last.domElements,
        expected: synthetic.expected,
        counts_vary_between_runs: countsVary,
      },
      api_calls_per_graph_run: last.api,
      unexpected_api_calls: unexpectedApi,
      page_problems: problems,
    };
  } finally {
    const stopped = await stopAll();
    if (report) report.server_exit = stopped.server ?? null;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const c = report.cold_load;
  const g = report.graph;
  const b = (name) => {
    const x = c.bytes[name];
    return x ? `${x.transfer} B transferred (${x.encoded} B body, ${x.decoded} B decoded)` : 'not seen';
  };
  const lines = [
    `colotrace web bench — ${report.machine.cpu} (${report.machine.cores} cores, ` +
      `load ${report.machine.loadavg_at_start.map((x) => x.toFixed(2)).join(' ')}), ` +
      `Chromium ${report.chromium}, viewport ${VIEWPORT.width}x${VIEWPORT.height}`,
    '',
    `Cold load of / (${c.runs} runs, fresh incognito context each, after 1 warm-up):`,
    `  first paint              ${fmt(c.first_paint_ms)}`,
    `  first contentful paint   ${fmt(c.first_contentful_paint_ms)}`,
    `  DOMContentLoaded         ${fmt(c.dom_content_loaded_ms)}`,
    `  interactive (#token, observed; upper bound) ${fmt(c.interactive_observed_ms)}`,
    `  load event               ${fmt(c.load_event_ms)}`,
    `  index.html  ${b('index.html')}`,
    `  app.js      ${b('app.js')}`,
    `  app.css     ${b('app.css')}`,
    '',
    `Graph of ${g.colos} colos x ${g.hops} hops (${g.runs} runs; measurement JSON ` +
      `${g.measurement_json_bytes} B, answered by request interception):`,
    `  graph-layout (dagre)     ${fmt(g.layout_ms)}`,
    `  graph-draw (SVG)         ${fmt(g.draw_ms)}`,
    `  navigation -> end of graph-draw (page timeline)   ${fmt(g.graph_drawn_ms)}`,
    `  navigation -> graph in DOM (observed; upper bound) ${fmt(g.graph_in_dom_observed_ms)}`,
    `  navigation -> frame after it (observed; upper bound) ${fmt(g.frame_after_graph_observed_ms)}`,
    `  drawn: ${g.nodes} nodes (${g.silent_nodes} silent), ${g.edges} edges; ${g.tables} tables, ` +
      `${g.table_rows} rows; svg ${g.svg_size.join('x')} px; ${g.dom_elements} DOM elements`,
    `  expected from the data: ${g.expected.nodes} nodes (${COLOS} colos + ` +
      `${g.expected.addresses} addresses + ${g.expected.silent} silent), ${g.expected.rows} rows`,
  ];
  if (g.nodes !== g.expected.nodes || g.table_rows !== g.expected.rows) {
    lines.push('  WARNING: the drawn counts differ from what the data implies');
  }
  if (g.counts_vary_between_runs) lines.push('  WARNING: the drawn counts varied between runs');
  if (report.unexpected_api_calls.length) {
    lines.push(`WARNING: unexpected API calls: ${report.unexpected_api_calls.join(', ')}`);
  }
  if (report.page_problems.length) {
    lines.push(`WARNING: ${report.page_problems.length} page problem(s):`,
      ...[...new Set(report.page_problems)].slice(0, 10).map((p) => `  ${p}`));
  }
  lines.push(`server stopped: code ${report.server_exit?.code}, signal ${report.server_exit?.signal}`);
  console.log(lines.join('\n'));
  console.log(JSON.stringify(report));
}

main().catch((e) => {
  console.error(`web_bench: ${e.stack ?? e}`);
  process.exit(1);
});
