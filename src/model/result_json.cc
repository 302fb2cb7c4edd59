#include "model/result_json.h"

#include <boost/json.hpp>
#include <climits>
#include <cmath>

namespace colotrace::model {

namespace {

void WriteStrings(JsonWriter& out, const std::vector<std::string>& values) {
  out.BeginArray();
  for (const auto& v : values) out.String(v);
  out.EndArray();
}

void WriteNode(JsonWriter& out, const Node& node) {
  out.BeginObject();
  out.Key("asn").String(node.asn);
  out.Key("ip").String(node.ip);
  out.Key("name").String(node.name);
  out.Key("labels");
  WriteStrings(out, node.labels);
  out.Key("packet_count").Int(node.rtt.count);
  out.Key("min_rtt_ms").Double(node.rtt.min_ms);
  out.Key("mean_rtt_ms").Double(node.rtt.mean_ms);
  out.Key("max_rtt_ms").Double(node.rtt.max_ms);
  out.Key("std_dev_rtt_ms").Double(node.rtt.std_dev_ms);
  out.EndObject();
}

}  // namespace

void WriteTraceOptions(JsonWriter& out, const TraceOptions& o) {
  out.BeginObject();
  out.Key("max_ttl").Int(o.max_ttl);
  out.Key("packet_type").String(PacketTypeName(o.packet_type));
  out.Key("packets_per_ttl").Int(o.packets_per_ttl);
  out.Key("port").Int(o.port);
  out.Key("wait_time").Int(o.wait_time_s);
  out.Key("ip_version").String(IpVersionName(o.ip_version));
  if (o.multipath) {
    out.Key("multipath").Bool(true);
    out.Key("confidence").Int(o.confidence);
  }
  out.EndObject();
}

void WriteHop(JsonWriter& out, const Hop& hop) {
  out.BeginObject();
  out.Key("packets_ttl").Int(hop.packets_ttl);
  out.Key("packets_sent").Int(hop.packets_sent);
  out.Key("packets_lost").Int(hop.packets_lost);
  out.Key("nodes").BeginArray();
  for (const auto& n : hop.nodes) WriteNode(out, n);
  out.EndArray();
  if (hop.links) {
    out.Key("links").BeginArray();
    for (const auto& l : *hop.links) {
      out.BeginObject();
      out.Key("from").String(l.from);
      out.Key("to").String(l.to);
      out.EndObject();
    }
    out.EndArray();
  }
  out.EndObject();
}

namespace {

// The published example uses *_latency_ms; older SDK fixtures *_rtt_ms: both are written.
void WriteSummary(JsonWriter& out, const TargetSummary& s) {
  out.BeginObject();
  out.Key("asn").String(s.asn);
  out.Key("ip").String(s.ip);
  out.Key("name").String(s.name);
  out.Key("packet_count").Int(s.latency.count);
  out.Key("min_latency_ms").Double(s.latency.min_ms);
  out.Key("mean_latency_ms").Double(s.latency.mean_ms);
  out.Key("max_latency_ms").Double(s.latency.max_ms);
  out.Key("std_dev_latency_ms").Double(s.latency.std_dev_ms);
  out.Key("min_rtt_ms").Double(s.latency.min_ms);
  out.Key("mean_rtt_ms").Double(s.latency.mean_ms);
  out.Key("max_rtt_ms").Double(s.latency.max_ms);
  out.Key("std_dev_rtt_ms").Double(s.latency.std_dev_ms);
  out.EndObject();
}

}  // namespace

void WriteColoResult(JsonWriter& out, const ColoResult& colo) {
  out.BeginObject();
  out.Key("colo").BeginObject();
  out.Key("name").String(colo.colo.name);
  out.Key("city").String(colo.colo.city);
  out.EndObject();
  out.Key("error").String(ColoErrorText(colo.error));
  out.Key("hops").BeginArray();
  for (const auto& h : colo.hops) WriteHop(out, h);
  out.EndArray();
  out.Key("target_summary");
  WriteSummary(out, colo.target_summary);
  out.Key("traceroute_time_ms").Int(colo.traceroute_time_ms);
  if (colo.multipath_complete) {
    out.Key("multipath_complete").Bool(*colo.multipath_complete);
    out.Key("multipath_probes").Int(colo.multipath_probes);
  }
  if (colo.running) out.Key("running").Bool(true);
  out.EndObject();
}

void WriteTargetResult(JsonWriter& out, const TargetResult& target) {
  out.BeginObject();
  out.Key("target").String(target.target);
  out.Key("colos").BeginArray();
  for (const auto& c : target.colos) WriteColoResult(out, c);
  out.EndArray();
  out.EndObject();
}

std::string ResultArrayJson(const std::vector<TargetResult>& targets) {
  JsonWriter out;
  out.BeginArray();
  for (const auto& t : targets) WriteTargetResult(out, t);
  out.EndArray();
  return out.Take();
}

namespace {

namespace json = boost::json;

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t Int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) {
    // Converted only within int64's range (1e300 would be undefined); beyond it, clamped.
    double d = v->as_double();
    if (std::isnan(d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return static_cast<int64_t>(d);
  }
  return 0;
}

double Num(const json::object& o, const std::string& key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

RttStats Stats(const json::object& o, const std::string& suffix) {
  RttStats s;
  s.count = static_cast<int>(Int(o, "packet_count"));
  s.min_ms = Num(o, "min_" + suffix);
  s.mean_ms = Num(o, "mean_" + suffix);
  s.max_ms = Num(o, "max_" + suffix);
  s.std_dev_ms = Num(o, "std_dev_" + suffix);
  return s;
}

Hop ReadHop(const json::object& h) {
  Hop hop;
  hop.packets_ttl = static_cast<int>(Int(h, "packets_ttl"));
  hop.packets_sent = static_cast<int>(Int(h, "packets_sent"));
  hop.packets_lost = static_cast<int>(Int(h, "packets_lost"));
  if (const json::value* links = h.if_contains("links"); links && links->is_array()) {
    hop.links.emplace();
    for (const auto& lv : links->as_array()) {
      if (lv.is_object()) {
        hop.links->push_back(Link{Str(lv.as_object(), "from"), Str(lv.as_object(), "to")});
      }
    }
  }
  const json::value* nodes = h.if_contains("nodes");
  if (nodes == nullptr || !nodes->is_array()) return hop;
  for (const auto& nv : nodes->as_array()) {
    if (!nv.is_object()) continue;
    const json::object& n = nv.as_object();
    Node node;
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
  return hop;
}

ColoResult ReadColoResult(const json::object& r) {
  ColoResult out;
  if (const json::value* colo = r.if_contains("colo"); colo != nullptr && colo->is_object()) {
    out.colo.name = Str(colo->as_object(), "name");
    out.colo.city = Str(colo->as_object(), "city");
  }
  std::string error = Str(r, "error");
  if (!error.empty()) {
    out.error = ColoError::kInternal;
    for (int code = 1; code <= 4; ++code) {
      auto e = static_cast<ColoError>(code);
      if (error == ColoErrorText(e)) out.error = e;
    }
  }
  if (const json::value* hops = r.if_contains("hops"); hops != nullptr && hops->is_array()) {
    for (const auto& hv : hops->as_array()) {
      if (hv.is_object()) out.hops.push_back(ReadHop(hv.as_object()));
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
  if (const json::value* m = r.if_contains("multipath_complete"); m && m->is_bool()) {
    out.multipath_complete = m->as_bool();
    out.multipath_probes = static_cast<int>(Int(r, "multipath_probes"));
  }
  const json::value* running = r.if_contains("running");
  out.running = running != nullptr && running->is_bool() && running->as_bool();
  return out;
}

json::value Parse(std::string_view text, bool* ok) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  *ok = !ec;
  return v;
}

}  // namespace

Result<Hop> ParseHopJson(std::string_view text) {
  bool ok = false;
  json::value v = Parse(text, &ok);
  if (!ok || !v.is_object()) return Result<Hop>::Error("a hop is not a JSON object");
  return ReadHop(v.as_object());
}

Result<ColoResult> ParseColoResultJson(std::string_view text) {
  bool ok = false;
  json::value v = Parse(text, &ok);
  if (!ok || !v.is_object()) return Result<ColoResult>::Error("a colo result is not a JSON object");
  return ReadColoResult(v.as_object());
}

Result<std::vector<TargetResult>> ParseResultArrayJson(std::string_view text) {
  using R = Result<std::vector<TargetResult>>;
  bool ok = false;
  json::value v = Parse(text, &ok);
  if (!ok || !v.is_array()) return R::Error("a result is not a JSON array");
  std::vector<TargetResult> out;
  for (const auto& tv : v.as_array()) {
    if (!tv.is_object()) return R::Error("a target's result is not a JSON object");
    TargetResult t;
    t.target = Str(tv.as_object(), "target");
    if (const json::value* colos = tv.as_object().if_contains("colos");
        colos && colos->is_array()) {
      for (const auto& cv : colos->as_array()) {
        if (cv.is_object()) t.colos.push_back(ReadColoResult(cv.as_object()));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace colotrace::model
