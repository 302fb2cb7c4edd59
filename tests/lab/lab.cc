#include "lab.h"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#ifndef COLOTRACE_LAB_DELAY_PATH
#error "COLOTRACE_LAB_DELAY_PATH must name the lab_delay executable"
#endif

extern char** environ;

namespace colotrace::lab {
namespace {

constexpr const char* kNetnsDir = "/run/netns";

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

std::pair<Fd, Fd> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(Errno("pipe2"));
  return {Fd(fds[0]), Fd(fds[1])};
}

// Starts argv with the given descriptors as stdin/stdout/stderr (-1: inherit), default signal
// dispositions and an empty signal mask. Returns the child's pid.
pid_t Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd) {
  if (argv.empty()) throw std::runtime_error("Spawn: empty argv");
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0) posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, 2);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw std::runtime_error("cannot start `" + JoinArgv(argv) + "`: " + std::strerror(rc));
  }
  return pid;
}

int DecodeStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

// Waits for pid until deadline; kills it with SIGKILL then. Returns the decoded status.
int WaitUntil(pid_t pid, std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  *timed_out = false;
  for (;;) {
    int wstatus = 0;
    const pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) return DecodeStatus(wstatus);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) {
      *timed_out = true;
      kill(pid, SIGKILL);
      while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
      }
      return DecodeStatus(wstatus);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Runs fn on a new thread inside the network namespace named ns and joins it.
void OnThreadInNetns(const std::string& ns, const std::function<void()>& fn) {
  const std::string path = std::string(kNetnsDir) + "/" + ns;
  Fd nsfd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (nsfd.get() < 0) throw std::runtime_error(Errno("open " + path));
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      if (setns(nsfd.get(), CLONE_NEWNET) != 0) throw std::runtime_error(Errno("setns " + ns));
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

std::string SysctlPath(const std::string& key) {
  std::string path = "/proc/sys/";
  for (char c : key) path += (c == '.') ? '/' : c;
  return path;
}

// Writes sysctls of the calling thread's network namespace.
void WriteSysctlsHere(const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string path = SysctlPath(key);
    Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw std::runtime_error(Errno("sysctl " + key));
    const std::string text = value + "\n";
    if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error(Errno("sysctl " + key + "=" + value));
    }
  }
}

// True when pid names a process that has not exited (zombies count as gone).
bool ProcessAlive(long pid) {
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno != ENOENT;
  char buf[512];
  const ssize_t n = read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return true;
  const std::string stat(buf, static_cast<std::size_t>(n));
  // "pid (comm) S ...": the state follows the last ')'.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

// Kills (SIGKILL) every process inside the named namespace. Best effort.
void KillProcessesIn(const std::string& ns) {
  ExecOptions opts;
  opts.check = false;
  opts.timeout = std::chrono::seconds(5);
  const ExecResult r = RunCommand({"ip", "netns", "pids", ns}, opts);
  if (r.status != 0) return;
  std::istringstream in(r.out);
  long pid = 0;
  while (in >> pid) {
    if (pid > 1 && pid != getpid()) kill(static_cast<pid_t>(pid), SIGKILL);
  }
}

// Per-namespace configuration, as `ip netns exec` and colotrace's --netns read it.
std::string NetnsEtcDir(const std::string& ns) {
  return "/etc/netns/" + ns;
}

void DeleteNetns(const std::string& ns) {
  KillProcessesIn(ns);
  ExecOptions opts;
  opts.check = false;
  opts.timeout = std::chrono::seconds(10);
  RunCommand({"ip", "netns", "del", ns}, opts);
  std::error_code ec;
  std::filesystem::remove_all(NetnsEtcDir(ns), ec);
}

}  // namespace

