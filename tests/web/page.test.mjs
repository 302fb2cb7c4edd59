// The web page in a real browser (Debian's chromium, headless, driven by puppeteer-core)
// against a real `colotrace serve` whose local colo and two agents (over a real nats-server)
// probe a lab chain; a lab DNS server (dnsmasq, inside the lab's colo namespace) gives one
// router a hostile PTR name. Checks: sign in, the form's errors at their fields, a run from the
// form seen live, then every table cell and the graph's nodes and edges against the API's JSON
// for the same measurement; the hostile name stays text; history, compare, a permalink opened
// in a fresh tab; a keyboard-only run; schedules, and one made, paused, resumed and deleted
// from the page; a schedule's timeline after a real path change (a third agent probes a second
// lab, an ECMP diamond pinned to one branch by a route the test moves); a multipath result's
// links. The routers and the target have ASNs (a lab MaxMind database).
//
// Safety: everything listens on 127.0.0.1 in the root namespace or inside the lab's colo
// namespace; probes go to the lab's documentation addresses only (the server's policy admits
// nothing else); the browser cannot reach another host (browser.mjs). Cleanup: processes are
// stopped in `after`, also when a test fails; lab_up removes its namespaces.
//
// Run by CTest (web_page); by hand, as root: COLOTRACE_BIN=build/apps/colotrace
// LAB_UP_BIN=build/tests/lab/lab_up node --test tests/web/page.test.mjs
// COLOTRACE_WEB_SCREENSHOTS=DIR also saves screenshots there (docs/images/ holds the README's).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { ACCOUNT_A, TOKEN_A, startLab, startServer } from '../sdk/harness.mjs';
import { closeBrowser, collectPageProblems, dialogGuard, launchBrowser } from './browser.mjs';
import { freePort } from '../support/free_port.mjs';
import { asn as asnText, asnColour } from '../../web/src/format.js';

const HOSTILE = '<img src=x onerror=alert(1)>.example';
const TARGET = '203.0.113.1';
const BASE = `/client/v4/accounts/${ACCOUNT_A}/diagnostics/traceroute`;
const AUTH = { Authorization: `Bearer ${TOKEN_A}` };
const screenshots = process.env.COLOTRACE_WEB_SCREENSHOTS;

let lab;
let diamond;  // a second lab, where the schedule's path changes: an ECMP diamond pinned by a route
let scratch;  // the lab ASN database's folder
let server;
let browser;
const children = [];

// A child that must stay up for the suite; its output is kept for failure messages.
function startChild(command, args) {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c) => { output += c; });
  proc.stderr.on('data', (c) => { output += c; });
  const child = { proc, output: () => output };
  children.push(child);
  return child;
}

