// Unit tests of the page's pure modules (run from the repository root:
// `node --test tests/web/page_logic.test.mjs`):
// - web/src/format.js: ms, lossPercent, asn, when, rttBucket, lossBucket, asnColour;
// - web/src/paths.js: mergePaths (nodes, edges, silent hops, multipath links, merged numbers),
//   pathOfColo, compareColos, pairResults, requestBody, fieldOfPointer.
// Results are shaped like the API's (docs/api.md "Result"); only documentation addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';

// when() writes local time: fix the zone before any Date is made.
process.env.TZ = 'UTC';

const { ms, lossPercent, asn, when, rttBucket, lossBucket, asnColour } =
  await import('../../web/src/format.js');
const { coloKey, silentKey, mergePaths, pathOfColo, compareColos, pairResults, requestBody,
  scheduleBody, webhookBody, fieldOfPointer } = await import('../../web/src/paths.js');

// ---- fixtures --------------------------------------------------------------------------------

// An answering interface as the API writes it.
function iface(ip, mean = 1, count = 2, asnText = '') {
  return { asn: asnText, ip, name: ip, labels: [], packet_count: count,
    min_rtt_ms: mean / 2, mean_rtt_ms: mean, max_rtt_ms: mean * 2, std_dev_rtt_ms: 0.02 };
}
// A hop; `ips` are addresses (or interface objects); [] is a silent hop.
function hop(ttl, ips, { sent = 2, lost, links } = {}) {
  const nodes = ips.map((x) => (typeof x === 'string' ? iface(x) : x));
  const h = { packets_ttl: ttl, packets_sent: sent,
    packets_lost: lost ?? (nodes.length === 0 ? sent : 0), nodes };
  if (links) h.links = links.map(([from, to]) => ({ from, to }));
  return h;
}
// A colo result whose hops are given as lists of addresses per TTL, from TTL 1.
function coloResult(name, perTtl, city = 'Lab, Namespace') {
  return { colo: { name, city }, error: '',
    hops: perTtl.map((x, i) => (Array.isArray(x) ? hop(i + 1, x) : x)),
    target_summary: {}, traceroute_time_ms: 2 };
}
const edgeIds = (graph) => [...graph.edges.keys()].sort();
// The graph's edge ids are exactly `expected` (in any order).
const assertEdges = (graph, expected) => assert.deepEqual(edgeIds(graph), [...expected].sort());
const interfaceKeys = (graph) =>
  [...graph.nodes.values()].filter((n) => n.kind === 'interface').map((n) => n.key).sort();

// ---- format.js -------------------------------------------------------------------------------

test('ms writes three decimals', () => {
  assert.equal(ms(0.025), '0.025');
  assert.equal(ms(12), '12.000');
  assert.equal(ms(0), '0.000');
  assert.equal(ms(1234.5), '1234.500');
});

test('ms is empty for null, undefined, NaN, Infinity and non-numbers', () => {
  for (const v of [null, undefined, NaN, Infinity, '1.5', {}]) assert.equal(ms(v), '', String(v));
});

test('lossPercent is lost/sent with one decimal', () => {
  assert.equal(lossPercent(3, 1), '33.3%');
  assert.equal(lossPercent(3, 2), '66.7%');
  assert.equal(lossPercent(2, 2), '100.0%');
  assert.equal(lossPercent(3, 0), '0.0%');
});

test('lossPercent is empty when nothing was sent', () => {
  assert.equal(lossPercent(0, 0), '');
  assert.equal(lossPercent(undefined, 0), '');
  assert.equal(lossPercent(null, null), '');
});

test('asn prefixes a number with AS, and is empty without one', () => {
  assert.equal(asn(64501), 'AS64501');
  assert.equal(asn('64501'), 'AS64501');
  assert.equal(asn(0), 'AS0');
  assert.equal(asn(''), '');
  assert.equal(asn(null), '');
  assert.equal(asn(undefined), '');
});

