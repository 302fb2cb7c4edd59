// The official Cloudflare TypeScript SDK (npm `cloudflare`, pinned in package.json) against a
// real `colotrace serve` whose colo probes from a network-namespace lab: real traceroutes
// through kernel routers, exact hops, the SDK's own error classes. Every body the SDK or a raw
// request receives is validated against Cloudflare's published schema (schema.mjs).
//
// Run: COLOTRACE_BIN=... LAB_UP_BIN=... node --test traceroute_sdk.test.mjs (as root).

import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ACCOUNT_A, ACCOUNT_B, Cloudflare, KEY, KEY_EMAIL, TOKEN_A, TOKEN_B,
  assertSdkBodiesValid, assertTraceResult, request, sdkClient, seen, startLab, startServer, stopAll,
} from './harness.mjs';
import {
  passesFailureSchema, passesPublishedFailureSchema, passesSuccessSchema,
} from './schema.mjs';

const TRACE = '/client/v4/accounts/acc1/diagnostics/traceroute';

afterEach(() => assertSdkBodiesValid());

// Runs `fn`, which must reject with an instance of `cls`; returns the error.
async function sdkError(fn, cls) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${cls.name}, but the call succeeded`);
  assert.ok(error instanceof cls,
    `expected ${cls.name}, got ${error?.constructor?.name}: ${error?.message}`);
  assert.ok(error instanceof Cloudflare.APIError, 'an APIError');
  return error;
}

describe('the schema the bodies are checked against', () => {
  const failure = { success: false, errors: [{ code: 1007, message: 'm' }], messages: [], result: null };

  test('the published 4XX schema admits no body at all (why schema.mjs relaxes it)', () => {
    assert.equal(passesPublishedFailureSchema(failure), false);
    assert.equal(passesPublishedFailureSchema({ ...failure, success: true }), false);
    assert.equal(passesPublishedFailureSchema({ ...failure, result: [] }), false);
  });

  test('the relaxed 4XX schema still refuses wrong failure bodies', () => {
    assert.equal(passesFailureSchema(failure), true);
    assert.equal(passesFailureSchema({ ...failure, success: true }), false);
    assert.equal(passesFailureSchema({ ...failure, result: [] }), false);
    assert.equal(passesFailureSchema({ ...failure, result: undefined }), false);
    assert.equal(passesFailureSchema({ ...failure, messages: undefined }), false);
    assert.equal(passesFailureSchema({ ...failure, errors: [{ code: 999, message: 'm' }] }), false);
    assert.equal(passesFailureSchema({ ...failure, errors: [{ code: 1007 }] }), false);
    assert.equal(passesFailureSchema({ ...failure, errors: [{ code: '1007', message: 'm' }] }), false);
  });

  test('the success schema refuses wrong success bodies', () => {
    const ok = { success: true, errors: [], messages: [], result: [] };
    assert.equal(passesSuccessSchema(ok), true);
    assert.equal(passesSuccessSchema({ ...ok, success: false }), false);
    assert.equal(passesSuccessSchema({ ...ok, result: null }), false);
    assert.equal(passesSuccessSchema({ ...ok, result: [{ target: 5 }] }), false);
    assert.equal(passesSuccessSchema({ ...ok, result: [{ colos: [{ error: 'Code 9' }] }] }), false);
    assert.equal(passesSuccessSchema({
      ...ok, result: [{ colos: [{ hops: [{ packets_ttl: 1.5 }] }] }],
    }), false);
  });
});

describe('the SDK against colotrace, chain of 3 routers', () => {
  let lab;
  let server;
  let topo;
  let client;

  before(async () => {
    lab = await startLab(['chain', '--routers', '3']);
    topo = lab.topo;
    server = await startServer(lab);
    client = sdkClient(server, { apiToken: TOKEN_A });
  });

  after(async () => {
    await stopAll(server, lab);
  });

  const variants = [
    { packet_type: 'icmp' },
    { packet_type: 'udp' },
    { packet_type: 'tcp' },
    { packet_type: 'tcp', closed: true },
  ];
  for (const v of variants) {
    const name = v.closed ? 'tcp to a closed port (RST)' : v.packet_type;
    test(`traceroutes.create, ${name}: exact hops for IPv4 and IPv6`, async () => {
      const options = { packet_type: v.packet_type, max_ttl: 10, packets_per_ttl: 3, wait_time: 1 };
      if (v.closed) options.port = topo.tcp_closed_port;
      const targets = [topo.target_v4, topo.target_v6];
      const page = await client.diagnostics.traceroutes.create({
        account_id: ACCOUNT_A, targets, colos: ['local'], options,
      });
      // SDK 7.x: create() resolves to a SinglePage whose .result is the envelope's array.
      assert.ok(Array.isArray(page.result), 'page.result is an array');
      assertTraceResult(page.result, topo, targets, { what: name });
      assert.deepEqual(page.getPaginatedItems(), page.result);
      assert.equal(page.hasNextPage(), false);
    });
  }

  test("the SDK's own test body succeeds", async () => {
    const targets = [topo.target_v4];
    const page = await client.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A,
      targets,
      colos: ['local'],
      options: { max_ttl: 15, packet_type: 'icmp', packets_per_ttl: 0, port: 0, wait_time: 1 },
    });
    assertTraceResult(page.result, topo, targets, { what: 'SDK test body' });
  });

  test('iterating create() yields one item per target; omitted colos means every colo', async () => {
    const targets = [topo.target_v6, topo.target_v4];
    const items = [];
    for await (const item of client.diagnostics.traceroutes.create({ account_id: ACCOUNT_A, targets })) {
      items.push(item);
    }
    assertTraceResult(items, topo, targets, { what: 'iterated' });
  });

  test('colo names match case-insensitively', async () => {
    const page = await client.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets: [topo.target_v4], colos: ['LOCAL'],
    });
    assertTraceResult(page.result, topo, [topo.target_v4], { what: 'LOCAL' });
  });

  test('token B works on its own account acc2', async () => {
    const b = sdkClient(server, { apiToken: TOKEN_B });
    const page = await b.diagnostics.traceroutes.create({
      account_id: ACCOUNT_B, targets: [topo.target_v4], colos: ['local'],
    });
    assertTraceResult(page.result, topo, [topo.target_v4], { what: 'token B' });
  });

  test('X-Auth-Email + X-Auth-Key credentials', async () => {
    const k = sdkClient(server, { apiEmail: KEY_EMAIL, apiKey: KEY });
    const page = await k.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets: [topo.target_v6], colos: ['local'],
    });
    assertTraceResult(page.result, topo, [topo.target_v6], { what: 'email+key' });
  });

  test('a client configured with a token and also email+key (all headers sent) is accepted', async () => {
    const both = sdkClient(server, { apiToken: TOKEN_A, apiEmail: 'someone@example.com', apiKey: 'x'.repeat(37) });
    const page = await both.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets: [topo.target_v4], colos: ['local'],
    });
    assertTraceResult(page.result, topo, [topo.target_v4], { what: 'token + key headers' });
  });

  const badRequests = [
    { name: 'max_ttl 65', params: { options: { max_ttl: 65 } }, code: 1007, pointer: '/options/max_ttl' },
    {
      name: '11 targets',
      params: { targets: Array.from({ length: 11 }, (_, i) => `203.0.113.${i + 1}`) },
      code: 1011,
      pointer: '/targets',
    },
    { name: 'unknown colo', params: { colos: ['zzz99'] }, code: 1005, pointer: '/colos/0' },
    { name: 'bad target', params: { targets: ['203.0.113.1', 'not a host'] }, code: 1004, pointer: '/targets/1' },
    { name: 'bad packet_type', params: { options: { packet_type: 'sctp' } }, code: 1006, pointer: '/options/packet_type' },
    { name: 'packets_per_ttl 11', params: { options: { packets_per_ttl: 11 } }, code: 1008, pointer: '/options/packets_per_ttl' },
    { name: 'wait_time 6', params: { options: { wait_time: 6 } }, code: 1009, pointer: '/options/wait_time' },
    { name: 'port 65536', params: { options: { port: 65536 } }, code: 1012, pointer: '/options/port' },
    { name: 'empty targets', params: { targets: [] }, code: 1002, pointer: '/targets' },
  ];
  for (const row of badRequests) {
    test(`BadRequestError 400: ${row.name} -> ${row.code}`, async () => {
      const params = { account_id: ACCOUNT_A, targets: [topo.target_v4], colos: ['local'], ...row.params };
      const e = await sdkError(() => client.diagnostics.traceroutes.create(params), Cloudflare.BadRequestError);
      assert.equal(e.status, 400);
      assert.equal(e.errors[0].code, row.code, JSON.stringify(e.errors));
      assert.equal(e.errors[0].source?.pointer, row.pointer);
      assert.equal(e.headers.get('x-should-retry'), 'false');
    });
  }

  test('PermissionDeniedError 403: token A on acc2 -> 10000', async () => {
    const e = await sdkError(() => client.diagnostics.traceroutes.create({
      account_id: ACCOUNT_B, targets: [topo.target_v4], colos: ['local'],
    }), Cloudflare.PermissionDeniedError);
    assert.equal(e.status, 403);
    assert.equal(e.errors[0].code, 10000);
  });

  test('PermissionDeniedError 403: an unknown token -> 10000', async () => {
    const stranger = sdkClient(server, { apiToken: 'not-a-configured-token' });
    const e = await sdkError(() => stranger.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets: [topo.target_v4],
    }), Cloudflare.PermissionDeniedError);
    assert.equal(e.status, 403);
    assert.equal(e.errors[0].code, 10000);
  });

  test('BadRequestError 400: an account id of 40 characters -> 7003', async () => {
    const e = await sdkError(() => client.diagnostics.traceroutes.create({
      account_id: 'a'.repeat(40), targets: [topo.target_v4],
    }), Cloudflare.BadRequestError);
    assert.equal(e.status, 400);
    assert.equal(e.errors[0].code, 7003);
  });

  // SDK 7.3.0 does send a request when no credential is configured (it lists X-Auth-Key and
  // X-Auth-Email as explicit nulls, which satisfies its own header check), so this case is
  // reachable through the SDK as well as with raw fetch.
  test('PermissionDeniedError 403: a client without any credential -> 10000', async () => {
    const none = sdkClient(server, {});
    const before = seen.length;
    const e = await sdkError(() => none.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets: [topo.target_v4],
    }), Cloudflare.PermissionDeniedError);
    assert.equal(seen.length - before, 1, 'one request was sent');
    const sent = seen.at(-1);
    assert.equal(sent.status, 403);
    assert.equal(e.status, 403);
    assert.equal(e.errors[0].code, 10000);
  });

  test('raw fetch without credentials: 403 10000', async () => {
    const r = await request(server, 'POST', TRACE, { body: { targets: [topo.target_v4] } });
    assert.equal(r.status, 403);
    assert.equal(r.body.errors[0].code, 10000);
  });

  test('raw fetch to an unknown route: 404 7000 (NotFoundError is not reachable through the SDK)', async () => {
    const r = await request(server, 'POST', '/client/v4/accounts/acc1/diagnostics/no-such-thing', {
      headers: { Authorization: `Bearer ${TOKEN_A}` }, body: { targets: [topo.target_v4] },
    });
    assert.equal(r.status, 404);
    assert.equal(r.body.errors[0].code, 7000);
  });

  test('success responses announce the rate limit', async () => {
    const r = await request(server, 'POST', TRACE, {
      headers: { Authorization: `Bearer ${TOKEN_A}` }, body: { targets: [topo.target_v4], colos: ['local'] },
    });
    assert.equal(r.status, 200);
    assertTraceResult(r.body.result, topo, [topo.target_v4], { what: 'raw' });
    assert.match(r.headers.get('ratelimit') ?? '', /r=\d+/);
    assert.match(r.headers.get('ratelimit-policy') ?? '', /q=\d+/);
  });
});

describe('the SDK against a server allowing 2 requests per window', () => {
  let lab;
  let server;

  before(async () => {
    lab = await startLab(['chain', '--routers', '1']);
    server = await startServer(lab, { limits: { requests_per_window: 2, window_s: 300 } });
  });

  after(async () => {
    await stopAll(server, lab);
  });

  test('the third request is a RateLimitError 429 with Retry-After, and is not retried', async () => {
    const client = sdkClient(server, { apiToken: TOKEN_A });
    const params = { account_id: ACCOUNT_A, targets: [lab.topo.target_v4], colos: ['local'] };
    for (let i = 0; i < 2; ++i) {
      const page = await client.diagnostics.traceroutes.create(params);
      assertTraceResult(page.result, lab.topo, params.targets, { what: `request ${i + 1}` });
    }
    const before = seen.length;
    const e = await sdkError(() => client.diagnostics.traceroutes.create(params), Cloudflare.RateLimitError);
    assert.equal(seen.length - before, 1, 'maxRetries 0: exactly one request');
    assert.equal(e.status, 429);
    assert.equal(e.errors[0].code, 10100);
    const retryAfter = e.headers.get('retry-after');
    assert.match(retryAfter ?? '', /^\d+$/, 'Retry-After is a number of seconds');
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 300, `Retry-After ${retryAfter}`);
    // Token B has a budget of its own.
    const b = sdkClient(server, { apiToken: TOKEN_B });
    const page = await b.diagnostics.traceroutes.create({ ...params, account_id: ACCOUNT_B });
    assertTraceResult(page.result, lab.topo, params.targets, { what: 'token B' });
  });
});

describe('the SDK against colotrace, chain with a silent router', () => {
  let lab;
  let server;

  before(async () => {
    lab = await startLab(['chain', '--routers', '2', '--silent', '1']);
    server = await startServer(lab);
  });

  after(async () => {
    await stopAll(server, lab);
  });

  test('the silent TTL has no nodes and loses every packet; the rest is exact', async () => {
    const { topo } = lab;
    assert.equal(topo.hop_v4[0], '*', 'lab_up marks the silent router');
    const client = sdkClient(server, { apiToken: TOKEN_A });
    const targets = [topo.target_v4, topo.target_v6];
    const page = await client.diagnostics.traceroutes.create({
      account_id: ACCOUNT_A, targets, colos: ['local'], options: { packet_type: 'udp', wait_time: 1 },
    });
    assertTraceResult(page.result, topo, targets, { what: 'silent r1' });
  });
});
