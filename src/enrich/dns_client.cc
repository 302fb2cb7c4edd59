#include "enrich/dns_client.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "net/system.h"

namespace colotrace::enrich {

namespace {

bool ParsePort(std::string_view text, uint16_t* port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

void LibraryInit() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

// c-ares' socket operations, with one change: a UDP socket to a server that refuses (nothing
// listens on its port) holds the ICMP port unreachable of one query as a pending error, which
// the kernel reports on the next call on that socket. When that call is the send of another
// query, c-ares takes the error for that query alone and the earlier one waits for its whole
// timeout. So a send that fails with ECONNREFUSED is made again: the pending error is cleared,
// the datagram leaves, the server refuses it again, and that refusal reaches c-ares through a
// read, which fails every query of the connection at once (docs/benchmarks.md).
// c-ares leaves sockets it did not create itself as they are: they are made non-blocking and
// close-on-exec here.
ares_socket_t OpenSocket(int domain, int type, int protocol, void*) {
  return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}
int CloseSocket(ares_socket_t fd, void*) {
  return close(fd);
}
int ConnectSocket(ares_socket_t fd, const sockaddr* address, ares_socklen_t length, void*) {
  return connect(fd, address, length);
}
ares_ssize_t ReceiveFrom(ares_socket_t fd, void* buffer, size_t length, int flags, sockaddr* from,
                         ares_socklen_t* from_length, void*) {
  return recvfrom(fd, buffer, length, flags, from, from_length);
}
ares_ssize_t SendVector(ares_socket_t fd, const iovec* parts, int count, void*) {
  ssize_t sent = writev(fd, parts, count);
  if (sent < 0 && errno == ECONNREFUSED) sent = writev(fd, parts, count);
  return sent;
}
const ares_socket_functions kSocketFunctions = {&OpenSocket, &CloseSocket, &ConnectSocket,
                                                &ReceiveFrom, &SendVector};

DnsReply::Status StatusOf(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return DnsReply::Status::kOk;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
      return DnsReply::Status::kNotFound;
    case ARES_ETIMEOUT:
      return DnsReply::Status::kTimeout;
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED:
      return DnsReply::Status::kCancelled;
    default:
      return DnsReply::Status::kFailed;
  }
}

}  // namespace

model::Result<DnsServer> ParseDnsServer(const std::string& text) {
  using R = model::Result<DnsServer>;
  DnsServer server;
  std::string_view host = text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return R::Error("DNS server '" + text + "': missing ']'");
    host = std::string_view(text).substr(1, close - 1);
    std::string_view rest = std::string_view(text).substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !ParsePort(rest.substr(1), &server.port)) {
        return R::Error("DNS server '" + text + "': bad port");
      }
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    host = std::string_view(text).substr(0, colon);
    if (!ParsePort(std::string_view(text).substr(colon + 1), &server.port)) {
      return R::Error("DNS server '" + text + "': bad port");
    }
  }
  auto address = net::IpAddress::Parse(host);
  if (!address) return R::Error("DNS server '" + text + "' is not an IP address[:port]");
  if (!text.empty() && text.front() == '[' && address->is_v4()) {
    return R::Error("DNS server '" + text + "': brackets are for IPv6 addresses");
  }
  server.address = *address;
  return server;
}

model::Result<std::vector<DnsServer>> ReadResolvConf(const std::string& path) {
  using R = model::Result<std::vector<DnsServer>>;
  std::ifstream in(path);
  if (!in) return R::Error(path + ": " + std::strerror(errno));
  std::vector<DnsServer> servers;
  std::string line;
  while (std::getline(in, line)) {
    size_t comment = line.find_first_of("#;");
    if (comment != std::string::npos) line.resize(comment);
    std::istringstream words(line);
    std::string keyword, value;
    if (!(words >> keyword >> value) || keyword != "nameserver") continue;
    auto address = net::IpAddress::Parse(value);
    if (!address) continue;
    servers.push_back(DnsServer{*address, 53});
  }
  return servers;
}

std::string ResolvConfPathFor(const std::string& netns) {
  if (!netns.empty() && netns.find('/') == std::string::npos) {
    std::string path = "/etc/netns/" + netns + "/resolv.conf";
    if (access(path.c_str(), F_OK) == 0) return path;
  }
  return "/etc/resolv.conf";
}

