// MaxMindAsnDb against MaxMind's own test database (tests/data) and against lab databases
// written by write_lab_asn_db.pl (Debian's libmaxmind-db-writer-perl): known answers, misses,
// broken files, and reloading a file replaced while running.

#include "enrich/asn_db.h"

#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace colotrace::enrich {
namespace {

namespace fs = std::filesystem;
using net::IpAddress;

const std::string kTestDb = COLOTRACE_TEST_DATA_DIR "/GeoLite2-ASN-Test.mmdb";
const std::string kWriter = COLOTRACE_ENRICH_TEST_DIR "/write_lab_asn_db.pl";

IpAddress Ip(const char* text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

// Runs argv (argv[0] from PATH) and returns its exit status (-1 if it could not start).
int Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "asn_db_test.XXXXXX").string();
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Writes a lab database; fails the test (clearly) when the Perl writer is not installed.
void WriteLabDb(const std::string& out, const std::vector<std::string>& entries) {
  std::vector<std::string> argv = {"perl", kWriter, out};
  argv.insert(argv.end(), entries.begin(), entries.end());
  int status = Run(argv);
  ASSERT_NE(status, 2) << "Perl module MaxMind::DB::Writer::Tree is missing: "
                          "apt-get install libmaxmind-db-writer-perl (scripts/install-deps.sh)";
  ASSERT_EQ(status, 0) << "write_lab_asn_db.pl failed for " << out;
}

TEST(AsnTextTest, FormatsNumberOrEmpty) {
  EXPECT_EQ(AsnText(15169u), "AS15169");
  EXPECT_EQ(AsnText(0u), "AS0");
  EXPECT_EQ(AsnText(4294967295u), "AS4294967295");
  EXPECT_EQ(AsnText(std::nullopt), "");
}

TEST(MaxMindAsnDbTest, KnownAnswersFromMaxMindTestData) {
  auto db = MaxMindAsnDb::Create(kTestDb);
  ASSERT_TRUE(db.ok()) << db.error();
  // From ../shared/data/GeoLite2-ASN-Test.json.
  EXPECT_EQ((*db)->Lookup(Ip("1.0.0.1")), 15169u);
  EXPECT_EQ((*db)->Lookup(Ip("1.0.0.255")), 15169u);
  EXPECT_EQ((*db)->Lookup(Ip("1.128.0.1")), 1221u);
  EXPECT_EQ((*db)->Lookup(Ip("1.159.255.254")), 1221u);  // end of 1.128.0.0/11
  EXPECT_EQ((*db)->Lookup(Ip("12.81.92.7")), 7018u);
  EXPECT_EQ((*db)->Lookup(Ip("2001:1700::1")), 6730u);
  EXPECT_EQ((*db)->Lookup(Ip("2001:1c00:1234::5")), 9143u);
  EXPECT_EQ((*db)->Lookup(Ip("2001:2000::1")), 1299u);
  EXPECT_EQ((*db)->Lookup(Ip("2001:4600::abcd")), 2119u);

  auto record = (*db)->LookupRecord(Ip("1.0.0.1"));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->number, 15169u);
  EXPECT_EQ(record->organization, "Google Inc.");
  EXPECT_EQ(AsnText((*db)->Lookup(Ip("1.128.0.1"))), "AS1221");
}

TEST(MaxMindAsnDbTest, AddressesNotInTheDatabase) {
  auto db = MaxMindAsnDb::Create(kTestDb);
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ((*db)->Lookup(Ip("1.0.1.1")), std::nullopt);  // just past 1.0.0.0/24
  EXPECT_EQ((*db)->Lookup(Ip("203.0.113.1")), std::nullopt);
  EXPECT_EQ((*db)->Lookup(Ip("127.0.0.1")), std::nullopt);
  EXPECT_EQ((*db)->Lookup(Ip("2001:db8::1")), std::nullopt);
  EXPECT_EQ((*db)->Lookup(Ip("::")), std::nullopt);
  EXPECT_EQ((*db)->LookupRecord(Ip("2001:db8::1")), std::nullopt);
  EXPECT_EQ(AsnText((*db)->Lookup(Ip("203.0.113.1"))), "");
}

TEST(MaxMindAsnDbTest, MissingFileIsAnError) {
  TempDir dir;
  auto db = MaxMindAsnDb::Create(dir.File("nope.mmdb"));
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find("nope.mmdb"), std::string::npos) << db.error();
}

TEST(MaxMindAsnDbTest, CorruptFileIsAnError) {
  TempDir dir;
  std::string path = dir.File("corrupt.mmdb");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto db = MaxMindAsnDb::Create(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find("corrupt.mmdb"), std::string::npos) << db.error();

  {  // A truncated copy of a real database.
    std::ifstream in(kTestDb, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 100u);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes.substr(0, bytes.size() / 3);
  }
  EXPECT_FALSE(MaxMindAsnDb::Create(path).ok());
  std::ofstream(dir.File("empty.mmdb")).close();
  EXPECT_FALSE(MaxMindAsnDb::Create(dir.File("empty.mmdb")).ok());
}

