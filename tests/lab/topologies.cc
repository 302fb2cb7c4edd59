#include "topologies.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

namespace colotrace::lab {
namespace {

constexpr const char* kTargetV4 = "203.0.113.1";
constexpr const char* kTargetV6 = "2001:db8:ff::1";
constexpr const char* kAliasV4 = "203.0.113.2";
constexpr const char* kAliasV6 = "2001:db8:ff::2";
// Everything routed toward the target side.
constexpr const char* kTargetPrefixesV4[] = {"203.0.113.0/24", "192.0.2.0/24"};
constexpr const char* kTargetPrefixV6 = "2001:db8:ff::/48";

// Address of side 1 (left) or 2 (right) of link `link` (1-based).
std::string V4(int link, int side) {
  return "198.51.100." + std::to_string(4 * (link - 1) + side);
}
std::string V4Net(int link) {
  return "198.51.100." + std::to_string(4 * (link - 1)) + "/30";
}
std::string V6(int link, int side) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2001:db8:0:%x::%d", link, side);
  return buf;
}
std::string V6Net(int link) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2001:db8:0:%x::/64", link);
  return buf;
}

// Joins node `left` and node `right` with link number `link`.
void LinkNodes(Lab& lab, int link, const std::string& left, const std::string& left_short,
               const std::string& right, const std::string& right_short) {
  lab.Link(left, "to-" + right_short, {V4(link, 1) + "/30", V6(link, 1) + "/64"}, right,
           "to-" + left_short, {V4(link, 2) + "/30", V6(link, 2) + "/64"});
}

// Routes the target prefixes of both families via the given next hops ("via X" or
// "nexthop via X nexthop via Y").
void RouteTargets(Lab& lab, const std::string& ns, const std::string& via_v4,
                  const std::string& via_v6) {
  for (const char* prefix : kTargetPrefixesV4) lab.Route(ns, prefix, via_v4);
  lab.Route(ns, kTargetPrefixV6, via_v6);
}

void DefaultRoutes(Lab& lab, const std::string& ns, const std::string& gw_v4,
                   const std::string& gw_v6) {
  lab.Route(ns, "default", "via " + gw_v4);
  lab.Route(ns, "default", "via " + gw_v6);
}

void AddTargetAddresses(Lab& lab, const std::string& ns, bool alias) {
  lab.AddAddress(ns, "lo", std::string(kTargetV4) + "/32");
  lab.AddAddress(ns, "lo", std::string(kTargetV6) + "/128");
  if (alias) {
    lab.AddAddress(ns, "lo", std::string(kAliasV4) + "/32");
    lab.AddAddress(ns, "lo", std::string(kAliasV6) + "/128");
  }
}

void InstallSilent(Lab& lab, const std::string& ns) {
  lab.Nft(ns, R"(
table inet lab_silent {
  chain silent {
    type filter hook output priority 0; policy accept;
    icmp type time-exceeded drop
    icmpv6 type time-exceeded drop
  }
}
)");
}

void InstallLossy(Lab& lab, const std::string& ns, const std::string& toward_target_if,
                  int percent) {
  lab.Nft(ns, R"(
table inet lab_loss {
  counter dropped { }
  chain lossy {
    type filter hook forward priority 0; policy accept;
    oifname ")" + toward_target_if +
                  R"(" numgen random mod 100 < )" + std::to_string(percent) +
                  R"( counter name "dropped" drop
  }
}
)");
}