ExecResult RunCommand(const std::vector<std::string>& argv, const ExecOptions& opts) {
  auto [out_r, out_w] = MakePipe();
  auto [err_r, err_w] = MakePipe();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw std::runtime_error(Errno("socketpair"));
  }
  Fd in_w(sv[0]);
  Fd in_r(sv[1]);

  const auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  const pid_t pid = Spawn(argv, in_r.get(), out_w.get(), err_w.get());
  in_r.Reset();
  out_w.Reset();
  err_w.Reset();
  if (opts.stdin_text.empty()) in_w.Reset();
  if (in_w.get() >= 0) fcntl(in_w.get(), F_SETFL, O_NONBLOCK);

  ExecResult result;
  std::size_t written = 0;
  bool timed_out = false;
  char buf[8192];
  while (out_r.get() >= 0 || err_r.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}, {in_w.get(), POLLOUT, 0}};
    if (poll(fds, 3, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      Fd& fd = (i == 0) ? out_r : err_r;
      const ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        ((i == 0) ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fd.Reset();
      }
    }
    if (fds[2].revents != 0) {
      const ssize_t n = send(in_w.get(), opts.stdin_text.data() + written,
                             opts.stdin_text.size() - written, MSG_NOSIGNAL);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == opts.stdin_text.size()) {
        in_w.Reset();
      }
    }
  }
  in_w.Reset();
  bool killed = false;
  result.status = WaitUntil(pid, timed_out ? std::chrono::steady_clock::now() : deadline, &killed);
  if (timed_out || killed) {
    throw std::runtime_error("`" + JoinArgv(argv) + "` timed out after " +
                             std::to_string(opts.timeout.count()) + " ms; stderr: " + result.err);
  }
  if (opts.check && result.status != 0) {
    throw std::runtime_error("`" + JoinArgv(argv) + "` failed with status " +
                             std::to_string(result.status) + ": " + result.err);
  }
  return result;
}

Lab::Lab(std::string tag) : tag_(std::move(tag)) {}

Lab::~Lab() {
  for (const Child& c : children_) {
    kill(c.pid, SIGTERM);
  }
  for (const Child& c : children_) {
    bool killed = false;
    WaitUntil(c.pid, std::chrono::steady_clock::now() + std::chrono::seconds(2), &killed);
    if (c.stdout_fd >= 0) close(c.stdout_fd);
  }
  for (int fd : sockets_) close(fd);
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    try {
      DeleteNetns(*it);
    } catch (...) {
      // Never throw from the destructor; the cleanup fixture removes what is left.
    }
  }
}

bool Lab::CanRun(std::string* reason) {
  static std::once_flag once;
  static bool ok = false;
  static std::string why;
  std::call_once(once, [] {
    if (geteuid() != 0) {
      why = "the network lab needs root (network namespaces, netfilter)";
      return;
    }
    const std::string probe = ProcessPrefix() + "canrun";
    try {
      RunCommand({"ip", "netns", "add", probe});
      ExecOptions opts;
      opts.check = false;
      RunCommand({"ip", "netns", "del", probe}, opts);
      ok = true;
    } catch (const std::exception& e) {
      why = std::string("`ip netns` is unusable: ") + e.what();
    }
  });
  if (!ok && reason != nullptr) *reason = why;
  return ok;
}

std::string Lab::ProcessPrefix() {
  return "ct" + std::to_string(getpid()) + "-";
}

void Lab::RemoveStale() {
  try {
    std::error_code ec;
    std::vector<std::string> stale;
    std::vector<std::string> seen;
    for (const char* dir : {kNetnsDir, "/etc/netns"}) {
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        seen.push_back(entry.path().filename().string());
      }
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (const std::string& name : seen) {
      if (name.size() < 4 || name.compare(0, 2, "ct") != 0) continue;
      const std::size_t dash = name.find('-');
      if (dash == std::string::npos || dash == 2) continue;
      const std::string digits = name.substr(2, dash - 2);
      if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
      const long pid = std::stol(digits);
      if (pid <= 0) continue;
      if (ProcessAlive(pid)) continue;
      stale.push_back(name);
    }
    for (const std::string& name : stale) DeleteNetns(name);
  } catch (...) {
    // Best effort.
  }
}