// The API writes a node's asn as "AS<number>" (docs/api.md "Result"); the page once showed
// "ASAS64501" (found by this test).
test('asn leaves an API asn that already reads "AS<number>" as it is', () => {
  assert.equal(asn('AS64501'), 'AS64501');
});

test('when writes an RFC 3339 time as local date and time to the second', () => {
  assert.equal(when('2024-05-06T07:08:09Z'), '2024-05-06 07:08:09');
  assert.equal(when('2024-12-31T23:30:05-02:00'), '2025-01-01 01:30:05');
  assert.equal(when('2024-05-06T07:08:09.987654Z'), '2024-05-06 07:08:09');
});

test('when is empty for null and gives an unreadable time back as text', () => {
  assert.equal(when(null), '');
  assert.equal(when(''), '');
  assert.equal(when('not a time'), 'not a time');
});

test('rttBucket edges: below 30 low, below 100 mid, else high; none without a number', () => {
  assert.equal(rttBucket(0), 'low');
  assert.equal(rttBucket(29.999), 'low');
  assert.equal(rttBucket(30), 'mid');
  assert.equal(rttBucket(99.999), 'mid');
  assert.equal(rttBucket(100), 'high');
  assert.equal(rttBucket(2500), 'high');
  assert.equal(rttBucket(null), 'none');
  assert.equal(rttBucket(undefined), 'none');
  assert.equal(rttBucket('10'), 'none');
});

test('lossBucket edges: no loss low, under half mid, half or more high; none if none sent', () => {
  assert.equal(lossBucket(10, 0), 'low');
  assert.equal(lossBucket(10, 1), 'mid');
  assert.equal(lossBucket(3, 1), 'mid');
  assert.equal(lossBucket(10, 4.999), 'mid');
  assert.equal(lossBucket(2, 1), 'high');
  assert.equal(lossBucket(3, 2), 'high');
  assert.equal(lossBucket(3, 3), 'high');
  assert.equal(lossBucket(0, 0), 'none');
  assert.equal(lossBucket(undefined, undefined), 'none');
});

test('asnColour is stable, within the palette, and -1 without an ASN', () => {
  const asns = ['AS64500', 'AS64501', 'AS64502', 'AS64503', 'AS64510', 'AS65551', 'AS13335'];
  for (const a of asns) {
    const c = asnColour(a);
    assert.ok(Number.isInteger(c) && c >= 0 && c < 8, `${a} -> ${c}`);
    assert.equal(asnColour(a), c, 'same ASN, same colour');
    const c3 = asnColour(a, 3);
    assert.ok(c3 >= 0 && c3 < 3, `${a} in 3 colours -> ${c3}`);
  }
  assert.ok(new Set(asns.map((a) => asnColour(a))).size > 1, 'not every ASN the same colour');
  assert.equal(asnColour(64501), asnColour('64501'));
  assert.equal(asnColour(''), -1);
  assert.equal(asnColour(null), -1);
  assert.equal(asnColour(undefined), -1);
});

// ---- mergePaths ------------------------------------------------------------------------------

test('mergePaths: a colo is a node keyed coloKey(name) with its city, joined to its first hop', () => {
  const g = mergePaths([coloResult('local', [['198.51.100.2'], ['203.0.113.1']])]);
  const origin = g.nodes.get(coloKey('local'));
  assert.equal(origin.key, 'colo:local');
  assert.equal(origin.kind, 'colo');
  assert.equal(origin.name, 'local');
  assert.equal(origin.city, 'Lab, Namespace');
  assert.deepEqual([...origin.colos], ['local']);
  assertEdges(g, ['198.51.100.2>203.0.113.1', 'colo:local>198.51.100.2']);
  const first = g.edges.get('colo:local>198.51.100.2');
  assert.equal(first.from, 'colo:local');
  assert.equal(first.to, '198.51.100.2');
  assert.deepEqual([...first.colos], ['local']);
});