void InstallUnreachable(Lab& lab, const std::string& ns, Unreachable kind) {
  const char* v4 = "host-unreachable";
  const char* v6 = "addr-unreachable";
  switch (kind) {
    case Unreachable::kHost:
      break;
    case Unreachable::kProhibit:
      v4 = "admin-prohibited";
      v6 = "admin-prohibited";
      break;
    case Unreachable::kNet:
      v4 = "net-unreachable";
      v6 = "no-route";
      break;
  }
  // Prerouting, so the error comes at TTL k (a forward-hook reject would come only after the
  // TTL check, one hop later). The error goes through icmp_send, whose rate limit is off.
  lab.Nft(ns, std::string(R"(
table inet lab_unreach {
  chain unreach {
    type filter hook prerouting priority 0; policy accept;
    ip daddr { 203.0.113.0/24, 192.0.2.0/24 } reject with icmp type )") +
                  v4 + R"(
    ip6 daddr 2001:db8:ff::/48 reject with icmpv6 type )" +
                  v6 + R"(
  }
}
)");
}

void InstallAlias(Lab& lab, const std::string& ns) {
  lab.Nft(ns, std::string(R"(
table ip lab_alias {
  chain alias {
    type filter hook postrouting priority 0; policy accept;
    ip saddr )") + kTargetV4 +
                  " ip saddr set " + kAliasV4 + R"(
  }
}
table ip6 lab_alias {
  chain alias {
    type filter hook postrouting priority 0; policy accept;
    ip6 saddr )" + kTargetV6 +
                  " ip6 saddr set " + kAliasV6 + R"(
  }
}
)");
}

void CheckRouterIndex(const char* what, int index, int n_routers) {
  if (index < 0 || index > n_routers) {
    throw std::invalid_argument(std::string("Chain: ") + what + " " + std::to_string(index) +
                                " is not a router index (1.." + std::to_string(n_routers) + ")");
  }
}

void FillChoices(Topology& t) {
  t.hop_choices_v4.clear();
  t.hop_choices_v6.clear();
  for (const std::string& h : t.hop_v4) t.hop_choices_v4.push_back({h});
  for (const std::string& h : t.hop_v6) t.hop_choices_v6.push_back({h});
}

void ListenTcp(Lab& lab, Topology& t, std::uint16_t port) {
  if (port == 0) return;
  if (port == 65535) throw std::invalid_argument("tcp_open_port must leave room for port + 1");
  lab.TcpListen(t.target, port);
  t.tcp_open_port = port;
  t.tcp_closed_port = static_cast<std::uint16_t>(port + 1);
}

}  // namespace

