#include "probe/raw_probe_io.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <span>
#include <string>
#include <utility>

#include "model/limits.h"

namespace colotrace::probe {

namespace {

using model::PacketType;
using net::IpAddress;

constexpr int kRecvBufferBytes = 4 << 20;
constexpr int kMaxReadsPerWake = 512;  // per socket, so that sending is not starved

int64_t NowNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
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

Fd OpenReceiver(int family, int protocol) {
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

class RawProbeIo final : public ProbeIo {
 public:
  model::Status Open() {
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
    for (Receiver r : {Receiver{&icmp4_, false, false}, Receiver{&tcp4_, false, true},
                       Receiver{&icmp6_, true, false}, Receiver{&tcp6_, true, true}}) {
      if (r.fd->valid()) receivers_.push_back(r);
    }
    return model::Status::Ok();
  }

  bool SupportsV6() const override { return have_v6_; }

  // Connects a UDP socket (nothing is sent) and asks which source the route chose.
  std::optional<IpAddress> SourceFor(const IpAddress& dst) override {
    Fd fd(socket(dst.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    socklen_t len = ToSockaddr(dst, model::kDefaultUdpPort, &ss);
    if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return std::nullopt;
    }
    len = sizeof ss;
    if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
    if (dst.is_v4()) {
      return IpAddress::V4(
          reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in*>(&ss)->sin_addr));
    }
    return IpAddress::V6(
        reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr));
  }

  SendOutcome Send(const Flow& flow, int index, int ttl, int flow_number) override {
    std::array<uint8_t, kMaxProbeSize> buf;
    size_t size = BuildProbe(flow, index, static_cast<uint8_t>(ttl), buf, flow_number);
    SendOutcome out;
    out.tx_real_ns = NowNs(CLOCK_REALTIME);
    out.tx_mono_ns = NowNs(CLOCK_MONOTONIC);
    out.error = size == 0 ? EINVAL : Transmit(flow, ttl, std::span(buf.data(), size));
    return out;
  }

  std::vector<int> ReceiveFds() const override {
    std::vector<int> fds;
    for (const Receiver& r : receivers_) fds.push_back(r.fd->get());
    return fds;
  }

  bool Drain(uint64_t ready, const ReplySink& sink) override {
    bool more = false;
    for (size_t i = 0; i < receivers_.size(); ++i) {
      if ((ready >> i & 1) != 0) more = DrainSocket(receivers_[i], sink) || more;
    }
    return more;
  }

  uint64_t packets_received() const override {
    return packets_received_.load(std::memory_order_relaxed);
  }

 private:
  struct Receiver {
    const Fd* fd;
    bool v6;
    bool tcp;
  };

  // Returns 0 or the errno of the send.
  int Transmit(const Flow& flow, int ttl, std::span<const uint8_t> data) {
    sockaddr_storage ss;
    socklen_t len = ToSockaddr(flow.dst, 0, &ss);
    if (flow.dst.is_v4()) {
      ssize_t n =
          sendto(send4_.get(), data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
      return n < 0 ? errno : 0;
    }
    int fd = flow.type == PacketType::kIcmp  ? icmp6_.get()
             : flow.type == PacketType::kUdp ? udp6_.get()
                                             : tcp6_.get();
    iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
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
    std::memcpy(&info.ipi6_addr, flow.src.data(), 16);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    ssize_t n = sendmsg(fd, &msg, 0);
    return n < 0 ? errno : 0;
  }

  // True when the read limit was reached (the socket may hold more).
  bool DrainSocket(const Receiver& r, const ReplySink& sink) {
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
      ssize_t n = recvmsg(r.fd->get(), &msg, MSG_DONTWAIT);
      if (n < 0) return false;
      packets_received_.fetch_add(1, std::memory_order_relaxed);
      Reply reply;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          reply.rx_real_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
      }
      IpAddress sender;
      if (r.v6) {
        sender = IpAddress::V6(
            reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr));
      }
      std::span<const uint8_t> bytes(buf.data(), static_cast<size_t>(n));
      auto info =
          r.tcp ? DecodeTcpPacket(bytes, r.v6, sender) : DecodeIcmpPacket(bytes, r.v6, sender);
      if (!info) continue;
      reply.info = std::move(*info);
      sink(reply);
    }
    return true;
  }

  Fd send4_, icmp4_, tcp4_, icmp6_, tcp6_, udp6_;
  std::vector<Receiver> receivers_;
  bool have_v6_ = false;
  std::atomic<uint64_t> packets_received_{0};  // read from any thread
};

}  // namespace

model::Result<std::unique_ptr<ProbeIo>> OpenRawProbeIo() {
  auto io = std::make_unique<RawProbeIo>();
  if (auto s = io->Open(); !s) return model::Result<std::unique_ptr<ProbeIo>>::Error(s.error());
  return std::unique_ptr<ProbeIo>(std::move(io));
}

}  // namespace colotrace::probe