test('mergePaths: an interface node carries the API fields and its TTL', () => {
  const g = mergePaths([coloResult('local', [[iface('198.51.100.2', 0.025, 2, 'AS64501')]])]);
  const n = g.nodes.get('198.51.100.2');
  assert.equal(n.kind, 'interface');
  assert.equal(n.ip, '198.51.100.2');
  assert.equal(n.name, '198.51.100.2');
  assert.equal(n.asn, 'AS64501');
  assert.equal(n.mean_rtt_ms, 0.025);
  assert.deepEqual([...n.ttls], [1]);
  assert.deepEqual([...n.colos], ['local']);
});

test('mergePaths: two colos sharing a middle router give one node with both colos', () => {
  const g = mergePaths([
    coloResult('ams', [['198.51.100.1'], ['203.0.113.5'], ['203.0.113.1']]),
    coloResult('fra', [['198.51.100.129'], ['203.0.113.5'], ['203.0.113.1']]),
  ]);
  assert.deepEqual(interfaceKeys(g),
    ['198.51.100.1', '198.51.100.129', '203.0.113.1', '203.0.113.5']);
  assert.deepEqual([...g.nodes.get('203.0.113.5').colos].sort(), ['ams', 'fra']);
  assert.deepEqual([...g.nodes.get('198.51.100.1').colos], ['ams']);
  assertEdges(g, [
    '198.51.100.1>203.0.113.5', '198.51.100.129>203.0.113.5', '203.0.113.5>203.0.113.1',
    'colo:ams>198.51.100.1', 'colo:fra>198.51.100.129',
  ]);
  assert.deepEqual([...g.edges.get('203.0.113.5>203.0.113.1').colos].sort(), ['ams', 'fra']);
  assert.deepEqual([...g.edges.get('198.51.100.1>203.0.113.5').colos], ['ams']);
});

test('mergePaths: a shared node has the lowest mean RTT any colo measured, in either order', () => {
  const a = coloResult('ams', [['198.51.100.1'], [iface('203.0.113.5', 5.0)]]);
  const b = coloResult('fra', [['198.51.100.129'], [iface('203.0.113.5', 3.5)]]);
  assert.equal(mergePaths([a, b]).nodes.get('203.0.113.5').mean_rtt_ms, 3.5);
  assert.equal(mergePaths([b, a]).nodes.get('203.0.113.5').mean_rtt_ms, 3.5);
});

test('mergePaths: a shared node seen at different TTLs keeps every TTL', () => {
  const g = mergePaths([
    coloResult('ams', [['198.51.100.1'], ['203.0.113.5']]),
    coloResult('fra', [['198.51.100.129'], ['198.51.100.130'], ['203.0.113.5']]),
  ]);
  assert.deepEqual([...g.nodes.get('203.0.113.5').ttls].sort(), [2, 3]);
});

test('mergePaths: a silent hop is a node per colo and TTL, and the path goes through it', () => {
  const g = mergePaths([
    coloResult('ams', [['198.51.100.1'], [], ['203.0.113.1']]),
    coloResult('fra', [['198.51.100.129'], [], ['203.0.113.1']]),
  ]);
  const ams = g.nodes.get(silentKey('ams', 2));
  const fra = g.nodes.get(silentKey('fra', 2));
  assert.equal(silentKey('ams', 2), 'silent:ams:2');
  assert.ok(ams && fra && ams !== fra, 'one silent node per colo');
  assert.equal(ams.kind, 'silent');
  assert.deepEqual([...ams.colos], ['ams']);
  assert.deepEqual([...ams.ttls], [2]);
  assert.deepEqual([ams.sent, ams.lost], [2, 2]);
  assert.ok(g.edges.has('198.51.100.1>silent:ams:2'));
  assert.ok(g.edges.has('silent:ams:2>203.0.113.1'));
  assert.ok(g.edges.has('198.51.100.129>silent:fra:2'));
  assert.ok(g.edges.has('silent:fra:2>203.0.113.1'));
  assert.ok(!g.edges.has('198.51.100.1>203.0.113.1'), 'no edge skips the silent hop');
  assert.ok(!g.edges.has('198.51.100.1>silent:fra:2'), 'no edge into the other colo\'s silence');
});

