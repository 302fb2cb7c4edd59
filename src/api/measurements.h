// What the API keeps of measurements: every traceroute it runs (the synchronous Cloudflare call
// included) gets an id and lives here while it runs (partial result, its events so far, the
// clients watching it), then in the store (store/measurement_store.h) through the background
// writer: once its final snapshot is written the store answers for it. Without a store, the
// newest `max_recent` finished ones stay in memory. docs/api.md, "Measurements".
//
// Threads: every method may be called from any thread. Callbacks run on a reader thread
// ("ct-store-read") or on the caller's. Nothing here blocks on the database on the caller's
// thread: reads run on `reader_threads` threads of their own, writes on the StoreWriter's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http_types.h"
#include "dispatch/dispatcher.h"
#include "model/result.h"
#include "model/traceroute.h"
#include "store/measurement_store.h"
#include "store/store_writer.h"

namespace colotrace::api {

struct MeasurementsOptions {
  size_t max_running = 10'000;  // measurements running at once; Begin refuses more
  size_t max_recent = 1'000;    // finished measurements also kept in memory, newest first
  // A running measurement's snapshot goes to the store at most this often (and when it ends).
  std::chrono::milliseconds snapshot_every{500};
  // How often the events of a measurement running on another server (PostgreSQL) are polled.
  std::chrono::milliseconds poll_every{250};
  // A comment line on every event stream this often, so that proxies keep it open.
  std::chrono::milliseconds keepalive_every{15'000};
  int reader_threads = 2;
  size_t max_queued_reads = 1'000;  // more are answered as unavailable at once
  std::function<int64_t()> now_ms;  // Unix ms; default: the system clock
};

class Measurements {
 public:
  // `store` and `writer` (both or neither: storage off) must outlive this object. With a store
  // it starts its reader threads and one poller ("ct-events"); without one, none.
  Measurements(store::MeasurementStore* store, store::StoreWriter* writer,
               MeasurementsOptions options);
  ~Measurements();
  Measurements(const Measurements&) = delete;
  Measurements& operator=(const Measurements&) = delete;

  bool storing() const { return store_ != nullptr; }

  // A running measurement, fed by the dispatcher: `observer` for its progress, `finish` once
  // with the final results.
  struct Run {
    std::string id;
    int64_t created_at_ms = 0;
    dispatch::Dispatcher::Observer observer;
    std::function<void(const std::vector<model::TargetResult>&)> finish;
  };
  // Registers a measurement of `account_id` tracing `targets` from `colos`; `request_json` is
  // the request as it runs; `schedule_id` names the schedule it is a run of ("" for none).
  // nullopt when max_running run already.
  std::optional<Run> Begin(const std::string& account_id, std::string request_json,
                           const std::vector<std::string>& targets,
                           const std::vector<dispatch::ColoInfo>& colos,
                           const std::string& schedule_id = "");

  using Found = model::Result<std::optional<store::MeasurementRecord>>;
  // The measurement `id` of `account_id`: from memory, else from the store. nullopt: none (or
  // another account's); an error: the store cannot answer now.
  void Get(const std::string& account_id, const std::string& id, std::function<void(Found)> done);
  void List(store::ListQuery query, std::function<void(model::Result<store::ListPage>)> done);
  // Forgets it (in memory and in the store); false when there was none for that account.
  void Delete(const std::string& account_id, const std::string& id,
              std::function<void(model::Result<bool>)> done);

  // Sends the measurement's events to `out` as text/event-stream: what happened so far, then
  // what happens (`event: hop`, `event: colo`, and `event: done` last, after which `out`
  // ends). A measurement running on another server is polled from the store. Call it with a
  // measurement Get found; one that is gone meanwhile ends the stream at once.
  void Stream(const std::string& account_id, const std::string& id,
              std::shared_ptr<ResponseStream> out);

  size_t running() const;
  size_t streams() const;

  // Runs `task` on a reader thread (work that blocks on the database, off the I/O threads);
  // false when storage is off or too many tasks wait (then `task` is not run).
  bool Submit(std::function<void()> task);

 private:
  struct Live;
  struct Remote;
  std::shared_ptr<Live> FindLive(const std::string& account_id, const std::string& id) const;
  void Snapshot(Live& live, bool force);  // live.mu held
  void Finished(const std::shared_ptr<Live>& live);
  void Written(const std::vector<std::string>& ids);
  bool Read(std::function<void()> task);  // on a reader thread; false when the queue is full
  void ReaderLoop();
  void PollerLoop();
  void PollRemote(Remote& remote);
  int64_t Now() const;

  store::MeasurementStore* store_;
  store::StoreWriter* writer_;
  MeasurementsOptions options_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Live>> live_;  // running and recent, by id
  std::deque<std::string> recent_;                               // finished ids, oldest first
  size_t running_ = 0;
  std::vector<std::shared_ptr<Remote>> remotes_;        // streams of measurements elsewhere
  std::vector<std::weak_ptr<ResponseStream>> streams_;  // every stream, for keep-alives
  bool stop_ = false;
  std::condition_variable cv_;  // reads queued, or stopping
  std::deque<std::function<void()>> reads_;
  std::vector<std::thread> readers_;
  std::condition_variable poll_cv_;
  std::thread poller_;
};

// One event of a measurement's stream as text/event-stream ("event: NAME\ndata: JSON\n\n").
std::string SseEvent(std::string_view name, std::string_view data_json);

}  // namespace colotrace::api
