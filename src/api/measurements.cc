#include "api/measurements.h"

#include <algorithm>

#include "model/json_writer.h"
#include "model/result_json.h"
#include "model/time_text.h"
#include "net/system.h"
#include "store/measurement_id.h"

namespace colotrace::api {

namespace {

using model::ColoResult;
using model::TargetResult;
using store::MeasurementRecord;
using store::MeasurementStatus;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HopEvent(const std::string& target, const model::Colo& colo, const model::Hop& hop) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("target").String(target);
  w.Key("colo").BeginObject();
  w.Key("name").String(colo.name);
  w.Key("city").String(colo.city);
  w.EndObject();
  w.Key("hop");
  model::WriteHop(w, hop);
  w.EndObject();
  return SseEvent("hop", w.str());
}

std::string ColoEvent(const std::string& target, const ColoResult& result) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("target").String(target);
  w.Key("result");
  model::WriteColoResult(w, result);
  w.EndObject();
  return SseEvent("colo", w.str());
}

std::string DoneEvent(const std::string& id, int64_t finished_at_ms) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("id").String(id);
  w.Key("status").String("finished");
  w.Key("finished_at").String(model::Rfc3339Ms(finished_at_ms));
  w.EndObject();
  return SseEvent("done", w.str());
}

constexpr const char* kKeepAlive = ": keep-alive\n\n";

}  // namespace

std::string SseEvent(std::string_view name, std::string_view data_json) {
  std::string out;
  out.reserve(name.size() + data_json.size() + 16);
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += data_json;  // compact JSON: one line
  out += "\n\n";
  return out;
}

// A measurement this server runs (or ran recently).
struct Measurements::Live {
  std::mutex mu;
  std::string id;
  std::string account_id;
  std::string request_json;
  std::string schedule_id;
  int64_t created_at_ms = 0;
  int64_t finished_at_ms = 0;
  bool finished = false;
  bool deleted = false;
  std::vector<std::string> targets;
  std::vector<std::string> colo_names;
  std::vector<TargetResult> results;  // every slot; running ones say so
  std::vector<std::string> events;    // as sent, in order
  std::vector<std::shared_ptr<ResponseStream>> watchers;
  std::chrono::steady_clock::time_point last_snapshot{};

  MeasurementRecord Record() const {
    MeasurementRecord r;
    r.id = id;
    r.account_id = account_id;
    r.status = finished ? MeasurementStatus::kFinished : MeasurementStatus::kRunning;
    r.created_at_ms = created_at_ms;
    r.finished_at_ms = finished_at_ms;
    r.request_json = request_json;
    r.result_json = model::ResultArrayJson(results);
    r.targets = targets;
    r.colos = colo_names;
    r.schedule_id = schedule_id;
    return r;
  }

  // mu held: records the event and sends it to every watcher still there.
  void Publish(std::string event) {
    std::erase_if(watchers,
                  [&](const std::shared_ptr<ResponseStream>& w) { return !w->Write(event); });
    events.push_back(std::move(event));
  }
};

// A stream of a measurement that runs elsewhere (another server on the same PostgreSQL): what
// of it has been sent, compared with the store's snapshots.
struct Measurements::Remote {
  std::shared_ptr<ResponseStream> out;
  std::string account_id;
  std::string id;
  std::vector<std::vector<size_t>> hops_sent;  // per target and colo
  std::vector<std::vector<bool>> colo_sent;
  bool ended = false;
};

Measurements::Measurements(store::MeasurementStore* store, store::StoreWriter* writer,
                           MeasurementsOptions options)
    : store_(store), writer_(writer), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  // A finished measurement stays in memory only until its final snapshot is written: from then
  // on the store answers for it (another server may delete it).
  if (writer_ != nullptr) {
    writer_->SetOnWritten([this](const std::vector<std::string>& ids) { Written(ids); });
  }
  // Without a store everything is in memory: no readers, no polling (a measurement lasts at
  // most a few deadlines, shorter than a keep-alive period).
  if (store_ == nullptr) return;
  for (int i = 0; i < std::max(1, options_.reader_threads); ++i) {
    readers_.emplace_back([this] {
      net::NameThisThread("ct-store-read");
      ReaderLoop();
    });
  }
  poller_ = std::thread([this] {
    net::NameThisThread("ct-events");
    PollerLoop();
  });
}

Measurements::~Measurements() {
  // The writer may outlive this object: it must not call back into it any more (this waits
  // for a call in progress).
  if (writer_ != nullptr) writer_->SetOnWritten(nullptr);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  poll_cv_.notify_all();
  for (auto& t : readers_) t.join();
  if (poller_.joinable()) poller_.join();
}

int64_t Measurements::Now() const {
  return options_.now_ms();
}

size_t Measurements::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

size_t Measurements::streams() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& w : streams_) n += w.expired() ? 0 : 1;
  return n;
}

