// Test harness: a network-namespace lab (lab_up) and a real `colotrace serve` probing from it,
// plus raw HTTP helpers that record and schema-check every body they see.
//
// Safety: the server listens on 127.0.0.1 in the root namespace; its engine (and its resolver)
// live in the lab's colo namespace (`--netns`), which has no route out of the lab. Its target
// policy admits only documentation ranges. Tests trace only the lab's addresses and never a
// valid host name.
//
// Cleanup: servers are stopped with SIGTERM (and must exit 0); lab_up tears its lab down when
// its stdin closes, which also happens when this process dies. Whatever a killed run leaves is
// removed by the CTest cleanup fixture `lab` (lab_cleanup).

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';

import { assertBodyForStatus } from './schema.mjs';

export { Cloudflare };

function requiredBinary(name) {
  const file = process.env[name];
  if (!file) {
    throw new Error(`${name} is not set: it must name the binary to test ` +
      '(CTest sets it; by hand: COLOTRACE_BIN=build/apps/colotrace ' +
      'LAB_UP_BIN=build/tests/lab/lab_up node --test ...)');
  }
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(`${name}=${file} is not an executable file`);
  }
  return file;
}

// Credentials of every server started here (fresh random secrets each run). The config stores
// only their SHA-256.
export const TOKEN_A = 'sdk-a-' + crypto.randomBytes(16).toString('hex');  // account acc1
export const TOKEN_B = 'sdk-b-' + crypto.randomBytes(16).toString('hex');  // account acc2
export const KEY_EMAIL = 'sdk-user@example.com';                           // account acc1
export const KEY = crypto.randomBytes(18).toString('hex');
export const ACCOUNT_A = 'acc1';
export const ACCOUNT_B = 'acc2';

export function sha256hex(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

// Everything started and not yet stopped, killed if this process goes away unexpectedly.
const live = new Set();
function killAllNow() {
  for (const child of live) {
    try {
      // lab_up cleans up on end of stdin; the server has to be killed.
      if (child.role === 'server') child.proc.kill('SIGKILL');
      else child.proc.stdin.destroy();
    } catch { /* already gone */ }
  }
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllNow();
    process.exit(128 + os.constants.signals[sig]);
  });
}
// `node --test` runs each file in a child process; if the runner is killed outright (SIGKILL,
// e.g. by a CTest timeout) nothing tells the child, so it watches for being orphaned.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) {
    process.stderr.write('harness: the test runner is gone; stopping the server and the lab\n');
    killAllNow();
    process.exit(1);
  }
}, 500).unref();

function collect(stream) {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

// Resolves with the first line `stream` writes that matches `re`, or rejects when the process
// exits first or `ms` pass.
function waitForLine(proc, stream, re, ms, what) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`${what}: no line matching ${re} in ${ms} ms`)), ms);
    const onData = (chunk) => {
      buffer += chunk.toString('utf8');
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = line.match(re);
        if (m) return finish(null, m);
      }
    };
    const onExit = (code, signal) =>
      finish(new Error(`${what} exited (code ${code}, signal ${signal}) before it was ready`));
    function finish(err, value) {
      clearTimeout(timer);
      stream.off('data', onData);
      proc.off('exit', onExit);
      if (err) reject(err);
      else resolve(value);
    }
    stream.on('data', onData);
    proc.on('exit', onExit);
  });
}

function waitForExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode, timedOut: false });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: null, signal: null, timedOut: true }), ms);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut: false });
    });
  });
}

// Starts `lab_up <args...>` and returns {topo, stop(), stderr()}; topo is its JSON line.
export async function startLab(args) {
  const bin = requiredBinary('LAB_UP_BIN');
  const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const entry = { role: 'lab', proc };
  live.add(entry);
  const stderr = collect(proc.stderr);
  proc.stdin.on('error', () => {});  // lab_up gone: nothing to close
  let match;
  try {
    match = await waitForLine(proc, proc.stdout, /^(\{.*\})$/, 60_000, `lab_up ${args.join(' ')}`);
  } catch (e) {
    proc.stdin.end();
    await waitForExit(proc, 20_000);
    live.delete(entry);
    throw new Error(`${e.message}\nlab_up stderr:\n${stderr()}`);
  }
  const topo = JSON.parse(match[1]);
  let stopped = null;
  return {
    topo,
    stderr,
    // Closes lab_up's stdin; it tears the lab down and must exit 0.
    stop() {
      stopped ??= (async () => {
        proc.stdin.end();
        let rc = await waitForExit(proc, 30_000);
        if (rc.timedOut) {
          proc.kill('SIGTERM');
          rc = await waitForExit(proc, 10_000);
          if (rc.timedOut) proc.kill('SIGKILL');  // the CTest fixture removes the namespaces
        }
        live.delete(entry);
        return { ...rc, stderr: stderr() };
      })();
      return stopped;
    },
  };
}

