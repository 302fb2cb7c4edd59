#include "store/store_writer.h"

#include <cstdio>

#include "net/log.h"
#include "net/system.h"

namespace colotrace::store {

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StoreWriter::StoreWriter(MeasurementStore& store, StoreWriterOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  thread_ = std::thread([this] {
    net::NameThisThread("ct-store");
    Loop();
  });
}

StoreWriter::~StoreWriter() {
  Flush(options_.flush_timeout);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  if (!pending_.empty()) {
    counters_.dropped += pending_.size();
    net::Log(net::LogLevel::kError, "storage", "measurements not written at shutdown",
             {net::LogNumber("count", static_cast<double>(pending_.size())),
              {"store", store_.Describe()}});
  }
}

void StoreWriter::Write(MeasurementRecord record) {
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(record.id);
    if (it != pending_.end()) {
      // A finished snapshot is never replaced by a running one queued after it.
      if (!(it->second.status == MeasurementStatus::kFinished &&
            record.status == MeasurementStatus::kRunning)) {
        it->second = std::move(record);
      }
      return;
    }
    if (pending_.size() >= options_.max_pending) {
      ++counters_.dropped;
      net::Log(net::LogLevel::kError, "storage", "measurement not stored: the queue is full",
               {{"id", record.id},
                net::LogNumber("queued", static_cast<double>(pending_.size())),
                {"store", store_.Describe()}});
      return;
    }
    order_.push_back(record.id);
    pending_.emplace(record.id, std::move(record));
  }
  cv_.notify_one();
}

bool StoreWriter::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return written_.wait_for(lock, timeout, [this] { return pending_.empty() && in_flight_ == 0; });
}

void StoreWriter::SetOnWritten(
    std::function<void(const std::vector<std::string>& finished)> on_written) {
  std::lock_guard lock(callback_mu_);  // waits for a call in progress
  on_written_ = std::move(on_written);
}

StoreCounters StoreWriter::counters() const {
  std::lock_guard lock(mu_);
  StoreCounters c = counters_;
  c.pending = pending_.size() + in_flight_;
  return c;
}

void StoreWriter::Prune() {
  int64_t now = options_.now_ms();
  auto pruned =
      store_.Prune(now - options_.retention.count(), now - options_.abandon_after.count());
  std::lock_guard lock(mu_);
  if (pruned) {
    counters_.pruned += static_cast<uint64_t>(*pruned);
  } else {
    ++counters_.write_errors;
    net::Log(net::LogLevel::kWarning, "storage", "pruning failed", {{"error", pruned.error()}});
  }
}

void StoreWriter::Loop() {
  auto next_prune = std::chrono::steady_clock::now();
  std::chrono::milliseconds backoff{0};
  std::unique_lock lock(mu_);
  while (true) {
    auto wake = next_prune;
    if (backoff.count() > 0) wake = std::min(wake, std::chrono::steady_clock::now() + backoff);
    cv_.wait_until(lock, wake,
                   [&] { return stop_ || (!pending_.empty() && backoff.count() == 0); });
    if (std::chrono::steady_clock::now() >= next_prune) {
      lock.unlock();
      Prune();
      lock.lock();
      next_prune = std::chrono::steady_clock::now() + options_.prune_every;
    }
    if (pending_.empty()) {
      backoff = std::chrono::milliseconds(0);
      if (stop_) return;
      continue;
    }
    if (stop_ && backoff.count() > 0) return;  // the database is down: the destructor counts
    // Take a batch, oldest first.
    std::vector<MeasurementRecord> batch;
    while (!order_.empty() && batch.size() < options_.batch) {
      auto it = pending_.find(order_.front());
      order_.pop_front();
      if (it == pending_.end()) continue;
      batch.push_back(std::move(it->second));
      pending_.erase(it);
    }
    in_flight_ = batch.size();
    lock.unlock();
    model::Status s = store_.Put(batch);
    lock.lock();
    in_flight_ = 0;
    if (s) {
      std::vector<std::string> ids;
      for (const auto& m : batch) {
        if (m.status == MeasurementStatus::kFinished) ids.push_back(m.id);
      }
      lock.unlock();
      {
        std::lock_guard callback(callback_mu_);
        if (on_written_) on_written_(ids);
      }
      lock.lock();
      counters_.written += batch.size();
      if (!counters_.up) {
        net::Log(net::LogLevel::kInfo, "storage", "the store is back; writing what waited",
                 {{"store", store_.Describe()}});
      }
      counters_.up = true;
      backoff = std::chrono::milliseconds(0);
      written_.notify_all();
      continue;
    }
    ++counters_.write_errors;
    if (counters_.up) {
      net::Log(net::LogLevel::kError, "storage",
               "cannot write; measurements wait in memory and are written when the store is back",
               {{"store", store_.Describe()},
                {"error", s.error()},
                net::LogNumber("max_pending", static_cast<double>(options_.max_pending))});
    }
    counters_.up = false;
    // Back into the queue, unless a newer snapshot of the same measurement came meanwhile.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (pending_.count(it->id) != 0) continue;
      order_.push_front(it->id);
      pending_.emplace(it->id, std::move(*it));
    }
    backoff = std::min(options_.max_backoff,
                       backoff.count() == 0 ? std::chrono::milliseconds(100) : backoff * 2);
  }
}

}  // namespace colotrace::store
