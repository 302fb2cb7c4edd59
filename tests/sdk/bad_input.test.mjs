// A table of malformed requests sent over raw HTTP (node's fetch, and net.connect for bytes
// fetch cannot send: invalid UTF-8, malformed HTTP) to a real `colotrace serve` probing from a
// network-namespace lab. Each row asserts the status, errors[0].code (and source.pointer or
// error_chain where the contract gives one), and every body is validated against the published
// schema (harness.mjs records and checks it). Afterwards the same server must still trace
// correctly, and /metrics must have counted every request by status.
//
// No row carries a valid host name: nothing here can reach a resolver.
//
// Run: COLOTRACE_BIN=... LAB_UP_BIN=... node --test bad_input.test.mjs (as root).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ACCOUNT_A, KEY, KEY_EMAIL, TOKEN_A, TOKEN_B,
  assertTraceResult, rawHttp, request, requestCounts, startLab, startServer, stopAll,
} from './harness.mjs';

const T4 = '203.0.113.1';
const T6 = '2001:db8:ff::1';
const TRACE_A = `/client/v4/accounts/${ACCOUNT_A}/diagnostics/traceroute`;
const TRACE_B = '/client/v4/accounts/acc2/diagnostics/traceroute';
const BEARER_A = { Authorization: `Bearer ${TOKEN_A}` };

const nested = (depth, inner) => '['.repeat(depth) + inner + ']'.repeat(depth);
const json = (v) => JSON.stringify(v);
const withOptions = (options) => json({ targets: [T4], options });

// One complete HTTP/1.1 request as bytes: `body` is a Buffer (or latin1 string); `extra` are
// header lines added verbatim.
function httpBytes({ method = 'POST', path = TRACE_A, headers = BEARER_A, extra = [], body = '' }) {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${payload.length}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...extra,
  ];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), payload]);
}