function tomlString(s) {
  return JSON.stringify(s);  // a TOML basic string is a JSON string for this ASCII content
}

// Writes the server's TOML configuration; `limits` overrides entries of [limits]; `extra` is
// appended as it is (further tables).
export function writeConfig(dir, { limits = {}, extra = '' } = {}) {
  const allLimits = { drain_timeout_ms: 5000, read_timeout_ms: 5000, ...limits };
  const lines = [
    '# written by tests/sdk/harness.mjs',
    'allow_targets = ["203.0.113.0/24", "2001:db8::/32", "198.51.100.0/24"]',
    '',
    '[colo]',
    'name = "local"',
    'city = "Lab, Namespace"',
    '',
    '[[tokens]]',
    `sha256 = ${tomlString(sha256hex(TOKEN_A))}`,
    `accounts = [${tomlString(ACCOUNT_A)}]`,
    '',
    '[[tokens]]',
    `sha256 = ${tomlString(sha256hex(TOKEN_B))}`,
    `accounts = [${tomlString(ACCOUNT_B)}]`,
    '',
    '[[keys]]',
    `email = ${tomlString(KEY_EMAIL)}`,
    `sha256 = ${tomlString(sha256hex(KEY))}`,
    `accounts = [${tomlString(ACCOUNT_A)}]`,
    '',
    '[limits]',
    ...Object.entries(allLimits).map(([k, v]) => `${k} = ${v}`),
    '',
    '[storage]',
    `db = "${path.join(dir, 'history', 'history.db')}"`,
    '',
    extra,
  ];
  const file = path.join(dir, 'colotrace.toml');
  fs.writeFileSync(file, lines.join('\n'), { mode: 0o644 });
  return file;
}

