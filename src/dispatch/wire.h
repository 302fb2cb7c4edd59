// The NATS wire format between API servers and agents (docs/wire.md): subjects and the JSON of
// announcements, jobs and replies. Pure. Every message carries "v": kWireVersion; a message of
// another version is refused, never guessed at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/result.h"
#include "model/traceroute.h"

namespace colotrace::dispatch {

inline constexpr int kWireVersion = 1;
inline constexpr const char* kAnnounceSubject = "colotrace.v1.announce";

// "colotrace.v1.trace.<colo, lower-cased>": the subject an agent of that colo takes jobs on
// (in the queue group QueueGroup(colo), so that the colo's agents share them).
std::string TraceSubject(std::string_view colo);
std::string QueueGroup(std::string_view colo);

struct Announcement {
  std::string colo;
  std::string city;
  std::string agent;    // a unique id of the announcing process
  std::string version;  // colotrace's version
  int capacity = 0;     // traceroutes it takes at once
  bool available = true;
};

struct Job {
  std::string target;
  model::TraceOptions options;
};

std::string EncodeAnnouncement(const Announcement& a);
std::string EncodeJob(const Job& job);
// A reply: the colo's result (colo name and city included).
std::string EncodeReply(const model::ColoResult& result);

// Decoders: an error names what is wrong ("wire version 2, this is 1", "not JSON", ...).
model::Result<Announcement> DecodeAnnouncement(std::string_view data);
model::Result<Job> DecodeJob(std::string_view data);
model::Result<model::ColoResult> DecodeReply(std::string_view data);

// The version a message says it has, or nullopt if it says none (or is not JSON).
std::optional<int64_t> WireVersionOf(std::string_view data);

}  // namespace colotrace::dispatch
