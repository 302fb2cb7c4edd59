#include "model/result_json.h"

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

void WriteHop(JsonWriter& out, const Hop& hop) {
  out.BeginObject();
  out.Key("packets_ttl").Int(hop.packets_ttl);
  out.Key("packets_sent").Int(hop.packets_sent);
  out.Key("packets_lost").Int(hop.packets_lost);
  out.Key("nodes").BeginArray();
  for (const auto& n : hop.nodes) WriteNode(out, n);
  out.EndArray();
  out.EndObject();
}

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

}  // namespace colotrace::model
