#include "probe/engine.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model/limits.h"
#include "probe/probe_codec.h"
#include "probe/system.h"
#include "probe/trace_summary.h"

namespace colotrace::probe {

using model::ColoError;
using model::ColoResult;
using model::PacketType;
using packet::IpAddress;

namespace {

constexpr int kWireSlots = 0x8000;  // wire ids are 0x8000 | slot
constexpr int kRecvBufferBytes = 4 << 20;
constexpr int kMaxReadsPerWake = 512;  // per socket, so that sending is not starved
// Probes expire this long after wait_time, so that a reply the kernel stamped in time but we
// had not yet read is still counted (sockets are drained before expiring).
constexpr int64_t kExpiryGraceNs = 500'000;
// How long the TTL at which a target answered is remembered, and for how many targets.
constexpr int64_t kDistanceTtlNs = 600LL * 1'000'000'000;
constexpr size_t kDistanceCacheMax = 65536;

int64_t NowNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
int64_t MonoNs() {
  return NowNs(CLOCK_MONOTONIC);
}
int64_t RealNs() {
  return NowNs(CLOCK_REALTIME);
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

socklen_t ToSockaddr(const IpAddress& a, uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (a.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, a.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, a.data(), 16);
  return sizeof(sockaddr_in6);
}

// The source address the kernel's route to `dst` would use, found by connecting a UDP socket
// (nothing is sent). Runs in the engine thread's namespace.
std::optional<IpAddress> SourceFor(const IpAddress& dst, std::string* error) {
  Fd fd(socket(dst.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss;
  socklen_t len = ToSockaddr(dst, model::kDefaultUdpPort, &ss);
  if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    *error = std::string("no route to ") + dst.ToString() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  len = sizeof ss;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  if (dst.is_v4()) {
    return IpAddress::V4(
        reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in*>(&ss)->sin_addr));
  }
  return IpAddress::V6(
      reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr));
}

struct ProbeTiming {
  int64_t tx_mono_ns = 0;
  int64_t tx_real_ns = 0;
  bool expired = false;
};

struct Trace {
  uint16_t slot = 0;
  uint32_t generation = 0;
  Flow flow;
  model::TraceOptions options;
  Engine::Callback done;
  std::function<void(const IpAddress&)> on_new_address;
  std::vector<IpAddress> answered_from;  // addresses reported to on_new_address
  int64_t start_mono_ns = 0;
  int64_t wait_ns = 0;
  std::vector<ProbeOutcome> probes;
  std::vector<ProbeTiming> timing;
  int next_index = 0;     // next probe to send
  int expire_cursor = 0;  // probes before it have been checked for expiry
  bool expiry_scheduled = false;
  int end_ttl = 0;       // no probe beyond it is sent or reported
  int frontier_ttl = 0;  // no probe beyond it is sent yet (the remembered distance)
  int outstanding = 0;   // sent, unanswered, unexpired probes with ttl <= end_ttl
  bool send_scheduled = false;
};

struct HeapEntry {
  int64_t time_ns;
  uint16_t slot;
  uint32_t generation;
  bool operator>(const HeapEntry& o) const { return time_ns > o.time_ns; }
};
using MinHeap = std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>>;

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const EngineOptions& options) : options_(options) {
    slots_.resize(kWireSlots);
    std::random_device rd;
    rng_.seed(rd());
    next_slot_ = static_cast<int>(rng_() % kWireSlots);
  }