std::optional<Measurements::Run> Measurements::Begin(const std::string& account_id,
                                                     std::string request_json,
                                                     const std::vector<std::string>& targets,
                                                     const std::vector<dispatch::ColoInfo>& colos,
                                                     const std::string& schedule_id) {
  auto live = std::make_shared<Live>();
  live->schedule_id = schedule_id;
  live->created_at_ms = Now();
  live->id = store::NewMeasurementId(live->created_at_ms);
  live->account_id = account_id;
  live->request_json = std::move(request_json);
  live->targets = targets;
  for (const auto& c : colos) live->colo_names.push_back(c.name);
  for (const auto& target : targets) {
    TargetResult t;
    t.target = target;
    for (const auto& c : colos) {
      ColoResult slot;
      slot.colo = {c.name, c.city};
      slot.running = true;
      t.colos.push_back(std::move(slot));
    }
    live->results.push_back(std::move(t));
  }
  {
    std::lock_guard lock(mu_);
    if (running_ >= options_.max_running) return std::nullopt;
    ++running_;
    live_[live->id] = live;
  }
  {
    std::lock_guard lock(live->mu);
    Snapshot(*live, true);  // other servers see it at once
  }
  Run run;
  run.id = live->id;
  run.created_at_ms = live->created_at_ms;
  run.observer.on_hop = [this, live](size_t t, size_t c, const model::Hop& hop) {
    std::lock_guard lock(live->mu);
    if (live->finished || live->deleted) return;
    ColoResult& slot = live->results[t].colos[c];
    slot.hops.push_back(hop);
    live->Publish(HopEvent(live->targets[t], slot.colo, hop));
    Snapshot(*live, false);
  };
  run.observer.on_colo = [this, live](size_t t, size_t c, const ColoResult& result) {
    std::lock_guard lock(live->mu);
    if (live->finished || live->deleted) return;
    ColoResult& slot = live->results[t].colos[c];
    slot = result;
    slot.running = false;
    live->Publish(ColoEvent(live->targets[t], slot));
    Snapshot(*live, false);
  };
  run.finish = [this, live](const std::vector<TargetResult>& results) {
    {
      std::lock_guard lock(live->mu);
      live->results = results;
      for (auto& t : live->results) {
        for (auto& c : t.colos) c.running = false;
      }
      live->finished = true;
      live->finished_at_ms = Now();
      if (!live->deleted) {
        live->Publish(DoneEvent(live->id, live->finished_at_ms));
        Snapshot(*live, true);
      }
      for (auto& w : live->watchers) w->End();
      live->watchers.clear();
    }
    Finished(live);
  };
  return run;
}

void Measurements::Snapshot(Live& live, bool force) {
  if (writer_ == nullptr || live.deleted) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - live.last_snapshot < options_.snapshot_every) return;
  live.last_snapshot = now;
  writer_->Write(live.Record());
}

void Measurements::Written(const std::vector<std::string>& finished) {
  std::lock_guard lock(mu_);
  for (const auto& id : finished) {
    live_.erase(id);
    std::erase(recent_, id);
  }
}

void Measurements::Finished(const std::shared_ptr<Live>& live) {
  std::lock_guard lock(mu_);
  --running_;
  if (live_.count(live->id) == 0) return;  // deleted meanwhile
  recent_.push_back(live->id);
  while (recent_.size() > options_.max_recent) {
    live_.erase(recent_.front());
    recent_.pop_front();
  }
}

std::shared_ptr<Measurements::Live> Measurements::FindLive(const std::string& account_id,
                                                           const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(id);
  if (it == live_.end() || it->second->account_id != account_id) return nullptr;
  return it->second;
}

bool Measurements::Submit(std::function<void()> task) {
  if (store_ == nullptr) return false;
  return Read(std::move(task));
}

bool Measurements::Read(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stop_ || reads_.size() >= options_.max_queued_reads) return false;
    reads_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void Measurements::ReaderLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !reads_.empty(); });
    if (reads_.empty()) return;  // stopping, nothing left
    auto task = std::move(reads_.front());
    reads_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void Measurements::Get(const std::string& account_id, const std::string& id,
                       std::function<void(Found)> done) {
  if (auto live = FindLive(account_id, id)) {
    std::unique_lock lock(live->mu);
    if (!live->deleted) {
      MeasurementRecord record = live->Record();
      lock.unlock();
      return done(std::optional<MeasurementRecord>(std::move(record)));
    }
  }
  if (store_ == nullptr) return done(std::optional<MeasurementRecord>());
  auto shared = std::make_shared<std::function<void(Found)>>(std::move(done));
  if (!Read([this, account_id, id, shared] { (*shared)(store_->Get(account_id, id)); })) {
    (*shared)(Found::Error("too many reads waiting for the database"));
  }
}

void Measurements::List(store::ListQuery query,
                        std::function<void(model::Result<store::ListPage>)> done) {
  using R = model::Result<store::ListPage>;
  if (store_ == nullptr) return done(R::Error("no history is kept (--no-db)"));
  auto shared = std::make_shared<std::function<void(R)>>(std::move(done));
  if (!Read([this, query, shared] { (*shared)(store_->List(query)); })) {
    (*shared)(R::Error("too many reads waiting for the database"));
  }
}

