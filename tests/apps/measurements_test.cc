// Stored measurements through real `colotrace serve` processes whose colo probes a lab chain:
// a measurement in the background with its event stream read over HTTP as it runs, history
// that survives a restart (SQLite), a client that leaves a stream early, and two servers that
// share one history on a PostgreSQL server the test starts itself. Needs root.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "lab/lab.h"
#include "lab/topologies.h"
#include "support/child_process.h"
#include "support/postgres_cluster.h"
#include "support/scratch_dir.h"

namespace {

using colotrace::testing_support::BodyOf;
using colotrace::testing_support::ChildProcess;
using colotrace::testing_support::HttpExchange;
using colotrace::testing_support::PostgresCluster;
using colotrace::testing_support::ScratchDir;
namespace json = boost::json;

const std::string kBase = "/client/v4/accounts/acc1/diagnostics/traceroute";

std::string Request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path +
         " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\nContent-Type: "
         "application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The body of a chunked response, chunks joined.
std::string Dechunk(const std::string& body) {
  std::string out;
  size_t at = 0;
  while (at < body.size()) {
    size_t eol = body.find("\r\n", at);
    if (eol == std::string::npos) break;
    size_t size = std::stoul(body.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    out += body.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  return out;
}

struct Event {
  std::string name;
  json::value data;
};

std::vector<Event> Events(const std::string& text) {
  std::vector<Event> out;
  size_t at = 0;
  while ((at = text.find("event: ", at)) != std::string::npos) {
    size_t end = text.find('\n', at);
    size_t data = text.find("data: ", end);
    size_t data_end = text.find('\n', data);
    out.push_back({text.substr(at + 7, end - at - 7),
                   json::parse(text.substr(data + 6, data_end - data - 6))});
    at = data_end;
  }
  return out;
}

// Checks that the events carry exactly the result: per (target, colo), the hops in order then
// the colo's entry; `done` last.
void ExpectEventsEqualResult(const std::vector<Event>& events, const json::array& result) {
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().name, "done");
  for (const auto& target : result) {
    for (const auto& colo : target.at("colos").as_array()) {
      json::array hops;
      json::value colo_event;
      for (const auto& e : events) {
        bool same_target =
            e.data.as_object().contains("target") && e.data.at("target") == target.at("target");
        if (!same_target) continue;
        if (e.name == "hop" && e.data.at("colo").at("name") == colo.at("colo").at("name")) {
          EXPECT_TRUE(colo_event.is_null()) << "a hop after its colo's result";
          hops.push_back(e.data.at("hop"));
        }
        if (e.name == "colo" &&
            e.data.at("result").at("colo").at("name") == colo.at("colo").at("name")) {
          colo_event = e.data.at("result");
        }
      }
      EXPECT_EQ(json::value(hops), colo.at("hops"));
      EXPECT_EQ(colo_event, colo);
    }
  }
}

class MeasurementsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    lab_ = std::make_unique<colotrace::lab::Lab>("meas");
    colotrace::lab::ChainOptions opts;
    opts.silent_router = 1;  // every trace waits for hop 1: long enough to watch it run
    topo_ = colotrace::lab::Chain(*lab_, 3, opts);
    chmod(dir_.path().c_str(), 0755);  // colotrace makes history/ in it for nobody
  }

  std::unique_ptr<ChildProcess> Serve(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        COLOTRACE_BIN, "serve",   "--listen", "127.0.0.1:0",    "--netns",
        topo_.colo,    "--token", "t0k:acc1", "--allow-target", "203.0.113.0/24",
        "--no-names",  "--db",    db};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = std::make_unique<ChildProcess>(args);
    EXPECT_GT(server->port(), 0) << server->first_line();
    return server;
  }

  // A background measurement of the lab target (wait_time 2: a few seconds long).
  std::string Start(int port) {
    std::string response = HttpExchange(
        port, Request("POST", kBase + "/measurements",
                      R"({"targets":[")" + topo_.target_v4 + R"("],"options":{"wait_time":2}})"));
    EXPECT_EQ(response.rfind("HTTP/1.1 202", 0), 0u) << response;
    return std::string(json::parse(BodyOf(response)).at("result").at("id").as_string());
  }

  json::value Get(int port, const std::string& id) {
    return json::parse(BodyOf(HttpExchange(port, Request("GET", kBase + "/measurements/" + id))));
  }

  std::string Metrics(int port) {
    return BodyOf(
        HttpExchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  }

  ScratchDir dir_{"colotrace-measurements"};
  std::unique_ptr<colotrace::lab::Lab> lab_;
  colotrace::lab::Topology topo_;
};

