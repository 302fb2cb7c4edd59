// lab_delay: holds every packet of one NFQUEUE queue for a fixed time, then accepts it.
//
//   lab_delay --queue N --delay-ms D [--max-held M]
//
// Run inside a lab network namespace (the Lab starts it with `ip netns exec`). It binds queue N
// of the namespace it runs in, prints "ready" on stdout once bound, and from then on gives each
// queued packet an NF_ACCEPT verdict D milliseconds after it arrived. Packets are held in a FIFO
// and released by a timerfd, so holding many packets costs no thread and no sleep. When more
// than M packets (default 10000) are held, new packets are accepted at once. The kernel queue
// is configured fail-open, so an overflowing kernel queue passes packets instead of dropping.
//
// SIGTERM or SIGINT (or the death of the parent) releases every held packet and exits 0.
// Exit status 2: bad arguments; 1: netfilter queue setup failed.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <string>

namespace {

struct Held {
  std::uint32_t id;
  std::int64_t release_ns;  // CLOCK_MONOTONIC
};

struct State {
  nfq_q_handle* queue = nullptr;
  std::deque<Held> held;
  std::int64_t delay_ns = 0;
  std::size_t max_held = 10000;
  std::uint64_t accepted_early = 0;
};

std::int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void Accept(State& st, std::uint32_t id) {
  if (nfq_set_verdict(st.queue, id, NF_ACCEPT, 0, nullptr) < 0) {
    std::fprintf(stderr, "lab_delay: verdict for packet %u failed: %s\n", id, std::strerror(errno));
  }
}

int OnPacket(nfq_q_handle* /*qh*/, nfgenmsg* /*msg*/, nfq_data* nfa, void* data) {
  State& st = *static_cast<State*>(data);
  const nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == nullptr) return 0;
  const std::uint32_t id = ntohl(ph->packet_id);
  if (st.held.size() >= st.max_held) {
    ++st.accepted_early;
    Accept(st, id);
    return 0;
  }
  st.held.push_back(Held{id, MonotonicNs() + st.delay_ns});
  return 0;
}

// Arms the timer for the oldest held packet, or disarms it when nothing is held.
void ArmTimer(int tfd, const State& st) {
  itimerspec its{};
  if (!st.held.empty()) {
    std::int64_t at = st.held.front().release_ns;
    if (at <= 0) at = 1;  // an all-zero value would disarm the timer
    its.it_value.tv_sec = static_cast<time_t>(at / 1000000000);
    its.it_value.tv_nsec = static_cast<long>(at % 1000000000);
  }
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr);
}

void ReleaseDue(State& st) {
  const std::int64_t now = MonotonicNs();
  while (!st.held.empty() && st.held.front().release_ns <= now) {
    Accept(st, st.held.front().id);
    st.held.pop_front();
  }
}

bool ParseInt(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

int Usage() {
  std::fprintf(stderr, "usage: lab_delay --queue N --delay-ms D [--max-held M]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long queue_num = -1;
  long delay_ms = -1;
  long max_held = 10000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const char* value = argv[++i];
    bool ok = false;
    if (arg == "--queue") {
      ok = ParseInt(value, 0, 65535, &queue_num);
    } else if (arg == "--delay-ms") {
      ok = ParseInt(value, 0, 600000, &delay_ms);
    } else if (arg == "--max-held") {
      ok = ParseInt(value, 1, 1000000, &max_held);
    }
    if (!ok) return Usage();
  }
  if (queue_num < 0 || delay_ms < 0) return Usage();

  // Termination arrives through a signalfd; the parent's death counts as SIGTERM.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 0;  // parent already gone

  State st;
  st.delay_ns = static_cast<std::int64_t>(delay_ms) * 1000000;
  st.max_held = static_cast<std::size_t>(max_held);

  nfq_handle* h = nfq_open();
  if (h == nullptr) {
    std::fprintf(stderr, "lab_delay: nfq_open: %s\n", std::strerror(errno));
    return 1;
  }
  st.queue = nfq_create_queue(h, static_cast<std::uint16_t>(queue_num), &OnPacket, &st);
  if (st.queue == nullptr) {
    std::fprintf(stderr, "lab_delay: cannot bind queue %ld: %s\n", queue_num, std::strerror(errno));
    nfq_close(h);
    return 1;
  }
  if (nfq_set_mode(st.queue, NFQNL_COPY_META, 0) < 0) {
    std::fprintf(stderr, "lab_delay: nfq_set_mode: %s\n", std::strerror(errno));
    nfq_destroy_queue(st.queue);
    nfq_close(h);
    return 1;
  }
  // Best effort: a longer kernel queue, and pass (not drop) packets when it overflows.
  nfq_set_queue_maxlen(st.queue, static_cast<std::uint32_t>(max_held) + 1024);
  nfq_set_queue_flags(st.queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8u << 20);

  const int qfd = nfq_fd(h);
  const int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (sfd < 0 || tfd < 0) {
    std::fprintf(stderr, "lab_delay: signalfd/timerfd: %s\n", std::strerror(errno));
    return 1;
  }

  std::printf("ready\n");
  std::fflush(stdout);

  alignas(8) static char buf[1 << 16];
  bool running = true;
  while (running) {
    pollfd fds[3] = {{qfd, POLLIN, 0}, {tfd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "lab_delay: poll: %s\n", std::strerror(errno));
      break;
    }
    if (fds[2].revents & POLLIN) running = false;
    if (fds[0].revents & POLLIN) {
      // Drain what is there without blocking; ENOBUFS only means the kernel lost messages.
      for (;;) {
        const ssize_t n = recv(qfd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
          if (errno == ENOBUFS) continue;
          break;
        }
        nfq_handle_packet(h, buf, static_cast<int>(n));
      }
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t expirations = 0;
      if (read(tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) break;
    }
    ReleaseDue(st);
    ArmTimer(tfd, st);
  }

  for (const Held& p : st.held) Accept(st, p.id);
  st.held.clear();
  if (st.accepted_early > 0) {
    std::fprintf(stderr, "lab_delay: %llu packets passed undelayed (over %ld held)\n",
                 static_cast<unsigned long long>(st.accepted_early), max_held);
  }
  nfq_destroy_queue(st.queue);
  nfq_close(h);
  close(tfd);
  close(sfd);
  return 0;
}