test('mergePaths: a silent first hop hangs off the colo', () => {
  const g = mergePaths([coloResult('ams', [[], ['203.0.113.1']])]);
  assertEdges(g, ['colo:ams>silent:ams:1', 'silent:ams:1>203.0.113.1']);
});

test('mergePaths: without links, a hop of two interfaces joins all of the hop before to both', () => {
  const g = mergePaths([coloResult('ams', [
    ['198.51.100.1'], ['198.51.100.10', '198.51.100.20'], ['203.0.113.5', '203.0.113.6'],
    ['203.0.113.1'],
  ])]);
  assertEdges(g, [
    '198.51.100.1>198.51.100.10', '198.51.100.1>198.51.100.20',
    '198.51.100.10>203.0.113.5', '198.51.100.10>203.0.113.6',
    '198.51.100.20>203.0.113.5', '198.51.100.20>203.0.113.6',
    '203.0.113.5>203.0.113.1', '203.0.113.6>203.0.113.1',
    'colo:ams>198.51.100.1',
  ]);
});

test('mergePaths: with multipath links only the linked pairs are edges', () => {
  const g = mergePaths([coloResult('ams', [
    hop(1, ['198.51.100.1'], { links: [] }),
    hop(2, ['198.51.100.10', '198.51.100.20'],
      { links: [['198.51.100.1', '198.51.100.10'], ['198.51.100.1', '198.51.100.20']] }),
    hop(3, ['203.0.113.5', '203.0.113.6'],
      { links: [['198.51.100.10', '203.0.113.5'], ['198.51.100.20', '203.0.113.6']] }),
    hop(4, ['203.0.113.1'],
      { links: [['203.0.113.5', '203.0.113.1'], ['203.0.113.6', '203.0.113.1']] }),
  ])]);
  assertEdges(g, [
    '198.51.100.1>198.51.100.10', '198.51.100.1>198.51.100.20',
    '198.51.100.10>203.0.113.5', '198.51.100.20>203.0.113.6',
    '203.0.113.5>203.0.113.1', '203.0.113.6>203.0.113.1',
    'colo:ams>198.51.100.1',
  ]);
});

test('mergePaths: an interface no link reaches hangs off every interface of the hop before', () => {
  const g = mergePaths([coloResult('ams', [
    hop(1, ['198.51.100.1'], { links: [] }),
    hop(2, ['198.51.100.10', '198.51.100.20'],
      { links: [['198.51.100.1', '198.51.100.10'], ['198.51.100.1', '198.51.100.20']] }),
    hop(3, ['203.0.113.5', '203.0.113.7'], { links: [['198.51.100.10', '203.0.113.5']] }),
  ])]);
  const into = (key) => edgeIds(g).filter((id) => id.endsWith(`>${key}`));
  assert.deepEqual(into('203.0.113.5'), ['198.51.100.10>203.0.113.5']);
  assert.deepEqual(into('203.0.113.7'), ['198.51.100.10>203.0.113.7', '198.51.100.20>203.0.113.7']);
});

test('mergePaths: an IPv6 path with links merges like IPv4', () => {
  const g = mergePaths([coloResult('ams', [
    hop(1, ['2001:db8::1'], { links: [] }),
    hop(2, ['2001:db8:1::1', '2001:db8:2::1'],
      { links: [['2001:db8::1', '2001:db8:1::1'], ['2001:db8::1', '2001:db8:2::1']] }),
  ])]);
  assertEdges(g, ['2001:db8::1>2001:db8:1::1', '2001:db8::1>2001:db8:2::1',
    'colo:ams>2001:db8::1']);
});