async function waitFor(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The API as a client sees it (the extensions' bodies are not the seed's schema, so no schema
// check here: tests/sdk does that for the Cloudflare call). {status, body}.
async function call(method, pathname, body) {
  const r = await fetch(server.origin + pathname, {
    method,
    headers: { ...AUTH, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
async function api(method, pathname, body) {
  const r = await call(method, pathname, body);
  assert.ok(r.status < 300, `${method} ${pathname}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

before(async () => {
  lab = await startLab(['chain', '--routers', '3', '--silent', '2']);
  diamond = await startLab(['ecmp']);
  pinDiamond(diamond.topo.hop_choices_v4[1][0]);
  const ns = lab.topo.colo;
  const [r1, , r3] = lab.topo.hop_v4;
  const reverse = (ip) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const dns = startChild('ip', ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null',
    '--port=5353', '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
    '--local=/in-addr.arpa/', `--ptr-record=${reverse(r1)},${HOSTILE}`,
    `--ptr-record=${reverse(r3)},r3.lab.example`]);
  const natsPort = await freePort();
  const nats = startChild('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)]);
  await waitFor('nats-server', () => /Server is ready/.test(nats.output()), 10_000);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  // Names and ASNs for every colo: r1 and r3 (r2 is silent) and the target in three ASNs.
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'colotrace-web-'));
  const asnDb = path.join(scratch, 'lab-asn.mmdb');
  const writer = fileURLToPath(new URL('../enrich/write_lab_asn_db.pl', import.meta.url));
  const written = spawnSync('perl', [writer, asnDb, `${r1}/32=64500:Lab-Transit`,
    `${r3}/32=64501:Lab-Core`, `${TARGET}/32=64502:Lab-Target`], { encoding: 'utf8' });
  assert.equal(written.status, 0, `write_lab_asn_db.pl: ${written.stderr}`);
  const common = ['--dns-server', '127.0.0.1:5353', '--asn-db', asnDb];
  server = await startServer(lab, {
    args: ['--nats', natsUrl, ...common],
    // Webhooks may reach loopback only (no test here makes one deliver: its schedule is deleted
    // before any path change).
    extra: '[schedules]\nmin_interval_s = 1\nwebhook_allow = ["127.0.0.1/32"]\n',
  });
  for (const [colo, city] of [['ams', 'Amsterdam, Lab'], ['fra', 'Frankfurt, Lab']]) {
    startChild(process.env.COLOTRACE_BIN, ['agent', '--nats', natsUrl, '--colo', colo, '--city', city,
      '--netns', ns, '--allow-target', '203.0.113.0/24', '--allow-target', '198.51.100.0/24', ...common]);
  }
  startChild(process.env.COLOTRACE_BIN, ['agent', '--nats', natsUrl, '--colo', 'sch', '--city',
    'Diamond, Lab', '--netns', diamond.topo.colo, '--allow-target', '203.0.113.0/24', '--no-names']);
  await waitFor('the three agents listed as available', async () => {
    const r = await api('GET', `${BASE}/colos`);
    return r.body.result.filter((c) => c.status === 'available').length === 4;
  });
  assert.ok(dns.proc.exitCode === null, `dnsmasq exited: ${dns.output()}`);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await closeBrowser(browser).catch(() => {});
  for (const c of children.reverse()) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.proc.exitCode === null ? once(c.proc, 'exit') : null)));
  if (server) await server.stop();
  if (lab) await lab.stop();
  if (diamond) await diamond.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

// The diamond's first router sends the target's traffic through `via` only (one of the two
// addresses that answer at TTL 2), so the path is one path until the test moves it.
function pinDiamond(via) {
  const r = spawnSync('ip', ['netns', 'exec', diamond.topo.routers[0], 'ip', 'route', 'replace',
    '203.0.113.0/24', 'via', via], { encoding: 'utf8' });
  assert.equal(r.status, 0, `route via ${via}: ${r.stderr}`);
}

// A page of its own (a fresh context: empty sessionStorage), watched for problems.
async function newPage() {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems = collectPageProblems(page);
  const dialogs = dialogGuard(page);
  const check = ({ allow = [] } = {}) => {
    const unexpected = problems.filter((p) =>
      !allow.some((re) => re.test(p)) &&
      // a stream cut short by leaving the page is not a failure
      !/request failed: GET .*\/events \(net::ERR_ABORTED\)/.test(p));
    assert.deepEqual(unexpected, [], 'the page logged, threw or failed a request');
    assert.deepEqual(dialogs, [], 'a dialog opened (script ran that should not have)');
  };
  return { page, context, check };
}

async function signIn(page) {
  await page.waitForSelector('#token');
  await page.type('#token', TOKEN_A);
  await page.click('#signin');
  await page.waitForSelector('#account');
}

async function shot(page, name) {
  if (!screenshots) return;
  fs.mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

// ---- what the page must show, computed here from the API's JSON ------------------------------

const fixed3 = (v) => (typeof v === 'number' ? v.toFixed(3) : '');

// Per colo, rows as the table lays them out: [ttl | null (spanned), name, ip, asn, loss | null,
// sent | null, min, mean, max, std_dev, labels].
function expectedRows(coloResult) {
  const rows = [];
  for (const hop of coloResult.hops) {
    const loss = hop.packets_sent ? `${((100 * hop.packets_lost) / hop.packets_sent).toFixed(1)}%` : '';
    const nodes = hop.nodes.length ? hop.nodes : [null];
    nodes.forEach((n, i) => {
      rows.push([i === 0 ? String(hop.packets_ttl) : null,
        n ? n.name : '* no reply', n ? n.ip : '', n ? n.asn : '',
        i === 0 ? loss : null, i === 0 ? String(hop.packets_sent) : null,
        fixed3(n?.min_rtt_ms), fixed3(n?.mean_rtt_ms), fixed3(n?.max_rtt_ms), fixed3(n?.std_dev_rtt_ms),
        n ? n.labels.join(', ') : '']);
    });
  }
  return rows;
}

async function tableRows(page, target, colo) {
  return page.$$eval(`table.hops[data-target="${target}"][data-colo="${colo}"] tbody tr`, (trs) =>
    trs.map((tr) => {
      const cell = (col) => tr.querySelector(`[data-col="${col}"]`)?.textContent ?? null;
      return ['ttl', 'name', 'ip', 'asn', 'loss', 'sent', 'min', 'mean', 'max', 'std_dev', 'labels'].map(cell);
    }));
}

// Nodes and edges of the merged graph of a target, from the JSON: colos, addresses, and silent
// hops per colo and TTL; edges between consecutive hops (every interface to every next one, or
// the multipath links where a hop has them).
function expectedGraph(target) {
  const nodes = new Set();
  const edges = new Set();
  for (const c of target.colos) {
    const colo = c.colo.name;
    nodes.add(`colo:${colo}`);
    let previous = [`colo:${colo}`];
    for (const hop of c.hops) {
      const here = hop.nodes.length ? hop.nodes.map((n) => n.ip) : [`silent:${colo}:${hop.packets_ttl}`];
      here.forEach((k) => nodes.add(k));
      if (hop.links?.length) {
        for (const l of hop.links) edges.add(`${l.from}>${l.to}`);
      } else {
        for (const p of previous) for (const k of here) edges.add(`${p}>${k}`);
      }
      previous = here;
    }
  }
  return { nodes: [...nodes].sort(), edges: [...edges].sort() };
}

async function drawnGraph(page, target) {
  return page.$eval(`section.target[data-target="${target}"] svg.path-graph`, (svg) => ({
    nodes: [...svg.querySelectorAll('g.node')].map((g) => g.dataset.key).sort(),
    edges: [...svg.querySelectorAll('path.edge')].map((p) => `${p.dataset.from}>${p.dataset.to}`).sort(),
  }));
}

async function assertPageEqualsApi(page, id) {
  const m = (await api('GET', `${BASE}/measurements/${id}`)).body.result;
  assert.equal(m.status, 'finished');
  for (const t of m.result) {
    for (const c of t.colos) {
      assert.deepEqual(await tableRows(page, t.target, c.colo.name), expectedRows(c),
        `table of ${c.colo.name} -> ${t.target}`);
    }
    assert.deepEqual(await drawnGraph(page, t.target), expectedGraph(t), `graph of ${t.target}`);
    // Each address box is coloured by its ASN (one colour per ASN) and names it.
    const asnOf = new Map();
    for (const c of t.colos) for (const hop of c.hops) for (const n of hop.nodes) asnOf.set(n.ip, n.asn);
    const boxes = await page.$eval(`section.target[data-target="${t.target}"] svg.path-graph`, (svg) =>
      [...svg.querySelectorAll('g.node.interface')].map((g) => ({
        ip: g.dataset.ip, colour: [...g.classList].find((c) => c.startsWith('asn-')), text: g.textContent,
      })));
    assert.equal(boxes.length, asnOf.size, `address boxes of ${t.target}`);
    for (const box of boxes) {
      const a = asnOf.get(box.ip);
      assert.equal(box.colour, a ? `asn-${asnColour(a)}` : 'asn-none', `colour of ${box.ip}`);
      if (a) assert.ok(box.text.includes(asnText(a)), `the box of ${box.ip} names ${a}: ${box.text}`);
    }
  }
  return m;
}

// ---- the tests ---------------------------------------------------------------------------

let firstId;

test('the page loads with its security headers and signs in with a pasted token', async () => {
  const r = await fetch(`${server.origin}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  const { page, context, check } = await newPage();
  try {
    const bundle = page.waitForResponse((res) => new URL(res.url()).pathname === '/assets/app.js');
    await page.goto(`${server.origin}/`);
    const headers = (await bundle).headers();
    assert.equal(headers['content-encoding'], 'gzip', 'the browser is sent the gzipped bundle');
    assert.equal(headers.vary, 'Accept-Encoding');
    await signIn(page);
    const accounts = await page.$$eval('#account option', (os) => os.map((o) => o.value));
    assert.deepEqual(accounts, [ACCOUNT_A]);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('colotrace.token')), TOKEN_A);
    assert.ok(!page.url().includes(TOKEN_A), 'the token is never in the URL');
    await page.waitForSelector('#run-form');
    const colos = await page.$$eval('input[name=colo]', (is) => is.map((i) => i.value).sort());
    assert.deepEqual(colos, ['ams', 'fra', 'local', 'sch']);
    check();
  } finally {
    await context.close();
  }
});

test('HEAD of the page sends its headers and no body (a kept-alive connection stays in step)', async () => {
  const text = await new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    let data = '';
    socket.on('data', (c) => { data += c.toString('latin1'); });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => { socket.destroy(); reject(new Error('no answer in 10 s')); });
    socket.write('HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  });
  const page = await (await fetch(`${server.origin}/`)).text();
  const [head, rest] = [text.slice(0, text.indexOf('\r\n\r\n') + 4), text.slice(text.indexOf('\r\n\r\n') + 4)];
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.match(head, new RegExp(`\r\nContent-Length: ${Buffer.byteLength(page)}\r\n`, 'i'));
  assert.match(rest, /^HTTP\/1\.1 200 /, 'the next bytes are the next response, not a body');
  assert.match(rest, /"status":"ok"/);
});

test('the API\'s errors appear at the fields their pointers name', async () => {
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/`);
    await signIn(page);
    await page.waitForSelector('#run-form');
    await page.type('#targets', `${TARGET} not_valid!`);
    await page.$eval('#max_ttl', (el) => { el.value = '99'; });
    await page.click('#run');
    await page.waitForSelector('#err-max_ttl:not(:empty)');
    const expected = await call('POST', `${BASE}/measurements`,
      { targets: [TARGET, 'not_valid!'], colos: ['local'], options: { max_ttl: 99 } });
    assert.equal(expected.status, 400);
    const message = (pointer) => expected.body.errors.find((e) => e.source?.pointer === pointer).message;
    assert.equal(await page.$eval('#err-max_ttl', (e) => e.textContent), message('/options/max_ttl'));
    assert.equal(await page.$eval('#err-targets', (e) => e.textContent), `not_valid!: ${message('/targets/1')}`);
    assert.equal(await page.$eval('#max_ttl', (e) => e.getAttribute('aria-invalid')), 'true');
    await shot(page, 'form-errors');
    check({ allow: [/status of 400 \(Bad Request\)/] });
  } finally {
    await context.close();
  }
});

test('a run from the form shows hops as they come, then tables and graph equal the API\'s JSON', async () => {
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/`);
    await signIn(page);
    await page.waitForSelector('#run-form');
    await page.type('#targets', TARGET);
    for (const name of ['ams', 'fra', 'local']) {  // the chain's colos, not the diamond's
      const box = await page.$(`input[name=colo][value="${name}"]`);
      if (!(await box.evaluate((b) => b.checked))) await box.click();
    }
    for (const box of await page.$$('input[name=colo][value="sch"]:checked')) await box.click();
    await page.$eval('#wait_time', (el) => { el.value = '2'; });  // the silent router holds it 2 s
    await page.click('#run');
    await page.waitForSelector('#measurement');
    firstId = await page.$eval('#measurement', (e) => e.dataset.id);
    // Live: rows while the measurement still runs (TTL 1 answers at once, TTL 2 is silent).
    const live = await waitFor('a hop row while running', () => page.evaluate(() => {
      const m = document.querySelector('#measurement');
      return m?.dataset.status === 'running' && document.querySelectorAll('table.hops tbody tr').length > 0
        ? document.querySelectorAll('table.hops tbody tr').length : 0;
    }), 10_000);
    assert.ok(live > 0);
    await shot(page, 'measurement-running');
    await page.waitForSelector('#measurement[data-status=finished]', { timeout: 30_000 });
    const m = await assertPageEqualsApi(page, firstId);
    assert.deepEqual(m.result[0].colos.map((c) => c.colo.name).sort(), ['ams', 'fra', 'local']);
    for (const c of m.result[0].colos) {
      assert.equal(c.error, '', `${c.colo.name}: no error`);
      assert.deepEqual(c.hops.map((h) => h.nodes.map((n) => n.ip)),
        [[lab.topo.hop_v4[0]], [], [lab.topo.hop_v4[2]], [TARGET]], `${c.colo.name}: the lab's path`);
      assert.deepEqual(c.hops.map((h) => h.nodes.map((n) => n.asn)),
        [['AS64500'], [], ['AS64501'], ['AS64502']], `${c.colo.name}: ASNs from the lab database`);
    }
    // Hovering a colo's table highlights its path in the graph.
    await page.hover('table.hops[data-colo="ams"] caption');
    const on = await page.$$eval('svg.path-graph g.node.on', (gs) => gs.map((g) => g.dataset.key));
    assert.ok(on.includes('colo:ams') && !on.includes('colo:fra'), JSON.stringify(on));
    await page.mouse.move(0, 0);
    await shot(page, 'measurement');
    check();
  } finally {
    await context.close();
  }
});

test('a hostile reverse-DNS name is shown as text, never run', async () => {
  assert.ok(firstId, 'needs the run of the test before');
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/#/a/${ACCOUNT_A}/m/${firstId}`);
    await signIn(page);
    await page.waitForSelector('#measurement[data-status=finished]');
    const names = await page.$$eval('table.hops td[data-col=name]', (tds) => tds.map((t) => t.textContent));
    assert.ok(names.filter((n) => n === HOSTILE).length === 3, `the name in each colo's table: ${names}`);
    const graphText = await page.$eval('svg.path-graph', (s) => s.textContent);
    assert.ok(graphText.includes(HOSTILE));
    assert.equal(await page.$$eval('img', (is) => is.length), 0, 'no element was made from the name');
    check();
  } finally {
    await context.close();
  }
});

test('history lists measurements; two are compared; a permalink opens in a fresh tab', async () => {
  assert.ok(firstId);
  // A second, shorter measurement of the same target and colos: TTLs 3 and 4 exist in one only.
  const short = await api('POST', `${BASE}/measurements`,
    { targets: [TARGET], colos: ['local', 'ams'], options: { max_ttl: 2, wait_time: 1 } });
  const secondId = short.body.result.id;
  await waitFor('the second measurement to finish', async () =>
    (await api('GET', `${BASE}/measurements/${secondId}`)).body.result.status === 'finished');
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/#/a/${ACCOUNT_A}/history`);
    await signIn(page);
    await page.waitForSelector('#history');
    const ids = await page.$$eval('#history tbody tr', (trs) => trs.map((t) => t.dataset.id));
    const listed = (await api('GET', `${BASE}/measurements?per_page=20`)).body.result.map((x) => x.id);
    assert.deepEqual(ids, listed, 'the rows are the API\'s page, newest first');
    assert.ok(ids.includes(firstId) && ids.includes(secondId));
    await shot(page, 'history');
    await page.click(`#history tr[data-id="${firstId}"] input.compare-pick`);
    await page.click(`#history tr[data-id="${secondId}"] input.compare-pick`);
    await page.click('#compare');
    await page.waitForSelector('#compare-view table.diff');
    const tables = await page.$$eval('#compare-view table.diff', (ts) => ts.map((t) => ({
      colo: t.dataset.colo,
      rows: [...t.querySelectorAll('tbody tr')].map((r) => [r.dataset.ttl, r.className,
        r.querySelector('[data-side=a]').textContent, r.querySelector('[data-side=b]').textContent]),
    })));
    assert.deepEqual(tables.map((t) => t.colo).sort(), ['ams', 'local']);
    for (const t of tables) {
      assert.deepEqual(t.rows, [
        ['1', 'same', lab.topo.hop_v4[0], lab.topo.hop_v4[0]],
        ['2', 'same', '*', '*'],
        ['3', 'missing', lab.topo.hop_v4[2], '*'],
        ['4', 'missing', TARGET, '*'],
      ], `compare of ${t.colo}`);
    }
    await shot(page, 'compare');
    check();
  } finally {
    await context.close();
  }
  // The permalink, in a fresh context: sign in first, then the measurement itself.
  const fresh = await newPage();
  try {
    await fresh.page.goto(`${server.origin}/#/a/${ACCOUNT_A}/m/${secondId}`);
    await signIn(fresh.page);
    await fresh.page.waitForSelector(`#measurement[data-id="${secondId}"][data-status=finished]`);
    await assertPageEqualsApi(fresh.page, secondId);
    fresh.check();
  } finally {
    await fresh.context.close();
  }
});

