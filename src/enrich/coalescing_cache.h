// What ReverseDns and CymruAsn share: a TtlCache in front of DNS queries where concurrent
// lookups of one key share one query, and a bounded wait for a batch of lookups.
// Header-only; internal to the enrich module.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "enrich/ttl_cache.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// The cache key of an address: family and bytes.
inline std::string CacheKey(const net::IpAddress& address) {
  std::string key(1, address.is_v4() ? '4' : '6');
  key.append(reinterpret_cast<const char*>(address.data()), address.size());
  return key;
}

// Thread-safety: every method may be called from any thread; callbacks run outside the lock.
template <typename Value>
class CoalescingCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(Value)>;

  explicit CoalescingCache(size_t capacity) : cache_(capacity) {}

  enum class Begin {
    kHit,         // *hit holds the cached value; `done` was left with the caller
    kStartQuery,  // `done` waits; the caller starts the query and calls Finish
    kWaiting,     // `done` waits for a query already running
  };
  Begin Start(const std::string& key, Callback& done, std::optional<Value>* hit) {
    std::lock_guard lock(mu_);
    *hit = cache_.Get(key, Clock::now());
    if (*hit) return Begin::kHit;
    auto [it, first] = waiting_.try_emplace(key);
    it->second.push_back(std::move(done));
    return first ? Begin::kStartQuery : Begin::kWaiting;
  }

  // Caches `value` for keep_s seconds (nullopt or <= 0: not at all) and answers everyone
  // waiting for `key`.
  void Finish(const std::string& key, const Value& value, std::optional<int64_t> keep_s) {
    std::vector<Callback> callbacks;
    {
      std::lock_guard lock(mu_);
      if (keep_s && *keep_s > 0) {
        Clock::time_point now = Clock::now();
        cache_.Put(key, value, now + std::chrono::seconds(*keep_s), now);
      }
      auto it = waiting_.find(key);
      if (it != waiting_.end()) {
        callbacks = std::move(it->second);
        waiting_.erase(it);
      }
    }
    for (Callback& cb : callbacks) cb(value);
  }

  std::optional<Value> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    return cache_.Get(key, Clock::now());
  }

 private:
  std::mutex mu_;
  TtlCache<std::string, Value> cache_;
  std::unordered_map<std::string, std::vector<Callback>> waiting_;  // queries in flight
};

// Starts `count` lookups (start(i, done) must call done exactly once, on any thread) and waits
// at most budget_ms for them; result i is what lookup i delivered, or Value{} if it had not.
template <typename Value>
std::vector<Value> GatherWithin(
    size_t count, const std::function<void(size_t, std::function<void(Value)>)>& start,
    int budget_ms) {
  struct Gather {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Value> values;
    size_t remaining = 0;
  };
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(budget_ms, 0));
  auto gather = std::make_shared<Gather>();
  gather->values.resize(count);
  gather->remaining = count;
  for (size_t i = 0; i < count; ++i) {
    start(i, [gather, i](Value v) {
      std::lock_guard lock(gather->mu);
      gather->values[i] = std::move(v);
      if (--gather->remaining == 0) gather->cv.notify_all();
    });
  }
  std::unique_lock lock(gather->mu);
  gather->cv.wait_until(lock, deadline, [&] { return gather->remaining == 0; });
  return gather->values;
}

}  // namespace colotrace::enrich
