#include "probe/engine.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/system.h"
#include "probe/gre_icmp_join.h"
#include "probe/raw_probe_io.h"
#include "probe/trace_scheduler.h"

namespace colotrace::probe {

using model::ColoError;
using model::ColoResult;
using model::PacketType;

namespace {

// Sends per loop turn: replies are read between bursts (at 100,000 probes/s a turn of the
// whole 10 ms budget, 1,000 probes, let their replies overflow the receive buffer).
constexpr int kMaxSendsPerTurn = 128;

int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const EngineOptions& options) : options_(options) {}

  ~EngineImpl() override {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mu_);
        stop_ = true;
      }
      Wake();
      thread_.join();
    }
    if (wake_ >= 0) close(wake_);
  }

  // Runs on the engine thread: enter the namespace, open the sockets.
  model::Status Open() {
    if (!options_.netns.empty()) {
      if (auto s = net::EnterNetns(options_.netns); !s) return s;
    }
    auto io = OpenRawProbeIo();
    if (!io) return model::Status::Error(io.error());
    io_ = std::move(*io);
    wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_ < 0) return model::Status::Error("eventfd failed");
    SchedulerOptions scheduler;
    scheduler.max_packets_per_second = options_.max_packets_per_second;
    scheduler.probe_gap_us = options_.probe_gap_us;
    scheduler.max_traces = options_.max_traces;
    scheduler_ = std::make_unique<TraceScheduler>(*io_, scheduler);
    net::DropThreadCapabilitiesUnlessRoot();
    return model::Status::Ok();
  }

  void StartThread(std::promise<model::Status>* opened) {
    thread_ = std::thread([this, opened] {
      net::NameThisThread("ct-engine");
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
      ColoResult r;
      r.error = ColoError::kInternal;
      r.target_summary.ip = request.target.ToString();
      r.target_summary.name = r.target_summary.ip;
      done(std::move(r));
      return;
    }
    Wake();
  }

  EngineCounters counters() const override {
    SchedulerCounters s = scheduler_->counters();
    return EngineCounters{s.probes_sent, s.replies_matched, io_->packets_received(), s.traces_done};
  }

 private:
  struct Pending {
    TraceRequest request;
    Callback done;
    int64_t queued_ns;
  };

  void StartGreIcmp(const TraceRequest& request, Callback done) {
    auto join = std::make_shared<GreIcmpJoin>(request.on_hop, std::move(done));
    for (auto half : {GreIcmpJoin::kGre, GreIcmpJoin::kIcmp}) {
      TraceRequest part = request;
      part.options.packet_type = half == GreIcmpJoin::kGre ? PacketType::kGre : PacketType::kIcmp;
      if (request.on_hop) {
        part.on_hop = [join, half](const model::Hop& hop) { join->Hop(half, hop); };
      }
      Start(part, [join, half](ColoResult r) { join->Done(half, std::move(r)); });
    }
  }

  void Wake() {
    uint64_t one = 1;
    if (wake_ >= 0) {
      [[maybe_unused]] ssize_t n = write(wake_, &one, sizeof one);
    }
  }

  // ---- the engine thread ----

  void Loop() {
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    std::vector<int> receive_fds = io_->ReceiveFds();
    // fds[0] is the wake-up eventfd; the others are the receive sockets, in ReceiveFds order.
    std::vector<pollfd> fds{pollfd{wake_, POLLIN, 0}};
    for (int fd : receive_fds) fds.push_back(pollfd{fd, POLLIN, 0});
    auto on_reply = [this](const Reply& reply) { scheduler_->OnReply(reply, MonoNs()); };
    fds[0].revents = POLLIN;  // look at the queue once before the first wait
    while (true) {
      if ((fds[0].revents & POLLIN) != 0 && !TakeIncoming()) break;
      uint64_t ready = 0;
      for (size_t i = 1; i < fds.size(); ++i) {
        if ((fds[i].revents & POLLIN) != 0) ready |= uint64_t{1} << (i - 1);
      }
      if (ready != 0) io_->Drain(ready, on_reply);  // what is left keeps its socket readable
      scheduler_->SendDue(MonoNs(), kMaxSendsPerTurn);
      int64_t now = MonoNs();
      if (scheduler_->NextExpiryNs() <= now) {
        // A reply stamped before a deadline may still sit unread: read everything first.
        while (io_->Drain(~uint64_t{0}, on_reply)) {
        }
        scheduler_->ExpireDue(now);
      }
      int64_t next = std::min(scheduler_->NextSendNs(), scheduler_->NextExpiryNs());
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
    scheduler_->Abort(ColoError::kInternal, MonoNs());
  }

  // Moves queued requests into the scheduler; false once the engine is stopping.
  bool TakeIncoming() {
    uint64_t drained;
    [[maybe_unused]] auto n = read(wake_, &drained, sizeof drained);
    std::vector<Pending> batch;
    bool stop;
    {
      std::lock_guard lock(mu_);
      batch.swap(incoming_);
      stop = stop_;
    }
    for (auto& p : batch) {
      if (stop) {
        ColoResult r;
        r.error = ColoError::kInternal;
        r.target_summary.ip = p.request.target.ToString();
        r.target_summary.name = r.target_summary.ip;
        p.done(std::move(r));
        continue;
      }
      scheduler_->Begin(std::move(p.request), std::move(p.done), p.queued_ns, MonoNs());
    }
    return !stop;
  }

  EngineOptions options_;
  std::thread thread_;
  std::mutex mu_;
  bool stop_ = false;              // guarded by mu_
  std::vector<Pending> incoming_;  // guarded by mu_
  int wake_ = -1;                  // eventfd; written from any thread

  // Made by Open before Create returns; used on the engine thread only, but for counters().
  std::unique_ptr<ProbeIo> io_;
  std::unique_ptr<TraceScheduler> scheduler_;
};

}  // namespace

model::Result<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.max_packets_per_second < 1 || options.probe_gap_us < 0 || options.max_traces < 1 ||
      options.max_traces > 0x8000) {
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
