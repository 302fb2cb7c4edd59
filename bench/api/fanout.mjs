// Fan-out over NATS: a request to 1, 10 and 50 colos (agents as processes on this machine, all
// probing one lab chain) and what it adds over the slowest colo's own traceroute time; then the
// job throughput of one agent.
//
//   node bench/api/fanout.mjs        (as root; env COLOTRACE_BIN, LAB_UP_BIN; nats-server)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import readline from 'node:readline';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const colotrace = process.env.COLOTRACE_BIN ?? 'build/apps/colotrace';
const labUp = process.env.LAB_UP_BIN ?? 'build/tests/lab/lab_up';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function firstLine(child) {
  const rl = readline.createInterface({ input: child.stdout });
  for await (const line of rl) return line;
  throw new Error('no output');
}
async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = srv.address().port;
  srv.close();
  return port;
}

const children = [];
function start(cmd, args) {
  const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(c);
  return c;
}

const lab = start(labUp, ['chain', '--routers', '2']);
const topo = JSON.parse(await firstLine(lab));
const natsPort = await freePort();
const natsUrl = `nats://127.0.0.1:${natsPort}`;
start('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)]);
await sleep(500);
const dir = mkdtempSync(join(tmpdir(), 'colotrace-fanout-'));
writeFileSync(join(dir, 'serve.toml'), `
[[tokens]]
sha256 = "${createHash('sha256').update('bench').digest('hex')}"
accounts = ["acc1"]
[limits]
requests_per_window = 1000000
probes_per_window = 1000000000
max_concurrent_requests_per_token = 100000
[storage]
db = "${join(dir, 'history', 'history.db')}"
`);
chmodSync(dir, 0o755);
const server = start(colotrace, ['serve', '--config', join(dir, 'serve.toml'), '--no-local-colo',
                                 '--nats', natsUrl, '--listen', '127.0.0.1:0']);
const port = Number(/127\.0\.0\.1:(\d+)/.exec(await firstLine(server))[1]);
const base = `http://127.0.0.1:${port}/client/v4/accounts/acc1/diagnostics/traceroute`;
const headers = { Authorization: 'Bearer bench', 'Content-Type': 'application/json' };

async function colos() {
  const r = await fetch(`${base}/colos`, { headers });
  return (await r.json()).result.length;
}
let agents = 0;
async function growTo(n) {
  for (; agents < n; agents++) {
    start(colotrace, ['agent', '--nats', natsUrl, '--colo', `c${String(agents).padStart(3, '0')}`,
                      '--netns', topo.colo, '--allow-target', '203.0.113.0/24']);
  }
  for (let i = 0; i < 100 && (await colos()) < n; i++) await sleep(100);
}

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const n of [1, 10, 50]) {
  await growTo(n);
  const names = Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
  const extra = [];
  for (let i = 0; i < 210; i++) {
    const t0 = performance.now();
    const r = await fetch(base, { method: 'POST', headers,
      body: JSON.stringify({ targets: [topo.target_v4], colos: names }) });
    const body = await r.json();
    const ms = performance.now() - t0;
    const cs = body.result[0].colos;
    if (cs.length !== n || cs.some((c) => c.error !== '')) throw new Error(JSON.stringify(body));
    if (i >= 10) extra.push(ms - Math.max(...cs.map((c) => c.traceroute_time_ms)));
  }
  extra.sort((a, b) => a - b);
  console.log(`${n} colos: beyond the slowest colo's traceroute_time_ms p50 ` +
              `${q(extra, 0.5).toFixed(1)} ms, p99 ${q(extra, 0.99).toFixed(1)} ms (200 requests)`);
}

// One agent's job throughput: 2000 one-colo requests, 100 at a time.
let done = 0;
const t0 = performance.now();
async function worker() {
  while (done < 2000) {
    done++;
    const r = await fetch(base, { method: 'POST', headers,
      body: JSON.stringify({ targets: [topo.target_v4], colos: ['c000'],
                             options: { packets_per_ttl: 1 } }) });
    const body = await r.json();
    if (body.result[0].colos[0].error !== '') throw new Error('job failed');
  }
}
await Promise.all(Array.from({ length: 100 }, worker));
const seconds = (performance.now() - t0) / 1000;
console.log(`one agent: 2000 jobs in ${seconds.toFixed(2)} s = ${(2000 / seconds).toFixed(0)} jobs/s`);

for (const c of children.reverse()) c.kill('SIGTERM');
await sleep(1000);
process.exit(0);