test('mergePaths: sent and lost are summed over colos, a hop\'s loss shared among its interfaces', () => {
  const g = mergePaths([
    coloResult('ams', [hop(1, [iface('203.0.113.5', 1, 2)], { sent: 3, lost: 1 })]),
    coloResult('fra', [hop(1, [iface('203.0.113.5', 1, 3)], { sent: 3, lost: 0 })]),
    coloResult('lhr', [hop(1, [iface('198.51.100.10', 1, 1), iface('198.51.100.20', 1, 1)],
      { sent: 4, lost: 2 })]),
  ]);
  const shared = g.nodes.get('203.0.113.5');
  assert.deepEqual([shared.sent, shared.lost], [6, 1]);
  const split = g.nodes.get('198.51.100.10');
  assert.deepEqual([split.sent, split.lost], [2, 1]);
});

test('pathOfColo: only that colo\'s nodes and edges', () => {
  const g = mergePaths([
    coloResult('ams', [['198.51.100.1'], [], ['203.0.113.5'], ['203.0.113.1']]),
    coloResult('fra', [['198.51.100.129'], ['203.0.113.5'], ['203.0.113.1']]),
  ]);
  const p = pathOfColo(g, 'ams');
  assert.deepEqual([...p.nodeKeys].sort(), ['198.51.100.1', '203.0.113.1', '203.0.113.5',
    'colo:ams', 'silent:ams:2']);
  assert.deepEqual([...p.edgeKeys].sort(), [
    '198.51.100.1>silent:ams:2', '203.0.113.5>203.0.113.1', 'colo:ams>198.51.100.1',
    'silent:ams:2>203.0.113.5',
  ]);
  assert.deepEqual(pathOfColo(g, 'nowhere'), { nodeKeys: new Set(), edgeKeys: new Set() });
});

// ---- compareColos ----------------------------------------------------------------------------

test('compareColos: the same path is same at every TTL', () => {
  const r = coloResult('ams', [['198.51.100.1'], ['203.0.113.5'], ['203.0.113.1']]);
  assert.deepEqual(compareColos(r, structuredClone(r)), [
    { ttl: 1, before: ['198.51.100.1'], after: ['198.51.100.1'], change: 'same' },
    { ttl: 2, before: ['203.0.113.5'], after: ['203.0.113.5'], change: 'same' },
    { ttl: 3, before: ['203.0.113.1'], after: ['203.0.113.1'], change: 'same' },
  ]);
});

test('compareColos: a changed address is changed at that TTL only', () => {
  const rows = compareColos(
    coloResult('ams', [['198.51.100.1'], ['203.0.113.5'], ['203.0.113.1']]),
    coloResult('ams', [['198.51.100.1'], ['203.0.113.6'], ['203.0.113.1']]));
  assert.deepEqual(rows.map((r) => r.change), ['same', 'changed', 'same']);
  assert.deepEqual(rows[1], { ttl: 2, before: ['203.0.113.5'], after: ['203.0.113.6'],
    change: 'changed' });
});

test('compareColos: silence against an address is silent; silence on both sides is same', () => {
  const rows = compareColos(
    coloResult('ams', [['198.51.100.1'], [], ['203.0.113.9'], []]),
    coloResult('ams', [[], ['203.0.113.5'], ['203.0.113.9'], []]));
  assert.deepEqual(rows.map((r) => r.change), ['silent', 'silent', 'same', 'same']);
  assert.deepEqual(rows[0].after, []);
  assert.deepEqual(rows[1].before, []);
});

test('compareColos: TTLs beyond the shorter trace are missing', () => {
  const rows = compareColos(
    coloResult('ams', [['198.51.100.1'], ['203.0.113.1']]),
    coloResult('ams', [['198.51.100.1'], ['203.0.113.5'], ['203.0.113.1'], []]));
  assert.deepEqual(rows.map((r) => [r.ttl, r.change]),
    [[1, 'same'], [2, 'changed'], [3, 'missing'], [4, 'missing']]);
  assert.deepEqual(rows[2], { ttl: 3, before: [], after: ['203.0.113.1'], change: 'missing' });
  // The other way round too.
  const back = compareColos(
    coloResult('ams', [['198.51.100.1'], ['203.0.113.5'], ['203.0.113.1']]),
    coloResult('ams', [['198.51.100.1']]));
  assert.deepEqual(back.map((r) => r.change), ['same', 'missing', 'missing']);
});

