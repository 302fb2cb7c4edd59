// ASN lookup by IP address: the AsnDatabase interface and its libmaxminddb implementation.
//
// MaxMindAsnDb reads a MaxMind-format ASN database (GeoLite2-ASN, or one written with
// MaxMind::DB::Writer) and reloads it when the file changes on disk, without a restart.
// Errors are values (model::Result / model::Status); nothing here throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// "AS15169" for 15169; "" for nullopt (the API's `asn` field).
std::string AsnText(std::optional<uint32_t> asn);

// Maps an address to its origin autonomous system number.
// Thread-safety: implementations allow Lookup from any number of threads at once.
class AsnDatabase {
 public:
  virtual ~AsnDatabase() = default;
  // The AS number of the network holding `address`; nullopt when the database has no entry
  // for it (or the entry has no AS number). Never blocks on the network.
  virtual std::optional<uint32_t> Lookup(const net::IpAddress& address) = 0;
};

struct MaxMindAsnDbOptions {
  // How often, at most, a lookup checks whether the file changed (stat of its path: inode,
  // device, size, modification time). Milliseconds; 0 checks on every lookup.
  int reload_check_interval_ms = 1000;
};

// What the database holds for one address.
struct AsnRecord {
  uint32_t number = 0;
  std::string organization;  // "" when the database has none
};

// libmaxminddb-backed AsnDatabase. The database file is memory-mapped.
//
// Reload: a lookup that finds the check interval elapsed stats the path; if the file differs
// from the one loaded (inode, device, size or mtime), that lookup opens the new file and swaps
// it in atomically. Lookups running meanwhile keep using the database they started with; it is
// unmapped when the last one finishes. Replace the file by rename(2) (a file rewritten in place
// can be seen half-written). A failed reload keeps the old database, counts the failure
// (reload_failures) and records why (last_error); the same broken file is not retried until
// it changes again.
//
// Thread-safety: every method may be called from any thread at once.
class MaxMindAsnDb : public AsnDatabase {
 public:
  // Opens the database at `path`. Errors: missing, unreadable or not a MaxMind database.
  static model::Result<std::unique_ptr<MaxMindAsnDb>> Create(const std::string& path,
                                                             MaxMindAsnDbOptions options = {});
  ~MaxMindAsnDb() override;
  MaxMindAsnDb(const MaxMindAsnDb&) = delete;
  MaxMindAsnDb& operator=(const MaxMindAsnDb&) = delete;

  // AsnDatabase: reads `autonomous_system_number`.
  std::optional<uint32_t> Lookup(const net::IpAddress& address) override;
  // Also reads `autonomous_system_organization`. nullopt as Lookup.
  std::optional<AsnRecord> LookupRecord(const net::IpAddress& address);

  const std::string& path() const;
  // Successful reloads since Create.
  uint64_t reloads() const;
  // Failed reload attempts since Create.
  uint64_t reload_failures() const;
  // Why the last reload failed; "" if none has failed.
  std::string last_error() const;

 private:
  struct Impl;
  explicit MaxMindAsnDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace colotrace::enrich