test('keyboard alone: sign in, run, and highlight a colo\'s path', async () => {
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/`);
    await page.waitForSelector('#token');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
    await page.keyboard.type(TOKEN_A);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#run-form');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'targets');
    await page.keyboard.type(TARGET);
    const tabTo = async (check, what) => {
      for (let i = 0; i < 60; ++i) {
        if (await page.evaluate(check)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await tabTo(() => document.activeElement.id === 'run', 'the Run button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#measurement[data-status=finished]', { timeout: 30_000 });
    await tabTo(() => document.activeElement.matches('svg.path-graph g.node.colo'), 'a colo in the graph');
    assert.ok(await page.$eval('svg.path-graph', (s) => s.classList.contains('focused')),
      'focusing a colo highlights its path');
    check();
  } finally {
    await context.close();
  }
});

test('schedules: the list, one schedule and its runs', async () => {
  const created = await api('POST', `${BASE}/schedules`,
    { name: 'web test', targets: [TARGET], colos: ['local'], interval_s: 3600 });
  const id = created.body.result.id;
  await waitFor('the first run', async () =>
    (await api('GET', `${BASE}/measurements?schedule=${id}`)).body.result.length > 0);
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/#/a/${ACCOUNT_A}/schedules`);
    await signIn(page);
    await page.waitForSelector(`#schedules tr[data-id="${id}"]`);
    assert.equal(await page.$eval(`#schedules tr[data-id="${id}"] a`, (a) => a.textContent), 'web test');
    await page.click(`#schedules tr[data-id="${id}"] a`);
    await page.waitForSelector(`#schedule[data-id="${id}"]`);
    const shown = await page.$eval('#main', (m) => m.innerText);
    assert.doesNotMatch(shown, /\b(null|undefined|NaN)\b/, 'no placeholder leaks into the page');
    await shot(page, 'schedule');
    await page.click('#schedule-runs');
    await page.waitForSelector('#history tbody tr');
    const runs = await page.$$eval('#history tbody tr', (trs) => trs.map((t) => t.dataset.id));
    const api_runs = (await api('GET', `${BASE}/measurements?schedule=${id}&per_page=20`)).body.result.map((x) => x.id);
    assert.deepEqual(runs, api_runs);
    check();
  } finally {
    await context.close();
    await api('DELETE', `${BASE}/schedules/${id}`);
  }
});