struct DnsClient::Impl {
  DnsClientOptions options;
  std::vector<DnsServer> servers;
  ares_channel channel = nullptr;
  int wake_fd = -1;
  std::thread thread;
  std::atomic<uint64_t> started{0};

  struct Request {
    std::string name;
    uint16_t type;
    std::function<void(DnsReply)> done;
  };
  std::mutex mu;  // guards queue, stopping
  std::deque<Request> queue;
  bool stopping = false;

  // Event-loop thread only: sockets c-ares wants watched, and for what (bit 0 read, 1 write).
  std::map<int, int> sockets;

  ~Impl() {
    if (wake_fd >= 0) close(wake_fd);
  }

  static void SockState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Impl*>(data);
    int want = (readable ? 1 : 0) | (writable ? 2 : 0);
    if (want == 0) {
      self->sockets.erase(fd);
    } else {
      self->sockets[fd] = want;
    }
  }

  static void OnReply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<Request> request(static_cast<Request*>(arg));
    DnsReply reply;
    reply.status = StatusOf(status);
    if (abuf != nullptr && alen > 0) reply.message.assign(abuf, abuf + alen);
    if (status == ARES_ECONNREFUSED) {
      // c-ares ends so when every server failed (SERVFAIL), refused, or was unreachable.
      reply.error = "every DNS server failed, refused the query or was unreachable";
    } else if (status != ARES_SUCCESS) {
      reply.error = ares_strerror(status);
    }
    request->done(std::move(reply));
  }

  // On the event-loop thread: enters the namespace, creates the channel.
  model::Status Init() {
    if (!options.netns.empty()) {
      model::Status entered = net::EnterNetns(options.netns);
      if (!entered) return entered;
    }
    ares_options opts{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
               ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST |
               ARES_OPT_SOCK_STATE_CB | ARES_OPT_NOROTATE;
    opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    opts.timeout = options.timeout_ms;
    opts.tries = options.tries;
    opts.ndots = 1;
    opts.servers = nullptr;  // set below with their ports; given here so that c-ares
    opts.nservers = 0;       // reads no resolv.conf of its own
    opts.domains = nullptr;
    opts.ndomains = 0;
    char lookups[] = "b";
    opts.lookups = lookups;
    opts.sortlist = nullptr;
    opts.nsort = 0;
    opts.sock_state_cb = &Impl::SockState;
    opts.sock_state_cb_data = this;
    int rc = ares_init_options(&channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
      channel = nullptr;
      return model::Status::Error(std::string("c-ares: ") + ares_strerror(rc));
    }
    ares_set_socket_functions(channel, &kSocketFunctions, nullptr);
    std::vector<ares_addr_port_node> nodes(servers.size());
    for (size_t i = 0; i < servers.size(); ++i) {
      ares_addr_port_node& node = nodes[i];
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      const DnsServer& s = servers[i];
      if (s.address.is_v4()) {
        node.family = AF_INET;
        std::memcpy(&node.addr.addr4, s.address.data(), 4);
      } else {
        node.family = AF_INET6;
        std::memcpy(&node.addr.addr6, s.address.data(), 16);
      }
      node.udp_port = s.port;
      node.tcp_port = s.port;
    }
    rc = ares_set_servers_ports(channel, nodes.data());
    if (rc != ARES_SUCCESS) {
      ares_destroy(channel);
      channel = nullptr;
      return model::Status::Error(std::string("c-ares: cannot set servers: ") + ares_strerror(rc));
    }
    return model::Status::Ok();
  }

  void Loop(std::promise<model::Status>* ready) {
    model::Status status = Init();
    net::DropThreadCapabilitiesUnlessRoot();  // its sockets are plain UDP/TCP
    bool ok = status.ok();
    ready->set_value(std::move(status));
    if (!ok) return;
    std::vector<pollfd> fds;
    std::deque<Request> batch;
    for (;;) {
      bool stop = false;
      {
        std::lock_guard lock(mu);
        batch.swap(queue);
        stop = stopping;
      }
      if (stop) break;
      for (Request& r : batch) {
        started.fetch_add(1, std::memory_order_relaxed);
        auto* arg = new Request(std::move(r));
        ares_query(channel, arg->name.c_str(), ns_c_in, arg->type, &Impl::OnReply, arg);
      }
      batch.clear();

      fds.clear();
      fds.push_back(pollfd{wake_fd, POLLIN, 0});
      for (auto [fd, want] : sockets) {
        short events = 0;
        if (want & 1) events |= POLLIN;
        if (want & 2) events |= POLLOUT;
        fds.push_back(pollfd{fd, events, 0});
      }
      timeval max_wait{1, 0};
      timeval wait{};
      timeval* t = ares_timeout(channel, &max_wait, &wait);
      int timeout_ms = static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
      int n = poll(fds.data(), fds.size(), timeout_ms);
      if (n < 0 && errno != EINTR) break;
      if (n > 0 && (fds[0].revents & POLLIN)) {
        uint64_t value = 0;
        ssize_t got = read(wake_fd, &value, sizeof value);
        (void)got;
      }
      for (size_t i = 1; n > 0 && i < fds.size(); ++i) {
        short r = fds[i].revents;
        if (r == 0) continue;
        bool readable = (r & (POLLIN | POLLERR | POLLHUP)) != 0;
        bool writable = (r & POLLOUT) != 0;
        ares_process_fd(channel, readable ? fds[i].fd : ARES_SOCKET_BAD,
                        writable ? fds[i].fd : ARES_SOCKET_BAD);
      }
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
    }
    ares_destroy(channel);  // running queries end with ARES_EDESTRUCTION -> kCancelled
    channel = nullptr;
    std::deque<Request> rest;
    {
      std::lock_guard lock(mu);
      stopping = true;
      rest.swap(queue);
    }
    rest.insert(rest.begin(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
    for (Request& r : rest) r.done(DnsReply{DnsReply::Status::kCancelled, {}, "client stopped"});
  }

  void Wake() {
    uint64_t one = 1;
    ssize_t put = write(wake_fd, &one, sizeof one);
    (void)put;
  }
};

DnsClient::DnsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsClient::~DnsClient() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->Wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

model::Result<std::unique_ptr<DnsClient>> DnsClient::Create(const DnsClientOptions& options) {
  using R = model::Result<std::unique_ptr<DnsClient>>;
  if (options.timeout_ms <= 0) return R::Error("DNS timeout_ms must be positive");
  if (options.tries <= 0) return R::Error("DNS tries must be positive");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.servers.empty()) {
    std::string path = ResolvConfPathFor(options.netns);
    auto read = ReadResolvConf(path);
    if (read && !read->empty()) {
      impl->servers = std::move(*read);
    } else {
      // As resolv.conf(5): without a (usable) nameserver line, the server on this machine.
      impl->servers.push_back(DnsServer{*net::IpAddress::Parse("127.0.0.1"), 53});
    }
  } else {
    for (const std::string& text : options.servers) {
      auto server = ParseDnsServer(text);
      if (!server) return R::Error(server.error());
      impl->servers.push_back(*server);
    }
  }
  LibraryInit();
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->wake_fd < 0) return R::Error(std::string("eventfd: ") + std::strerror(errno));

  std::promise<model::Status> ready;
  std::future<model::Status> started = ready.get_future();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw, &ready] {
    net::NameThisThread("ct-dns");
    raw->Loop(&ready);
  });
  model::Status status = started.get();
  if (!status) {
    impl->thread.join();
    return R::Error(status.error());
  }
  return std::unique_ptr<DnsClient>(new DnsClient(std::move(impl)));
}

void DnsClient::Query(const std::string& name, uint16_t type, std::function<void(DnsReply)> done) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(Impl::Request{name, type, std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done(DnsReply{DnsReply::Status::kCancelled, {}, "client stopped"});
    return;
  }
  impl_->Wake();
}

int DnsClient::max_query_ms() const {
  int rounds = (1 << std::min(impl_->options.tries, 16)) - 1;
  return impl_->options.timeout_ms * rounds * static_cast<int>(impl_->servers.size());
}

const std::vector<DnsServer>& DnsClient::servers() const {
  return impl_->servers;
}
uint64_t DnsClient::queries_started() const {
  return impl_->started.load();
}

}  // namespace colotrace::enrich
