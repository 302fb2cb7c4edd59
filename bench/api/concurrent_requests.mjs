// Holds N traceroute requests open at once against `colotrace serve`, whose local colo probes a
// lab chain (tests/lab, via lab_up), and reports how much each response took beyond the
// traceroute time it reports, at p50/p99, plus the server's peak memory.
//
//   node bench/api/concurrent_requests.mjs [N]      (as root; env COLOTRACE_BIN, LAB_UP_BIN)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { once } from 'node:events';
import readline from 'node:readline';
import { createHash } from 'node:crypto';

const n = Number(process.argv[2] ?? 1000);
const colotrace = process.env.COLOTRACE_BIN ?? 'build/apps/colotrace';
const labUp = process.env.LAB_UP_BIN ?? 'build/tests/lab/lab_up';

async function firstLine(child) {
  const rl = readline.createInterface({ input: child.stdout });
  for await (const line of rl) return line;
  throw new Error('no output');
}

const lab = spawn(labUp, ['chain', '--routers', '3', '--delay-router', '1', '--delay-ms', '20'],
                  { stdio: ['pipe', 'pipe', 'inherit'] });
const topo = JSON.parse(await firstLine(lab));
const dir = mkdtempSync(join(tmpdir(), 'colotrace-bench-'));
const token = 'bench-token';
const sha = createHash('sha256').update(token).digest('hex');
writeFileSync(join(dir, 'serve.toml'), `
allow_targets = ["203.0.113.0/24", "2001:db8::/32"]
[[tokens]]
sha256 = "${sha}"
accounts = ["acc1"]
[limits]
requests_per_window = 1000000
max_connections = ${n + 100}
max_concurrent_requests_per_token = ${n + 100}
[storage]
db = "${join(dir, 'history', 'history.db')}"
`);
chmodSync(dir, 0o755);
const server = spawn(colotrace, ['serve', '--config', join(dir, 'serve.toml'), '--netns', topo.colo,
                                 ...(process.env.SERVE_ARGS ? process.env.SERVE_ARGS.split(' ') : []),
                                 '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const banner = await firstLine(server);
const port = Number(/:(\d+) /.exec(banner)[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: n + 10 });

function post(body) {
  return new Promise((resolve, reject) => {
    let start = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST',
      path: '/client/v4/accounts/acc1/diagnostics/traceroute',
      headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data,
                                    ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    });
    req.on('error', reject);
    // Time from when the request has been handed to the kernel: the client's own queueing (one
    // JavaScript thread opening N connections) is not the server's doing.
    req.on('finish', () => { start = process.hrtime.bigint(); });
    req.end(JSON.stringify(body));
  });
}

// The process's CPU time so far (user + system), ms (clock ticks of 10 ms).
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// CPU time (ms) of each named thread of the process: {"ct-engine": ..., "ct-http": ...}.
function threadCpuMs(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return out;
}

function peakRssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
}

const types = ['icmp', 'udp', 'tcp'];
// Warm-up: the engine learns the target's distance.
await post({ targets: [topo.target_v4] });
await post({ targets: [topo.target_v6] });
const rssBefore = peakRssKb(server.pid);
const cpuBefore = cpuMs(server.pid);
const threadsBefore = threadCpuMs(server.pid);
const started = Date.now();
const results = await Promise.all(Array.from({ length: n }, (_, i) =>
  post({ targets: [i % 2 ? topo.target_v6 : topo.target_v4],
         options: { packet_type: types[i % 3] } })));
const wall = Date.now() - started;
const serverCpu = cpuMs(server.pid) - cpuBefore;
const threadsAfter = threadCpuMs(server.pid);
const perThread = Object.keys(threadsAfter)
  .map((name) => `${name} ${threadsAfter[name] - (threadsBefore[name] ?? 0)} ms`).join(', ');
const overheads = [];
let bad = 0;
for (const r of results) {
  if (r.status !== 200) { bad++; continue; }
  const colo = JSON.parse(r.body).result[0].colos[0];
  if (colo.error !== '' || colo.target_summary.packet_count !== 3) bad++;
  overheads.push(r.ms - colo.traceroute_time_ms);
}
overheads.sort((a, b) => a - b);
const q = (p) => overheads[Math.min(overheads.length - 1, Math.floor(p * overheads.length))];
console.log(`requests ${n} at once: ${n - bad} complete and correct, wall ${wall} ms, ` +
            `server CPU ${serverCpu} ms (${(serverCpu * 1000 / n).toFixed(0)} us per request)`);
console.log(`server CPU by thread: ${perThread}`);
console.log(`response time beyond traceroute_time_ms: p50 ${q(0.5).toFixed(1)} ms, ` +
            `p99 ${q(0.99).toFixed(1)} ms, max ${overheads[overheads.length - 1].toFixed(1)} ms`);
console.log(`server peak RSS: ${(rssBefore / 1024).toFixed(1)} MB before, ` +
            `${(peakRssKb(server.pid) / 1024).toFixed(1)} MB after`);
agent.destroy();
server.kill('SIGTERM');
await once(server, 'exit');
lab.stdin.end();
await once(lab, 'exit');
process.exit(bad === 0 ? 0 : 1);
