#include "enrich/asn_db.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

namespace colotrace::enrich {

std::string AsnText(std::optional<uint32_t> asn) {
  return asn ? "AS" + std::to_string(*asn) : std::string();
}

namespace {

// Identity of a file on disk; a change means the file was replaced or rewritten.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};

model::Result<FileId> StatFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return model::Result<FileId>::Error(path + ": " + std::strerror(errno));
  }
  return FileId{st.st_dev, st.st_ino, st.st_size,
                static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// One opened database; unmapped when the last reference goes.
struct Loaded {
  MMDB_s mmdb{};
  FileId id;
  ~Loaded() { MMDB_close(&mmdb); }
};

model::Result<std::shared_ptr<const Loaded>> Open(const std::string& path) {
  using R = model::Result<std::shared_ptr<const Loaded>>;
  auto id = StatFile(path);
  if (!id) return R::Error(id.error());
  auto loaded = std::make_shared<Loaded>();
  int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &loaded->mmdb);
  if (rc != MMDB_SUCCESS) {
    std::string why = MMDB_strerror(rc);
    if (rc == MMDB_IO_ERROR) why += std::string(" (") + std::strerror(errno) + ")";
    // MMDB_open leaves nothing to close on failure; keep the destructor from closing it.
    loaded->mmdb = MMDB_s{};
    return R::Error(path + ": cannot open MaxMind database: " + why);
  }
  loaded->id = *id;
  return std::shared_ptr<const Loaded>(std::move(loaded));
}

std::optional<uint64_t> UnsignedValue(const MMDB_entry_data_s& data) {
  if (!data.has_data) return std::nullopt;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      return data.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return data.uint32;
    case MMDB_DATA_TYPE_UINT64:
      return data.uint64;
    case MMDB_DATA_TYPE_INT32:
      if (data.int32 >= 0) return static_cast<uint64_t>(data.int32);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct MaxMindAsnDb::Impl {
  std::string path;
  MaxMindAsnDbOptions options;

  mutable std::mutex mu;  // guards db, failed_id, last_error
  std::shared_ptr<const Loaded> db;
  std::optional<FileId> failed_id;  // a broken file not to retry until it changes
  std::string last_error;

  std::atomic<int64_t> next_check_ns{0};
  std::atomic<uint64_t> reloads{0};
  std::atomic<uint64_t> failures{0};

  std::shared_ptr<const Loaded> Current() {
    MaybeReload();
    std::lock_guard lock(mu);
    return db;
  }

  void MaybeReload() {
    int64_t now = NowNs();
    int64_t due = next_check_ns.load(std::memory_order_relaxed);
    if (now < due) return;
    int64_t next = now + static_cast<int64_t>(options.reload_check_interval_ms) * 1000000;
    // One thread per interval does the check; the others go on with the current database.
    if (!next_check_ns.compare_exchange_strong(due, next, std::memory_order_relaxed)) return;

    auto id = StatFile(path);
    std::optional<FileId> current_id;
    {
      std::lock_guard lock(mu);
      current_id = db->id;
      if (id && failed_id && *failed_id == *id) return;  // already known to be broken
    }
    if (!id) {
      Fail(std::nullopt, "reload: " + id.error());
      return;
    }
    if (*id == *current_id) return;
    auto fresh = Open(path);
    if (!fresh) {
      Fail(*id, "reload: " + fresh.error());
      return;
    }
    std::lock_guard lock(mu);
    db = std::move(*fresh);
    failed_id.reset();
    reloads.fetch_add(1, std::memory_order_relaxed);
  }

  void Fail(std::optional<FileId> id, std::string why) {
    std::lock_guard lock(mu);
    failed_id = id;
    last_error = std::move(why);
    failures.fetch_add(1, std::memory_order_relaxed);
  }
};

MaxMindAsnDb::MaxMindAsnDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MaxMindAsnDb::~MaxMindAsnDb() = default;

model::Result<std::unique_ptr<MaxMindAsnDb>> MaxMindAsnDb::Create(const std::string& path,
                                                                  MaxMindAsnDbOptions options) {
  using R = model::Result<std::unique_ptr<MaxMindAsnDb>>;
  if (options.reload_check_interval_ms < 0) {
    return R::Error("reload_check_interval_ms must not be negative");
  }
  auto loaded = Open(path);
  if (!loaded) return R::Error(loaded.error());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->db = std::move(*loaded);
  impl->next_check_ns = NowNs() + static_cast<int64_t>(options.reload_check_interval_ms) * 1000000;
  return std::unique_ptr<MaxMindAsnDb>(new MaxMindAsnDb(std::move(impl)));
}

std::optional<AsnRecord> MaxMindAsnDb::LookupRecord(const net::IpAddress& address) {
  std::shared_ptr<const Loaded> db = impl_->Current();
  sockaddr_storage storage{};
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, address.data(), 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, address.data(), 16);
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s result =
      MMDB_lookup_sockaddr(&db->mmdb, reinterpret_cast<const sockaddr*>(&storage), &mmdb_error);
  // MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR: an IPv6 address in an IPv4-only database.
  if (mmdb_error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;

  MMDB_entry_data_s data{};
  if (MMDB_get_value(&result.entry, &data, "autonomous_system_number",
                     static_cast<const char*>(nullptr)) != MMDB_SUCCESS) {
    return std::nullopt;
  }
  std::optional<uint64_t> number = UnsignedValue(data);
  if (!number || *number > UINT32_MAX) return std::nullopt;
  AsnRecord record;
  record.number = static_cast<uint32_t>(*number);
  MMDB_entry_data_s org{};
  if (MMDB_get_value(&result.entry, &org, "autonomous_system_organization",
                     static_cast<const char*>(nullptr)) == MMDB_SUCCESS &&
      org.has_data && org.type == MMDB_DATA_TYPE_UTF8_STRING) {
    record.organization.assign(org.utf8_string, org.data_size);
  }
  return record;
}

std::optional<uint32_t> MaxMindAsnDb::Lookup(const net::IpAddress& address) {
  auto record = LookupRecord(address);
  if (!record) return std::nullopt;
  return record->number;
}

const std::string& MaxMindAsnDb::path() const {
  return impl_->path;
}
uint64_t MaxMindAsnDb::reloads() const {
  return impl_->reloads.load();
}
uint64_t MaxMindAsnDb::reload_failures() const {
  return impl_->failures.load();
}
std::string MaxMindAsnDb::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

}  // namespace colotrace::enrich
