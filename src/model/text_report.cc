#include "model/text_report.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

namespace colotrace::model {

namespace {

constexpr int kHostWidth = 28;
constexpr size_t kLineWidth = 80;

std::string Format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string Stats(const RttStats& s) {
  if (s.count == 0) return "";
  return Format("%8.2f%8.2f%8.2f%8.2f", s.min_ms, s.mean_ms, s.max_ms, s.std_dev_ms);
}

std::string HostText(const Node& node) {
  if (node.name.empty() || node.name == node.ip) return node.ip;
  return node.name + " (" + node.ip + ")";
}

// One row: the TTL and hop columns are blank on continuation rows (ttl == 0).
void Row(std::string& out, int ttl, const std::string& host, const Hop* hop, const Node* node) {
  std::string ttl_col = ttl > 0 ? Format("%3d", ttl) : std::string("   ");
  std::string host_col = host;
  if (static_cast<int>(host_col.size()) > kHostWidth) {
    out += ttl_col + " " + host_col + "\n";
    ttl_col = "   ";
    host_col.clear();
  }
  std::string loss_col = "      ";
  std::string sent_col = "     ";
  if (hop != nullptr) {
    double loss = hop->packets_sent > 0 ? 100.0 * hop->packets_lost / hop->packets_sent : 0.0;
    loss_col = Format("%5.1f%%", loss);
    sent_col = Format("%5d", hop->packets_sent);
  }
  std::string recv_col = node != nullptr ? Format("%5d", node->rtt.count) : std::string("    0");
  out +=
      Format("%s %-*s%s%s%s%s\n", ttl_col.c_str(), kHostWidth, host_col.c_str(), loss_col.c_str(),
             sent_col.c_str(), recv_col.c_str(), node != nullptr ? Stats(node->rtt).c_str() : "");
  if (node != nullptr && !node->labels.empty()) {
    // Labels below the node, indented, wrapped at the line width.
    std::string line = "    ";
    for (const auto& l : node->labels) {
      if (line.size() > 4 && line.size() + 1 + l.size() > kLineWidth) {
        out += line + "\n";
        line = "    ";
      }
      line += " " + l;
    }
    out += line + "\n";
  }
}

}  // namespace

std::string TextReport(const std::string& target, const TraceOptions& options,
                       const ColoResult& result) {
  std::string out;
  std::string address = result.target_summary.ip.empty() ? target : result.target_summary.ip;
  out += "traceroute to " + target;
  if (address != target) out += " (" + address + ")";
  out += " from " + result.colo.name + "\n";
  if (options.multipath) {
    out += Format("%s, max TTL %d, multipath at %d %% confidence, wait %d s\n",
                  std::string(PacketTypeName(options.packet_type)).c_str(), options.max_ttl,
                  options.confidence, options.wait_time_s);
  } else {
    out += Format("%s, max TTL %d, %d packets per TTL, wait %d s\n",
                  std::string(PacketTypeName(options.packet_type)).c_str(), options.max_ttl,
                  options.packets_per_ttl, options.wait_time_s);
  }
  if (result.error != ColoError::kNone) {
    out += ColoErrorText(result.error) + "\n";
    return out;
  }
  out += Format("%s %-*s%s%s%s%8s%8s%8s%8s\n", "TTL", kHostWidth, "Host", " Loss%", " Sent",
                " Recv", "Min", "Mean", "Max", "StDev");
  for (const auto& hop : result.hops) {
    if (hop.nodes.empty()) {
      Row(out, hop.packets_ttl, "*", &hop, nullptr);
      continue;
    }
    for (size_t i = 0; i < hop.nodes.size(); ++i) {
      Row(out, i == 0 ? hop.packets_ttl : 0, HostText(hop.nodes[i]), i == 0 ? &hop : nullptr,
          &hop.nodes[i]);
    }
  }
  if (result.multipath_complete) {
    for (const Diamond& d : Diamonds(result)) {
      std::string from = d.split_ttl > 0
                             ? Format("after %s (TTL %d)", d.split_at.c_str(), d.split_ttl)
                             : std::string(d.first_ttl == 1 ? "at the first hop" : "after silence");
      std::string to = d.join_ttl > 0
                           ? Format("joins at %s (TTL %d)", d.join_at.c_str(), d.join_ttl)
                           : std::string("does not join");
      out += Format("diamond: splits %s, %s: width %d, length %d\n", from.c_str(), to.c_str(),
                    d.width, d.length);
    }
    out += *result.multipath_complete
               ? Format("multipath enumeration complete: %d probes\n", result.multipath_probes)
               : Format(
                     "multipath enumeration INCOMPLETE after %d probes: a ceiling was reached "
                     "(%d probes, %d rounds, or the flows a high port leaves)\n",
                     result.multipath_probes, kMultipathMaxProbes, kMultipathMaxRounds);
  }
  const auto& s = result.target_summary.latency;
  if (result.running) {
    out += Format("tracing: %zu of at most %d TTLs done\n", result.hops.size(), options.max_ttl);
  } else if (s.count > 0) {
    // The first TTL the target's address answered at (gre+icmp may report TTLs beyond it for
    // its other half); the last one when it answered from another address.
    size_t reached_ttl = result.hops.size();
    for (size_t i = 0; i < result.hops.size() && reached_ttl == result.hops.size(); ++i) {
      for (const auto& n : result.hops[i].nodes) {
        if (n.ip == result.target_summary.ip) reached_ttl = i + 1;
      }
    }
    out += Format("reached %s at TTL %zu in %lld ms\n", result.target_summary.ip.c_str(),
                  reached_ttl, static_cast<long long>(result.traceroute_time_ms));
    out += Format("target rtt ms: min %.3f, mean %.3f, max %.3f, sd %.3f (%d replies)\n", s.min_ms,
                  s.mean_ms, s.max_ms, s.std_dev_ms, s.count);
  } else {
    out += Format("%s did not answer up to TTL %zu; %lld ms\n", address.c_str(), result.hops.size(),
                  static_cast<long long>(result.traceroute_time_ms));
  }
  return out;
}

std::vector<Diamond> Diamonds(const ColoResult& result) {
  std::vector<Diamond> out;
  const auto& hops = result.hops;
  for (size_t i = 0; i < hops.size();) {
    if (hops[i].nodes.size() <= 1) {
      ++i;
      continue;
    }
    Diamond d;
    d.first_ttl = static_cast<int>(i) + 1;
    // The nearest hop before with one node, past silent hops (which say nothing of a split).
    size_t before = i;
    while (before > 0 && hops[before - 1].nodes.empty()) --before;
    if (before > 0 && hops[before - 1].nodes.size() == 1) {
      d.split_ttl = static_cast<int>(before);
      d.split_at = hops[before - 1].nodes[0].ip;
    }
    size_t j = i;
    for (; j < hops.size() && hops[j].nodes.size() > 1; ++j) {
      d.width = std::max(d.width, static_cast<int>(hops[j].nodes.size()));
    }
    d.length = static_cast<int>(j - i);
    size_t after = j;
    while (after < hops.size() && hops[after].nodes.empty()) ++after;
    if (after < hops.size() && hops[after].nodes.size() == 1) {
      d.join_ttl = static_cast<int>(after) + 1;
      d.join_at = hops[after].nodes[0].ip;
    }
    out.push_back(d);
    i = j;
  }
  return out;
}

ScreenFit FitToScreen(const std::string& text, int rows, int columns) {
  // The lines, each with its newline (the last one may have none).
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(std::string_view(text).substr(at, end - at));
    at = end;
  }
  ScreenFit fit;
  if (rows < 2 || columns < 1) return fit;
  size_t first = lines.size();
  while (first > 0) {
    std::string_view line = lines[first - 1];
    size_t length = line.size() - (line.ends_with('\n') ? 1 : 0);
    int line_rows = length == 0 ? 1 : static_cast<int>((length + columns - 1) / columns);
    if (fit.rows + line_rows > rows - 1) break;
    fit.rows += line_rows;
    --first;
  }
  for (size_t i = first; i < lines.size(); ++i) fit.text += lines[i];
  return fit;
}

}  // namespace colotrace::model
