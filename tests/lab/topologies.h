// Ready-made lab networks with exactly known traceroute results.
//
// Address plan. Link L (1-based, in the order the builder creates links) uses
// 198.51.100.<4(L-1)>/30 (left node .1 of the /30, right node .2) and 2001:db8:0:<L in hex>::/64
// (left ::1, right ::2). The target answers on its lo: 203.0.113.1 and 2001:db8:ff::1 (alias
// 203.0.113.2 and 2001:db8:ff::2). Routers send ICMP errors from the address of the interface
// the probe came in on, so hop k of a chain is router k's address on link k.
//
// Every node routes only inside the lab: the colo's default route points at r1, routers send
// the target prefixes (203.0.113.0/24, 192.0.2.0/24, 2001:db8:ff::/48) right and everything
// else left, the target's default route points back at the last router.
//
// Errors: the builders throw std::runtime_error (from the Lab) when a step fails; whatever was
// created is still owned, and removed, by the Lab.

#ifndef COLOTRACE_TESTS_LAB_TOPOLOGIES_H_
#define COLOTRACE_TESTS_LAB_TOPOLOGIES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lab.h"

namespace colotrace::lab {

// Expected responder for a TTL at which nothing answers (traceroute prints "*").
inline constexpr const char* kNoReply = "*";

struct Topology {
  std::string colo;                  // netns the probes are sent from
  std::string target;                // netns of the target
  std::vector<std::string> routers;  // netns of the routers; routers[0] is r1 (TTL 1)
  std::string colo_v4, colo_v6;      // the colo's own addresses (sources of the probes)
  std::string target_v4, target_v6;  // addresses to trace
  // Expected responder per TTL 1..N (index 0 is TTL 1); kNoReply where nothing answers. The last
  // entry is the target (its alias with target_alias), or the router that answers with an
  // unreachable error when unreachable_router is set.
  std::vector<std::string> hop_v4, hop_v6;
  // Every possible responder per TTL (one choice per TTL on a chain, two behind an ECMP fork).
  std::vector<std::vector<std::string>> hop_choices_v4, hop_choices_v6;

