// Writes measurements in the background, so that no request ever waits on the database: a
// bounded queue of the newest snapshot per measurement, written in batches by one thread, kept
// and retried with backoff while the database is down or full, pruned by retention. What cannot
// be kept (the queue full) is counted and logged, never dropped silently.
//
// Threads: Write and counters from any thread; one writer thread of its own ("ct-store").
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "store/measurement_store.h"

namespace colotrace::store {

struct StoreWriterOptions {
  size_t max_pending = 10'000;  // measurements waiting to be written; more are dropped
  size_t batch = 200;           // measurements per transaction
  // Retention: measurements older than this are pruned (every prune_every), and running ones
  // older than abandon_after are marked finished (their server died).
  std::chrono::milliseconds retention{30LL * 24 * 3600 * 1000};
  std::chrono::milliseconds prune_every{3600 * 1000};
  std::chrono::milliseconds abandon_after{10 * 60 * 1000};
  // Longest wait between tries while the database fails (doubling from 100 ms).
  std::chrono::milliseconds max_backoff{5000};
  // How long the destructor keeps writing what is pending before it gives up (counted).
  std::chrono::milliseconds flush_timeout{5000};
  std::function<int64_t()> now_ms;  // Unix ms; default: the system clock
};

struct StoreCounters {
  uint64_t written = 0;       // measurement snapshots written
  uint64_t write_errors = 0;  // failed attempts (each batch retry counts)
  uint64_t dropped = 0;       // snapshots never written: the queue was full, or at shutdown
  uint64_t pruned = 0;        // measurements removed by retention
  uint64_t pending = 0;       // waiting now
  bool up = true;             // the last attempt succeeded
};

class StoreWriter {
 public:
  // `store` must outlive the writer. Starts the writer thread (and prunes once at start).
  StoreWriter(MeasurementStore& store, StoreWriterOptions options);
  // Writes what is pending (at most flush_timeout), then stops.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Queues a snapshot; a queued snapshot of the same measurement is replaced by it (the newest
  // wins). Never blocks on the database.
  void Write(MeasurementRecord record);
  // Blocks until everything queued before the call was written or `timeout` passed; true when
  // written. For tests and shutdown.
  bool Flush(std::chrono::milliseconds timeout);
  StoreCounters counters() const;
  // Called on the writer thread after every batch written, with the ids of the measurements
  // whose finished snapshot it held. May be replaced or cleared (nullptr) at any time; the call
  // returns once no call of the previous function is in progress, so that its owner may go.
  void SetOnWritten(std::function<void(const std::vector<std::string>& finished)> on_written);

 private:
  void Loop();
  void Prune();

  MeasurementStore& store_;
  StoreWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;                        // work queued, or stopping
  std::condition_variable written_;                   // a batch was written
  std::map<std::string, MeasurementRecord> pending_;  // by id, guarded by mu_
  std::deque<std::string> order_;                     // ids in the order first queued
  size_t in_flight_ = 0;                              // records being written now
  bool stop_ = false;
  StoreCounters counters_;  // guarded by mu_ (but pending, derived)
  std::mutex callback_mu_;  // held while on_written_ runs or changes
  std::function<void(const std::vector<std::string>&)> on_written_;  // guarded by callback_mu_
  std::thread thread_;
};

}  // namespace colotrace::store