TEST_F(MeasurementsLabTest, WatchedLiveAndKeptAcrossARestart) {
  std::string db = dir_.path() + "/history/history.db";
  auto server = Serve(db);
  std::string id = Start(server->port());
  // While it runs: running, with every colo marked running.
  auto running = Get(server->port(), id);
  EXPECT_EQ(running.at("result").at("status").as_string(), "running");
  EXPECT_TRUE(running.at("result").at("finished_at").is_null());
  EXPECT_EQ(running.at("result").at("result").at(0).at("colos").at(0).at("running"), true);
  // The stream, from now to the end.
  std::string stream =
      HttpExchange(server->port(), Request("GET", kBase + "/measurements/" + id + "/events"));
  ASSERT_EQ(stream.rfind("HTTP/1.1 200", 0), 0u) << stream;
  EXPECT_NE(stream.find("Content-Type: text/event-stream"), std::string::npos);
  auto events = Events(Dechunk(BodyOf(stream)));
  auto finished = Get(server->port(), id);
  ASSERT_EQ(finished.at("result").at("status").as_string(), "finished");
  const auto& result = finished.at("result").at("result").as_array();
  ASSERT_EQ(result.at(0).at("colos").at(0).at("hops").as_array().size(), topo_.hop_v4.size());
  EXPECT_FALSE(result.at(0).at("colos").at(0).as_object().contains("running"));
  ExpectEventsEqualResult(events, result);

  // A client leaving a stream early is let go: nothing stays open on the server.
  std::string other = Start(server->port());
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string req = Request("GET", kBase + "/measurements/" + other + "/events");
    ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    char buf[256];
    ASSERT_GT(read(fd, buf, sizeof buf), 0);  // the header came: the stream is open
    EXPECT_NE(Metrics(server->port()).find("colotrace_event_streams 1"), std::string::npos);
    close(fd);
  }
  bool released = false;
  for (int i = 0; i < 100 && !released; ++i) {
    released = Metrics(server->port()).find("colotrace_event_streams 0") != std::string::npos;
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(released) << Metrics(server->port());

  // Restarted on the same database: the history is there.
  ASSERT_EQ(server->Terminate(std::chrono::seconds(15)), 0);
  server = Serve(db);
  auto again = Get(server->port(), id);
  EXPECT_EQ(again.at("result").at("result"), finished.at("result").at("result"));
  auto list = json::parse(
      BodyOf(HttpExchange(server->port(), Request("GET", kBase + "/measurements?per_page=1"))));
  EXPECT_EQ(list.at("result_info").at("total_count").as_int64(), 2);
  EXPECT_EQ(list.at("result_info").at("count").as_int64(), 1);
  // And a client that connects after the end still gets every event, from the store.
  auto late = Events(Dechunk(BodyOf(
      HttpExchange(server->port(), Request("GET", kBase + "/measurements/" + id + "/events")))));
  ExpectEventsEqualResult(late, result);
}

TEST_F(MeasurementsLabTest, TwoServersShareOneHistoryOnPostgresql) {
  std::string why;
  if (PostgresCluster::BinDir(&why).empty()) GTEST_SKIP() << why;
  PostgresCluster pg;
  auto a = Serve(pg.Url());
  auto b = Serve(pg.Url());
  std::string id = Start(a->port());
  // Started on A, read on B while it runs, with its partial result.
  json::value seen;
  for (int i = 0; i < 50; ++i) {
    seen = Get(b->port(), id);
    if (seen.at("success") == true) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(seen.at("success"), true) << json::serialize(seen);
  EXPECT_EQ(seen.at("result").at("status").as_string(), "running");
  // B streams it by polling the database; what it sends equals the final result.
  auto events = Events(Dechunk(
      BodyOf(HttpExchange(b->port(), Request("GET", kBase + "/measurements/" + id + "/events")))));
  auto finished = Get(a->port(), id);
  ASSERT_EQ(finished.at("result").at("status").as_string(), "finished");
  ExpectEventsEqualResult(events, finished.at("result").at("result").as_array());
  // Deleted on B: gone on A too.
  std::string deleted = HttpExchange(b->port(), Request("DELETE", kBase + "/measurements/" + id));
  EXPECT_EQ(deleted.rfind("HTTP/1.1 200", 0), 0u) << deleted;
  std::string gone = HttpExchange(a->port(), Request("GET", kBase + "/measurements/" + id));
  EXPECT_EQ(gone.rfind("HTTP/1.1 404", 0), 0u) << gone;
}

}  // namespace
