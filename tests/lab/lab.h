// The network lab: builds small networks out of Linux network namespaces for integration tests.
//
// A Lab owns every namespace, socket and process it creates and removes them in its destructor.
// Nodes are network namespaces named ct<pid>-<tag>-<short>; links are veth pairs created directly
// inside the two namespaces (never in the root namespace), so nothing in a lab can reach the
// outside. Lab addresses come only from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
// 2001:db8::/32 (the caller chooses them; the lab does not check).
//
// Errors: every method that changes the lab throws std::runtime_error naming the failed
// command and its stderr. Needs root; see Lab::CanRun().

#ifndef COLOTRACE_TESTS_LAB_LAB_H_
#define COLOTRACE_TESTS_LAB_LAB_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace colotrace::lab {

// Result of running a command.
struct ExecResult {
  int status = 0;   // exit status; 128 + signal number when killed by a signal
  std::string out;  // everything the command wrote to stdout
  std::string err;  // everything the command wrote to stderr
};

struct ExecOptions {
  bool check = true;                         // throw std::runtime_error when the status is not 0
  std::string stdin_text;                    // written to the command's stdin (then closed)
  std::chrono::milliseconds timeout{30000};  // the command is killed (SIGKILL) after this
};

// Runs argv (argv[0] looked up in PATH) in the caller's namespaces and waits for it, capturing
// stdout and stderr. Throws std::runtime_error when it cannot be started, times out, or (with
// opts.check) exits non-zero; the message holds the command line and its stderr.
ExecResult RunCommand(const std::vector<std::string>& argv, const ExecOptions& opts = {});

struct NodeOptions {
  bool router = false;               // IPv4+IPv6 forwarding, icmp_errors_use_inbound_ifaddr=1
  bool keep_icmp_ratelimit = false;  // keep Linux's default ICMP rate limits
};

class Lab {
 public:
  // tag becomes part of every namespace name; keep it short ([a-z0-9]). Creates nothing yet.
  explicit Lab(std::string tag);
  // Kills the processes it started (SIGTERM, SIGKILL after 2 s), closes its sockets, kills any
  // other process still inside its namespaces and deletes the namespaces. Never throws.
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  // True when this process can build labs (root, `ip netns` works). Otherwise false, with the
  // reason in *reason when reason is not null. Probes the system once per process.
  static bool CanRun(std::string* reason = nullptr);

  // Deletes lab namespaces (ct<pid>-...) whose creating process <pid> is gone, after killing
  // any process still running inside them. Never throws; used by the CTest cleanup fixture.
  static void RemoveStale();

  // "ct<pid>-": the prefix of every namespace any Lab of this process creates.
  static std::string ProcessPrefix();

  // Creates the namespace ct<pid>-<tag>-<short_name>, brings lo up, disables IPv6 DAD, turns
  // the ICMP rate limits off (unless opts.keep_icmp_ratelimit) and, for routers, enables
  // forwarding and icmp_errors_use_inbound_ifaddr. Returns the full namespace name, which is
  // what every other method takes. Throws if the name is taken or a step fails.
  std::string AddNode(const std::string& short_name, NodeOptions opts = {});

  // Creates a veth pair a_if (in namespace a) <-> b_if (in namespace b), brings both ends up
  // and adds the addresses ("198.51.100.1/30", "2001:db8:0:1::1/64"; IPv6 without DAD).
  void Link(const std::string& a, const std::string& a_if, const std::vector<std::string>& a_addrs,
            const std::string& b, const std::string& b_if, const std::vector<std::string>& b_addrs);

  // Adds cidr to interface ifname ("lo" included) of namespace ns. IPv6 addresses get nodad.
  void AddAddress(const std::string& ns, const std::string& ifname, const std::string& cidr);

  // `ip -n ns [-6] route add <dst> <spec>`; IPv6 when dst or spec contains ':'. Examples:
  //   Route(ns, "203.0.113.0/24", "via 198.51.100.2")
  //   Route(ns, "default", "nexthop via 198.51.100.2 nexthop via 198.51.100.6")
  //   Route(ns, "unreachable 203.0.113.0/24", "")
  void Route(const std::string& ns, const std::string& dst, const std::string& spec);

  // Runs `ip -n ns <args>` (args split on whitespace). Returns its stdout.
  std::string Ip(const std::string& ns, const std::string& args);

  // Writes a sysctl of namespace ns ("net.ipv4.ip_forward", "1"), from a thread inside it.
  void Sysctl(const std::string& ns, const std::string& key, const std::string& value);
  // Reads a sysctl of namespace ns (trailing newline removed).
  std::string ReadSysctl(const std::string& ns, const std::string& key);

  // Loads an nftables ruleset into namespace ns (`nft -f -`).
  void Nft(const std::string& ns, const std::string& ruleset);

  // Packet count of the named counter object, e.g. ReadNftCounter(ns, "inet lab", "drops").
  // table is "<family> <name>"; a bare name means family inet. Throws if there is none.
  std::uint64_t ReadNftCounter(const std::string& ns, const std::string& table,
                               const std::string& counter_name);

  // Runs argv inside namespace ns (`ip netns exec ns argv...`); see RunCommand for errors.
  ExecResult Exec(const std::string& ns, const std::vector<std::string>& argv,
                  const ExecOptions& opts = {});

  // Opens a dual-stack TCP socket listening on [::]:port inside ns. The kernel completes
  // handshakes (nobody accepts). The Lab owns the socket and closes it on destruction.
  void TcpListen(const std::string& ns, std::uint16_t port);

  // Starts the lab_delay NFQUEUE program in ns (holding each packet delay_ms, then accepting it)
  // and, once it reports ready, inserts `iptables`/`ip6tables -I <chain> -j NFQUEUE --queue-num N
  // --queue-bypass` so it sees every packet of that chain (FORWARD: forwarded packets, both
  // directions). The Lab owns the process: SIGTERM, then SIGKILL, on destruction.
  void StartDelay(const std::string& ns, int delay_ms, const std::string& chain = "FORWARD");

  // Starts `argv` inside ns (`ip netns exec`) and waits until it prints "ready" on stdout
  // (10 s at most, else throws). The Lab owns the process: SIGTERM, then SIGKILL, on destruction.
  void StartProcess(const std::string& ns, const std::vector<std::string>& argv);

  // Turns transmit checksum offload off on every interface of ns (ETHTOOL_STXCSUM), so packets
  // leave with complete checksums that receivers verify in software (veth otherwise passes
  // packets with checksum "to be completed" and nobody ever checks).
  void DisableTxChecksumOffload(const std::string& ns);

  // Runs fn on a new thread that has joined namespace ns, and waits for it. Exceptions thrown
  // by fn are rethrown here.
  void RunInNetns(const std::string& ns, const std::function<void()>& fn);

  // Namespaces created so far, in creation order.
  const std::vector<std::string>& namespaces() const { return namespaces_; }

 private:
  struct Child {
    pid_t pid;
    int stdout_fd;
  };

  std::string tag_;
  std::vector<std::string> namespaces_;
  std::vector<int> sockets_;
  std::vector<Child> children_;
  int next_queue_ = 0;
};

}  // namespace colotrace::lab

#endif  // COLOTRACE_TESTS_LAB_LAB_H_