TEST(MaxMindAsnDbTest, LabDatabaseWrittenWithPerl) {
  TempDir dir;
  std::string path = dir.File("lab.mmdb");
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(
      path, {"198.51.100.0/24=64500:Lab A", "203.0.113.0/24=64501", "2001:db8::/32=64502"}));
  auto db = MaxMindAsnDb::Create(path);
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ((*db)->Lookup(Ip("198.51.100.7")), 64500u);
  EXPECT_EQ((*db)->Lookup(Ip("203.0.113.1")), 64501u);
  EXPECT_EQ((*db)->Lookup(Ip("2001:db8:ff::1")), 64502u);
  EXPECT_EQ((*db)->Lookup(Ip("192.0.2.1")), std::nullopt);
  EXPECT_EQ((*db)->Lookup(Ip("2001:db9::1")), std::nullopt);
  auto record = (*db)->LookupRecord(Ip("198.51.100.7"));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->organization, "Lab A");
}

TEST(MaxMindAsnDbTest, ReloadsWhenTheFileIsReplaced) {
  TempDir dir;
  std::string path = dir.File("lab.mmdb");
  std::string next = dir.File("lab.mmdb.new");
  ASSERT_NO_FATAL_FAILURE(
      WriteLabDb(path, {"198.51.100.0/24=64500", "203.0.113.0/24=64501", "2001:db8::/32=64502"}));
  auto created = MaxMindAsnDb::Create(path);
  ASSERT_TRUE(created.ok()) << created.error();
  MaxMindAsnDb& db = **created;
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64501u);

  ASSERT_NO_FATAL_FAILURE(
      WriteLabDb(next, {"198.51.100.0/24=64500", "203.0.113.0/24=64510", "2001:db8::/32=64502"}));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64510u);
  EXPECT_EQ(db.Lookup(Ip("198.51.100.1")), 64500u);
  EXPECT_EQ(db.reloads(), 1u);
  EXPECT_EQ(db.reload_failures(), 0u);
  EXPECT_EQ(db.last_error(), "");
}

TEST(MaxMindAsnDbTest, ChecksAtMostOncePerInterval) {
  TempDir dir;
  std::string path = dir.File("lab.mmdb");
  std::string next = dir.File("lab.mmdb.new");
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(path, {"203.0.113.0/24=64501"}));
  auto db = MaxMindAsnDb::Create(path, {.reload_check_interval_ms = 60000});
  ASSERT_TRUE(db.ok()) << db.error();
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(next, {"203.0.113.0/24=64510"}));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ((*db)->Lookup(Ip("203.0.113.1")), 64501u);  // not checked yet
  EXPECT_EQ((*db)->reloads(), 0u);
}

TEST(MaxMindAsnDbTest, FailedReloadKeepsTheOldDatabase) {
  TempDir dir;
  std::string path = dir.File("lab.mmdb");
  std::string next = dir.File("lab.mmdb.new");
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(path, {"203.0.113.0/24=64501"}));
  auto created = MaxMindAsnDb::Create(path, {.reload_check_interval_ms = 0});
  ASSERT_TRUE(created.ok()) << created.error();
  MaxMindAsnDb& db = **created;
  {
    std::ofstream out(next, std::ios::binary);
    out << "this is not a MaxMind database";
  }
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64501u);
  EXPECT_EQ(db.reload_failures(), 1u);
  EXPECT_NE(db.last_error().find("lab.mmdb"), std::string::npos) << db.last_error();
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64501u);
  EXPECT_EQ(db.reload_failures(), 1u);  // the same broken file is not retried

  // The file disappears: still the old database.
  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64501u);
  EXPECT_GE(db.reload_failures(), 2u);

  // A good file comes back: reloaded.
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(next, {"203.0.113.0/24=64520"}));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ(db.Lookup(Ip("203.0.113.1")), 64520u);
  EXPECT_EQ(db.reloads(), 1u);
}

TEST(MaxMindAsnDbTest, ConcurrentLookupsDuringReloads) {
  TempDir dir;
  std::string path = dir.File("lab.mmdb");
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(path, {"203.0.113.0/24=64501"}));
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(dir.File("a.mmdb"), {"203.0.113.0/24=64501"}));
  ASSERT_NO_FATAL_FAILURE(WriteLabDb(dir.File("b.mmdb"), {"203.0.113.0/24=64510"}));
  auto created = MaxMindAsnDb::Create(path, {.reload_check_interval_ms = 0});
  ASSERT_TRUE(created.ok()) << created.error();
  MaxMindAsnDb& db = **created;
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        auto asn = db.Lookup(Ip("203.0.113.9"));
        if (asn != 64501u && asn != 64510u) ++bad;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    std::string src = dir.File(i % 2 ? "a.mmdb" : "b.mmdb");
    std::string tmp = dir.File("tmp.mmdb");
    fs::copy_file(src, tmp, fs::copy_options::overwrite_existing);
    ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(db.reloads(), 1u);
}

}  // namespace
}  // namespace colotrace::enrich