// Rows: `body` (string, sent with fetch) or `raw` (bytes, sent with net.connect); `headers`
// default to token A's; `status`, `code`, optional `pointer`, `chain` (error_chain codes),
// `codes` (every error code, in order), `allow` (the Allow header of a 405).
const rows = [
  // ---- the body is not a JSON object -------------------------------------------------------
  { name: 'empty body', body: '', status: 400, code: 1000 },
  { name: 'whitespace-only body', body: ' \r\n\t ', status: 400, code: 1000 },
  { name: 'truncated JSON', body: '{"targets": ["203.0.113.1"', status: 400, code: 1001 },
  { name: 'a lone brace', body: '{', status: 400, code: 1001 },
  { name: 'trailing comma', body: '{"targets":["203.0.113.1"],}', status: 400, code: 1001 },
  { name: 'a comment', body: '{"targets":["203.0.113.1"]} /* c */', status: 400, code: 1001 },
  { name: 'two JSON values', body: '{"targets":["203.0.113.1"]}{"targets":[]}', status: 400, code: 1001 },
  { name: 'single quotes', body: "{'targets':['203.0.113.1']}", status: 400, code: 1001 },
  { name: 'a JSON array', body: json([T4]), status: 400, code: 1001 },
  { name: 'a JSON string', body: json('203.0.113.1'), status: 400, code: 1001 },
  { name: 'JSON null', body: 'null', status: 400, code: 1001 },
  { name: 'a JSON number', body: '42', status: 400, code: 1001 },
  { name: 'form-encoded body', body: 'targets=203.0.113.1', status: 400, code: 1001 },
  {
    name: '100-level nesting in an unknown member',
    body: `{"targets":["203.0.113.1"],"deep":${nested(100, '1')}}`,
    status: 400, code: 1001,
  },
  { name: '100-level nesting as targets', body: `{"targets":${nested(100, '"203.0.113.1"')}}`, status: 400, code: 1001 },
  {
    name: 'invalid UTF-8: a 0xFF byte in a target',
    raw: httpBytes({ body: Buffer.concat([Buffer.from('{"targets":["203.0.113.1', 'latin1'), Buffer.from([0xff]), Buffer.from('"]}')]) }),
    status: 400, code: 1001,
  },
  {
    name: 'invalid UTF-8: an overlong "/" (C0 AF) in a key',
    raw: httpBytes({ body: Buffer.concat([Buffer.from('{"targets":["203.0.113.1"],"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('":1}')]) }),
    status: 400, code: 1001,
  },
  {
    name: 'invalid UTF-8: an encoded surrogate (ED A0 80)',
    raw: httpBytes({ body: Buffer.concat([Buffer.from('{"targets":["'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"]}')]) }),
    status: 400, code: 1001,
  },
  {
    name: 'invalid UTF-8: a truncated sequence (E2 82) before the quote',
    raw: httpBytes({ body: Buffer.concat([Buffer.from('{"targets":["x'), Buffer.from([0xe2, 0x82]), Buffer.from('"]}')]) }),
    status: 400, code: 1001,
  },
  {
    name: 'a raw NUL byte between tokens',
    raw: httpBytes({ body: Buffer.concat([Buffer.from('{"targets":'), Buffer.from([0]), Buffer.from('["203.0.113.1"]}')]) }),
    status: 400, code: 1001,
  },
  { name: 'options is a string', body: json({ targets: [T4], options: 'fast' }), status: 400, code: 1001, pointer: '/options' },
  { name: 'options is an array', body: json({ targets: [T4], options: [] }), status: 400, code: 1001, pointer: '/options' },

  // ---- targets -----------------------------------------------------------------------------
  { name: 'no targets member', body: json({ colos: ['local'] }), status: 400, code: 1002, pointer: '/targets' },
  { name: 'an empty object', body: '{}', status: 400, code: 1002, pointer: '/targets' },
  { name: 'targets empty', body: json({ targets: [] }), status: 400, code: 1002, pointer: '/targets' },
  { name: 'targets null', body: json({ targets: null }), status: 400, code: 1002, pointer: '/targets' },
  { name: 'targets a string', body: json({ targets: T4 }), status: 400, code: 1002, pointer: '/targets' },
  { name: 'a target that is a number', body: json({ targets: [203] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a target that is null', body: json({ targets: [null] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a target that is an object', body: json({ targets: [{ ip: T4 }] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'an empty target', body: json({ targets: [''] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a target with spaces and "!"', body: json({ targets: [T4, 'not a host!'] }), status: 400, code: 1004, pointer: '/targets/1' },
  { name: 'a dotted quad out of range', body: json({ targets: [T6, '256.1.1.1'] }), status: 400, code: 1004, pointer: '/targets/1' },
  { name: 'three numeric labels', body: json({ targets: ['1.2.3'] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'IPv6 with two "::"', body: json({ targets: ['2001:db8::1::2'] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a label starting with "-"', body: json({ targets: ['-bad-.invalid'] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a 64-character label', body: json({ targets: ['a'.repeat(64) + '.invalid'] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a 300-character name', body: json({ targets: [Array(60).fill('abcd').join('.')] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'an escaped NUL inside a target', body: json({ targets: ['203.0.113.1\u0000'] }), status: 400, code: 1004, pointer: '/targets/0' },
  { name: 'a URL as target', body: json({ targets: ['http://203.0.113.1/'] }), status: 400, code: 1004, pointer: '/targets/0' },
  {
    name: '11 targets',
    body: json({ targets: Array.from({ length: 11 }, (_, i) => `203.0.113.${i + 1}`) }),
    status: 400, code: 1011, pointer: '/targets',
  },
  {
    name: '1000 targets',
    body: json({ targets: Array.from({ length: 1000 }, (_, i) => `203.0.113.${(i % 250) + 1}`) }),
    status: 400, code: 1011, pointer: '/targets',
  },

  // ---- colos -------------------------------------------------------------------------------
  { name: 'colos a string', body: json({ targets: [T4], colos: 'local' }), status: 400, code: 1005, pointer: '/colos' },
  { name: 'an unknown colo', body: json({ targets: [T4], colos: ['zzz99'] }), status: 400, code: 1005, pointer: '/colos/0' },
  { name: 'a colo that is a number', body: json({ targets: [T4], colos: ['local', 5] }), status: 400, code: 1005, pointer: '/colos/1' },
  { name: 'a colo name with a space', body: json({ targets: [T4], colos: ['lo cal'] }), status: 400, code: 1005, pointer: '/colos/0' },

  // ---- options -----------------------------------------------------------------------------
  { name: 'max_ttl 65', body: withOptions({ max_ttl: 65 }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  { name: 'max_ttl -1', body: withOptions({ max_ttl: -1 }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  { name: 'max_ttl "15" (a string)', body: withOptions({ max_ttl: '15' }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  { name: 'max_ttl 1.5', body: withOptions({ max_ttl: 1.5 }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  { name: 'max_ttl true', body: withOptions({ max_ttl: true }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  { name: 'max_ttl null', body: withOptions({ max_ttl: null }), status: 400, code: 1007, pointer: '/options/max_ttl' },
  {
    name: 'max_ttl 99999999999999999999999 (beyond 64 bits)',
    body: '{"targets":["203.0.113.1"],"options":{"max_ttl":99999999999999999999999}}',
    status: 400, code: 1007, pointer: '/options/max_ttl',
  },
  {
    name: 'max_ttl 1e300',
    body: '{"targets":["203.0.113.1"],"options":{"max_ttl":1e300}}',
    status: 400, code: 1007, pointer: '/options/max_ttl',
  },
  {
    name: 'max_ttl -9223372036854775809',
    body: '{"targets":["203.0.113.1"],"options":{"max_ttl":-9223372036854775809}}',
    status: 400, code: 1007, pointer: '/options/max_ttl',
  },
  { name: 'packet_type "sctp"', body: withOptions({ packet_type: 'sctp' }), status: 400, code: 1006, pointer: '/options/packet_type' },
  { name: 'packet_type 1', body: withOptions({ packet_type: 1 }), status: 400, code: 1006, pointer: '/options/packet_type' },
  { name: 'packet_type ""', body: withOptions({ packet_type: '' }), status: 400, code: 1006, pointer: '/options/packet_type' },
  { name: 'packets_per_ttl 11', body: withOptions({ packets_per_ttl: 11 }), status: 400, code: 1008, pointer: '/options/packets_per_ttl' },
  { name: 'packets_per_ttl -3', body: withOptions({ packets_per_ttl: -3 }), status: 400, code: 1008, pointer: '/options/packets_per_ttl' },
  { name: 'packets_per_ttl 2.5', body: withOptions({ packets_per_ttl: 2.5 }), status: 400, code: 1008, pointer: '/options/packets_per_ttl' },
  { name: 'port 65536', body: withOptions({ port: 65536 }), status: 400, code: 1012, pointer: '/options/port' },
  { name: 'port -1', body: withOptions({ port: -1 }), status: 400, code: 1012, pointer: '/options/port' },
  {
    name: 'port 2^64',
    body: '{"targets":["203.0.113.1"],"options":{"port":18446744073709551616}}',
    status: 400, code: 1012, pointer: '/options/port',
  },
  { name: 'port "80"', body: withOptions({ port: '80' }), status: 400, code: 1012, pointer: '/options/port' },
  { name: 'wait_time 0', body: withOptions({ wait_time: 0 }), status: 400, code: 1009, pointer: '/options/wait_time' },
  { name: 'wait_time 6', body: withOptions({ wait_time: 6 }), status: 400, code: 1009, pointer: '/options/wait_time' },
  { name: 'wait_time "1"', body: withOptions({ wait_time: '1' }), status: 400, code: 1009, pointer: '/options/wait_time' },
  {
    name: 'two bad options: both reported, in body order',
    body: withOptions({ max_ttl: 65, wait_time: 9 }),
    status: 400, code: 1007, pointer: '/options/max_ttl', codes: [1007, 1009],
  },

  // ---- credentials -------------------------------------------------------------------------
  { name: 'no credentials', headers: {}, body: json({ targets: [T4] }), status: 403, code: 10000 },
  { name: 'Authorization: Basic x', headers: { Authorization: 'Basic x' }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6111] },
  { name: 'Authorization: Bearer (no token)', headers: { Authorization: 'Bearer' }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6111] },
  { name: 'Authorization: Bearer with a space in the token', headers: { Authorization: 'Bearer two words' }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6111] },
  { name: 'X-Auth-Email without X-Auth-Key', headers: { 'X-Auth-Email': KEY_EMAIL }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6102] },
  { name: 'X-Auth-Key without X-Auth-Email', headers: { 'X-Auth-Key': KEY }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6103] },
  { name: 'X-Auth-Email that is not an address', headers: { 'X-Auth-Email': 'not-an-email', 'X-Auth-Key': KEY }, body: json({ targets: [T4] }), status: 400, code: 6003, chain: [6102] },
  {
    name: 'non-ASCII bytes in the Authorization header',
    raw: httpBytes({ headers: { Authorization: 'Bearer t\xe9st' }, body: json({ targets: [T4] }) }),
    status: 400, code: 6003, chain: [6111],
  },
  { name: 'an unknown token', headers: { Authorization: 'Bearer no-such-token' }, body: json({ targets: [T4] }), status: 403, code: 10000 },
  { name: "token B on token A's account", headers: { Authorization: `Bearer ${TOKEN_B}` }, body: json({ targets: [T4] }), status: 403, code: 10000 },
  { name: "token A on token B's account", path: TRACE_B, body: json({ targets: [T4] }), status: 403, code: 10000 },
  { name: 'the right email with a wrong key', headers: { 'X-Auth-Email': KEY_EMAIL, 'X-Auth-Key': 'wrong-key' }, body: json({ targets: [T4] }), status: 403, code: 10000 },
  {
    name: 'credentials are checked before the body',
    headers: { Authorization: `Bearer ${TOKEN_B}` }, body: '{', status: 403, code: 10000,
  },

  // ---- account ids -------------------------------------------------------------------------
  { name: 'an account id of 33 characters', path: `/client/v4/accounts/${'a'.repeat(33)}/diagnostics/traceroute`, body: json({ targets: [T4] }), status: 400, code: 7003 },
  { name: 'an account id of 40 characters', path: `/client/v4/accounts/${'0123456789'.repeat(4)}/diagnostics/traceroute`, body: json({ targets: [T4] }), status: 400, code: 7003 },
  { name: 'account id a-b', path: '/client/v4/accounts/a-b/diagnostics/traceroute', body: json({ targets: [T4] }), status: 400, code: 7003 },
  { name: 'a percent-encoded account id', path: '/client/v4/accounts/acc%201/diagnostics/traceroute', body: json({ targets: [T4] }), status: 400, code: 7003 },
  { name: 'an empty account id', path: '/client/v4/accounts//diagnostics/traceroute', body: json({ targets: [T4] }), status: 400, code: 7003 },

  // ---- methods and routes ------------------------------------------------------------------
  { name: 'GET on the traceroute path', method: 'GET', status: 405, code: 7001, allow: 'POST' },
  { name: 'PUT on the traceroute path', method: 'PUT', body: json({ targets: [T4] }), status: 405, code: 7001, allow: 'POST' },
  { name: 'DELETE on the traceroute path', method: 'DELETE', status: 405, code: 7001, allow: 'POST' },
  { name: 'POST on /healthz', method: 'POST', path: '/healthz', body: '{}', status: 405, code: 7001, allow: 'GET' },
  { name: 'an unknown route (traceroutes)', path: '/client/v4/accounts/acc1/diagnostics/traceroutes', body: json({ targets: [T4] }), status: 404, code: 7000 },
  { name: 'a route with an extra segment', path: `${TRACE_A}/extra`, body: json({ targets: [T4] }), status: 404, code: 7000 },
  { name: 'GET /index.html (the page is at /, nothing else is)', method: 'GET', path: '/index.html', status: 404, code: 7000 },
  { name: 'GET /client/v4', method: 'GET', path: '/client/v4', status: 404, code: 7000 },

  // ---- HTTP itself -------------------------------------------------------------------------
  {
    name: 'a body over 64 KiB (Content-Length)',
    raw: httpBytes({ body: json({ targets: [T4], pad: 'x'.repeat(70 * 1024) }) }),
    status: 413, code: 1014,
  },
  {
    name: 'a chunked body over 64 KiB',
    raw: (() => {
      const chunk = 'x'.repeat(8192);
      const head = `POST ${TRACE_A} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
        `Authorization: Bearer ${TOKEN_A}\r\nContent-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n';
      const chunks = Array(9).fill(`2000\r\n${chunk}\r\n`).join('');
      return Buffer.from(head + chunks + '0\r\n\r\n', 'latin1');
    })(),
    status: 413, code: 1014,
  },
  { name: 'a garbage request line', raw: Buffer.from('GARBAGE\r\n\r\n'), status: 400, code: 1017 },
  {
    name: 'a non-numeric Content-Length',
    raw: Buffer.from(`POST ${TRACE_A} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}`),
    status: 400, code: 1017,
  },
  {
    name: 'a header line without a colon',
    raw: Buffer.from(`POST ${TRACE_A} HTTP/1.1\r\nHost: x\r\nno colon here\r\nContent-Length: 2\r\n\r\n{}`),
    status: 400, code: 1017,
  },
  {
    name: 'a bad chunk size',
    raw: Buffer.from(`POST ${TRACE_A} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`),
    status: 400, code: 1017,
  },
  {
    name: 'headers over 8 KiB',
    raw: httpBytes({ extra: [`X-Padding: ${'p'.repeat(9000)}`], body: json({ targets: [T4] }) }),
    status: 431, code: 1015,
  },
];

describe('malformed requests', () => {
  let lab;
  let server;
  let countsBefore;
  const tally = {};  // responses expected per status, for /metrics

  before(async () => {
    lab = await startLab(['chain', '--routers', '3']);
    server = await startServer(lab);
    countsBefore = await requestCounts(server);  // counted (200) once it has been answered
    tally[200] = 1;
  });

  after(async () => {
    await stopAll(server, lab);
  });

  test(`the table has at least 40 rows (${rows.length})`, () => {
    assert.ok(rows.length >= 40);
    assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, 'row names are unique');
  });

  for (const row of rows) {
    test(`${row.status} ${row.code}: ${row.name}`, async () => {
      let r;
      if (row.raw) {
        r = await rawHttp(server, row.raw);
      } else {
        r = await request(server, row.method ?? 'POST', row.path ?? TRACE_A, {
          headers: row.headers ?? BEARER_A,
          body: row.body,
        });
      }
      tally[r.status] = (tally[r.status] ?? 0) + 1;
      const summary = `${r.status} ${r.text}`;
      assert.equal(r.status, row.status, summary);
      // The body was validated against the 4XX schema when it was recorded.
      assert.equal(r.body.success, false, summary);
      assert.equal(r.body.errors[0].code, row.code, summary);
      if (row.pointer) assert.equal(r.body.errors[0].source?.pointer, row.pointer, summary);
      if (row.chain) assert.deepEqual(r.body.errors[0].error_chain?.map((e) => e.code), row.chain, summary);
      if (row.codes) assert.deepEqual(r.body.errors.map((e) => e.code), row.codes, summary);
      if (row.allow) assert.equal(r.headers.get('allow'), row.allow, summary);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/, summary);
      // None of these is worth retrying: the Go SDK would retry up to 10 times without this.
      assert.equal(r.headers.get('x-should-retry'), 'false', summary);
    });
  }

  test('afterwards the same server still traces correctly', async () => {
    const targets = [T4, T6];
    const r = await request(server, 'POST', TRACE_A, {
      headers: BEARER_A,
      body: { targets, colos: ['local'], options: { packet_type: 'icmp', max_ttl: 10 } },
    });
    tally[r.status] = (tally[r.status] ?? 0) + 1;
    assert.equal(r.status, 200, r.text);
    assertTraceResult(r.body.result, lab.topo, targets, { what: 'after the table' });
  });

  test('/metrics counted every request by status', async () => {
    const after = await requestCounts(server);
    const delta = {};
    for (const status of new Set([...Object.keys(after), ...Object.keys(countsBefore)])) {
      const d = (after[status] ?? 0) - (countsBefore[status] ?? 0);
      if (d !== 0) delta[status] = d;
    }
    const expected = Object.fromEntries(Object.entries(tally).map(([k, v]) => [String(k), v]));
    assert.deepEqual(delta, expected);
  });
});
