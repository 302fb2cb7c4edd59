#include "serve_config.h"

// Header-only: no libtomlplusplus.so to load at every start of colotrace.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <unistd.h>

#include <cstdlib>
#include <set>

namespace colotrace::apps {

using model::Status;

Status ParseListen(const std::string& text, ServeConfig* config) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::Error("listen address '" + text + "' has no :PORT");
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || value > 65535) return Status::Error("bad port in '" + text + "'");
    value = value * 10 + (c - '0');
  }
  if (port.empty() || value > 65535) return Status::Error("bad port in '" + text + "'");
  config->listen_address = host;
  config->listen_port = static_cast<uint16_t>(value);
  return Status::Ok();
}

namespace {

Status CheckKeys(const toml::table& table, const std::set<std::string>& allowed,
                 const std::string& where) {
  for (const auto& [key, value] : table) {
    if (!allowed.count(std::string(key.str()))) {
      return Status::Error("unknown key '" + where + std::string(key.str()) + "'");
    }
  }
  return Status::Ok();
}

template <typename T>
Status GetInt(const toml::table& t, const char* key, int64_t min, int64_t max, T* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Ok();
  auto v = n->value<int64_t>();
  if (!n->is_integer() || !v || *v < min || *v > max) {
    return Status::Error(std::string("'") + key + "' must be an integer from " +
                         std::to_string(min) + " to " + std::to_string(max));
  }
  *out = static_cast<T>(*v);
  return Status::Ok();
}

Status GetString(const toml::table& t, const char* key, std::string* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Ok();
  if (!n->is_string()) return Status::Error(std::string("'") + key + "' must be a string");
  *out = *n->value<std::string>();
  return Status::Ok();
}

Status GetStrings(const toml::table& t, const char* key, std::vector<std::string>* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Ok();
  const toml::array* a = n->as_array();
  if (a == nullptr) return Status::Error(std::string("'") + key + "' must be an array of strings");
  out->clear();
  for (const auto& item : *a) {
    if (!item.is_string()) {
      return Status::Error(std::string("'") + key + "' must be an array of strings");
    }
    out->push_back(*item.value<std::string>());
  }
  return Status::Ok();
}

#define RETURN_IF_ERROR(expr) \
  do {                        \
    Status s_ = (expr);       \
    if (!s_) return s_;       \
  } while (false)

Status Load(const toml::table& root, ServeConfig* c) {
  RETURN_IF_ERROR(CheckKeys(root,
                            {"listen", "netns", "user", "allow_targets", "colo", "tokens", "keys",
                             "limits", "nats", "storage", "schedules"},
                            ""));
  if (const toml::node* listen = root.get("listen")) {
    if (!listen->is_string()) return Status::Error("'listen' must be a string");
    RETURN_IF_ERROR(ParseListen(*listen->value<std::string>(), c));
  }
  RETURN_IF_ERROR(GetString(root, "netns", &c->netns));
  RETURN_IF_ERROR(GetString(root, "user", &c->user));
  RETURN_IF_ERROR(GetStrings(root, "allow_targets", &c->allow_targets));
  if (const toml::table* nats = root["nats"].as_table()) {
    RETURN_IF_ERROR(CheckKeys(*nats, {"urls", "creds", "nkey", "tls_ca", "local_colo"}, "nats."));
    RETURN_IF_ERROR(GetStrings(*nats, "urls", &c->nats_urls));
    RETURN_IF_ERROR(GetString(*nats, "creds", &c->nats_creds));
    RETURN_IF_ERROR(GetString(*nats, "nkey", &c->nats_nkey));
    RETURN_IF_ERROR(GetString(*nats, "tls_ca", &c->nats_tls_ca));
    if (const toml::node* local = nats->get("local_colo")) {
      if (!local->is_boolean()) return Status::Error("'nats.local_colo' must be true or false");
      c->local_colo = *local->value<bool>();
    }
  }
  if (const toml::table* storage = root["storage"].as_table()) {
    RETURN_IF_ERROR(CheckKeys(*storage, {"db", "retention_days"}, "storage."));
    RETURN_IF_ERROR(GetString(*storage, "db", &c->db));
    RETURN_IF_ERROR(GetInt(*storage, "retention_days", 1, 36'500, &c->retention_days));
  }
  if (const toml::table* sched = root["schedules"].as_table()) {
    RETURN_IF_ERROR(CheckKeys(*sched,
                              {"min_interval_s", "confirm_runs", "max_per_account", "webhook_allow",
                               "webhook_attempts", "webhook_first_backoff_ms"},
                              "schedules."));
    RETURN_IF_ERROR(GetInt(*sched, "min_interval_s", 1, 86'400, &c->schedule_min_interval_s));
    RETURN_IF_ERROR(GetInt(*sched, "confirm_runs", 1, 100, &c->schedule_confirm_runs));
    RETURN_IF_ERROR(GetInt(*sched, "max_per_account", 0, 1'000'000, &c->schedule_max_per_account));
    RETURN_IF_ERROR(GetStrings(*sched, "webhook_allow", &c->webhook_allow));
    RETURN_IF_ERROR(GetInt(*sched, "webhook_attempts", 1, 100, &c->webhook_attempts));
    RETURN_IF_ERROR(
        GetInt(*sched, "webhook_first_backoff_ms", 1, 3'600'000, &c->webhook_first_backoff_ms));
  }
  if (const toml::table* colo = root["colo"].as_table()) {
    RETURN_IF_ERROR(CheckKeys(*colo, {"name", "city"}, "colo."));
    RETURN_IF_ERROR(GetString(*colo, "name", &c->colo_name));
    RETURN_IF_ERROR(GetString(*colo, "city", &c->colo_city));
  }
  for (const char* kind : {"tokens", "keys"}) {
    const toml::node* n = root.get(kind);
    if (n == nullptr) continue;
    const toml::array* list = n->as_array();
    if (list == nullptr)
      return Status::Error(std::string("'") + kind + "' must be [[" + kind + "]] tables");
    for (const auto& item : *list) {
      const toml::table* t = item.as_table();
      if (t == nullptr)
        return Status::Error(std::string("'") + kind + "' must be [[" + kind + "]] tables");
      CredentialConfig cred;
      bool token = std::string(kind) == "tokens";
      RETURN_IF_ERROR(CheckKeys(*t,
                                token ? std::set<std::string>{"sha256", "accounts"}
                                      : std::set<std::string>{"email", "sha256", "accounts"},
                                std::string(kind) + "."));
      RETURN_IF_ERROR(GetString(*t, "sha256", token ? &cred.token_sha256 : &cred.key_sha256));
      RETURN_IF_ERROR(GetString(*t, "email", &cred.email));
      RETURN_IF_ERROR(GetStrings(*t, "accounts", &cred.accounts));
      c->credentials.push_back(std::move(cred));
    }
  }
  if (const toml::table* l = root["limits"].as_table()) {
    RETURN_IF_ERROR(
        CheckKeys(*l,
                  {"requests_per_window", "probes_per_window", "window_s", "max_probes_per_request",
                   "max_connections", "max_body_bytes", "read_timeout_ms", "drain_timeout_ms",
                   "max_packets_per_second", "http_threads", "max_concurrent_requests_per_token"},
                  "limits."));
    RETURN_IF_ERROR(GetInt(*l, "requests_per_window", 1, 1'000'000'000, &c->requests_per_window));
    RETURN_IF_ERROR(GetInt(*l, "probes_per_window", 1, int64_t{1} << 50, &c->probes_per_window));
    RETURN_IF_ERROR(GetInt(*l, "window_s", 1, 86'400, &c->window_s));
    RETURN_IF_ERROR(
        GetInt(*l, "max_probes_per_request", 1, int64_t{1} << 40, &c->max_probes_per_request));
    RETURN_IF_ERROR(GetInt(*l, "max_connections", 1, 1'000'000, &c->max_connections));
    RETURN_IF_ERROR(GetInt(*l, "max_body_bytes", 1024, 16 << 20, &c->max_body_bytes));
    RETURN_IF_ERROR(GetInt(*l, "read_timeout_ms", 100, 600'000, &c->read_timeout_ms));
    RETURN_IF_ERROR(GetInt(*l, "drain_timeout_ms", 0, 600'000, &c->drain_timeout_ms));
    RETURN_IF_ERROR(
        GetInt(*l, "max_packets_per_second", 1, 10'000'000, &c->max_packets_per_second));
    RETURN_IF_ERROR(GetInt(*l, "http_threads", 1, 256, &c->http_threads));
    RETURN_IF_ERROR(GetInt(*l, "max_concurrent_requests_per_token", 1, 1'000'000,
                           &c->max_concurrent_requests_per_token));
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultDbPath() {
  std::string dir;
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0') {
    dir = state;
    dir = dir.substr(0, dir.find(':'));  // several directories: the first
  } else if (geteuid() == 0) {
    dir = "/var/lib/colotrace";
  } else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/') {
    dir = std::string(xdg) + "/colotrace";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    dir = std::string(home) + "/.local/state/colotrace";
  } else {
    dir = ".";
  }
  return dir + "/colotrace.db";
}

Status LoadServeConfig(const std::string& path, ServeConfig* config) {
  try {
    toml::table root = toml::parse_file(path);
    Status s = Load(root, config);
    if (!s) return Status::Error(path + ": " + s.error());
    return Status::Ok();
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::Error(path + ":" + std::to_string(where.line) + ":" +
                         std::to_string(where.column) + ": " + std::string(e.description()));
  }
}

}  // namespace colotrace::apps
