// The log: levels, both formats, one line per event whatever a value holds.
#include "net/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace colotrace::net {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTesting([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    ConfigureLog(LogLevel::kInfo, LogFormat::kText);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, NamesOfLevelsAndFormats) {
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("WARN").has_value());
  EXPECT_FALSE(ParseLogLevel("").has_value());
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

TEST_F(LogTest, EventsBelowTheLevelAreDropped) {
  ConfigureLog(LogLevel::kWarning, LogFormat::kText);
  Log(LogLevel::kInfo, "http", "dropped");
  Log(LogLevel::kWarning, "storage", "kept");
  Log(LogLevel::kError, "storage", "kept too");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
}

TEST_F(LogTest, TextIsOneReadableLine) {
  ConfigureLog(LogLevel::kInfo, LogFormat::kText);
  Log(LogLevel::kInfo, "http", "GET /x",
      {{"account", "acc1"},
       LogNumber("duration_ms", 1.23456, 3),
       {"id", ""},
       {"error", "bad \"thing\"\nnext"}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& line = lines_[0];
  // 2026-11-27T21:10:57.123Z info http: GET /x account=acc1 duration_ms=1.235 error="..."
  ASSERT_GE(line.size(), 25u);
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[23], 'Z');
  EXPECT_NE(line.find(" info http: GET /x account=acc1 duration_ms=1.235 "), std::string::npos)
      << line;
  EXPECT_EQ(line.find("id="), std::string::npos) << "empty fields say nothing: " << line;
  EXPECT_NE(line.find(R"(error="bad \"thing\"\x0anext")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
}

TEST_F(LogTest, JsonIsOneObjectPerLine) {
  ConfigureLog(LogLevel::kDebug, LogFormat::kJson);
  Log(LogLevel::kDebug, "http", "GET /x \"q\"",
      {{"status", "200", true}, {"account", "acc1"}, {"id", ""}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& line = lines_[0];
  EXPECT_EQ(line.rfind("{\"time\":\"", 0), 0u) << line;
  EXPECT_NE(line.find(R"("level":"debug","component":"http","msg":"GET /x \"q\"",)"
                      R"("status":200,"account":"acc1","id":""})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
}  // namespace colotrace::net