  std::string alias_v4, alias_v6;     // the target's reply source with target_alias, else empty
  std::uint16_t tcp_open_port = 0;    // listened on by the target; 0 when nothing listens
  std::uint16_t tcp_closed_port = 0;  // not listened on: the target answers with RST
  int unreachable_ttl = 0;            // TTL answered with an unreachable error, 0: none
  // The lossy router's drop counter: lab.ReadNftCounter(lossy_ns, lossy_table, lossy_counter).
  std::string lossy_ns, lossy_table, lossy_counter;
  // ECMP diamond only: the two routers behind the fork (r2a, r2b).
  std::vector<std::string> ecmp_routers;
};

// What a chain router answers instead of forwarding traffic for the target.
enum class Unreachable {
  kHost,      // ICMP host unreachable / ICMPv6 address unreachable (traceroute: !H)
  kProhibit,  // ICMP admin prohibited / ICMPv6 administratively prohibited (!X)
  kNet,       // ICMP net unreachable / ICMPv6 no route (!N)
};

// What the target does with GRE packets.
enum class GreEndpoint {
  kNone,     // nothing: no GRE endpoint (the kernel answers protocol unreachable, !P)
  kHealthy,  // decapsulates and forwards the inner IPv4 packet
  kDrops,    // a broken endpoint: takes GRE packets and forwards nothing
  kKeyed,    // configured with GRE key 42: keyless probes are dropped
};

// Router indexes are 1-based (router k answers at TTL k); 0 means "no such router".
struct ChainOptions {
  // Router k forwards but never sends time-exceeded (v4 and v6): nft drop in its output hook.
  int silent_router = 0;
  // Router k drops loss_percent % of the packets it forwards toward the target, at random
  // (nft numgen), counting them in a named counter; traffic toward the colo is never dropped.
  int lossy_router = 0;
  int loss_percent = 50;
  // Router k holds every packet it forwards (both directions) delay_ms, via lab_delay, so
  // hops behind it see their RTT grow by 2 * delay_ms.
  int delay_router = 0;
  int delay_ms = 100;
  // Router k keeps Linux's default ICMP rate limits; so does the target with the flag.
  int ratelimited_router = 0;
  bool target_keeps_ratelimit = false;
  // Router k answers every packet for the target prefixes with an ICMP unreachable error of
  // the given kind (nft reject in its prerouting hook, so at TTL k already).
  int unreachable_router = 0;
  Unreachable unreachable_kind = Unreachable::kHost;
  // The target rewrites the source of everything it sends from 203.0.113.1 / 2001:db8:ff::1
  // to 203.0.113.2 / 2001:db8:ff::2 (stateless nft payload mangling in postrouting).
  bool target_alias = false;
  // The target listens on this TCP port (dual stack); tcp_open_port + 1 is closed (RST).
  std::uint16_t tcp_open_port = 80;
  // The target runs lab_gre_endpoint, a user-space GRE tunnel endpoint (no kernel GRE here).
  GreEndpoint gre_endpoint = GreEndpoint::kNone;
  // Router k drops every GRE packet it would forward (IPv4 protocol 47), both ways.
  int gre_blocked_router = 0;
};

// colo - r1 - ... - r<n_routers> - target, IPv4 and IPv6. 1 <= n_routers <= 63.
// Link k (k = 1..n+1) joins node k-1 and node k, counting the colo as node 0.
Topology Chain(Lab& lab, int n_routers, const ChainOptions& opts = {});

struct EcmpOptions {
  std::uint16_t tcp_open_port = 80;  // as in ChainOptions
};

// colo - r1 - {r2a, r2b} - r3 - target. r1 spreads traffic for the target over r2a and r2b with
// a multipath route and layer-4 hashing (fib_multipath_hash_policy=1, v4 and v6); r3 sends
// everything back through r2a. hop_v4/hop_v6 give the path through r2a; hop_choices_* list
// both responders at TTL 2, and both addresses of r3 at TTL 3 (r3 answers from the interface
// the probe came in on, so from its link to r2a or to r2b).
Topology EcmpDiamond(Lab& lab, const EcmpOptions& opts = {});

// Multipath lab: colo - r1 - {m1 .. m<width>} - r3 - target, IPv4 and IPv6. r1 spreads the
// target's traffic over every m with one multipath route and layer-4 hashing; each m forwards
// to r3 over a link of its own, and r3 answers from the link a probe came in on, so the paths
// are width-wide for two TTLs: TTL 2 answers from m<i>, TTL 3 from r3's link to m<i>.
// hop_choices_* list every responder per TTL; links_* every link a flow can take into TTL
// k + 1 (index k), as (address at TTL k, address at TTL k + 1). 2 <= width <= 16.
struct FanOptions {
  int width = 2;
  // This m (1-based) forwards but never answers: its TTL has a silent branch; 0: none.
  int silent_branch = 0;
};
struct FanLinks {
  std::vector<std::vector<std::pair<std::string, std::string>>> v4, v6;
};
Topology EcmpFan(Lab& lab, const FanOptions& opts, FanLinks* links);

// Any load-balanced graph: next[i] lists where router i sends the target's traffic (router
// indices, or kToTarget), several with one multipath route and layer-4 hashing (each such
// router with a hash seed of its own, as operators set them against polarisation); router 0 is
// joined to the colo. Each router answers from the link a probe came in on, and returns
// traffic through the link it was first reached by. hop_choices_* list every responder per TTL
// over every path (the target at each TTL some path ends at), and `links` every link into TTL
// k + 1 (index k), as in EcmpFan. At most 60 edges. Routers in `one_address` answer IPv4
// probes from one address whichever link a probe came in on (the link they return traffic
// through: icmp_errors_use_inbound_ifaddr=0), so that several predecessors lead to one
// interface (a meshed graph); IPv6 expectations do not hold for them.
inline constexpr int kToTarget = -1;
Topology EcmpGraph(Lab& lab, const std::vector<std::vector<int>>& next, FanLinks* links,
                   const std::vector<int>& one_address = {});

}  // namespace colotrace::lab

#endif  // COLOTRACE_TESTS_LAB_TOPOLOGIES_H_
