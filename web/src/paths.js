// What the page computes from results (pure; tests/web/page_logic.test.mjs):
// - mergePaths: one graph of a target's paths from every colo;
// - compareColos: per TTL, what answered in two results of one colo.
// Result shapes: docs/api.md "The traceroute result" (Cloudflare's, plus `links` in multipath).

// A graph node's key: the address for an answering interface; a silent hop is a node of its
// own per colo and TTL (silence is not an address that paths could share).
export const coloKey = (colo) => `colo:${colo}`;
export const silentKey = (colo, ttl) => `silent:${colo}:${ttl}`;

// {nodes: Map key -> node, edges: Map "from>to" -> edge}. A node: {key, kind: 'colo' |
// 'interface' | 'silent', ip, name, asn, colos: Set, ttls: Set, mean_rtt_ms (the lowest mean
// any colo measured), sent, lost (summed over colos)}. An edge: {from, to, colos: Set}.
// Edges join each colo to its first hop and consecutive hops; a hop with several interfaces
// joins all of them to all of the next hop's, unless the hop carries multipath `links`, which
// then say exactly which interfaces follow which.
export function mergePaths(coloResults) {
  const nodes = new Map();
  const edges = new Map();
  const addNode = (key, fields) => {
    let node = nodes.get(key);
    if (!node) {
      node = { key, colos: new Set(), ttls: new Set(), sent: 0, lost: 0, mean_rtt_ms: null,
        ...fields };
      nodes.set(key, node);
    }
    return node;
  };
  const addEdge = (from, to, colo) => {
    const id = `${from}>${to}`;
    let edge = edges.get(id);
    if (!edge) {
      edge = { from, to, colos: new Set() };
      edges.set(id, edge);
    }
    edge.colos.add(colo);
  };
  for (const result of coloResults) {
    const colo = result.colo?.name ?? '';
    const origin = addNode(coloKey(colo), { kind: 'colo', name: colo, city: result.colo?.city ?? '' });
    origin.colos.add(colo);
    let previous = [origin.key];  // the keys of the hop before: addresses, or a silent hop's
    for (const hop of result.hops ?? []) {
      const ttl = hop.packets_ttl;
      const here = [];
      if (!hop.nodes || hop.nodes.length === 0) {
        const node = addNode(silentKey(colo, ttl), { kind: 'silent', name: '*' });
        node.colos.add(colo);
        node.ttls.add(ttl);
        node.sent += hop.packets_sent ?? 0;
        node.lost += hop.packets_lost ?? 0;
        here.push(node.key);
      } else {
        const lostShare = hop.nodes.length ? (hop.packets_lost ?? 0) / hop.nodes.length : 0;
        for (const n of hop.nodes) {
          const node = addNode(n.ip, { kind: 'interface', ip: n.ip, name: n.name, asn: n.asn });
          node.colos.add(colo);
          node.ttls.add(ttl);
          node.sent += n.packet_count + lostShare;
          node.lost += lostShare;
          if (typeof n.mean_rtt_ms === 'number' &&
              (node.mean_rtt_ms === null || n.mean_rtt_ms < node.mean_rtt_ms)) {
            node.mean_rtt_ms = n.mean_rtt_ms;
          }
          here.push(node.key);
        }
      }
      const links = Array.isArray(hop.links) && hop.links.length > 0 ? hop.links : null;
      if (links) {
        for (const link of links) {
          if (previous.includes(link.from) && nodes.has(link.to)) addEdge(link.from, link.to, colo);
        }
        // An interface here that no link reaches still hangs off the hop before (its own
        // predecessor was silent or is unknown).
        for (const key of here) {
          if (!links.some((l) => l.to === key)) for (const p of previous) addEdge(p, key, colo);
        }
      } else {
        for (const p of previous) for (const key of here) addEdge(p, key, colo);
      }
      previous = here;
    }
  }
  return { nodes, edges };
}

// The node and edge keys one colo's path uses (for highlighting).
export function pathOfColo(graph, colo) {
  const nodeKeys = new Set();
  const edgeKeys = new Set();
  for (const [id, edge] of graph.edges) {
    if (edge.colos.has(colo)) {
      edgeKeys.add(id);
      nodeKeys.add(edge.from);
      nodeKeys.add(edge.to);
    }
  }
  return { nodeKeys, edgeKeys };
}

// The addresses that answered at a hop, sorted, or [] for silence.
function hopAddresses(hop) {
  return (hop?.nodes ?? []).map((n) => n.ip).sort();
}

