#include "model/text_report.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace colotrace::model {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The lines after the table's heading row, summary included.
std::vector<std::string> TableRows(const std::string& text) {
  std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("TTL Host", 0) == 0)
      return {lines.begin() + static_cast<long>(i) + 1, lines.end()};
  }
  return {};
}

Node MakeNode(std::string ip, std::string name, RttStats rtt,
              std::vector<std::string> labels = {}) {
  Node n;
  n.ip = std::move(ip);
  n.name = std::move(name);
  n.rtt = rtt;
  n.labels = std::move(labels);
  return n;
}

Hop MakeHop(int ttl, int sent, int lost, std::vector<Node> nodes) {
  Hop h;
  h.packets_ttl = ttl;
  h.packets_sent = sent;
  h.packets_lost = lost;
  h.nodes = std::move(nodes);
  return h;
}

// ttl 1: a named router with labels; ttl 2: silent; ttl 3: a long IPv6 address and a second
// node; the target answered at ttl 3.
ColoResult SampleColo() {
  ColoResult c;
  c.colo = {"ams", "Amsterdam"};
  c.hops.push_back(MakeHop(1, 3, 0,
                           {MakeNode("192.0.2.1", "r1.example.net", {3, 1.25, 1.5, 1.75, 0.204},
                                     {"MPLS L=24001 TC=0 S=1 TTL=1", "!H"})}));
  c.hops.push_back(MakeHop(2, 3, 3, {}));
  c.hops.push_back(
      MakeHop(3, 3, 1,
              {MakeNode("2001:db8:ffff:ffff:ffff:ffff:ffff:1",
                        "2001:db8:ffff:ffff:ffff:ffff:ffff:1", {1, 20.5, 20.5, 20.5, 0}),
               MakeNode("198.51.100.7", "198.51.100.7", {1, 21.25, 21.25, 21.25, 0})}));
  c.target_summary.ip = "198.51.100.7";
  c.target_summary.name = "198.51.100.7";
  c.target_summary.latency = {1, 21.25, 21.25, 21.25, 0};
  c.traceroute_time_ms = 1234;
  return c;
}

TEST(TextReportTest, HeadingNamesTargetAddressColoAndOptions) {
  TraceOptions o;
  o.packet_type = PacketType::kUdp;
  o.max_ttl = 20;
  o.packets_per_ttl = 2;
  o.wait_time_s = 4;
  std::vector<std::string> lines = Lines(TextReport("example.com", o, SampleColo()));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "traceroute to example.com (198.51.100.7) from ams");
  EXPECT_EQ(lines[1], "udp, max TTL 20, 2 packets per TTL, wait 4 s");
  // When the target is given as its address, the address is not repeated.
  lines = Lines(TextReport("198.51.100.7", o, SampleColo()));
  EXPECT_EQ(lines[0], "traceroute to 198.51.100.7 from ams");
  // Without a target address (nothing resolved), the target text stands alone too.
  ColoResult c;
  c.colo.name = "sin";
  lines = Lines(TextReport("example.com", TraceOptions{}, c));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "traceroute to example.com from sin");
  EXPECT_EQ(lines[1], "icmp, max TTL 15, 3 packets per TTL, wait 1 s");
}

TEST(TextReportTest, TableLayout) {
  std::vector<std::string> lines = Lines(TextReport("example.com", TraceOptions{}, SampleColo()));
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[2],
            "TTL Host                         Loss% Sent Recv     Min    Mean     Max   StDev");
  EXPECT_EQ(lines[3],
            "  1 r1.example.net (192.0.2.1)    0.0%    3    3    1.25    1.50    1.75    0.20");
  EXPECT_EQ(lines[4], "     MPLS L=24001 TC=0 S=1 TTL=1 !H");
  EXPECT_EQ(lines[5], "  2 *                           100.0%    3    0");
  EXPECT_EQ(lines[6], "  3 2001:db8:ffff:ffff:ffff:ffff:ffff:1");
  EXPECT_EQ(lines[7],
            "                                 33.3%    3    1   20.50   20.50   20.50    0.00");
  EXPECT_EQ(lines[8],
            "    198.51.100.7                               1   21.25   21.25   21.25    0.00");
  // Every row of the table ends at the same column.
  for (size_t i : {2u, 3u, 7u, 8u}) EXPECT_EQ(lines[i].size(), 80u) << lines[i];
  EXPECT_EQ(lines[9], "reached 198.51.100.7 at TTL 3 in 1234 ms");
  EXPECT_EQ(lines[10], "target rtt ms: min 21.250, mean 21.250, max 21.250, sd 0.000 (1 replies)");
}