std::string Lab::AddNode(const std::string& short_name, NodeOptions opts) {
  const std::string ns = ProcessPrefix() + tag_ + "-" + short_name;
  RunCommand({"ip", "netns", "add", ns});
  namespaces_.push_back(ns);
  // DNS inside the lab goes to the namespace's own loopback, never to the machine's resolver:
  // nothing answers there unless a test starts a server (tests/enrich).
  {
    std::error_code ec;
    std::filesystem::create_directories(NetnsEtcDir(ns), ec);
    std::ofstream conf(NetnsEtcDir(ns) + "/resolv.conf");
    conf << "# written by the colotrace lab for namespace " << ns << "\nnameserver 127.0.0.1\n";
    if (!conf) throw std::runtime_error("cannot write " + NetnsEtcDir(ns) + "/resolv.conf");
  }

  std::vector<std::pair<std::string, std::string>> sysctls = {
      // IPv6 addresses (link-local included) are usable at once.
      {"net.ipv6.conf.all.accept_dad", "0"},
      {"net.ipv6.conf.default.accept_dad", "0"},
      // Asymmetric paths (ECMP) must not be dropped by reverse-path filtering.
      {"net.ipv4.conf.all.rp_filter", "0"},
      {"net.ipv4.conf.default.rp_filter", "0"},
  };
  if (!opts.keep_icmp_ratelimit) {
    sysctls.insert(sysctls.end(), {
                                      {"net.ipv4.icmp_ratelimit", "0"},
                                      {"net.ipv6.icmp.ratelimit", "0"},
                                      // The per-namespace global ICMP budget (v4 and v6).
                                      {"net.ipv4.icmp_msgs_per_sec", "1000000"},
                                      {"net.ipv4.icmp_msgs_burst", "1000000"},
                                  });
  }
  if (opts.router) {
    sysctls.insert(sysctls.end(), {
                                      {"net.ipv4.ip_forward", "1"},
                                      {"net.ipv6.conf.all.forwarding", "1"},
                                      {"net.ipv4.icmp_errors_use_inbound_ifaddr", "1"},
                                  });
  }
  OnThreadInNetns(ns, [&] { WriteSysctlsHere(sysctls); });
  Ip(ns, "link set lo up");
  return ns;
}

