// dnsmasq as the lab's DNS server, for the enrich tests: started inside a lab namespace,
// authoritative for the lab's zones only (--local), forwarding nothing out of the lab.
// Records: PTRs of lab addresses, Cymru-style TXT records, host names under lab.example.
// Header-only; for tests only.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "enrich/dns_message.h"
#include "lab/lab.h"
#include "net/ip_address.h"

extern char** environ;

namespace colotrace::enrich {

// Addresses of the lab: colo 198.51.100.1 / 2001:db8:0:1::1, dns 198.51.100.2 / 2001:db8:0:1::2.
constexpr const char* kDnsV4 = "198.51.100.2";
constexpr const char* kDnsV6 = "2001:db8:0:1::2";

// dnsmasq started inside a namespace (`ip netns exec` execs it: the pid is dnsmasq's own).
// Authoritative for everything it holds (--local); it never forwards out of the lab.
class Dnsmasq {
 public:
  // The lab's records (below), authoritative.
  static std::vector<std::string> LabRecords() {
    return {
        "--local=/in-addr.arpa/",
        "--local=/ip6.arpa/",
        "--local=/asn.cymru.com/",
        "--local=/lab.example/",
        "--txt-record=1.113.0.203.origin.asn.cymru.com,64501 | 203.0.113.0/24 | ZZ | lab | "
        "2024-01-01",
        "--txt-record=" +
            ReversedUnder(*net::IpAddress::Parse("2001:db8:ff::1"), "origin6.asn.cymru.com") +
            ",64502 64503 | 2001:db8::/32 | ZZ | lab | 2024-01-01",
        "--ptr-record=1.113.0.203.in-addr.arpa,target.lab.example",
        "--ptr-record=2.100.51.198.in-addr.arpa,r1.lab.example",
        "--ptr-record=" + ReverseQueryName(*net::IpAddress::Parse("2001:db8:ff::1")) +
            ",target6.lab.example",
        // Host names for target resolution (host_resolver_test).
        "--host-record=v4only.lab.example,203.0.113.1",
        "--host-record=v6only.lab.example,2001:db8:ff::1",
        "--host-record=both.lab.example,203.0.113.1,2001:db8:ff::1",
        "--address=/many.lab.example/203.0.113.5",
        "--address=/many.lab.example/203.0.113.6",
        "--cname=alias.lab.example,middle.lab.example",
        "--cname=middle.lab.example,both.lab.example",
        "--local=/#/",
        "--host-record=www.broken.example,203.0.113.9",
    };
  }
  // A validating resolver in front of the lab server at `upstream_port`: with a made-up root
  // trust anchor every answer is BOGUS, so it answers SERVFAIL to everything.
  static std::vector<std::string> ServfailRecords(uint16_t upstream_port) {
    return {"--dnssec",
            "--trust-anchor=.,12345,8,2,"
            "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
            "--server=" + std::string(kDnsV4) + "#" + std::to_string(upstream_port)};
  }

  Dnsmasq(lab::Lab& lab, const std::string& ns, uint16_t port, int ttl_s, std::string log_path,
          std::vector<std::string> records = LabRecords())
      : log_path_(std::move(log_path)) {
    std::vector<std::string> argv = {"ip",
                                     "netns",
                                     "exec",
                                     ns,
                                     "dnsmasq",
                                     "--no-daemon",
                                     "--conf-file=/dev/null",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--no-poll",
                                     "--pid-file=",
                                     "--bind-interfaces",
                                     "--listen-address=" + std::string(kDnsV4),
                                     "--listen-address=" + std::string(kDnsV6),
                                     "--port=" + std::to_string(port),
                                     "--local-ttl=" + std::to_string(ttl_s),
                                     "--log-queries",
                                     "--log-facility=-"};
    argv.insert(argv.end(), records.begin(), records.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawnp(&pid_, "ip", &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start dnsmasq");
    // Ready when it listens on the port (UDP, both addresses).
    std::string want = ":" + std::to_string(port);
    for (int i = 0; i < 100; ++i) {
      std::string out = lab.Exec(ns, {"ss", "-Hlun"}).out;
      if (out.find(std::string(kDnsV4) + want) != std::string::npos &&
          out.find(std::string(kDnsV6) + "]" + want) != std::string::npos) {
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("dnsmasq exited at start: " + Log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("dnsmasq did not start listening: " + Log());
  }
  ~Dnsmasq() {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  void Stop() { kill(pid_, SIGSTOP); }      // it stops answering; queries wait in its socket
  void Continue() { kill(pid_, SIGCONT); }  // and answers them now
  // PTR queries dnsmasq logged so far.
  int PtrQueries() const {
    std::string log = Log();
    int n = 0;
    for (size_t at = 0; (at = log.find("query[PTR]", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace colotrace::enrich