test('compareColos: several interfaces compare as sorted sets', () => {
  const rows = compareColos(
    coloResult('ams', [['203.0.113.6', '198.51.100.10'], ['203.0.113.6', '198.51.100.10']]),
    coloResult('ams', [['198.51.100.10', '203.0.113.6'], ['198.51.100.10']]));
  assert.deepEqual(rows[0], { ttl: 1, before: ['198.51.100.10', '203.0.113.6'],
    after: ['198.51.100.10', '203.0.113.6'], change: 'same' });
  assert.equal(rows[1].change, 'changed', 'a lost interface is a change');
});

test('compareColos: a missing result on one side is missing throughout', () => {
  const rows = compareColos(coloResult('ams', [['198.51.100.1'], ['203.0.113.1']]), undefined);
  assert.deepEqual(rows.map((r) => r.change), ['missing', 'missing']);
  assert.deepEqual(compareColos(undefined, undefined), []);
});

// ---- pairResults -----------------------------------------------------------------------------

test('pairResults: only (target, colo) pairs in both, in the first one\'s order', () => {
  const c = (name, tag) => ({ ...coloResult(name, [['198.51.100.1']]), tag });
  const first = [
    { target: '203.0.113.1', colos: [c('ams', 'a1'), c('fra', 'a2'), c('lhr', 'a3')] },
    { target: '203.0.113.2', colos: [c('ams', 'a4')] },
    { target: '2001:db8::1', colos: [c('ams', 'a5')] },
  ];
  const second = [
    { target: '203.0.113.2', colos: [c('ams', 'b1')] },
    { target: '203.0.113.1', colos: [c('lhr', 'b2'), c('ams', 'b3'), c('cdg', 'b4')] },
  ];
  const pairs = pairResults(first, second);
  assert.deepEqual(pairs.map((p) => [p.target, p.colo, p.before.tag, p.after.tag]), [
    ['203.0.113.1', 'ams', 'a1', 'b3'],
    ['203.0.113.1', 'lhr', 'a3', 'b2'],
    ['203.0.113.2', 'ams', 'a4', 'b1'],
  ]);
  assert.equal(pairs[0].before, first[0].colos[0], 'the colo results themselves');
});

test('pairResults: nothing shared or nothing given is no pair', () => {
  const one = [{ target: '203.0.113.1', colos: [coloResult('ams', [])] }];
  const other = [{ target: '203.0.113.2', colos: [coloResult('ams', [])] }];
  assert.deepEqual(pairResults(one, other), []);
  assert.deepEqual(pairResults(one, null), []);
  assert.deepEqual(pairResults(undefined, one), []);
});

// ---- requestBody -----------------------------------------------------------------------------

const form = (over = {}) => ({
  targets: '203.0.113.1', colos: ['ams'], packet_type: 'icmp', max_ttl: '30',
  packets_per_ttl: '3', port: '0', wait_time: '1', multipath: false, confidence: '95', ...over,
});

test('requestBody: targets split on spaces, commas and newlines', () => {
  const body = requestBody(form({
    targets: '  203.0.113.1, 2001:db8::1\n198.51.100.7,,\texample.test\r\n  ' }));
  assert.deepEqual(body.targets, ['203.0.113.1', '2001:db8::1', '198.51.100.7', 'example.test']);
  assert.deepEqual(requestBody(form({ targets: '   ' })).targets, []);
  assert.deepEqual(requestBody(form({ targets: undefined })).targets, []);
});

test('requestBody: integer options become numbers, anything else stays as typed', () => {
  const body = requestBody(form({ max_ttl: ' 30 ', packets_per_ttl: '1.5', port: 'abc',
    wait_time: '-1' }));
  assert.deepEqual(body, {
    targets: ['203.0.113.1'], colos: ['ams'],
    options: { packet_type: 'icmp', max_ttl: 30, packets_per_ttl: '1.5', port: 'abc',
      wait_time: -1 },
  });
  assert.equal(requestBody(form({ max_ttl: '' })).options.max_ttl, '');
  assert.equal(requestBody(form({ max_ttl: '1e3' })).options.max_ttl, '1e3');
});