Topology Chain(Lab& lab, int n_routers, const ChainOptions& opts) {
  if (n_routers < 1 || n_routers > 63) {
    throw std::invalid_argument("Chain: n_routers must be 1..63");
  }
  CheckRouterIndex("silent_router", opts.silent_router, n_routers);
  CheckRouterIndex("lossy_router", opts.lossy_router, n_routers);
  CheckRouterIndex("delay_router", opts.delay_router, n_routers);
  CheckRouterIndex("ratelimited_router", opts.ratelimited_router, n_routers);
  CheckRouterIndex("unreachable_router", opts.unreachable_router, n_routers);
  CheckRouterIndex("gre_blocked_router", opts.gre_blocked_router, n_routers);
  if (opts.loss_percent < 0 || opts.loss_percent > 100) {
    throw std::invalid_argument("Chain: loss_percent must be 0..100");
  }

  // Node i: 0 is the colo, 1..n the routers, n+1 the target.
  const int n = n_routers;
  std::vector<std::string> shorts = {"colo"};
  for (int k = 1; k <= n; ++k) shorts.push_back("r" + std::to_string(k));
  shorts.push_back("tgt");

  Topology t;
  std::vector<std::string> ns;
  ns.push_back(lab.AddNode("colo"));
  for (int k = 1; k <= n; ++k) {
    NodeOptions node;
    node.router = true;
    node.keep_icmp_ratelimit = (k == opts.ratelimited_router);
    ns.push_back(lab.AddNode(shorts[k], node));
  }
  NodeOptions target_node;
  target_node.keep_icmp_ratelimit = opts.target_keeps_ratelimit;
  ns.push_back(lab.AddNode("tgt", target_node));

  for (int link = 1; link <= n + 1; ++link) {
    LinkNodes(lab, link, ns[link - 1], shorts[link - 1], ns[link], shorts[link]);
  }
  AddTargetAddresses(lab, ns[n + 1], opts.target_alias);

  // Routes: the colo and the target point at their only neighbour; router k sends the target
  // prefixes and the links beyond its right neighbour to the right, everything else left.
  DefaultRoutes(lab, ns[0], V4(1, 2), V6(1, 2));
  for (int k = 1; k <= n; ++k) {
    DefaultRoutes(lab, ns[k], V4(k, 1), V6(k, 1));
    RouteTargets(lab, ns[k], "via " + V4(k + 1, 2), "via " + V6(k + 1, 2));
    for (int link = k + 2; link <= n + 1; ++link) {
      lab.Route(ns[k], V4Net(link), "via " + V4(k + 1, 2));
      lab.Route(ns[k], V6Net(link), "via " + V6(k + 1, 2));
    }
  }
  DefaultRoutes(lab, ns[n + 1], V4(n + 1, 1), V6(n + 1, 1));

  if (opts.silent_router != 0) InstallSilent(lab, ns[opts.silent_router]);
  if (opts.lossy_router != 0) {
    const int k = opts.lossy_router;
    InstallLossy(lab, ns[k], "to-" + shorts[k + 1], opts.loss_percent);
    t.lossy_ns = ns[k];
    t.lossy_table = "inet lab_loss";
    t.lossy_counter = "dropped";
  }
  if (opts.unreachable_router != 0) {
    InstallUnreachable(lab, ns[opts.unreachable_router], opts.unreachable_kind);
  }
  if (opts.target_alias) InstallAlias(lab, ns[n + 1]);
  if (opts.gre_blocked_router != 0) {
    lab.Nft(ns[opts.gre_blocked_router],
            "table ip lab_gre {\n"
            "  chain forward_gre { type filter hook forward priority 0; ip protocol gre drop; }\n"
            "}\n");
  }
  if (opts.gre_endpoint != GreEndpoint::kNone) {
    std::vector<std::string> argv = {COLOTRACE_LAB_GRE_ENDPOINT_PATH, "--mode"};
    switch (opts.gre_endpoint) {
      case GreEndpoint::kDrops:
        argv.push_back("drop");
        break;
      case GreEndpoint::kKeyed:
        argv.insert(argv.end(), {"key", "42"});
        break;
      default:
        argv.push_back("healthy");
        break;
    }
    lab.StartProcess(ns[n + 1], argv);
  }

  t.colo = ns[0];
  t.target = ns[n + 1];
  t.routers.assign(ns.begin() + 1, ns.begin() + 1 + n);
  t.colo_v4 = V4(1, 1);
  t.colo_v6 = V6(1, 1);
  t.target_v4 = kTargetV4;
  t.target_v6 = kTargetV6;
  if (opts.target_alias) {
    t.alias_v4 = kAliasV4;
    t.alias_v6 = kAliasV6;
  }
  for (int k = 1; k <= n; ++k) {
    const bool answers = k != opts.silent_router || k == opts.unreachable_router;
    t.hop_v4.push_back(answers ? V4(k, 2) : kNoReply);
    t.hop_v6.push_back(answers ? V6(k, 2) : kNoReply);
    if (k == opts.unreachable_router) {
      t.unreachable_ttl = k;
      break;
    }
  }
  if (opts.unreachable_router == 0) {
    t.hop_v4.push_back(opts.target_alias ? kAliasV4 : kTargetV4);
    t.hop_v6.push_back(opts.target_alias ? kAliasV6 : kTargetV6);
  }
  FillChoices(t);

  ListenTcp(lab, t, opts.tcp_open_port);
  // Last, so that nothing is held while the lab is being built.
  if (opts.delay_router != 0) lab.StartDelay(ns[opts.delay_router], opts.delay_ms, "FORWARD");
  return t;
}