// Rows {ttl, before: [ip], after: [ip], change} for TTL 1..the longer path, where change is
// 'same', 'changed' (different addresses answered), 'silent' (one side had no answer: not
// a route change by itself) or 'missing' (one trace ended before this TTL).
export function compareColos(before, after) {
  const byTtl = (r) => new Map((r?.hops ?? []).map((hop) => [hop.packets_ttl, hop]));
  const a = byTtl(before);
  const b = byTtl(after);
  const last = Math.max(0, ...a.keys(), ...b.keys());
  const rows = [];
  for (let ttl = 1; ttl <= last; ++ttl) {
    const x = a.get(ttl);
    const y = b.get(ttl);
    const before = hopAddresses(x);
    const after = hopAddresses(y);
    let change;
    if (!x || !y) change = 'missing';
    else if (before.length === 0 || after.length === 0) change = before.length === after.length ? 'same' : 'silent';
    else change = before.join(',') === after.join(',') ? 'same' : 'changed';
    rows.push({ ttl, before, after, change });
  }
  return rows;
}

// The (target, colo) pairs two measurements' results share, in the first one's order, with
// both colo results: [{target, colo, before, after}].
export function pairResults(first, second) {
  const pairs = [];
  for (const t of first ?? []) {
    const other = (second ?? []).find((u) => u.target === t.target);
    if (!other) continue;
    for (const c of t.colos ?? []) {
      const match = (other.colos ?? []).find((d) => d.colo?.name === c.colo?.name);
      if (match) pairs.push({ target: t.target, colo: c.colo.name, before: c, after: match });
    }
  }
  return pairs;
}

// A number typed in the form as the API reads it: an integer when it is one, else the text
// itself (so that the API's error names what was typed).
function num(text) {
  const t = String(text ?? '').trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

// Request fields from the run form's values. `values`: {targets (text), colos ([name]),
// packet_type, max_ttl, packets_per_ttl, port, wait_time (strings as typed), multipath (bool),
// confidence (string)}. Numbers are sent as numbers when they look like one, else as typed,
// so that the API (the one judge of ranges) names the field in its error.
export function requestBody(values) {
  const body = {
    targets: String(values.targets ?? '').split(/[\s,]+/).filter((t) => t !== ''),
    colos: values.colos ?? [],
    options: {
      packet_type: values.packet_type,
      max_ttl: num(values.max_ttl),
      packets_per_ttl: num(values.packets_per_ttl),
      port: num(values.port),
      wait_time: num(values.wait_time),
    },
  };
  if (values.multipath) {
    body.options.multipath = true;
    body.options.confidence = num(values.confidence);
  }
  return body;
}

// A schedule's `webhook` member from the form's two fields: {url} with the URL trimmed, and
// the secret as typed only when one was (otherwise the server makes one).
export function webhookBody(url, secret) {
  const hook = { url: String(url ?? '').trim() };
  if (secret) hook.secret = String(secret);
  return hook;
}

// The body of POST .../schedules from the same form: the traceroute's members, the schedule's
// name (as typed: the API judges it) and interval_s; `webhook` when a webhook URL was given.
export function scheduleBody(values) {
  const body = { ...requestBody(values), name: String(values.name ?? ''), interval_s: num(values.interval_s) };
  if (String(values.webhook_url ?? '').trim()) {
    body.webhook = webhookBody(values.webhook_url, values.webhook_secret);
  }
  return body;
}

// The form field an API error's source.pointer names: "/targets/0" -> "targets", "/colos/1" ->
// "colos", "/options/max_ttl" -> "max_ttl", "/options" -> "options", "/name" ->
// "schedule_name", "/interval_s" -> "interval_s", "/webhook" and "/webhook/url" ->
// "webhook_url", "/webhook/secret" -> "webhook_secret"; null for anything else.
export function fieldOfPointer(pointer) {
  if (pointer === '/name') return 'schedule_name';
  if (pointer === '/interval_s') return 'interval_s';
  if (pointer === '/webhook' || pointer === '/webhook/url') return 'webhook_url';
  if (pointer === '/webhook/secret') return 'webhook_secret';
  const m = /^\/(targets|colos)(\/|$)/.exec(pointer ?? '');
  if (m) return m[1];
  const o = /^\/options(?:\/([a-z_]+))?(?:\/|$)/.exec(pointer ?? '');
  if (o) return o[1] ?? 'options';
  return null;
}