  ~EngineImpl() override {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mu_);
        stop_ = true;
      }
      Wake();
      thread_.join();
    }
  }

  // Runs on the engine thread: enter the namespace, open sockets.
  model::Status Open() {
    if (!options_.netns.empty()) {
      if (auto s = EnterNetns(options_.netns); !s) return s;
    }
    send4_ = Fd(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW));
    if (!send4_.valid()) {
      int err = errno;
      std::string msg = std::string("cannot open a raw socket: ") + std::strerror(err);
      if (err == EPERM || err == EACCES) {
        msg +=
            ". colotrace needs the CAP_NET_RAW capability: run it as root, or grant it once with "
            "`sudo setcap cap_net_raw+ep $(command -v colotrace)`";
      }
      return model::Status::Error(msg);
    }
    icmp4_ = OpenReceiver(AF_INET, IPPROTO_ICMP);
    tcp4_ = OpenReceiver(AF_INET, IPPROTO_TCP);
    icmp6_ = OpenReceiver(AF_INET6, IPPROTO_ICMPV6);
    tcp6_ = OpenReceiver(AF_INET6, IPPROTO_TCP);
    udp6_ = Fd(socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP));
    if (!icmp4_.valid() || !tcp4_.valid()) {
      return model::Status::Error(std::string("cannot open raw sockets: ") + std::strerror(errno));
    }
    if (icmp6_.valid()) {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      for (int type : {ICMP6_DST_UNREACH, ICMP6_PACKET_TOO_BIG, ICMP6_TIME_EXCEEDED,
                       ICMP6_PARAM_PROB, ICMP6_ECHO_REPLY}) {
        ICMP6_FILTER_SETPASS(type, &filter);
      }
      setsockopt(icmp6_.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
    if (udp6_.valid()) {
      // Send-only: drop the copy of every incoming UDP datagram the kernel would queue here.
      sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
      sock_fprog prog{1, &drop_all};
      setsockopt(udp6_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    }
    have_v6_ = icmp6_.valid() && tcp6_.valid() && udp6_.valid();
    wake_ = Fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_.valid()) return model::Status::Error("eventfd failed");
    DropThreadCapabilitiesUnlessRoot();
    return model::Status::Ok();
  }

  void StartThread(std::promise<model::Status>* opened) {
    thread_ = std::thread([this, opened] {
      model::Status s = Open();
      bool ok = s.ok();
      opened->set_value(std::move(s));
      if (ok) Loop();
    });
  }

  void JoinFailed() { thread_.join(); }

  void Start(const TraceRequest& request, Callback done) override {
    if (request.options.packet_type == PacketType::kGreIcmp) {
      StartGreIcmp(request, std::move(done));
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (!stop_) {
        incoming_.push_back({request, std::move(done), MonoNs()});
        done = nullptr;
      }
    }
    if (done) {
      done(ErrorResult(request.target, ColoError::kInternal, 0));
      return;
    }
    Wake();
  }

  // gre+icmp: a GRE and an ICMP trace of the same target side by side, merged.
  void StartGreIcmp(const TraceRequest& request, Callback done) {
    struct Join {
      std::mutex mu;
      std::optional<ColoResult> gre, icmp;
      Callback done;
    };
    auto join = std::make_shared<Join>();
    join->done = std::move(done);
    auto arrive = [join](bool is_gre, ColoResult r) {
      std::unique_lock lock(join->mu);
      (is_gre ? join->gre : join->icmp) = std::move(r);
      if (!join->gre || !join->icmp) return;
      ColoResult merged = MergeGreIcmp(std::move(*join->gre), std::move(*join->icmp));
      lock.unlock();
      join->done(std::move(merged));
    };
    TraceRequest gre = request;
    gre.options.packet_type = PacketType::kGre;
    TraceRequest icmp = request;
    icmp.options.packet_type = PacketType::kIcmp;
    Start(gre, [arrive](ColoResult r) { arrive(true, std::move(r)); });
    Start(icmp, [arrive](ColoResult r) { arrive(false, std::move(r)); });
  }

  EngineCounters counters() const override {
    return EngineCounters{probes_sent_.load(), replies_matched_.load(), packets_received_.load(),
                          traces_done_.load()};
  }

 private:
  struct Pending {
    TraceRequest request;
    Callback done;
    int64_t queued_ns;
  };

  static Fd OpenReceiver(int family, int protocol) {
    Fd fd(socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol));
    if (!fd.valid()) return fd;
    int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    int size = kRecvBufferBytes;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
      setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    return fd;
  }

  static ColoResult ErrorResult(const IpAddress& target, ColoError error, int64_t elapsed_ms) {
    ColoResult r;
    r.error = error;
    r.target_summary.ip = target.ToString();
    r.target_summary.name = r.target_summary.ip;
    r.traceroute_time_ms = elapsed_ms;
    return r;
  }

  void Wake() {
    uint64_t one = 1;
    if (wake_.valid()) {
      [[maybe_unused]] ssize_t n = write(wake_.get(), &one, sizeof one);
    }
  }

  // ---- the engine thread ----

  void Loop() {
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    last_refill_ns_ = MonoNs();
    tokens_ = Burst();
    // fds[0] is the wake-up eventfd; the others are the receive sockets.
    struct Receiver {
      const Fd* fd;
      bool v6;
      bool tcp;
    };
    std::vector<pollfd> fds{pollfd{wake_.get(), POLLIN, 0}};
    std::vector<Receiver> receivers;
    for (Receiver r : {Receiver{&icmp4_, false, false}, Receiver{&tcp4_, false, true},
                       Receiver{&icmp6_, true, false}, Receiver{&tcp6_, true, true}}) {
      if (!r.fd->valid()) continue;
      fds.push_back(pollfd{r.fd->get(), POLLIN, 0});
      receivers.push_back(r);
    }
    fds[0].revents = POLLIN;  // look at the queue once before the first wait
    while (true) {
      if ((fds[0].revents & POLLIN) != 0 && !TakeIncoming()) break;
      for (size_t i = 0; i < receivers.size(); ++i) {
        if ((fds[i + 1].revents & POLLIN) != 0) {
          DrainSocket(*receivers[i].fd, receivers[i].v6, receivers[i].tcp);
        }
      }
      SendDue(MonoNs());
      int64_t now = MonoNs();
      if (!expiry_heap_.empty() && expiry_heap_.top().time_ns <= now) {
        // A reply stamped before a deadline may still sit unread: read everything first.
        for (const Receiver& r : receivers) DrainSocket(*r.fd, r.v6, r.tcp);
        ExpireDue(now);
      }
      int64_t next = INT64_MAX;
      if (!send_heap_.empty()) next = std::max(send_heap_.top().time_ns, TokenReadyNs());
      if (!expiry_heap_.empty()) next = std::min(next, expiry_heap_.top().time_ns);
      timespec ts{};
      timespec* timeout = nullptr;
      if (next != INT64_MAX) {
        int64_t wait = std::max<int64_t>(0, next - MonoNs());
        ts.tv_sec = wait / 1'000'000'000;
        ts.tv_nsec = wait % 1'000'000'000;
        timeout = &ts;
      }
      for (auto& f : fds) f.revents = 0;
      ppoll(fds.data(), fds.size(), timeout, nullptr);
    }
    for (auto& trace : slots_) {
      if (trace) Finish(*trace, ColoError::kInternal);
    }
  }

  // Moves queued requests into traces; false once the engine is stopping.
  bool TakeIncoming() {
    uint64_t drained;
    [[maybe_unused]] auto n = read(wake_.get(), &drained, sizeof drained);
    std::vector<Pending> batch;
    {
      std::lock_guard lock(mu_);
      if (stop_) return false;
      batch.swap(incoming_);
    }
    for (auto& p : batch) Begin(std::move(p));
    return true;
  }

  void Begin(Pending p) {
    const auto& opt = p.request.options;
    const IpAddress& dst = p.request.target;
    auto fail = [&](ColoError e) {
      p.done(ErrorResult(dst, e, (MonoNs() - p.queued_ns) / 1'000'000));
      traces_done_++;
    };
    bool valid = opt.max_ttl >= model::kMaxTtlMin && opt.max_ttl <= model::kMaxTtlMax &&
                 opt.packets_per_ttl >= model::kPacketsPerTtlMin &&
                 opt.packets_per_ttl <= model::kPacketsPerTtlMax &&
                 opt.wait_time_s >= model::kWaitTimeMinS &&
                 opt.wait_time_s <= model::kWaitTimeMaxS && opt.port >= model::kPortMin &&
                 opt.port <= model::kPortMax;
    if (!valid) return fail(ColoError::kInternal);
    if (opt.packet_type != PacketType::kIcmp && opt.packet_type != PacketType::kUdp &&
        opt.packet_type != PacketType::kTcp && opt.packet_type != PacketType::kGre) {
      return fail(ColoError::kCannotProbe);
    }
    if (opt.packet_type == PacketType::kGre && !dst.is_v4()) return fail(ColoError::kCannotProbe);
    if (!dst.is_v4() && !have_v6_) return fail(ColoError::kCannotProbe);
    std::string error;
    auto src = SourceFor(dst, &error);
    if (!src) return fail(ColoError::kCannotProbe);
    if (active_ >= options_.max_traces) return fail(ColoError::kInternal);
    int slot = AllocateSlot();
    if (slot < 0) return fail(ColoError::kInternal);

    auto trace = std::make_unique<Trace>();
    Trace& t = *trace;
    t.slot = static_cast<uint16_t>(slot);
    t.generation = ++generation_;
    t.flow.type = opt.packet_type;
    t.flow.src = *src;
    t.flow.dst = dst;
    t.flow.wire_id = static_cast<uint16_t>(kWireSlots | slot);
    t.flow.port = static_cast<uint16_t>(model::EffectivePort(opt));
    t.flow.tcp_seq_base = static_cast<uint32_t>(rng_());
    t.options = opt;
    t.done = std::move(p.done);
    t.on_new_address = std::move(p.request.on_new_address);
    t.start_mono_ns = p.queued_ns;
    t.wait_ns = static_cast<int64_t>(opt.wait_time_s) * 1'000'000'000;
    size_t count = static_cast<size_t>(opt.max_ttl) * static_cast<size_t>(opt.packets_per_ttl);
    t.probes.resize(count);
    t.timing.resize(count);
    for (size_t i = 0; i < count; ++i) {
      t.probes[i].ttl = static_cast<int>(i) / opt.packets_per_ttl + 1;
    }
    t.end_ttl = opt.max_ttl;
    t.frontier_ttl = opt.max_ttl;
    if (auto d = distances_.find(DistanceKey(dst)); d != distances_.end()) {
      if (d->second.expires_ns > MonoNs()) t.frontier_ttl = std::min(opt.max_ttl, d->second.ttl);
    }
    slots_[static_cast<size_t>(slot)] = std::move(trace);
    ++active_;
    send_heap_.push({MonoNs(), t.slot, t.generation});
    t.send_scheduled = true;
  }

  int AllocateSlot() {
    for (int i = 0; i < kWireSlots; ++i) {
      int slot = (next_slot_ + i) % kWireSlots;
      if (!slots_[static_cast<size_t>(slot)]) {
        next_slot_ = (slot + 1) % kWireSlots;
        return slot;
      }
    }
    return -1;
  }

  Trace* Lookup(uint16_t slot, uint32_t generation) {
    Trace* t = slots_[slot].get();
    return t != nullptr && t->generation == generation ? t : nullptr;
  }

  double Burst() const { return std::max(10.0, options_.max_packets_per_second / 100.0); }

  void Refill(int64_t now) {
    tokens_ = std::min(Burst(), tokens_ + static_cast<double>(now - last_refill_ns_) *
                                              options_.max_packets_per_second / 1e9);
    last_refill_ns_ = now;
  }

  int64_t TokenReadyNs() const {
    if (tokens_ >= 1) return 0;
    return last_refill_ns_ +
           static_cast<int64_t>((1 - tokens_) * 1e9 / options_.max_packets_per_second) + 1;
  }

  void SendDue(int64_t now) {
    Refill(now);
    while (!send_heap_.empty() && send_heap_.top().time_ns <= now && tokens_ >= 1) {
      HeapEntry e = send_heap_.top();
      send_heap_.pop();
      Trace* t = Lookup(e.slot, e.generation);
      if (t == nullptr) continue;
      t->send_scheduled = false;
      if (SendNext(*t)) {
        send_heap_.push({MonoNs() + options_.probe_gap_us * 1000LL, e.slot, e.generation});
        t->send_scheduled = true;
      }
    }
  }

  int SendLimit(const Trace& t) const {
    return std::min(static_cast<int>(t.probes.size()),
                    std::min(t.end_ttl, t.frontier_ttl) * t.options.packets_per_ttl);
  }

  // The remembered distance was too short (the path grew, or the target stopped answering):
  // probe on up to the end.
  void Expand(Trace& t) {
    if (t.frontier_ttl >= t.end_ttl) return;
    t.frontier_ttl = t.end_ttl;
    if (!t.send_scheduled) {
      send_heap_.push({MonoNs(), t.slot, t.generation});
      t.send_scheduled = true;
    }
  }

  static std::string DistanceKey(const IpAddress& a) {
    return std::string(reinterpret_cast<const char*>(a.data()), a.size());
  }

  void RememberDistance(const Trace& t, bool reached) {
    std::string key = DistanceKey(t.flow.dst);
    if (!reached) {
      distances_.erase(key);
      return;
    }
    int64_t now = MonoNs();
    if (distances_.size() >= kDistanceCacheMax) {
      std::erase_if(distances_, [now](const auto& kv) { return kv.second.expires_ns <= now; });
      if (distances_.size() >= kDistanceCacheMax) distances_.clear();
    }
    distances_[key] = Distance{t.end_ttl, now + kDistanceTtlNs};
  }

  // Sends the trace's next probe; true if more remain to be sent.
  bool SendNext(Trace& t) {
    if (t.next_index >= SendLimit(t)) {
      CheckDone(t);
      return false;
    }
    int index = t.next_index;
    ProbeOutcome& probe = t.probes[static_cast<size_t>(index)];
    std::array<uint8_t, kMaxProbeSize> buf;
    size_t size = BuildProbe(t.flow, index, static_cast<uint8_t>(probe.ttl), buf);
    ProbeTiming& timing = t.timing[static_cast<size_t>(index)];
    timing.tx_real_ns = RealNs();
    timing.tx_mono_ns = MonoNs();
    int err = Transmit(t, probe.ttl, buf.data(), size);
    if (err == EAGAIN || err == ENOBUFS) return true;  // try again on the next turn
    if (err != 0 && index == 0) {
      Finish(t, ColoError::kCannotProbe);
      return false;
    }
    // A probe the kernel refused later on counts as sent and lost.
    tokens_ -= 1;
    probes_sent_++;
    probe.sent = true;
    ++t.outstanding;
    ++t.next_index;
    if (!t.expiry_scheduled) {
      expiry_heap_.push({timing.tx_mono_ns + t.wait_ns + kExpiryGraceNs, t.slot, t.generation});
      t.expiry_scheduled = true;
    }
    if (t.next_index >= SendLimit(t)) {
      CheckDone(t);
      return false;
    }
    return true;
  }

  // Returns 0 or the errno of the send.
  int Transmit(const Trace& t, int ttl, const uint8_t* data, size_t size) {
    sockaddr_storage ss;
    socklen_t len = ToSockaddr(t.flow.dst, 0, &ss);
    if (t.flow.dst.is_v4()) {
      ssize_t n = sendto(send4_.get(), data, size, 0, reinterpret_cast<sockaddr*>(&ss), len);
      return n < 0 ? errno : 0;
    }
    int fd = t.flow.type == PacketType::kIcmp  ? icmp6_.get()
             : t.flow.type == PacketType::kUdp ? udp6_.get()
                                               : tcp6_.get();
    iovec iov{const_cast<uint8_t*>(data), size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
    c = CMSG_NXTHDR(&msg, c);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    std::memcpy(&info.ipi6_addr, t.flow.src.data(), 16);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    ssize_t n = sendmsg(fd, &msg, 0);
    return n < 0 ? errno : 0;
  }

  void DrainSocket(const Fd& fd, bool v6, bool tcp) {
    if (!fd.valid()) return;
    std::array<uint8_t, 2048> buf;
    alignas(cmsghdr) char control[256];
    for (int i = 0; i < kMaxReadsPerWake; ++i) {
      sockaddr_storage from{};
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = recvmsg(fd.get(), &msg, MSG_DONTWAIT);
      if (n < 0) return;
      packets_received_++;
      int64_t rx_real_ns = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          rx_real_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
      }
      IpAddress sender;
      if (v6) {
        sender = IpAddress::V6(
            reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr));
      }
      std::span<const uint8_t> bytes(buf.data(), static_cast<size_t>(n));
      auto info = tcp ? DecodeTcpPacket(bytes, v6, sender) : DecodeIcmpPacket(bytes, v6, sender);
      if (info) OnReply(*info, rx_real_ns);
    }
  }

  void OnReply(const ReplyInfo& reply, int64_t rx_real_ns) {
    if ((reply.wire_id & kWireSlots) == 0) return;
    Trace* t = slots_[reply.wire_id & (kWireSlots - 1)].get();
    if (t == nullptr) return;
    auto index = MatchProbe(t->flow, reply, static_cast<int>(t->probes.size()));
    if (!index) return;
    ProbeOutcome& probe = t->probes[static_cast<size_t>(*index)];
    ProbeTiming& timing = t->timing[static_cast<size_t>(*index)];
    if (!probe.sent || probe.answered || timing.expired) return;
    int64_t elapsed = MonoNs() - timing.tx_mono_ns;
    int64_t rtt = rx_real_ns > 0 ? rx_real_ns - timing.tx_real_ns : elapsed;
    rtt = std::clamp<int64_t>(rtt, 0, elapsed);  // a clock step must not produce nonsense
    if (rtt > t->wait_ns) return;                // too late: it expires as lost
    replies_matched_++;
    probe.answered = true;
    probe.from = reply.from;
    probe.rtt_ms = static_cast<double>(rtt) / 1e6;
    for (const auto& m : reply.mpls) probe.labels.push_back(packet::MplsLabelText(m));
    if (t->on_new_address && std::find(t->answered_from.begin(), t->answered_from.end(),
                                       reply.from) == t->answered_from.end()) {
      t->answered_from.push_back(reply.from);
      t->on_new_address(reply.from);
    }
    bool ends = false;
    switch (reply.kind) {
      case ReplyKind::kTimeExceeded:
        probe.from_target = reply.from == t->flow.dst;
        break;
      case ReplyKind::kEchoReply:
      case ReplyKind::kTcpReply:
        probe.from_target = true;
        ends = true;
        break;
      case ReplyKind::kUnreachable: {
        auto label = UnreachableLabel(reply.v6, reply.icmp_type, reply.icmp_code);
        probe.from_target = !label || reply.from == t->flow.dst;
        if (label) probe.labels.push_back(*label);
        ends = true;
        break;
      }
    }
    if (probe.ttl <= t->end_ttl) --t->outstanding;
    if (ends) {
      LowerEnd(*t, probe.ttl);
    } else if (probe.ttl >= t->frontier_ttl) {
      Expand(*t);  // a router where the target was expected: the path is longer now
    }
    CheckDone(*t);
  }

  // The trace ends at `ttl`: probes beyond it are neither sent nor waited for.
  void LowerEnd(Trace& t, int ttl) {
    if (ttl >= t.end_ttl) return;
    for (size_t i = 0; i < t.probes.size(); ++i) {
      const ProbeOutcome& p = t.probes[i];
      if (p.ttl > ttl && p.ttl <= t.end_ttl && p.sent && !p.answered && !t.timing[i].expired) {
        --t.outstanding;
      }
    }
    t.end_ttl = ttl;
  }

  void ExpireDue(int64_t now) {
    while (!expiry_heap_.empty() && expiry_heap_.top().time_ns <= now) {
      HeapEntry e = expiry_heap_.top();
      expiry_heap_.pop();
      Trace* t = Lookup(e.slot, e.generation);
      if (t == nullptr) continue;
      t->expiry_scheduled = false;
      auto deadline = [&](int i) {
        return t->timing[static_cast<size_t>(i)].tx_mono_ns + t->wait_ns + kExpiryGraceNs;
      };
      while (t->expire_cursor < t->next_index && deadline(t->expire_cursor) <= now) {
        auto i = static_cast<size_t>(t->expire_cursor++);
        if (!t->probes[i].answered && t->probes[i].sent) {
          t->timing[i].expired = true;
          if (t->probes[i].ttl <= t->end_ttl) --t->outstanding;
        }
      }
      if (t->expire_cursor < t->next_index) {
        expiry_heap_.push({deadline(t->expire_cursor), t->slot, t->generation});
        t->expiry_scheduled = true;
      }
      CheckDone(*t);
    }
  }

  void CheckDone(Trace& t) {
    if (t.next_index < SendLimit(t) || t.outstanding > 0) return;
    if (t.frontier_ttl < t.end_ttl) {
      Expand(t);  // everything up to the remembered distance is done, and no target yet
      return;
    }
    Finish(t, ColoError::kNone);
  }

  void Finish(Trace& t, ColoError error) {
    std::unique_ptr<Trace> owned = std::move(slots_[t.slot]);
    --active_;
    ColoResult result;
    if (error == ColoError::kNone) {
      Summarize(owned->probes, owned->end_ttl, owned->flow.dst, &result);
      RememberDistance(*owned, result.target_summary.latency.count > 0);
    }
    result.error = error;
    result.target_summary.ip = owned->flow.dst.ToString();
    result.target_summary.name = result.target_summary.ip;
    result.traceroute_time_ms = (MonoNs() - owned->start_mono_ns) / 1'000'000;
    traces_done_++;
    owned->done(std::move(result));
  }

  EngineOptions options_;
  std::thread thread_;
  std::mutex mu_;
  bool stop_ = false;              // guarded by mu_
  std::vector<Pending> incoming_;  // guarded by mu_

  // Engine thread only:
  Fd send4_, icmp4_, tcp4_, icmp6_, tcp6_, udp6_, wake_;
  bool have_v6_ = false;
  std::vector<std::unique_ptr<Trace>> slots_;
  int next_slot_ = 0;
  int active_ = 0;
  uint32_t generation_ = 0;
  std::mt19937 rng_;
  struct Distance {
    int ttl;
    int64_t expires_ns;
  };
  // The TTL at which each recently traced target answered (key: its address bytes).
  std::unordered_map<std::string, Distance> distances_;
  MinHeap send_heap_;
  MinHeap expiry_heap_;
  double tokens_ = 0;
  int64_t last_refill_ns_ = 0;

  std::atomic<uint64_t> probes_sent_{0}, replies_matched_{0}, packets_received_{0}, traces_done_{0};
};

}  // namespace

model::Result<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.max_packets_per_second < 1 || options.probe_gap_us < 0 || options.max_traces < 1) {
    return model::Result<std::unique_ptr<Engine>>::Error("invalid engine options");
  }
  auto engine = std::make_unique<EngineImpl>(options);
  std::promise<model::Status> opened;
  auto future = opened.get_future();
  engine->StartThread(&opened);
  model::Status status = future.get();
  if (!status) {
    engine->JoinFailed();
    return model::Result<std::unique_ptr<Engine>>::Error(status.error());
  }
  return std::unique_ptr<Engine>(std::move(engine));
}

model::ColoResult Engine::Run(const TraceRequest& request) {
  std::promise<model::ColoResult> promise;
  auto future = promise.get_future();
  Start(request, [&promise](model::ColoResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace colotrace::probe