void Measurements::Delete(const std::string& account_id, const std::string& id,
                          std::function<void(model::Result<bool>)> done) {
  bool was_live = false;
  if (auto live = FindLive(account_id, id)) {
    std::vector<std::shared_ptr<ResponseStream>> watchers;
    {
      std::lock_guard lock(live->mu);
      was_live = !live->deleted;
      live->deleted = true;
      watchers.swap(live->watchers);
    }
    for (auto& w : watchers) w->End();
    std::lock_guard lock(mu_);
    live_.erase(id);
    std::erase(recent_, id);
  }
  if (store_ == nullptr) return done(was_live);
  auto shared = std::make_shared<std::function<void(model::Result<bool>)>>(std::move(done));
  if (!Read([this, account_id, id, was_live, shared] {
        auto deleted = store_->Delete(account_id, id);
        if (deleted && was_live) deleted = true;  // a live one may not be written yet
        (*shared)(std::move(deleted));
      })) {
    (*shared)(model::Result<bool>::Error("too many reads waiting for the database"));
  }
}

void Measurements::Stream(const std::string& account_id, const std::string& id,
                          std::shared_ptr<ResponseStream> out) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(streams_, [](const std::weak_ptr<ResponseStream>& w) { return w.expired(); });
    streams_.push_back(out);
  }
  if (auto live = FindLive(account_id, id)) {
    bool watching = false;
    {
      std::lock_guard lock(live->mu);
      for (const auto& event : live->events) out->Write(event);
      if (live->finished || live->deleted) {
        out->End();
      } else {
        live->watchers.push_back(out);
        watching = true;
      }
    }
    if (watching) {
      // A client that goes away stops being written to (and its stream is released).
      std::weak_ptr<Live> weak_live = live;
      std::weak_ptr<ResponseStream> weak_out = out;
      out->SetOnClose([weak_live, weak_out] {
        auto l = weak_live.lock();
        auto o = weak_out.lock();
        if (!l || !o) return;
        std::lock_guard lock(l->mu);
        std::erase(l->watchers, o);
      });
    }
    return;
  }
  if (store_ == nullptr) return out->End();
  auto remote = std::make_shared<Remote>();
  remote->out = out;
  remote->account_id = account_id;
  remote->id = id;
  if (!Read([this, remote] {
        PollRemote(*remote);
        if (remote->ended) return;
        std::lock_guard lock(mu_);
        remotes_.push_back(remote);
      })) {
    out->End();
  }
}

void Measurements::PollRemote(Remote& r) {
  if (!r.out->Write("")) {  // the client went away
    r.ended = true;
    return;
  }
  auto found = store_->Get(r.account_id, r.id);
  if (!found) return;         // the database cannot answer now: next time
  if (!found->has_value()) {  // deleted meanwhile
    r.out->End();
    r.ended = true;
    return;
  }
  const MeasurementRecord& record = **found;
  auto results = model::ParseResultArrayJson(record.result_json);
  if (results) {
    r.hops_sent.resize(results->size());
    r.colo_sent.resize(results->size());
    bool open = true;
    for (size_t t = 0; t < results->size() && open; ++t) {
      const TargetResult& target = (*results)[t];
      r.hops_sent[t].resize(target.colos.size(), 0);
      r.colo_sent[t].resize(target.colos.size(), false);
      for (size_t c = 0; c < target.colos.size() && open; ++c) {
        const ColoResult& slot = target.colos[c];
        for (size_t h = r.hops_sent[t][c]; h < slot.hops.size() && open; ++h) {
          open = r.out->Write(HopEvent(target.target, slot.colo, slot.hops[h]));
          r.hops_sent[t][c] = h + 1;
        }
        if (!slot.running && !r.colo_sent[t][c] && open) {
          open = r.out->Write(ColoEvent(target.target, slot));
          r.colo_sent[t][c] = true;
        }
      }
    }
    if (!open) {
      r.ended = true;  // the client went away
      return;
    }
  }
  if (record.status == MeasurementStatus::kFinished) {
    r.out->Write(DoneEvent(record.id, record.finished_at_ms));
    r.out->End();
    r.ended = true;
  }
}

void Measurements::PollerLoop() {
  auto next_keepalive = std::chrono::steady_clock::now() + options_.keepalive_every;
  std::unique_lock lock(mu_);
  while (!stop_) {
    poll_cv_.wait_for(lock, options_.poll_every, [this] { return stop_; });
    if (stop_) return;
    std::vector<std::shared_ptr<Remote>> remotes = remotes_;
    bool keepalive = std::chrono::steady_clock::now() >= next_keepalive;
    std::vector<std::shared_ptr<ResponseStream>> streams;
    if (keepalive) {
      next_keepalive = std::chrono::steady_clock::now() + options_.keepalive_every;
      for (auto& w : streams_) {
        if (auto s = w.lock()) streams.push_back(std::move(s));
      }
    }
    lock.unlock();
    for (auto& r : remotes) PollRemote(*r);
    for (auto& s : streams) s->Write(kKeepAlive);
    lock.lock();
    std::erase_if(remotes_, [](const std::shared_ptr<Remote>& r) { return r->ended; });
    std::erase_if(streams_, [](const std::weak_ptr<ResponseStream>& w) { return w.expired(); });
  }
}

}  // namespace colotrace::api
