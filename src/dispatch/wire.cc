#include "dispatch/wire.h"

#include <boost/json.hpp>

#include "model/json_writer.h"
#include "model/result_json.h"

namespace colotrace::dispatch {

namespace json = boost::json;
using model::Result;

std::string TraceSubject(std::string_view colo) {
  std::string s = "colotrace.v1.trace.";
  for (char c : colo) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string QueueGroup(std::string_view colo) {
  std::string s = "colo.";
  for (char c : colo) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string EncodeAnnouncement(const Announcement& a) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(kOldestWireVersion);  // readable by servers of every version
  w.Key("colo").String(a.colo);
  w.Key("city").String(a.city);
  w.Key("agent").String(a.agent);
  w.Key("version").String(a.version);
  w.Key("capacity").Int(a.capacity);
  w.Key("available").Bool(a.available);
  w.Key("progress").Bool(a.progress);
  w.EndObject();
  return w.Take();
}

std::string EncodeJob(const Job& job) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(job.version);
  w.Key("target").String(job.target);
  if (job.version >= 2) w.Key("progress").Bool(job.progress);
  w.Key("options");
  model::WriteTraceOptions(w, job.options);
  w.EndObject();
  return w.Take();
}

std::string EncodeReply(const model::ColoResult& result, int version) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(version);
  w.Key("result");
  model::WriteColoResult(w, result);
  w.EndObject();
  return w.Take();
}

std::string EncodeHop(const model::Hop& hop) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(2);
  w.Key("hop");
  model::WriteHop(w, hop);
  w.EndObject();
  return w.Take();
}

namespace {

// Parses `data` as a JSON object of a wire version this build reads; *version gets it.
Result<json::object> Envelope(std::string_view data, int* version_out = nullptr) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  json::value v = json::parse(data, ec, {}, opts);
  if (ec || !v.is_object()) return Result<json::object>::Error("not a JSON object");
  const json::value* version = v.as_object().if_contains("v");
  if (version == nullptr || !version->is_int64()) {
    return Result<json::object>::Error("no wire version");
  }
  int64_t v_number = version->as_int64();
  if (v_number < kOldestWireVersion || v_number > kWireVersion) {
    return Result<json::object>::Error("wire version " + std::to_string(v_number) +
                                       ", this reads " + std::to_string(kOldestWireVersion) +
                                       " to " + std::to_string(kWireVersion));
  }
  if (version_out != nullptr) *version_out = static_cast<int>(v_number);
  return std::move(v.as_object());
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t Int(const json::object& o, const char* key, int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : fallback;
}

}  // namespace

std::optional<int64_t> WireVersionOf(std::string_view data) {
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::value* version = v.as_object().if_contains("v");
  if (version == nullptr || !version->is_int64()) return std::nullopt;
  return version->as_int64();
}

Result<Announcement> DecodeAnnouncement(std::string_view data) {
  auto o = Envelope(data);
  if (!o) return Result<Announcement>::Error(o.error());
  Announcement a;
  a.colo = Str(*o, "colo");
  a.city = Str(*o, "city");
  a.agent = Str(*o, "agent");
  a.version = Str(*o, "version");
  a.capacity = static_cast<int>(Int(*o, "capacity"));
  const json::value* available = o->if_contains("available");
  a.available = available == nullptr || !available->is_bool() || available->as_bool();
  const json::value* progress = o->if_contains("progress");
  a.progress = progress != nullptr && progress->is_bool() && progress->as_bool();
  if (!model::IsValidColoName(a.colo) || a.agent.empty()) {
    return Result<Announcement>::Error("announcement without a valid colo name or agent");
  }
  return a;
}

Result<Job> DecodeJob(std::string_view data) {
  Job job;
  auto o = Envelope(data, &job.version);
  if (!o) return Result<Job>::Error(o.error());
  if (job.version >= 2) {
    const json::value* progress = o->if_contains("progress");
    job.progress = progress != nullptr && progress->is_bool() && progress->as_bool();
  }
  job.target = Str(*o, "target");
  const json::value* opts = o->if_contains("options");
  if (job.target.empty() || opts == nullptr || !opts->is_object()) {
    return Result<Job>::Error("job without target or options");
  }
  const json::object& op = opts->as_object();
  // Absent options keep TraceOptions' defaults; present ones must be integers within the
  // rules every reader of options applies.
  for (const model::IntOptionRule& rule : model::IntOptionRules()) {
    const json::value* v = op.if_contains(rule.name);
    if (v == nullptr) continue;
    if (!v->is_int64() || !rule.Accepts(v->as_int64())) {
      return Result<Job>::Error("job with an invalid " + std::string(rule.name));
    }
    job.options.*rule.field = static_cast<int>(v->as_int64());
  }
  if (auto bad = model::NormalizeTraceOptions(job.options)) {
    return Result<Job>::Error("job with an invalid " + std::string(model::RuleOf(*bad).name));
  }
  auto type = model::ParsePacketType(Str(op, "packet_type"));
  if (!type) return Result<Job>::Error("job with an unknown packet type");
  job.options.packet_type = *type;
  // Added in wire version 1 later on: absent means "auto".
  if (op.contains("ip_version")) {
    auto version = model::ParseIpVersion(Str(op, "ip_version"));
    if (!version) return Result<Job>::Error("job with an unknown ip_version");
    job.options.ip_version = *version;
  }
  // Multipath (absent: a single path). Agents built before it ignore these and answer with
  // one path and no multipath_complete.
  if (const json::value* m = op.if_contains("multipath")) {
    if (!m->is_bool()) return Result<Job>::Error("job with an invalid multipath");
    job.options.multipath = m->as_bool();
  }
  if (const json::value* c = op.if_contains("confidence")) {
    if (!c->is_int64() || !model::IsValidConfidence(c->as_int64())) {
      return Result<Job>::Error("job with an invalid confidence");
    }
    job.options.confidence = static_cast<int>(c->as_int64());
  }
  return job;
}

Result<ReplyMessage> DecodeReplyMessage(std::string_view data) {
  int version = 0;
  auto o = Envelope(data, &version);
  if (!o) return Result<ReplyMessage>::Error(o.error());
  ReplyMessage message;
  if (const json::value* hop = o->if_contains("hop"); hop != nullptr && version >= 2) {
    if (!hop->is_object()) return Result<ReplyMessage>::Error("a hop that is not an object");
    auto parsed = model::ParseHopJson(json::serialize(*hop));
    if (!parsed) return Result<ReplyMessage>::Error(parsed.error());
    message.hop = std::move(*parsed);
    return message;
  }
  const json::value* rv = o->if_contains("result");
  if (rv == nullptr || !rv->is_object()) return Result<ReplyMessage>::Error("no result");
  auto parsed = model::ParseColoResultJson(json::serialize(*rv));
  if (!parsed) return Result<ReplyMessage>::Error(parsed.error());
  message.result = std::move(*parsed);
  return message;
}

Result<model::ColoResult> DecodeReply(std::string_view data) {
  auto message = DecodeReplyMessage(data);
  if (!message) return Result<model::ColoResult>::Error(message.error());
  if (!message->result) return Result<model::ColoResult>::Error("a hop where the result was due");
  return std::move(*message->result);
}

}  // namespace colotrace::dispatch