TEST(TextReportTest, SilentHopPrintsStar) {
  ColoResult c;
  c.colo.name = "ams";
  c.hops.push_back(MakeHop(1, 2, 2, {}));
  std::vector<std::string> lines = Lines(TextReport("192.0.2.9", TraceOptions{}, c));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(Words(lines[3]), (std::vector<std::string>{"1", "*", "100.0%", "2", "0"}));
  EXPECT_EQ(lines[4], "192.0.2.9 did not answer up to TTL 1; 0 ms");
}

TEST(TextReportTest, LongIpv6AddressWrapsOntoItsOwnLine) {
  const std::string ip = "2001:db8:1234:5678:9abc:def0:1234:5678";  // 38 characters
  ColoResult c;
  c.hops.push_back(MakeHop(7, 3, 0, {MakeNode(ip, ip, {3, 1, 2, 3, 0.816})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "  7 " + ip);
  EXPECT_EQ(Words(rows[1]),
            (std::vector<std::string>{"0.0%", "3", "3", "1.00", "2.00", "3.00", "0.82"}));
  // The TTL and host columns stay blank; the other columns keep their place.
  EXPECT_EQ(rows[1].substr(0, 32), std::string(32, ' ')) << rows[1];
  EXPECT_EQ(rows[1].size(), 80u) << rows[1];
}

TEST(TextReportTest, NamedHostWithAddressThatIsTooLongWraps) {
  ColoResult c;
  c.hops.push_back(
      MakeHop(1, 1, 0, {MakeNode("192.0.2.1", "core1.frankfurt.example.net", {1, 1, 1, 1, 0})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "  1 core1.frankfurt.example.net (192.0.2.1)");
  EXPECT_EQ(Words(rows[1]),
            (std::vector<std::string>{"0.0%", "1", "1", "1.00", "1.00", "1.00", "0.00"}));
}

TEST(TextReportTest, NodeWithoutNameShowsItsAddress) {
  ColoResult c;
  c.hops.push_back(MakeHop(1, 1, 0, {MakeNode("192.0.2.1", "", {1, 1, 1, 1, 0})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Words(rows[0]), (std::vector<std::string>{"1", "192.0.2.1", "0.0%", "1", "1", "1.00",
                                                      "1.00", "1.00", "0.00"}));
}

TEST(TextReportTest, LabelsFollowTheirNode) {
  ColoResult c;
  c.hops.push_back(MakeHop(1, 3, 0,
                           {MakeNode("192.0.2.1", "192.0.2.1", {2, 1, 1, 1, 0}, {"!N"}),
                            MakeNode("192.0.2.2", "192.0.2.2", {1, 2, 2, 2, 0},
                                     {"MPLS L=16 TC=7 S=1 TTL=255", "gre"})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(Words(rows[0])[1], "192.0.2.1");
  EXPECT_EQ(rows[1], "     !N");
  EXPECT_EQ(Words(rows[2])[0], "192.0.2.2");
  EXPECT_EQ(rows[3], "     MPLS L=16 TC=7 S=1 TTL=255 gre");
}

TEST(TextReportTest, MultipleNodesShareOneTtlAndLossColumn) {
  ColoResult c;
  c.hops.push_back(MakeHop(4, 6, 1,
                           {MakeNode("192.0.2.1", "192.0.2.1", {2, 1, 1.5, 2, 0.5}),
                            MakeNode("192.0.2.2", "192.0.2.2", {2, 3, 3, 3, 0}),
                            MakeNode("192.0.2.3", "192.0.2.3", {1, 4, 4, 4, 0})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(Words(rows[0]), (std::vector<std::string>{"4", "192.0.2.1", "16.7%", "6", "2", "1.00",
                                                      "1.50", "2.00", "0.50"}));
  EXPECT_EQ(Words(rows[1]),
            (std::vector<std::string>{"192.0.2.2", "2", "3.00", "3.00", "3.00", "0.00"}));
  EXPECT_EQ(Words(rows[2]),
            (std::vector<std::string>{"192.0.2.3", "1", "4.00", "4.00", "4.00", "0.00"}));
  // Continuation rows keep the columns of the first row.
  EXPECT_EQ(rows[1].substr(0, 4), "    ");
  EXPECT_EQ(rows[0].size(), rows[1].size());
  EXPECT_EQ(rows[1].find("192.0.2.2"), rows[0].find("192.0.2.1"));
}

TEST(TextReportTest, EveryLineFitsIn80ColumnsForIpv4Hosts) {
  ColoResult c;
  c.colo.name = "ams";
  for (int ttl = 1; ttl <= 64; ++ttl) {
    if (ttl % 5 == 0) {
      c.hops.push_back(MakeHop(ttl, 10, 10, {}));
      continue;
    }
    c.hops.push_back(
        MakeHop(ttl, 10, 1,
                {MakeNode("255.255.255.255", "255.255.255.255", {6, 999.99, 999.99, 999.99, 0}),
                 MakeNode("192.168.100.200", "", {3, 0.01, 500, 999.99, 499.99})}));
  }
  c.target_summary.ip = "255.255.255.255";
  c.target_summary.latency = {10, 999.999, 999.999, 999.999, 999.999};
  c.traceroute_time_ms = 99999;
  TraceOptions o;
  o.max_ttl = 64;
  o.packets_per_ttl = 10;
  o.wait_time_s = 5;
  o.packet_type = PacketType::kUdp;
  std::vector<std::string> lines = Lines(TextReport("example.com", o, c));
  ASSERT_EQ(lines.size(), 3 + 12 + 2 * 52 + 2u);  // 12 silent hops, 52 with two nodes
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 80u) << "line " << i << ": " << lines[i];
  }
}

// The wait time goes up to 5 s, so round-trip times of 1000 ms and more are possible; their
// columns must still be told apart.
TEST(TextReportTest, LongRoundTripTimesStaySeparateColumns) {
  ColoResult c;
  c.hops.push_back(MakeHop(
      1, 3, 0, {MakeNode("192.0.2.1", "192.0.2.1", {3, 1234.5, 2345.6, 4999.99, 1000.25})}));
  std::vector<std::string> rows = TableRows(TextReport("x", TraceOptions{}, c));
  ASSERT_GE(rows.size(), 1u);
  EXPECT_EQ(Words(rows[0]), (std::vector<std::string>{"1", "192.0.2.1", "0.0%", "3", "3", "1234.50",
                                                      "2345.60", "4999.99", "1000.25"}))
      << rows[0];
}

TEST(TextReportTest, ErrorReplacesTheTable) {
  ColoResult c = SampleColo();
  c.error = ColoError::kTimeout;
  std::vector<std::string> lines = Lines(TextReport("example.com", TraceOptions{}, c));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "Could not gather traceroute data: Code 3");
  c.error = ColoError::kTargetRefused;
  lines = Lines(TextReport("example.com", TraceOptions{}, c));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "Could not gather traceroute data: Code 1");
}

TEST(TextReportTest, EndsWithNewline) {
  for (bool reached : {true, false}) {
    ColoResult c = SampleColo();
    if (!reached) c.target_summary.latency = {};
    std::string report = TextReport("example.com", TraceOptions{}, c);
    ASSERT_FALSE(report.empty());
    EXPECT_EQ(report.back(), '\n');
  }
}

}  // namespace
}  // namespace colotrace::model

namespace colotrace::model {
namespace {

TEST(TextReportTest, LongLabelStacksWrapAtEightyColumns) {
  ColoResult c;
  Node n;
  n.ip = n.name = "192.0.2.1";
  n.rtt = {1, 1, 1, 1, 0};
  for (int i = 0; i < 4; ++i)
    n.labels.push_back("MPLS L=100000" + std::to_string(i) + " TC=7 S=0 TTL=255");
  Hop h;
  h.packets_ttl = 1;
  h.packets_sent = 1;
  h.nodes.push_back(n);
  c.hops.push_back(h);
  std::string out = TextReport("x", TraceOptions{}, c);
  std::istringstream in(out);
  std::string line;
  int label_lines = 0;
  while (std::getline(in, line)) {
    EXPECT_LE(line.size(), 80u) << line;
    if (line.find("MPLS") != std::string::npos) ++label_lines;
  }
  EXPECT_EQ(label_lines, 2) << out;
}

}  // namespace
}  // namespace colotrace::model

namespace colotrace::model {
namespace {

TEST(TextReportTest, ARunningTraceSaysHowFarItIsInsteadOfASummary) {
  ColoResult c = SampleColo();
  c.hops.resize(2);
  c.running = true;
  TraceOptions options;
  options.max_ttl = 20;
  std::string out = TextReport("example.test", options, c);
  std::vector<std::string> rows = TableRows(out);
  ASSERT_FALSE(rows.empty()) << out;
  EXPECT_EQ(rows.back(), "tracing: 2 of at most 20 TTLs done") << out;
  EXPECT_EQ(out.find("reached"), std::string::npos) << out;
  EXPECT_EQ(out.find("did not answer"), std::string::npos) << out;
  c.running = false;
  EXPECT_EQ(TextReport("example.test", options, c).find("tracing:"), std::string::npos);
}

TEST(TextReportTest, FitToScreenKeepsTheLastLinesThatFit) {
  std::string text = "one\ntwo\nthree\n";
  ScreenFit all = FitToScreen(text, 10, 80);
  EXPECT_EQ(all.text, text);
  EXPECT_EQ(all.rows, 3);
  // Four rows: three for text, the cursor's row below.
  EXPECT_EQ(FitToScreen(text, 4, 80).text, text);
  ScreenFit two = FitToScreen(text, 3, 80);
  EXPECT_EQ(two.text, "two\nthree\n");
  EXPECT_EQ(two.rows, 2);
  EXPECT_EQ(FitToScreen(text, 1, 80).text, "");
  EXPECT_EQ(FitToScreen(text, 0, 0).rows, 0);
}

TEST(TextReportTest, FitToScreenCountsWrappedLinesAndEmptyOnes) {
  std::string text = std::string(25, 'a') + "\n\n" + std::string(10, 'b') + "\n";
  // At 10 columns: 3 rows + 1 (empty line) + 1.
  ScreenFit fit = FitToScreen(text, 100, 10);
  EXPECT_EQ(fit.rows, 5);
  ScreenFit tail = FitToScreen(text, 5, 10);  // 4 rows for text: the 25-char line does not fit
  EXPECT_EQ(tail.text, "\n" + std::string(10, 'b') + "\n");
  EXPECT_EQ(tail.rows, 2);
  // A last line without a newline counts too.
  EXPECT_EQ(FitToScreen("x\ny", 10, 80).rows, 2);
}

TEST(TextReportTest, MultipathListsDiamondsAndCompleteness) {
  ColoResult c;
  c.colo.name = "local";
  auto node = [](std::string ip) { return MakeNode(ip, ip, {1, 1, 1, 1, 0}); };
  c.hops.push_back(MakeHop(1, 6, 0, {node("198.51.100.2")}));
  c.hops.push_back(MakeHop(2, 30, 0, {node("198.51.100.6"), node("198.51.100.10")}));
  c.hops.push_back(MakeHop(3, 30, 0, {node("198.51.100.14"), node("198.51.100.18")}));
  c.hops.push_back(MakeHop(4, 6, 0, {node("203.0.113.1")}));
  c.hops.push_back(MakeHop(5, 11, 0, {node("203.0.113.7"), node("203.0.113.8")}));
  c.target_summary.ip = "203.0.113.9";
  c.multipath_complete = true;
  c.multipath_probes = 95;
  auto diamonds = Diamonds(c);
  ASSERT_EQ(diamonds.size(), 2u);
  EXPECT_EQ(diamonds[0].split_ttl, 1);
  EXPECT_EQ(diamonds[0].split_at, "198.51.100.2");
  EXPECT_EQ(diamonds[0].join_ttl, 4);
  EXPECT_EQ(diamonds[0].join_at, "203.0.113.1");
  EXPECT_EQ(diamonds[0].width, 2);
  EXPECT_EQ(diamonds[0].length, 2);
  EXPECT_EQ(diamonds[1].split_ttl, 4);
  EXPECT_EQ(diamonds[1].join_ttl, 0);  // never joins up to the last hop
  TraceOptions o;
  o.multipath = true;
  o.confidence = 99;
  std::string text = TextReport("203.0.113.9", o, c);
  EXPECT_NE(text.find("multipath at 99 % confidence"), std::string::npos) << text;
  EXPECT_NE(text.find("diamond: splits after 198.51.100.2 (TTL 1), joins at 203.0.113.1 (TTL 4): "
                      "width 2, length 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("does not join"), std::string::npos) << text;
  EXPECT_NE(text.find("multipath enumeration complete: 95 probes"), std::string::npos) << text;
  c.multipath_complete = false;
  EXPECT_NE(TextReport("203.0.113.9", o, c).find("INCOMPLETE"), std::string::npos);
  // Silent hops around a split say nothing of where it splits or joins: they are skipped.
  ColoResult quiet = c;
  quiet.hops.insert(quiet.hops.begin() + 1, MakeHop(2, 6, 6, {}));
  quiet.hops.insert(quiet.hops.begin() + 4, MakeHop(5, 6, 6, {}));
  auto around = Diamonds(quiet);
  ASSERT_EQ(around.size(), 2u);
  EXPECT_EQ(around[0].split_ttl, 1);
  EXPECT_EQ(around[0].first_ttl, 3);
  EXPECT_EQ(around[0].join_ttl, 6);
  EXPECT_EQ(around[0].join_at, "203.0.113.1");
  ColoResult leading = c;
  leading.hops[0].nodes.clear();  // TTL 1 silent, then the split
  EXPECT_NE(TextReport("203.0.113.9", o, leading).find("splits after silence"), std::string::npos);
  // A single-path result says nothing of diamonds.
  c.multipath_complete.reset();
  EXPECT_EQ(TextReport("203.0.113.9", TraceOptions{}, c).find("diamond"), std::string::npos);
}

}  // namespace
}  // namespace colotrace::model
