// Soak test (bounded): for SOAK_SECONDS (default 120) a mix of valid and malformed requests
// hits `colotrace serve` (its local colo probing a lab chain, plus two agents over a real
// nats-server), while agents are killed and restarted and nats-server is restarted. Checks
// afterwards: no process crashed, the server's resident memory stayed flat over the second
// half (SOAK_RSS_LIMIT_KB, below), every well-formed request got a correct answer, every malformed one a 4xx.
//
//   COLOTRACE_BIN=... LAB_UP_BIN=... node tests/soak/soak.mjs    (as root; nats-server)
//
// "Correct": 200 whose result has one entry per target and colo; the local colo always traces
// the exact lab hops; a remote colo traces them too, or (only while agents or NATS restart)
// answers Code 3, or the request is refused with 1005/1018 because that colo is gone for now.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import readline from 'node:readline';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free_port.mjs';

const colotrace = process.env.COLOTRACE_BIN ?? 'build/apps/colotrace';
const labUp = process.env.LAB_UP_BIN ?? 'build/tests/lab/lab_up';
const seconds = Number(process.env.SOAK_SECONDS ?? 120);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();
function start(cmd, args) {
  const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  c.stderrText = '';
  c.stderr.on('data', (d) => { c.stderrText = (c.stderrText + d).slice(-4000); });
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}
async function firstLine(child) {
  const rl = readline.createInterface({ input: child.stdout });
  for await (const line of rl) return line;
  throw new Error(`no output: ${child.spawnargs.join(' ')}: ${child.stderrText}`);
}
function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : -1;
}

const failures = [];
function fail(what) {
  if (failures.length < 20) console.error(`FAIL: ${what}`);
  failures.push(what);
}

