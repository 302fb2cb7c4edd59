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
  w.Key("v").Int(kWireVersion);
  w.Key("colo").String(a.colo);
  w.Key("city").String(a.city);
  w.Key("agent").String(a.agent);
  w.Key("version").String(a.version);
  w.Key("capacity").Int(a.capacity);
  w.Key("available").Bool(a.available);
  w.EndObject();
  return w.Take();
}

std::string EncodeJob(const Job& job) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(kWireVersion);
  w.Key("target").String(job.target);
  w.Key("options").BeginObject();
  w.Key("max_ttl").Int(job.options.max_ttl);
  w.Key("packet_type").String(model::PacketTypeName(job.options.packet_type));
  w.Key("packets_per_ttl").Int(job.options.packets_per_ttl);
  w.Key("port").Int(job.options.port);
  w.Key("wait_time").Int(job.options.wait_time_s);
  w.Key("ip_version").String(model::IpVersionName(job.options.ip_version));
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string EncodeReply(const model::ColoResult& result) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("v").Int(kWireVersion);
  w.Key("result");
  model::WriteColoResult(w, result);
  w.EndObject();
  return w.Take();
}

namespace {

// Parses `data` as a JSON object of our wire version.
Result<json::object> Envelope(std::string_view data) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  json::value v = json::parse(data, ec, {}, opts);
  if (ec || !v.is_object()) return Result<json::object>::Error("not a JSON object");
  const json::value* version = v.as_object().if_contains("v");
  if (version == nullptr || !version->is_int64()) {
    return Result<json::object>::Error("no wire version");
  }
  if (version->as_int64() != kWireVersion) {
    return Result<json::object>::Error("wire version " + std::to_string(version->as_int64()) +
                                       ", this is " + std::to_string(kWireVersion));
  }
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

double Num(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

model::RttStats Stats(const json::object& o, const char* suffix) {
  model::RttStats s;
  s.count = static_cast<int>(Int(o, "packet_count"));
  s.min_ms = Num(o, ("min_" + std::string(suffix)).c_str());
  s.mean_ms = Num(o, ("mean_" + std::string(suffix)).c_str());
  s.max_ms = Num(o, ("max_" + std::string(suffix)).c_str());
  s.std_dev_ms = Num(o, ("std_dev_" + std::string(suffix)).c_str());
  return s;
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
  if (!model::IsValidColoName(a.colo) || a.agent.empty()) {
    return Result<Announcement>::Error("announcement without a valid colo name or agent");
  }
  return a;
}

Result<Job> DecodeJob(std::string_view data) {
  auto o = Envelope(data);
  if (!o) return Result<Job>::Error(o.error());
  Job job;
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
  return job;
}

Result<model::ColoResult> DecodeReply(std::string_view data) {
  auto o = Envelope(data);
  if (!o) return Result<model::ColoResult>::Error(o.error());
  const json::value* rv = o->if_contains("result");
  if (rv == nullptr || !rv->is_object()) return Result<model::ColoResult>::Error("no result");
  const json::object& r = rv->as_object();
  model::ColoResult out;
  if (const json::value* colo = r.if_contains("colo"); colo != nullptr && colo->is_object()) {
    out.colo.name = Str(colo->as_object(), "name");
    out.colo.city = Str(colo->as_object(), "city");
  }
  std::string error = Str(r, "error");
  for (int code = 1; code <= 4; ++code) {
    auto e = static_cast<model::ColoError>(code);
    if (error == model::ColoErrorText(e)) out.error = e;
  }
  if (const json::value* hops = r.if_contains("hops"); hops != nullptr && hops->is_array()) {
    for (const auto& hv : hops->as_array()) {
      if (!hv.is_object()) continue;
      const json::object& h = hv.as_object();
      model::Hop hop;
      hop.packets_ttl = static_cast<int>(Int(h, "packets_ttl"));
      hop.packets_sent = static_cast<int>(Int(h, "packets_sent"));
      hop.packets_lost = static_cast<int>(Int(h, "packets_lost"));
      if (const json::value* nodes = h.if_contains("nodes"); nodes && nodes->is_array()) {
        for (const auto& nv : nodes->as_array()) {
          if (!nv.is_object()) continue;
          const json::object& n = nv.as_object();
          model::Node node;
          node.asn = Str(n, "asn");
          node.ip = Str(n, "ip");
          node.name = Str(n, "name");
          if (const json::value* labels = n.if_contains("labels"); labels && labels->is_array()) {
            for (const auto& l : labels->as_array()) {
              if (l.is_string()) node.labels.emplace_back(l.as_string());
            }
          }
          node.rtt = Stats(n, "rtt_ms");
          hop.nodes.push_back(std::move(node));
        }
      }
      out.hops.push_back(std::move(hop));
    }
  }
  if (const json::value* ts = r.if_contains("target_summary"); ts && ts->is_object()) {
    const json::object& t = ts->as_object();
    out.target_summary.asn = Str(t, "asn");
    out.target_summary.ip = Str(t, "ip");
    out.target_summary.name = Str(t, "name");
    out.target_summary.latency = Stats(t, "latency_ms");
  }
  out.traceroute_time_ms = Int(r, "traceroute_time_ms");
  return out;
}

}  // namespace colotrace::dispatch
