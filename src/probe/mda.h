// Multipath enumeration: which flows to probe at which TTL so that every interface and link
// behind load balancers is found with a chosen confidence (the Multipath Detection Algorithm,
// Augustin et al. 2007, with the failure control of Veitch et al. 2009), in rounds: every probe
// a round needs goes out at once, and the next round asks only for what the stopping rule still
// wants. Pure: no sockets, no clocks. The engine sends a round's probes, records each outcome,
// then asks for the next round.
//
// A flow is one five-tuple (probe_codec.h says where flows differ); every probe of a flow takes
// the same path through load balancers that hash per flow, so the interfaces a flow meets at
// consecutive TTLs are a link.
//
// Threads: not thread-safe; one thread uses a planner.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "model/traceroute.h"
#include "net/ip_address.h"

namespace colotrace::probe {

// The stopping rule: with k next hops seen at a hop (or k successors of an interface), the
// number of flows that must have been probed there before concluding there is no (k+1)th: the
// smallest n such that n flows spread uniformly over k+1 next hops miss one of them with a
// probability of at most 1 - confidence. k below 1 counts as 1; confidence 95 or 99
// (model::IsValidConfidence; anything else counts as 95). For 95: 6, 11, 16, 21, 27, ... (k = 1, 2,
// ...).
int MdaFlowsNeeded(int k, int confidence_percent);

struct FlowProbe {
  int flow = 0;  // 0, 1, ...: the flow's number (probe_codec.h turns it into a five-tuple)
  int ttl = 1;
  bool operator==(const FlowProbe&) const = default;
};

// What one probe found.
struct FlowOutcome {
  std::optional<net::IpAddress> from;  // who answered; nullopt: lost
  // The path of this flow ends here: the target answered (echo reply, port unreachable,
  // SYN-ACK/RST) or an unreachable came back. No probe of this flow goes further.
  bool end = false;
};

class MdaPlanner {
 public:
  // TTLs 1..max_ttl; at most `max_probes` probes, `max_rounds` rounds and flows 0..max_flows-1
  // (the five-tuples the probe type has; then complete() is false).
  MdaPlanner(int max_ttl, int confidence_percent, int max_probes,
             int max_rounds = model::kMultipathMaxRounds, int max_flows = INT32_MAX);

  // The probes of the next round, ordered by TTL then flow; each (flow, ttl) is planned at
  // most once over the whole enumeration. Empty when enumeration is over. Call it again only
  // once every probe of the previous round was recorded.
  std::vector<FlowProbe> NextRound();
  // The outcome of a planned probe (answered or lost). Probes not planned are ignored.
  void Record(const FlowProbe& probe, const FlowOutcome& outcome);

  // True when the stopping rule was met at every hop and interface; false when the probe,
  // round or flow ceiling ended enumeration first (or before it is over).
  bool complete() const { return over_ && !ceiling_hit_; }
  bool over() const { return over_; }
  int probes_planned() const { return probes_planned_; }
  int rounds() const { return rounds_; }

  // The highest TTL enumeration reached: where the last flow ended, or one past the last
  // answer (at most max_ttl); 0 when nothing answered.
  int last_ttl() const;
  // The addresses that answered at `ttl` (1-based), in the order first seen.
  std::vector<net::IpAddress> Interfaces(int ttl) const;
  // Links into `ttl` (2..): (address at ttl - 1, address at ttl) for every flow that both
  // answered, neither lost nor past the flow's end, each pair once, in the order first seen.
  std::vector<std::pair<net::IpAddress, net::IpAddress>> Links(int ttl) const;
  // False for a probe past its flow's end (an answer there repeats the end): it is left out of
  // interfaces, links and the result's hops.
  bool Counts(int ttl, int flow) const { return ttl <= EndOf(flow); }

 private:
  enum class State : uint8_t { kUnplanned, kPending, kLost, kAnswered };
  struct Cell {
    State state = State::kUnplanned;
    bool end = false;
    int16_t address = -1;  // into addresses_
  };
  struct Hop {
    std::vector<Cell> flows;  // by flow number
    int wanted = 0;           // flows 0..wanted-1 are to be probed here
  };
  // What answered at a TTL, leaving out probes past their flow's end.
  struct Seen {
    std::vector<int16_t> addresses;  // addresses_ indices, by the first flow that met them
    bool any_lost = false;
    int count() const { return static_cast<int>(addresses.size()) + (any_lost ? 1 : 0); }
  };

  Cell* At(int ttl, int flow);
  const Cell* At(int ttl, int flow) const;
  int16_t Intern(const net::IpAddress& a);
  // The TTL at which flow `flow` ended, if a probe of it found the end; INT32_MAX otherwise.
  int EndOf(int flow) const;
  Seen SeenAt(int ttl) const;
  // Whether an interface at ttl - 1 has two successors at ttl among the links seen so far.
  bool SplitsAgain(int ttl) const;
  int Horizon() const;
  void Plan();

  int max_ttl_;
  int confidence_;
  int max_probes_;
  int max_rounds_;
  int max_flows_;
  std::vector<Hop> hops_;  // [ttl - 1]
  std::vector<net::IpAddress> addresses_;
  std::vector<int> flow_end_;  // by flow: lowest TTL with an end, or INT32_MAX
  int probes_planned_ = 0;
  int rounds_ = 0;
  bool over_ = false;
  bool ceiling_hit_ = false;
};

}  // namespace colotrace::probe