void Lab::Link(const std::string& a, const std::string& a_if,
               const std::vector<std::string>& a_addrs, const std::string& b,
               const std::string& b_if, const std::vector<std::string>& b_addrs) {
  RunCommand(
      {"ip", "-n", a, "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b});
  // Up before addressing: IPv6 addresses added to a down link answer neighbour solicitations
  // only about a second after the link comes up.
  Ip(a, "link set " + a_if + " up");
  Ip(b, "link set " + b_if + " up");
  for (const std::string& cidr : a_addrs) AddAddress(a, a_if, cidr);
  for (const std::string& cidr : b_addrs) AddAddress(b, b_if, cidr);
}

void Lab::AddAddress(const std::string& ns, const std::string& ifname, const std::string& cidr) {
  if (cidr.find(':') != std::string::npos) {
    RunCommand({"ip", "-n", ns, "-6", "addr", "add", cidr, "dev", ifname, "nodad"});
  } else {
    RunCommand({"ip", "-n", ns, "addr", "add", cidr, "dev", ifname});
  }
}

void Lab::Route(const std::string& ns, const std::string& dst, const std::string& spec) {
  std::vector<std::string> argv = {"ip", "-n", ns};
  if (dst.find(':') != std::string::npos || spec.find(':') != std::string::npos) {
    argv.push_back("-6");
  }
  argv.push_back("route");
  argv.push_back("add");
  for (std::string& w : SplitWords(dst)) argv.push_back(std::move(w));
  for (std::string& w : SplitWords(spec)) argv.push_back(std::move(w));
  RunCommand(argv);
}

std::string Lab::Ip(const std::string& ns, const std::string& args) {
  std::vector<std::string> argv = {"ip", "-n", ns};
  for (std::string& w : SplitWords(args)) argv.push_back(std::move(w));
  return RunCommand(argv).out;
}

void Lab::Sysctl(const std::string& ns, const std::string& key, const std::string& value) {
  OnThreadInNetns(ns, [&] { WriteSysctlsHere({{key, value}}); });
}

std::string Lab::ReadSysctl(const std::string& ns, const std::string& key) {
  std::string value;
  OnThreadInNetns(ns, [&] {
    const std::string path = SysctlPath(key);
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw std::runtime_error(Errno("sysctl " + key));
    char buf[512];
    ssize_t n = 0;
    while ((n = read(fd.get(), buf, sizeof buf)) > 0)
      value.append(buf, static_cast<std::size_t>(n));
    if (n < 0) throw std::runtime_error(Errno("sysctl " + key));
  });
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

void Lab::Nft(const std::string& ns, const std::string& ruleset) {
  ExecOptions opts;
  opts.stdin_text = ruleset;
  Exec(ns, {"nft", "-f", "-"}, opts);
}

std::uint64_t Lab::ReadNftCounter(const std::string& ns, const std::string& table,
                                  const std::string& counter_name) {
  std::vector<std::string> argv = {"nft", "list", "counter"};
  std::vector<std::string> words = SplitWords(table);
  if (words.size() == 1) argv.push_back("inet");
  argv.insert(argv.end(), words.begin(), words.end());
  argv.push_back(counter_name);
  const std::string out = Exec(ns, argv).out;
  const std::size_t at = out.find("packets ");
  if (at == std::string::npos) {
    throw std::runtime_error("no packet count for counter " + counter_name + " in: " + out);
  }
  return std::stoull(out.substr(at + 8));
}

ExecResult Lab::Exec(const std::string& ns, const std::vector<std::string>& argv,
                     const ExecOptions& opts) {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  return RunCommand(full, opts);
}

void Lab::TcpListen(const std::string& ns, std::uint16_t port) {
  int fd = -1;
  OnThreadInNetns(ns, [&] {
    Fd s(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.get() < 0) throw std::runtime_error(Errno("socket"));
    const int off = 0;
    const int on = 1;
    setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons(port);
    if (bind(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error(Errno("bind [::]:" + std::to_string(port) + " in " + ns));
    }
    if (listen(s.get(), 128) != 0) throw std::runtime_error(Errno("listen"));
    fd = s.Release();
  });
  sockets_.push_back(fd);
}

void Lab::StartProcess(const std::string& ns, const std::vector<std::string>& program) {
  std::vector<std::string> argv = {"ip", "netns", "exec", ns};
  argv.insert(argv.end(), program.begin(), program.end());
  auto [out_r, out_w] = MakePipe();
  Fd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const pid_t pid = Spawn(argv, devnull.get(), out_w.get(), -1);
  out_w.Reset();
  children_.push_back(Child{pid, -1});

  // Wait for "ready" on its stdout.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string said;
  while (said.find("ready\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{out_r.get(), POLLIN, 0};
    const int pr = left.count() > 0 ? poll(&pfd, 1, static_cast<int>(left.count())) : 0;
    if (pr < 0 && errno == EINTR) continue;
    char buf[256];
    const ssize_t n = pr > 0 ? read(out_r.get(), buf, sizeof buf) : 0;
    if (n <= 0) {
      bool killed = false;
      const int status = WaitUntil(pid, std::chrono::steady_clock::now(), &killed);
      children_.pop_back();
      throw std::runtime_error(
          "`" + JoinArgv(argv) + "` did not report ready (" +
          (killed ? std::string("timed out") : "exit status " + std::to_string(status)) + ")");
    }
    said.append(buf, static_cast<std::size_t>(n));
  }
  // Keep the pipe open for the program's lifetime, so a late write never gets SIGPIPE.
  children_.back().stdout_fd = out_r.Release();
}

void Lab::StartDelay(const std::string& ns, int delay_ms, const std::string& chain) {
  const int queue = next_queue_++;
  StartProcess(ns, {COLOTRACE_LAB_DELAY_PATH, "--queue", std::to_string(queue), "--delay-ms",
                    std::to_string(delay_ms)});
  for (const char* tool : {"iptables", "ip6tables"}) {
    Exec(ns, {tool, "-w", "-I", chain, "-j", "NFQUEUE", "--queue-num", std::to_string(queue),
              "--queue-bypass"});
  }
}

void Lab::DisableTxChecksumOffload(const std::string& ns) {
  OnThreadInNetns(ns, [&] {
    Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s.get() < 0) throw std::runtime_error(Errno("socket"));
    struct if_nameindex* names = if_nameindex();
    if (names == nullptr) throw std::runtime_error(Errno("if_nameindex in " + ns));
    std::vector<std::string> ifnames;
    for (struct if_nameindex* p = names; p->if_index != 0; ++p) ifnames.emplace_back(p->if_name);
    if_freenameindex(names);
    for (const std::string& name : ifnames) {
      if (name == "lo") continue;
      ethtool_value value{};
      value.cmd = ETHTOOL_STXCSUM;
      value.data = 0;
      ifreq ifr{};
      std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name.c_str());
      ifr.ifr_data = reinterpret_cast<char*>(&value);
      if (ioctl(s.get(), SIOCETHTOOL, &ifr) != 0) {
        throw std::runtime_error(Errno("ETHTOOL_STXCSUM off on " + name + " in " + ns));
      }
    }
  });
}

void Lab::RunInNetns(const std::string& ns, const std::function<void()>& fn) {
  OnThreadInNetns(ns, fn);
}

}  // namespace colotrace::lab