// --- the system under test
const lab = start(labUp, ['chain', '--routers', '2']);
const topo = JSON.parse(await firstLine(lab));
const natsPort = await freePort();
const natsUrl = `nats://127.0.0.1:${natsPort}`;
let nats = start('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)]);
await sleep(300);
const dir = mkdtempSync(join(tmpdir(), 'colotrace-soak-'));
writeFileSync(join(dir, 'serve.toml'), `
[[tokens]]
sha256 = "${createHash('sha256').update('soak').digest('hex')}"
accounts = ["acc1"]
[limits]
requests_per_window = 100000000
probes_per_window = 100000000000
max_connections = 256
max_concurrent_requests_per_token = 64
read_timeout_ms = 1000
[storage]
db = "${join(dir, 'history', 'history.db')}"
`);
chmodSync(dir, 0o755);
const server = start(colotrace, ['serve', '--config', join(dir, 'serve.toml'), '--netns', topo.colo,
  '--allow-target', '203.0.113.0/24', '--allow-target', '2001:db8:ff::/48', '--no-names',
  '--nats', natsUrl, '--listen', '127.0.0.1:0']);
const port = Number(/127\.0\.0\.1:(\d+)/.exec(await firstLine(server))[1]);
const agents = new Map();
async function startAgent(colo) {
  const a = start(colotrace, ['agent', '--nats', natsUrl, '--colo', colo, '--netns', topo.colo,
    '--allow-target', '203.0.113.0/24', '--allow-target', '2001:db8:ff::/48', '--no-names']);
  agents.set(colo, a);
  await firstLine(a);
}
await startAgent('soak1');
await startAgent('soak2');
let unexpectedExits = 0;
server.on('exit', (code, sig) => { unexpectedExits++; fail(`server exited: ${code} ${sig}: ${server.stderrText}`); });

const base = `http://127.0.0.1:${port}/client/v4/accounts/acc1/diagnostics/traceroute`;
const headers = { Authorization: 'Bearer soak', 'Content-Type': 'application/json' };
for (let i = 0; i < 50; i++) {
  const r = await fetch(`${base}/colos`, { headers });
  if ((await r.json()).result.length === 3) break;
  await sleep(100);
}

// --- load
let disturbed = 0;     // > 0 while an agent or NATS is being restarted (and 4 s after)
let disturbances = 0;  // restarts begun so far
// A request overlapped a restart if one was going on when it started, or one began before it
// ended (a job an agent took to its death ends with Code 3 at the deadline, 7 s later).
const overlapping = (startedDisturbed, startedAt) => startedDisturbed || disturbances !== startedAt || disturbed > 0;
const counts = { valid: 0, validLocalOk: 0, validRemoteOk: 0, remoteCode3: 0, remoteGone: 0,
                 malformed: 0, raw: 0, slow: 0 };
const rng = (n) => Math.floor(Math.random() * n);
const pick = (xs) => xs[rng(xs.length)];

async function validRequest() {
  const startedDisturbed = disturbed > 0;
  const startedAt = disturbances;
  const v6 = Math.random() < 0.5;
  const colos = pick([['local'], ['soak1'], ['soak2'], ['local', 'soak1', 'soak2'], ['soa']]);
  const body = { targets: [v6 ? topo.target_v6 : topo.target_v4], colos,
                 options: { packet_type: pick(['icmp', 'udp', 'tcp']), packets_per_ttl: 1 } };
  const r = await fetch(base, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await r.json();
  counts.valid++;
  const wantHops = v6 ? topo.hop_v6 : topo.hop_v4;
  if (r.status !== 200) {
    const code = json.errors?.[0]?.code;
    if (overlapping(startedDisturbed, startedAt) && (code === 1005 || code === 1018) &&
        !colos.includes('local')) {
      counts.remoteGone++;
      return;
    }
    fail(`valid request ${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(json.errors)}`);
    return;
  }
  const results = json.result?.[0]?.colos ?? [];
  if (json.result.length !== 1 || results.length === 0) fail(`result shape ${JSON.stringify(json)}`);
  for (const c of results) {
    const hops = c.hops.map((h) => (h.nodes.length ? h.nodes[0].ip : '*'));
    const exact = c.error === '' && JSON.stringify(hops) === JSON.stringify(wantHops);
    if (c.colo.name === 'local') {
      if (exact) counts.validLocalOk++;
      else fail(`local colo: ${c.error} ${JSON.stringify(hops)}`);
    } else if (exact) {
      counts.validRemoteOk++;
    } else if (overlapping(startedDisturbed, startedAt) && /Code 3$/.test(c.error)) {
      counts.remoteCode3++;
    } else {
      fail(`remote colo ${c.colo.name}: '${c.error}' ${JSON.stringify(hops)} (disturbed ${disturbed})`);
    }
  }
}

const badBodies = [
  '', '{', '[]', '{"targets":[]}', '{"targets":["no spaces allowed"]}', '{"targets":["203.0.113.1"],"colos":["nosuch"]}',
  '{"targets":["203.0.113.1"],"options":{"max_ttl":0.5}}', '{"targets":["203.0.113.1"],"options":{"packet_type":"sctp"}}',
  '{"targets":["203.0.113.1"],"options":{"ip_version":"ipv6"}}', '{"targets":' + '['.repeat(100) + ']'.repeat(100) + '}',
  '{"targets":["a","b","c","d","e","f","g","h","i","j","k"]}',
];
async function malformedRequest() {
  counts.malformed++;
  let body = pick(badBodies);
  if (Math.random() < 0.3) body = Buffer.from(Array.from({ length: rng(300) }, () => rng(256)));
  const h = Math.random() < 0.2 ? { Authorization: 'Bearer wrong' } : headers;
  const r = await fetch(base, { method: 'POST', headers: h, body });
  await r.arrayBuffer();
  if (r.status < 400 || r.status >= 500) fail(`malformed body got ${r.status}`);
}
// Raw TCP: garbage, a half-sent request (the read timeout closes it), a huge header.
async function rawRequest() {
  counts.raw++;
  const kind = rng(3);
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  const chunks = [];
  s.on('data', (d) => chunks.push(d));
  const closed = once(s, 'close');
  s.on('error', () => {});
  if (kind === 0) s.write(Buffer.from(Array.from({ length: 200 }, () => rng(256))));
  if (kind === 1) { s.write('POST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\nHost: x\r\n'); counts.slow++; }
  if (kind === 2) s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  await Promise.race([closed, sleep(3000)]);
  s.destroy();
  const text = Buffer.concat(chunks).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
  if (kind !== 1 && (status < 400 || status >= 500)) fail(`raw request kind ${kind} got '${text.slice(0, 40)}'`);
}

const rss = [];
const t0 = Date.now();
const end = t0 + seconds * 1000;
async function worker(i) {
  while (Date.now() < end) {
    const r = Math.random();
    try {
      if (r < 0.6) await validRequest();
      else if (r < 0.9) await malformedRequest();
      else await rawRequest();
    } catch (e) {
      fail(`worker ${i}: ${e.stack ?? e}`);
    }
  }
}
async function disturber() {
  let round = 0;
  while (Date.now() < end - 8000) {
    await sleep(10000);
    round++;
    disturbed++;
    disturbances++;
    if (round % 3 === 0) {
      nats.kill('SIGKILL');
      await sleep(1000);
      nats = start('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)]);
    } else {
      const colo = round % 2 ? 'soak1' : 'soak2';
      agents.get(colo).kill('SIGKILL');
      await sleep(500);
      await startAgent(colo);
    }
    await sleep(4000);  // agents re-announce; the registry catches up
    disturbed--;
  }
}
async function sampler() {
  while (Date.now() < end) {
    rss.push([Math.round((Date.now() - t0) / 1000), rssKb(server.pid)]);
    await sleep(5000);
  }
}
await Promise.all([...Array.from({ length: 8 }, (_, i) => worker(i)), disturber(), sampler()]);

// --- verdict
const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status).catch(() => 0);
if (healthy !== 200) fail(`healthz ${healthy}`);
const half = rss.filter(([t]) => t >= seconds / 2).map(([, kb]) => kb);
const growth = half.length > 1 ? half[half.length - 1] - half[0] : 0;
// SOAK_RSS_LIMIT_KB (default 8192); 0 reports the growth without judging it, for sanitizer
// builds, whose shadow memory and allocator quarantine grow for minutes on their own.
const rssLimitKb = Number(process.env.SOAK_RSS_LIMIT_KB ?? 8 * 1024);
if (rssLimitKb > 0 && growth > rssLimitKb) {
  fail(`server RSS grew ${growth} kB over the second half: ${JSON.stringify(rss)}`);
}
console.log(`soak ${seconds} s: ${JSON.stringify(counts)}`);
console.log(`server RSS kB over time (s, kB): ${rss.map(([t, kb]) => `${t}:${kb}`).join(' ')}`);
console.log(`second-half RSS growth ${growth} kB; failures ${failures.length}`);

server.removeAllListeners('exit');
server.kill('SIGTERM');
await Promise.race([once(server, 'exit'), sleep(35000)]);
if (server.exitCode !== 0) fail(`server exit status ${server.exitCode} ${server.signalCode}: ${server.stderrText}`);
for (const c of [...children]) c.kill('SIGTERM');
await sleep(1500);
for (const c of [...children]) c.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
process.exit(failures.length === 0 && unexpectedExits === 0 ? 0 : 1);
