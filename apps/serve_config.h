// `colotrace serve`: its settings, from a TOML file and flags (flags win). docs/api.md,
// "Running the server", documents every key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "enrich_flags.h"
#include "model/result.h"

namespace colotrace::apps {

struct CredentialConfig {
  std::string token_sha256;  // tokens: the SHA-256 (hex) of the token
  std::string email;         // keys: the email, with key_sha256
  std::string key_sha256;
  std::vector<std::string> accounts;
};

struct ServeConfig {
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string netns;
  std::string user = "nobody";  // run as this user once sockets are open (when root)
  std::string colo_name = "local";
  std::string colo_city;
  std::vector<std::string> allow_targets;  // CIDRs admitted despite the target policy
  std::vector<CredentialConfig> credentials;
  // Remote colos over NATS (empty: none).
  std::vector<std::string> nats_urls;
  std::string nats_creds;
  std::string nats_nkey;
  std::string nats_tls_ca;
  bool local_colo = true;
  // Stored measurements: "" = the default place (DefaultDbPath), a SQLite path, or a
  // postgresql:// URL; no_db turns storage off.
  std::string db;
  bool no_db = false;
  int retention_days = 30;
  // Schedules (docs/api.md, "Schedules"); the minimum interval may be lowered for tests.
  int64_t schedule_min_interval_s = 60;
  int schedule_confirm_runs = 2;
  int64_t schedule_max_per_account = 1'000;
  std::vector<std::string> webhook_allow;  // CIDRs webhooks may go to despite the policy
  int webhook_attempts = 5;
  int64_t webhook_first_backoff_ms = 1'000;
  EnrichFlags enrich;  // names and ASNs of the local colo (flags only)
  // Limits.
  int requests_per_window = 1200;
  int64_t probes_per_window = 1'000'000;
  int window_s = 300;
  int64_t max_probes_per_request = 100'000;
  int max_concurrent_requests_per_token = 32;
  int max_connections = 1024;
  int64_t max_body_bytes = 64 * 1024;
  int read_timeout_ms = 10'000;
  int drain_timeout_ms = 30'000;
  int max_packets_per_second = 20'000;  // the local colo's send budget
  int http_threads = 2;
};

// Reads a TOML file into `config` (keys it does not set keep their values). Unknown keys and
// values of the wrong type or range are errors naming the key.
model::Status LoadServeConfig(const std::string& path, ServeConfig* config);

// Where measurements are stored when neither --db nor [storage] db says: $STATE_DIRECTORY
// (systemd's StateDirectory=) or, for root, /var/lib/colotrace; otherwise
// $XDG_STATE_HOME/colotrace or ~/.local/state/colotrace; the file colotrace.db there.
std::string DefaultDbPath();

// Parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080", ":8080" for all IPv4 addresses).
model::Status ParseListen(const std::string& text, ServeConfig* config);

}  // namespace colotrace::apps