Topology EcmpDiamond(Lab& lab, const EcmpOptions& opts) {
  Topology t;
  const std::string colo = lab.AddNode("colo");
  NodeOptions router;
  router.router = true;
  const std::string r1 = lab.AddNode("r1", router);
  const std::string r2a = lab.AddNode("r2a", router);
  const std::string r2b = lab.AddNode("r2b", router);
  const std::string r3 = lab.AddNode("r3", router);
  const std::string tgt = lab.AddNode("tgt");

  // Links: 1 colo-r1, 2 r1-r2a, 3 r1-r2b, 4 r2a-r3, 5 r2b-r3, 6 r3-tgt.
  LinkNodes(lab, 1, colo, "colo", r1, "r1");
  LinkNodes(lab, 2, r1, "r1", r2a, "r2a");
  LinkNodes(lab, 3, r1, "r1", r2b, "r2b");
  LinkNodes(lab, 4, r2a, "r2a", r3, "r3");
  LinkNodes(lab, 5, r2b, "r2b", r3, "r3");
  LinkNodes(lab, 6, r3, "r3", tgt, "tgt");
  AddTargetAddresses(lab, tgt, false);

  lab.Sysctl(r1, "net.ipv4.fib_multipath_hash_policy", "1");
  lab.Sysctl(r1, "net.ipv6.fib_multipath_hash_policy", "1");

  DefaultRoutes(lab, colo, V4(1, 2), V6(1, 2));

  DefaultRoutes(lab, r1, V4(1, 1), V6(1, 1));
  RouteTargets(lab, r1, "nexthop via " + V4(2, 2) + " nexthop via " + V4(3, 2),
               "nexthop via " + V6(2, 2) + " nexthop via " + V6(3, 2));
  lab.Route(r1, V4Net(4), "via " + V4(2, 2));
  lab.Route(r1, V6Net(4), "via " + V6(2, 2));
  lab.Route(r1, V4Net(5), "via " + V4(3, 2));
  lab.Route(r1, V6Net(5), "via " + V6(3, 2));
  lab.Route(r1, V4Net(6), "nexthop via " + V4(2, 2) + " nexthop via " + V4(3, 2));
  lab.Route(r1, V6Net(6), "nexthop via " + V6(2, 2) + " nexthop via " + V6(3, 2));

  DefaultRoutes(lab, r2a, V4(2, 1), V6(2, 1));
  RouteTargets(lab, r2a, "via " + V4(4, 2), "via " + V6(4, 2));
  lab.Route(r2a, V4Net(6), "via " + V4(4, 2));
  lab.Route(r2a, V6Net(6), "via " + V6(4, 2));

  DefaultRoutes(lab, r2b, V4(3, 1), V6(3, 1));
  RouteTargets(lab, r2b, "via " + V4(5, 2), "via " + V6(5, 2));
  lab.Route(r2b, V4Net(6), "via " + V4(5, 2));
  lab.Route(r2b, V6Net(6), "via " + V6(5, 2));

  // r3 answers and returns everything through r2a.
  DefaultRoutes(lab, r3, V4(4, 1), V6(4, 1));
  RouteTargets(lab, r3, "via " + V4(6, 2), "via " + V6(6, 2));

  DefaultRoutes(lab, tgt, V4(6, 1), V6(6, 1));

  t.colo = colo;
  t.target = tgt;
  t.routers = {r1, r2a, r2b, r3};
  t.ecmp_routers = {r2a, r2b};
  t.colo_v4 = V4(1, 1);
  t.colo_v6 = V6(1, 1);
  t.target_v4 = kTargetV4;
  t.target_v6 = kTargetV6;
  t.hop_v4 = {V4(1, 2), V4(2, 2), V4(4, 2), kTargetV4};
  t.hop_v6 = {V6(1, 2), V6(2, 2), V6(4, 2), kTargetV6};
  // Errors (v4 and v6) come from the address of the interface the probe came in on, so r3
  // answers from its link to whichever of r2a/r2b the probe took.
  t.hop_choices_v4 = {{V4(1, 2)}, {V4(2, 2), V4(3, 2)}, {V4(4, 2), V4(5, 2)}, {kTargetV4}};
  t.hop_choices_v6 = {{V6(1, 2)}, {V6(2, 2), V6(3, 2)}, {V6(4, 2), V6(5, 2)}, {kTargetV6}};

  ListenTcp(lab, t, opts.tcp_open_port);
  return t;
}