test('a schedule made from the form: errors at its fields, its webhook, paused, resumed, deleted when confirmed', async () => {
  const { page, context, check } = await newPage();
  let id = null;
  const schedule = async () => (await api('GET', `${BASE}/schedules/${id}`)).body.result;
  const setUrl = async (text) => {  // the webhook URL field, emptied first
    await page.$eval('#webhook_url', (i) => { i.value = ''; });
    await page.type('#webhook_url', text);
  };
  try {
    await page.goto(`${server.origin}/#/run`);
    await signIn(page);
    await page.waitForSelector('#run-form');
    assert.ok(await page.$eval('#schedule-fields', (e) => e.hidden), 'schedule fields only when asked for');
    await page.type('#targets', TARGET);
    await page.click('#repeat');
    assert.equal(await page.$eval('#run', (b) => b.textContent), 'Create schedule');
    assert.ok(!(await page.$eval('#schedule-fields', (e) => e.hidden)));
    await page.type('#schedule_name', 'from the form');
    await page.$eval('#interval_s', (i) => { i.value = '0'; });
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#err-interval_s')?.textContent !== '');
    assert.match(await page.$eval('#err-interval_s', (e) => e.textContent), /from 1 to 86400/);
    assert.equal(await page.$eval('#interval_s', (i) => i.getAttribute('aria-invalid')), 'true');
    const before = (await api('GET', `${BASE}/schedules?per_page=100`)).body.result.length;
    await page.$eval('#interval_s', (i) => { i.value = '3600'; });
    // A webhook address outside webhook_allow: refused, at its field (nothing is sent to it).
    await page.type('#webhook_url', 'http://192.0.2.1/hook');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#err-webhook_url')?.textContent !== '');
    assert.match(await page.$eval('#err-webhook_url', (e) => e.textContent), /webhook refused/);
    assert.equal(await page.$eval('#err-interval_s', (e) => e.textContent), '', 'the interval is fine now');
    assert.equal(await page.$eval('#webhook_url', (i) => i.getAttribute('aria-invalid')), 'true');
    // A secret too short, at its field.
    const hook = 'http://127.0.0.1:9/colotrace';
    await setUrl(hook);
    await page.type('#webhook_secret', 'short');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#err-webhook_secret')?.textContent !== '');
    assert.match(await page.$eval('#err-webhook_secret', (e) => e.textContent), /16 to 256 characters/);
    assert.equal((await api('GET', `${BASE}/schedules?per_page=100`)).body.result.length, before);
    // No secret: the server makes one, and the schedule's page shows it once.
    await page.$eval('#webhook_secret', (i) => { i.value = ''; });
    await page.click('#run');
    await page.waitForSelector('#schedule[data-id]');
    id = await page.$eval('#schedule', (d) => d.dataset.id);
    const made = await schedule();
    assert.equal(made.name, 'from the form');
    assert.equal(made.interval_s, 3600);
    assert.deepEqual(made.targets, [TARGET]);
    assert.equal(made.paused, false);
    assert.deepEqual(made.webhook, { url: hook }, 'the API shows the URL, never the secret');
    assert.equal((await api('GET', `${BASE}/schedules?per_page=100`)).body.result.length, before + 1);
    assert.equal(await page.$eval('#schedule-webhook', (d) => d.textContent), hook);
    const secret = await page.$eval('#made-secret-value', (c) => c.textContent);
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'made-secret', 'focus is on it');
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }) + location.href);
    assert.ok(!stored.includes(secret), 'the secret is kept nowhere but on the screen');

    await page.click('#schedule-pause');
    await page.waitForFunction(() => document.querySelector('#schedule-pause')?.textContent === 'Resume');
    assert.equal((await schedule()).paused, true);
    assert.equal(await page.$('#made-secret'), null, 'the made secret is shown only once');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'schedule-pause',
      'focus stays on the button');
    await page.click('#schedule-pause');
    await page.waitForFunction(() => document.querySelector('#schedule-pause')?.textContent === 'Pause');
    assert.equal((await schedule()).paused, false);

    // The webhook from the schedule's page: a refused address at its field, then a new URL
    // with a typed secret (nothing shown: the server made none), then removed.
    assert.equal(await page.$eval('#webhook_url', (i) => i.value), hook);
    await setUrl('http://192.0.2.1/hook');
    await page.click('#webhook-save');
    await page.waitForFunction(() => document.querySelector('#err-webhook_url')?.textContent !== '');
    assert.match(await page.$eval('#err-webhook_url', (e) => e.textContent), /webhook refused/);
    assert.deepEqual((await schedule()).webhook, { url: hook }, 'unchanged');
    const other = 'http://127.0.0.1:9/other';
    await setUrl(other);
    await page.type('#webhook_secret', 'a secret of my own');
    await page.click('#webhook-save');
    await page.waitForFunction((u) => document.querySelector('#schedule-webhook')?.textContent === u, {}, other);
    assert.deepEqual((await schedule()).webhook, { url: other });
    assert.equal(await page.$('#made-secret'), null, 'a typed secret is not shown back');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'webhook-save');
    // Changed again without a secret: the server makes a new one, shown once.
    await page.click('#webhook-save');
    await page.waitForSelector('#made-secret-value');
    const renewed = await page.$eval('#made-secret-value', (c) => c.textContent);
    assert.match(renewed, /^[0-9a-f]{64}$/);
    assert.notEqual(renewed, secret);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'made-secret');
    await page.click('#webhook-remove');
    await page.waitForFunction(() => document.querySelector('#schedule-webhook')?.textContent === 'none');
    assert.equal((await schedule()).webhook, null);
    assert.equal(await page.$('#webhook-remove'), null);
    assert.equal(await page.$eval('#webhook-save', (b) => b.textContent), 'Set webhook');

    await page.click('#schedule-delete');
    assert.ok(!(await page.$eval('#schedule-delete-ask', (e) => e.hidden)), 'deleting asks first');
    await page.click('#schedule-delete-cancel');
    assert.ok(await page.$eval('#schedule-delete-ask', (e) => e.hidden));
    assert.equal((await schedule()).id, id, 'kept');
    await page.click('#schedule-delete');
    await page.click('#schedule-delete-confirm');
    await page.waitForSelector('#schedules');
    assert.equal(await page.$(`#schedules tr[data-id="${id}"]`), null);
    assert.equal((await call('GET', `${BASE}/schedules/${id}`)).status, 404);
    id = null;
    check({ allow: [/status of 400 \(Bad Request\)/] });  // the refused interval, webhook, secret
  } finally {
    await context.close();
    if (id) await api('DELETE', `${BASE}/schedules/${id}`);
  }
});

