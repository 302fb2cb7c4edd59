// A bounded cache whose entries expire: least-recently-used eviction at capacity, expiry
// times given by the caller (from a DNS record's TTL). Not thread-safe: callers lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

namespace colotrace::enrich {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  // capacity: most entries held at once; 0 caches nothing.
  explicit TtlCache(size_t capacity) : capacity_(capacity) {}

  // The value for key if present and not expired at `now` (an expired entry is dropped).
  std::optional<Value> Get(const Key& key, Clock::time_point now) {
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (it->second->expires <= now) {
      order_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    order_.splice(order_.begin(), order_, it->second);
    return it->second->value;
  }

  // Stores value until `expires` (replacing any entry for key); evicts the least recently
  // used entry when full. An entry that is already expired is not stored.
  void Put(const Key& key, Value value, Clock::time_point expires, Clock::time_point now) {
    if (capacity_ == 0) return;
    auto it = index_.find(key);
    if (it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
    if (expires <= now) return;
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
    order_.push_front(Entry{key, std::move(value), expires});
    index_.emplace(key, order_.begin());
  }

  size_t size() const { return index_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    Key key;
    Value value;
    Clock::time_point expires;
  };
  size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash> index_;
};

}  // namespace colotrace::enrich