Topology EcmpFan(Lab& lab, const FanOptions& opts, FanLinks* links) {
  const int n = opts.width;
  Topology t;
  const std::string colo = lab.AddNode("colo");
  NodeOptions router;
  router.router = true;
  const std::string r1 = lab.AddNode("r1", router);
  std::vector<std::string> m;
  for (int i = 1; i <= n; ++i) m.push_back(lab.AddNode("m" + std::to_string(i), router));
  const std::string r3 = lab.AddNode("r3", router);
  const std::string tgt = lab.AddNode("tgt");
  // Links: 1 colo-r1; 1 + i r1-m<i>; 1 + n + i m<i>-r3; 2n + 2 r3-tgt.
  const int last = 2 * n + 2;
  LinkNodes(lab, 1, colo, "colo", r1, "r1");
  for (int i = 1; i <= n; ++i) {
    const std::string mi = "m" + std::to_string(i);
    LinkNodes(lab, 1 + i, r1, "r1", m[static_cast<size_t>(i - 1)], mi);
    LinkNodes(lab, 1 + n + i, m[static_cast<size_t>(i - 1)], mi, r3, "r3");
  }
  LinkNodes(lab, last, r3, "r3", tgt, "tgt");
  AddTargetAddresses(lab, tgt, false);
  lab.Sysctl(r1, "net.ipv4.fib_multipath_hash_policy", "1");
  lab.Sysctl(r1, "net.ipv6.fib_multipath_hash_policy", "1");

  DefaultRoutes(lab, colo, V4(1, 2), V6(1, 2));
  DefaultRoutes(lab, r1, V4(1, 1), V6(1, 1));
  std::string all_v4, all_v6;
  for (int i = 1; i <= n; ++i) {
    all_v4 += " nexthop via " + V4(1 + i, 2);
    all_v6 += " nexthop via " + V6(1 + i, 2);
    lab.Route(r1, V4Net(1 + n + i), "via " + V4(1 + i, 2));
    lab.Route(r1, V6Net(1 + n + i), "via " + V6(1 + i, 2));
  }
  RouteTargets(lab, r1, all_v4.substr(1), all_v6.substr(1));
  lab.Route(r1, V4Net(last), all_v4.substr(1));
  lab.Route(r1, V6Net(last), all_v6.substr(1));
  for (int i = 1; i <= n; ++i) {
    const std::string& mi = m[static_cast<size_t>(i - 1)];
    DefaultRoutes(lab, mi, V4(1 + i, 1), V6(1 + i, 1));
    RouteTargets(lab, mi, "via " + V4(1 + n + i, 2), "via " + V6(1 + n + i, 2));
    lab.Route(mi, V4Net(last), "via " + V4(1 + n + i, 2));
    lab.Route(mi, V6Net(last), "via " + V6(1 + n + i, 2));
  }
  // r3 returns everything through m1.
  DefaultRoutes(lab, r3, V4(2 + n, 1), V6(2 + n, 1));
  RouteTargets(lab, r3, "via " + V4(last, 2), "via " + V6(last, 2));
  DefaultRoutes(lab, tgt, V4(last, 1), V6(last, 1));
  if (opts.silent_branch != 0) InstallSilent(lab, m[static_cast<size_t>(opts.silent_branch - 1)]);

  t.colo = colo;
  t.target = tgt;
  t.routers = {r1};
  t.routers.insert(t.routers.end(), m.begin(), m.end());
  t.routers.push_back(r3);
  t.ecmp_routers = m;
  t.colo_v4 = V4(1, 1);
  t.colo_v6 = V6(1, 1);
  t.target_v4 = kTargetV4;
  t.target_v6 = kTargetV6;
  t.hop_choices_v4 = {{V4(1, 2)}, {}, {}, {kTargetV4}};
  t.hop_choices_v6 = {{V6(1, 2)}, {}, {}, {kTargetV6}};
  FanLinks l;
  l.v4.resize(3);
  l.v6.resize(3);
  for (int i = 1; i <= n; ++i) {
    bool silent = i == opts.silent_branch;
    if (!silent) {
      t.hop_choices_v4[1].push_back(V4(1 + i, 2));
      t.hop_choices_v6[1].push_back(V6(1 + i, 2));
      l.v4[0].emplace_back(V4(1, 2), V4(1 + i, 2));
      l.v6[0].emplace_back(V6(1, 2), V6(1 + i, 2));
      l.v4[1].emplace_back(V4(1 + i, 2), V4(1 + n + i, 2));
      l.v6[1].emplace_back(V6(1 + i, 2), V6(1 + n + i, 2));
    }
    t.hop_choices_v4[2].push_back(V4(1 + n + i, 2));
    t.hop_choices_v6[2].push_back(V6(1 + n + i, 2));
    l.v4[2].emplace_back(V4(1 + n + i, 2), kTargetV4);
    l.v6[2].emplace_back(V6(1 + n + i, 2), kTargetV6);
  }
  t.hop_v4 = {V4(1, 2), t.hop_choices_v4[1][0], t.hop_choices_v4[2][0], kTargetV4};
  t.hop_v6 = {V6(1, 2), t.hop_choices_v6[1][0], t.hop_choices_v6[2][0], kTargetV6};
  if (links != nullptr) *links = std::move(l);
  ListenTcp(lab, t, 80);
  return t;
}