test('a schedule\'s timeline shows a confirmed path change as the API reports it', async () => {
  const [viaA, viaB] = diamond.topo.hop_choices_v4[1];
  pinDiamond(viaA);
  const created = await api('POST', `${BASE}/schedules`,
    { name: 'diamond', targets: [TARGET], colos: ['sch'], interval_s: 1 });
  const id = created.body.result.id;
  const base = `${BASE}/schedules/${id}`;
  try {
    await waitFor('two runs on the first path', async () =>
      (await api('GET', `${BASE}/measurements?schedule=${id}&status=finished`)).body.result.length >= 2, 20_000);
    pinDiamond(viaB);
    await waitFor('the change confirmed', async () =>
      (await api('GET', `${base}/changes`)).body.result.length > 0, 30_000);
    await api('PATCH', base, { paused: true });  // no run after this one adds anything
    const changes = (await api('GET', `${base}/changes`)).body.result;
    assert.equal(changes.length, 1);
    const change = changes[0];
    assert.ok(change.before.hops.includes(viaA) && change.after.hops.includes(viaB), JSON.stringify(change));
    const { page, context, check } = await newPage();
    try {
      await page.goto(`${server.origin}/#/a/${ACCOUNT_A}/schedules/${id}`);
      await signIn(page);
      await page.waitForSelector(`#schedule[data-id="${id}"] ~ #timeline li.change`);
      const items = await page.$$eval('#timeline li.change', (lis) => lis.map((li) => ({
        id: li.dataset.id,
        text: li.querySelector('p').textContent,
        run: li.querySelector('p a').getAttribute('href'),
        before: [...li.querySelectorAll('.before-after > div:first-child li')].map((l) => l.textContent),
        after: [...li.querySelectorAll('.before-after > div:last-child li')].map((l) => l.textContent),
      })));
      const marked = (hops) => hops.map((hop, i) =>
        (change.changed_ttls.includes(i + 1) ? `${hop} (changed)` : hop));
      assert.equal(items.length, 1);
      assert.equal(items[0].id, String(change.id));
      assert.ok(items[0].text.includes(`sch → ${TARGET}: TTL ${change.changed_ttls.join(', ')} changed`),
        items[0].text);
      assert.ok(items[0].run.endsWith(`/m/${change.measurement_id}`), items[0].run);
      assert.deepEqual(items[0].before, marked(change.before.hops));
      assert.deepEqual(items[0].after, marked(change.after.hops));
      await shot(page, 'schedule-change');
      check();
    } finally {
      await context.close();
    }
  } finally {
    await api('DELETE', base);
  }
});

test('a multipath result draws the links it found', async () => {
  const r = await api('POST', `${BASE}/measurements`,
    { targets: [TARGET], colos: ['local'], options: { multipath: true, packet_type: 'udp', wait_time: 1 } });
  const id = r.body.result.id;
  await waitFor('the multipath measurement', async () =>
    (await api('GET', `${BASE}/measurements/${id}`)).body.result.status === 'finished', 30_000);
  const { page, context, check } = await newPage();
  try {
    await page.goto(`${server.origin}/#/a/${ACCOUNT_A}/m/${id}`);
    await signIn(page);
    await page.waitForSelector('#measurement[data-status=finished]');
    const m = await assertPageEqualsApi(page, id);
    const colo = m.result[0].colos[0];
    assert.ok(colo.hops.some((h) => h.links?.length), 'the result has links');
    const caption = await page.$eval('table.hops caption', (c) => c.textContent);
    assert.match(caption, new RegExp(`multipath ${colo.multipath_complete ? 'complete' : 'incomplete'}, ` +
      `${colo.multipath_probes} probes`));
    check();
  } finally {
    await context.close();
  }
});