// Starts `colotrace serve` probing from the lab's colo namespace, listening on 127.0.0.1:0.
// Returns {port, origin, baseURL, stop(), output()} once GET /healthz answers 200. `args` are
// added to the command line, `extra` to the configuration (writeConfig).
export async function startServer(lab, { limits, args: moreArgs = [], extra = '' } = {}) {
  const bin = requiredBinary('COLOTRACE_BIN');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'colotrace-sdk-'));
  fs.chmodSync(dir, 0o755);
  const config = writeConfig(dir, { limits, extra });
  const args = ['serve', '--config', config, '--netns', lab.topo.colo, '--listen', '127.0.0.1:0',
    ...moreArgs];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { role: 'server', proc };
  live.add(entry);
  const stdout = collect(proc.stdout);
  const stderr = collect(proc.stderr);
  const output = () => `stdout:\n${stdout()}\nstderr:\n${stderr()}`;
  const cleanupDir = () => fs.rmSync(dir, { recursive: true, force: true });
  let port;
  try {
    const m = await waitForLine(proc, proc.stdout,
      /^colotrace: listening on http:\/\/127\.0\.0\.1:(\d+)\b/, 20_000, 'colotrace serve');
    port = Number(m[1]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        await r.arrayBuffer();
        if (r.status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error('GET /healthz did not answer 200 within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    proc.kill('SIGKILL');
    await waitForExit(proc, 5000);
    live.delete(entry);
    cleanupDir();
    throw new Error(`${e.message}\n${output()}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  let stopped = null;
  return {
    port,
    origin,
    baseURL: `${origin}/client/v4`,
    output,
    // SIGTERM; resolves {code, signal, timedOut, ms, output}. The server drains within
    // drain_timeout_ms (5 s here) and must exit 0.
    stop() {
      stopped ??= (async () => {
        const t0 = Date.now();
        proc.kill('SIGTERM');
        let rc = await waitForExit(proc, 10_000);
        const ms = Date.now() - t0;
        if (rc.timedOut) {
          proc.kill('SIGKILL');
          await waitForExit(proc, 5000);
        }
        live.delete(entry);
        cleanupDir();
        return { ...rc, ms, output: output() };
      })();
      return stopped;
    },
  };
}

// Stops the server and the lab (in that order: the server's engine lives in the lab) and
// asserts both exited 0. Safe to call with nulls (a failed `before`).
export async function stopAll(server, lab) {
  const problems = [];
  if (server) {
    const rc = await server.stop();
    if (rc.code !== 0 || rc.timedOut) {
      problems.push(`colotrace serve did not exit 0 within the drain after SIGTERM: ` +
        `${JSON.stringify({ code: rc.code, signal: rc.signal, timedOut: rc.timedOut, ms: rc.ms })}\n` +
        rc.output);
    }
  }
  if (lab) {
    const rc = await lab.stop();
    if (rc.code !== 0 || rc.timedOut) {
      problems.push(`lab_up did not exit 0: ${JSON.stringify(rc)}`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
}

// ---- recording HTTP ------------------------------------------------------------------------

// Every response seen by `recordingFetch` or `request`/`rawHttp` (for schema checks and counts).
export const seen = [];

function parseJsonOrThrow(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new assert.AssertionError({ message: `${what}: body is not JSON: ${JSON.stringify(text)}` });
  }
}

// Records a response and validates its body against the schema for its status. Every body is
// the API's JSON envelope except the answers of /healthz and /metrics themselves.
function record(method, url, status, headers, text) {
  const entry = { method, url, status, headers, text };
  seen.push(entry);
  const pathname = new URL(url).pathname;
  const plain = (pathname === '/healthz' || pathname === '/metrics') && status === 200;
  if (!plain) {
    entry.body = parseJsonOrThrow(text, `${method} ${pathname} -> ${status}`);
    assertBodyForStatus(status, entry.body, `${method} ${pathname} -> ${status}`);
  }
  return entry;
}

// A fetch for the SDK's `fetch` option: passes the request on and records (and schema-checks)
// a copy of every response body.
// A failed check cannot be thrown from here (the SDK would turn it into a connection error),
// so it is kept and thrown by assertSdkBodiesValid().
export async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  try {
    record(init?.method ?? 'GET', String(url), response.status, response.headers, text);
  } catch (e) {
    sdkProblems.push(e);
  }
  return response;
}

const sdkProblems = [];

// Throws the first schema (or JSON) failure of a body the SDK received since the last call.
export function assertSdkBodiesValid() {
  const problems = sdkProblems.splice(0);
  if (problems.length) throw problems[0];
}

// An SDK client with exactly the given credentials (nothing from the environment).
export function sdkClient(server, { apiToken = null, apiEmail = null, apiKey = null } = {}) {
  return new Cloudflare({
    apiToken,
    apiEmail,
    apiKey,
    userServiceKey: null,
    baseURL: server.baseURL,
    maxRetries: 0,
    timeout: 30_000,
    fetch: recordingFetch,
  });
}

// A request with node's fetch. `body`: a string, Buffer, or anything else (sent as JSON).
// Returns {status, headers, text, body} (body parsed for API paths) after schema checks.
export async function request(server, method, pathname, { headers = {}, body } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(init.headers).some((h) => h.toLowerCase() === 'content-type')) {
      init.headers['Content-Type'] = 'application/json';
    }
  }
  const url = server.origin + pathname;
  const response = await fetch(url, init);
  const text = await response.text();
  return record(method, url, response.status, response.headers, text);
}

// Sends raw bytes over a fresh TCP connection and parses the HTTP/1.1 response (one response;
// Content-Length bodies). Returns {status, headers (Map, lower-case names), text, body}.
export function rawHttp(server, bytes, { method = 'RAW', pathname = '/client/v4/raw' } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw HTTP: no complete response within 15 s'));
    }, 15_000);
    const tryParse = (final) => {
      const buf = Buffer.concat(chunks);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (final) throw new Error(`raw HTTP: incomplete response: ${JSON.stringify(buf.toString('latin1'))}`);
        return null;
      }
      const head = buf.subarray(0, end).toString('latin1').split('\r\n');
      const statusLine = head.shift().match(/^HTTP\/1\.[01] (\d{3})/);
      if (!statusLine) throw new Error(`raw HTTP: bad status line ${JSON.stringify(head)}`);
      const headers = new Map();
      for (const line of head) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? NaN);
      const bodyBytes = buf.subarray(end + 4);
      if (Number.isFinite(length)) {
        if (bodyBytes.length < length) {
          if (final) throw new Error('raw HTTP: truncated body');
          return null;
        }
        return { status: Number(statusLine[1]), headers, text: bodyBytes.subarray(0, length).toString('utf8') };
      }
      return final ? { status: Number(statusLine[1]), headers, text: bodyBytes.toString('utf8') } : null;
    };
    let done = false;
    const complete = (final) => {
      if (done) return;
      let parsed;
      try {
        parsed = tryParse(final);
      } catch (e) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        return reject(e);
      }
      if (!parsed) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const headersLike = { get: (name) => parsed.headers.get(name.toLowerCase()) ?? null };
      try {
        resolve(record(method, server.origin + pathname, parsed.status, headersLike, parsed.text));
      } catch (e) {
        reject(e);
      }
    };
    socket.on('data', (c) => {
      chunks.push(c);
      complete(false);
    });
    socket.on('end', () => complete(true));
    socket.on('error', (e) => {
      if (chunks.length) complete(true);
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    socket.write(bytes);
  });
}

// Metrics: colotrace_http_requests_total by status.
export async function requestCounts(server) {
  const r = await fetch(server.origin + '/metrics');
  const text = await r.text();
  assert.equal(r.status, 200, 'GET /metrics');
  const counts = {};
  for (const m of text.matchAll(/^colotrace_http_requests_total\{status="([^"]+)"\} (\d+)$/gm)) {
    counts[m[1]] = Number(m[2]);
  }
  return counts;
}

// ---- expectations --------------------------------------------------------------------------

// Asserts one colo result against the lab's exact path `hops` (IP per TTL; "*" = silent).
export function assertColoResult(colo, hops, { packets = 3, target, what }) {
  assert.equal(colo.colo.name, 'local', `${what}: colo name`);
  assert.equal(colo.error, '', `${what}: colo error`);
  assert.ok(Number.isInteger(colo.traceroute_time_ms) && colo.traceroute_time_ms >= 0,
    `${what}: traceroute_time_ms`);
  assert.deepEqual(colo.hops.map((h) => h.packets_ttl), hops.map((_, i) => i + 1),
    `${what}: one hop per TTL 1..${hops.length}`);
  assert.deepEqual(colo.hops.map((h) => h.nodes.map((n) => n.ip)),
    hops.map((ip) => (ip === '*' ? [] : [ip])), `${what}: responders per TTL`);
  for (const h of colo.hops) {
    const where = `${what}: TTL ${h.packets_ttl}`;
    assert.equal(h.packets_sent, packets, `${where}: packets_sent`);
    const silent = hops[h.packets_ttl - 1] === '*';
    assert.equal(h.packets_lost, silent ? packets : 0, `${where}: packets_lost`);
    for (const n of h.nodes) {
      assert.equal(n.packet_count, packets, `${where}: packet_count`);
      assert.ok(typeof n.name === 'string' && n.name.length > 0, `${where}: name`);
      assert.match(n.asn, /^(AS\d+)?$/, `${where}: asn`);
      assert.deepEqual(n.labels, [], `${where}: labels`);
      assert.ok(n.min_rtt_ms >= 0 && n.min_rtt_ms <= n.mean_rtt_ms + 1e-9 &&
        n.mean_rtt_ms <= n.max_rtt_ms + 1e-9 && n.std_dev_rtt_ms >= 0, `${where}: RTT statistics`);
    }
  }
  const s = colo.target_summary;
  assert.equal(s.ip, target, `${what}: target_summary.ip`);
  assert.equal(s.packet_count, packets, `${what}: target_summary.packet_count`);
  for (const k of ['min', 'mean', 'max', 'std_dev']) {
    assert.equal(typeof s[`${k}_latency_ms`], 'number', `${what}: target_summary.${k}_latency_ms`);
    assert.equal(s[`${k}_rtt_ms`], s[`${k}_latency_ms`], `${what}: target_summary ${k} keys agree`);
  }
}

// Asserts a whole result array: one entry per target, in order, each with one colo `local`.
export function assertTraceResult(result, topo, targets, { packets = 3, what = 'result' } = {}) {
  assert.equal(result.length, targets.length, `${what}: one entry per target`);
  targets.forEach((target, i) => {
    const entry = result[i];
    assert.equal(entry.target, target, `${what}[${i}].target`);
    assert.equal(entry.colos.length, 1, `${what}[${i}]: one colo`);
    const hops = target === topo.target_v6 ? topo.hop_v6 : topo.hop_v4;
    assert.equal(target === topo.target_v6 || target === topo.target_v4, true, 'a lab target');
    assertColoResult(entry.colos[0], hops, { packets, target, what: `${what}[${i}] ${target}` });
  });
}
