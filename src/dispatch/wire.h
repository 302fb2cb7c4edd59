// The NATS wire format between API servers and agents (docs/wire.md): subjects and the JSON of
// announcements, jobs, progress and replies. Pure. Every message carries its version "v";
// versions other than 1 and 2 are refused, never guessed at.
//
// Version 2 adds progress: a job of version 2 may ask for it, and its agent then publishes one
// hop message per final hop to the job's reply subject before the result. Announcements stay
// version 1 (so that API servers of version 1 still see new agents) and say whether the agent
// can report progress; a server sends version-2 jobs only to colos whose agents all can, and
// version-1 jobs (answered without progress) otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/result.h"
#include "model/traceroute.h"

namespace colotrace::dispatch {

inline constexpr int kWireVersion = 2;        // the newest this build speaks
inline constexpr int kOldestWireVersion = 1;  // the oldest it still reads and answers
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
  bool progress = false;  // takes version-2 jobs and reports hops as they become final
};

struct Job {
  std::string target;
  model::TraceOptions options;
  int version = kWireVersion;  // 1 or 2: the reply comes in the same version
  bool progress = false;       // version 2 only: send hop messages before the result
};

// A message on a job's reply subject: a hop (progress, version 2) or the result.
struct ReplyMessage {
  std::optional<model::Hop> hop;
  std::optional<model::ColoResult> result;
};

std::string EncodeAnnouncement(const Announcement& a);
std::string EncodeJob(const Job& job);
// The result (colo name and city included), in `version`.
std::string EncodeReply(const model::ColoResult& result, int version = kWireVersion);
// A progress message (version 2).
std::string EncodeHop(const model::Hop& hop);

// Decoders: an error names what is wrong ("wire version 3, this reads 1 to 2", "not JSON",
// "job with an invalid wait_time", ...).
model::Result<Announcement> DecodeAnnouncement(std::string_view data);
model::Result<Job> DecodeJob(std::string_view data);
model::Result<ReplyMessage> DecodeReplyMessage(std::string_view data);
// A reply that must be the result (not a hop).
model::Result<model::ColoResult> DecodeReply(std::string_view data);

// The version a message says it has, or nullopt if it says none (or is not JSON).
std::optional<int64_t> WireVersionOf(std::string_view data);

}  // namespace colotrace::dispatch