Topology EcmpGraph(Lab& lab, const std::vector<std::vector<int>>& next, FanLinks* links,
                   const std::vector<int>& one_address) {
  const int n = static_cast<int>(next.size());
  Topology t;
  const std::string colo = lab.AddNode("colo");
  NodeOptions router;
  router.router = true;
  std::vector<std::string> ns;
  auto name = [](int i) { return "g" + std::to_string(i); };
  for (int i = 0; i < n; ++i) ns.push_back(lab.AddNode(name(i), router));
  const std::string tgt = lab.AddNode("tgt");
  auto node = [&](int i) { return i == kToTarget ? tgt : ns[static_cast<size_t>(i)]; };
  auto short_name = [&](int i) { return i == kToTarget ? std::string("tgt") : name(i); };

  // Link 1 joins the colo and router 0; then one link per edge, in order.
  LinkNodes(lab, 1, colo, "colo", ns[0], name(0));
  std::map<std::pair<int, int>, int> edge_link;
  std::map<int, int> first_in = {{0, 1}};  // node -> the link it was first reached by
  int link = 1;
  for (int i = 0; i < n; ++i) {
    for (int j : next[static_cast<size_t>(i)]) {
      edge_link[{i, j}] = ++link;
      if (link > 60) throw std::invalid_argument("EcmpGraph: too many edges");
      LinkNodes(lab, link, ns[static_cast<size_t>(i)], name(i), node(j), short_name(j));
      first_in.try_emplace(j, link);
    }
  }
  AddTargetAddresses(lab, tgt, false);
  DefaultRoutes(lab, colo, V4(1, 2), V6(1, 2));
  for (int i = 0; i < n; ++i) {
    const std::string& r = ns[static_cast<size_t>(i)];
    int back = first_in.at(i);
    DefaultRoutes(lab, r, V4(back, 1), V6(back, 1));
    std::string via_v4, via_v6;
    const auto& outs = next[static_cast<size_t>(i)];
    for (int j : outs) {
      int l = edge_link.at({i, j});
      via_v4 += (outs.size() > 1 ? " nexthop via " : " via ") + V4(l, 2);
      via_v6 += (outs.size() > 1 ? " nexthop via " : " via ") + V6(l, 2);
    }
    RouteTargets(lab, r, via_v4.substr(1), via_v6.substr(1));
    if (outs.size() > 1) {
      lab.Sysctl(r, "net.ipv4.fib_multipath_hash_policy", "1");
      lab.Sysctl(r, "net.ipv6.fib_multipath_hash_policy", "1");
      // A seed of its own (it also serves IPv6): with one hash function everywhere, a router
      // behind another sends the flows it gets along one branch only (hash polarisation).
      lab.Sysctl(r, "net.ipv4.fib_multipath_hash_seed", std::to_string(7919 * (i + 1)));
    }
  }
  DefaultRoutes(lab, tgt, V4(first_in.at(kToTarget), 1), V6(first_in.at(kToTarget), 1));
  for (int i : one_address) {
    lab.Sysctl(ns[static_cast<size_t>(i)], "net.ipv4.icmp_errors_use_inbound_ifaddr", "0");
  }
  auto one = [&](int j) {
    return std::find(one_address.begin(), one_address.end(), j) != one_address.end();
  };

  // Every path, as the addresses that answer at TTL 1, 2, ...
  std::vector<std::vector<std::pair<std::string, std::string>>> paths;
  std::vector<std::pair<std::string, std::string>> path = {{V4(1, 2), V6(1, 2)}};
  std::function<void(int)> walk = [&](int i) {
    for (int j : next[static_cast<size_t>(i)]) {
      if (j == kToTarget) {
        path.push_back({kTargetV4, kTargetV6});
        paths.push_back(path);
      } else {
        int l = edge_link.at({i, j});
        path.push_back({V4(one(j) ? first_in.at(j) : l, 2), V6(l, 2)});
        walk(j);
      }
      path.pop_back();
    }
  };
  walk(0);
  FanLinks l;
  auto add = [](std::vector<std::string>& v, const std::string& a) {
    if (std::find(v.begin(), v.end(), a) == v.end()) v.push_back(a);
  };
  auto add_link = [](std::vector<std::pair<std::string, std::string>>& v, std::string a,
                     std::string b) {
    std::pair<std::string, std::string> p{std::move(a), std::move(b)};
    if (std::find(v.begin(), v.end(), p) == v.end()) v.push_back(p);
  };
  for (const auto& p : paths) {
    if (t.hop_choices_v4.size() < p.size()) {
      t.hop_choices_v4.resize(p.size());
      t.hop_choices_v6.resize(p.size());
      l.v4.resize(p.size() - 1);
      l.v6.resize(p.size() - 1);
    }
    for (size_t k = 0; k < p.size(); ++k) {
      add(t.hop_choices_v4[k], p[k].first);
      add(t.hop_choices_v6[k], p[k].second);
      if (k > 0) {
        add_link(l.v4[k - 1], p[k - 1].first, p[k].first);
        add_link(l.v6[k - 1], p[k - 1].second, p[k].second);
      }
    }
  }
  t.colo = colo;
  t.target = tgt;
  t.routers = ns;
  t.colo_v4 = V4(1, 1);
  t.colo_v6 = V6(1, 1);
  t.target_v4 = kTargetV4;
  t.target_v6 = kTargetV6;
  for (size_t k = 0; k < paths[0].size(); ++k) {
    t.hop_v4.push_back(paths[0][k].first);
    t.hop_v6.push_back(paths[0][k].second);
  }
  if (links != nullptr) *links = std::move(l);
  return t;
}

}  // namespace colotrace::lab