test('requestBody: multipath adds multipath: true and confidence', () => {
  const body = requestBody(form({ multipath: true, confidence: '99' }));
  assert.equal(body.options.multipath, true);
  assert.equal(body.options.confidence, 99);
});

test('requestBody: without multipath there is neither multipath nor confidence', () => {
  const body = requestBody(form({ multipath: false, confidence: '99' }));
  assert.ok(!('multipath' in body.options));
  assert.ok(!('confidence' in body.options));
});

test('scheduleBody: the traceroute\'s members, the name as typed and the interval', () => {
  const body = scheduleBody(form({ name: '  core paths ', interval_s: ' 600 ', multipath: true }));
  assert.deepEqual(body, { ...requestBody(form({ multipath: true })), name: '  core paths ',
    interval_s: 600 });
  assert.equal(scheduleBody(form({ name: 'x', interval_s: '1.5' })).interval_s, '1.5');
  assert.equal(scheduleBody(form({ interval_s: '60' })).name, '');
});

test('scheduleBody: a webhook only when its URL is given, its secret only when typed', () => {
  assert.equal('webhook' in scheduleBody(form({ name: 'x', interval_s: '60', webhook_url: '  ' })), false);
  assert.deepEqual(scheduleBody(form({ name: 'x', interval_s: '60', webhook_url: ' http://h.example/x ' })).webhook,
    { url: 'http://h.example/x' });
  assert.deepEqual(scheduleBody(form({ name: 'x', interval_s: '60', webhook_url: 'http://h.example/x',
    webhook_secret: ' sixteen chars ok ' })).webhook,
  { url: 'http://h.example/x', secret: ' sixteen chars ok ' });
  assert.deepEqual(webhookBody('', ''), { url: '' }, 'an empty URL is sent for the API to judge');
  assert.deepEqual(webhookBody(' http://h.example/ ', undefined), { url: 'http://h.example/' });
  // A secret without a URL is no webhook (the form cannot say where to send it).
  assert.equal('webhook' in scheduleBody(form({ name: 'x', interval_s: '60', webhook_secret: 'abc' })), false);
});

// ---- fieldOfPointer --------------------------------------------------------------------------

test('fieldOfPointer names the form field of an API error pointer', () => {
  assert.equal(fieldOfPointer('/targets/0'), 'targets');
  assert.equal(fieldOfPointer('/targets'), 'targets');
  assert.equal(fieldOfPointer('/colos/1'), 'colos');
  assert.equal(fieldOfPointer('/options/max_ttl'), 'max_ttl');
  assert.equal(fieldOfPointer('/options/packets_per_ttl'), 'packets_per_ttl');
  assert.equal(fieldOfPointer('/options'), 'options');
  assert.equal(fieldOfPointer('/name'), 'schedule_name');
  assert.equal(fieldOfPointer('/interval_s'), 'interval_s');
  assert.equal(fieldOfPointer('/webhook'), 'webhook_url');
  assert.equal(fieldOfPointer('/webhook/url'), 'webhook_url');
  assert.equal(fieldOfPointer('/webhook/secret'), 'webhook_secret');
});

test('fieldOfPointer is null for anything else', () => {
  assert.equal(fieldOfPointer(''), null);
  assert.equal(fieldOfPointer('/other'), null);
  assert.equal(fieldOfPointer('/targetsx'), null);
  assert.equal(fieldOfPointer('/name/0'), null);
  assert.equal(fieldOfPointer('/webhook/other'), null);
  assert.equal(fieldOfPointer(undefined), null);
  assert.equal(fieldOfPointer(null), null);
});

test('a pointer that only starts like /options names no field', () => {
  assert.equal(fieldOfPointer('/optionsx'), null);
  assert.equal(fieldOfPointer('/options/max_ttl/0'), 'max_ttl');
});

test('rttBucket of NaN is none', () => {
  assert.equal(rttBucket(Number.NaN), 'none');
});
