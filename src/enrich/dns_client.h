// An asynchronous DNS client for the enrich module, on c-ares: one thread runs the event loop
// for every query of one client; answers come back as raw DNS messages (see dns_message.h).
// With a network namespace, that thread enters it before it opens any socket, so queries
// leave from inside the namespace.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// A DNS server to ask.
struct DnsServer {
  net::IpAddress address;
  uint16_t port = 53;
  bool operator==(const DnsServer&) const = default;
};

// Parses "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353".
model::Result<DnsServer> ParseDnsServer(const std::string& text);

// The nameserver lines of a resolv.conf file (port 53), in file order. Lines that are not an
// IPv4/IPv6 address (e.g. with a %scope) are skipped. Error: the file cannot be read.
model::Result<std::vector<DnsServer>> ReadResolvConf(const std::string& path);

// The resolver configuration a process in namespace `netns` uses, as `ip netns exec` arranges
// it: /etc/netns/NETNS/resolv.conf when that file exists, else /etc/resolv.conf.
std::string ResolvConfPathFor(const std::string& netns);

struct DnsClientOptions {
  // Servers as ParseDnsServer reads them. Empty: the nameservers of ResolvConfPathFor(netns);
  // when that file is missing or names none, 127.0.0.1:53 (as resolv.conf(5) says).
  std::vector<std::string> servers;
  // Network namespace the queries leave from ("" = the creating process's). Needs root
  // (CAP_SYS_ADMIN) at Create.
  std::string netns;
  // c-ares' first-try timeout, milliseconds; later rounds over the servers double it. One
  // query gives up after about timeout_ms * (2^tries - 1) with one server.
  int timeout_ms = 1000;
  int tries = 2;  // attempts per server
};

// Outcome of one query.
struct DnsReply {
  enum class Status {
    kOk,         // a response with answers: `message` holds it
    kNotFound,   // NXDOMAIN or no records of that type (`message` holds it when one came)
    kTimeout,    // no server answered in time
    kFailed,     // any other failure: refused, server failure, bad response, ...
    kCancelled,  // the client was destroyed first
  };
  Status status = Status::kFailed;
  std::vector<uint8_t> message;  // the complete response, as received
  std::string error;             // c-ares' description when not kOk
};

// Thread-safety: Query may be called from any thread. Callbacks run on the client's event-loop
// thread, one at a time; they must not block and must not destroy the client.
class DnsClient {
 public:
  // Starts the event-loop thread (entering options.netns first) and configures c-ares with
  // exactly the servers chosen (c-ares' own resolv.conf reading is bypassed). Errors: bad
  // server text, the namespace cannot be entered, c-ares cannot start.
  static model::Result<std::unique_ptr<DnsClient>> Create(const DnsClientOptions& options);
  // Stops the thread; queries still running end with kCancelled (on the event-loop thread,
  // before the destructor returns).
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  // Asks for records of `type` (dns_message.h: kDnsTypePtr, kDnsTypeTxt) of class IN at `name`
  // (fully qualified, no search domains). `done` runs exactly once.
  void Query(const std::string& name, uint16_t type, std::function<void(DnsReply)> done);

  // About the longest one query can take before it times out, milliseconds: every server,
  // `tries` rounds, the timeout doubling each round.
  int max_query_ms() const;
  // The servers in use, in order.
  const std::vector<DnsServer>& servers() const;
  // Queries handed to c-ares so far (one per Query call, retries not counted).
  uint64_t queries_started() const;

 private:
  struct Impl;
  explicit DnsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace colotrace::enrich
