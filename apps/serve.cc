#include "serve.h"

#include <pwd.h>
#include <sys/random.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "api/auth.h"
#include "api/handler.h"
#include "api/http_server.h"
#include "api/measurements.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/schedules.h"
#include "api/webhooks.h"
#include "dispatch/dispatcher.h"
#include "dispatch/local_colo.h"
#include "dispatch/nats_colos.h"
#include "dispatch/target_policy.h"
#include "enrich/dns_client.h"
#include "enrich/host_resolver.h"
#include "enrich_flags.h"
#include "net/system.h"
#include "probe/engine.h"
#include "serve_config.h"
#include "store/measurement_store.h"
#include "store/store_writer.h"

namespace colotrace::apps {

namespace {

// The flags, as given; applied over the configuration file's values (flags win).
struct ServeFlags {
  std::string config;
  std::string listen;
  std::vector<std::string> tokens;
  std::vector<std::string> allow_targets;
  std::string colo_name;
  std::string colo_city;
  std::string netns;
  std::string user;
  std::vector<std::string> nats;
  std::string nats_creds;
  std::string nats_nkey;
  std::string nats_tls_ca;
  bool no_local_colo = false;
  std::string db;
  bool no_db = false;
  LogFlags log;
  EnrichFlags enrich;
};

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= text.size();) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The configuration file (if any), then every flag given over it. Errors are usage errors.
model::Status BuildConfig(const CLI::App& cmd, const ServeFlags& f, ServeConfig* config) {
  if (!f.config.empty()) {
    if (auto s = LoadServeConfig(f.config, config); !s) return s;
  }
  auto given = [&](const char* name) { return cmd.count(name) > 0; };
  if (given("--listen")) {
    if (auto s = ParseListen(f.listen, config); !s) return s;
  }
  for (const std::string& v : f.tokens) {
    size_t colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) {
      return model::Status::Error("--token wants TOKEN:ACCOUNT[,ACCOUNT...]");
    }
    CredentialConfig cred;
    cred.token_sha256 = api::Authenticator::HashSecret(v.substr(0, colon));
    cred.accounts = SplitCommas(v.substr(colon + 1));
    config->credentials.push_back(std::move(cred));
  }
  if (given("--allow-target")) config->allow_targets = f.allow_targets;  // replaces the file's
  if (given("--colo-name")) config->colo_name = f.colo_name;
  if (given("--colo-city")) config->colo_city = f.colo_city;
  if (given("--netns")) config->netns = f.netns;
  if (given("--user")) config->user = f.user;
  if (given("--nats")) {
    config->nats_urls.clear();
    for (const auto& v : f.nats) {
      for (auto& url : SplitCommas(v)) config->nats_urls.push_back(std::move(url));
    }
  }
  if (given("--nats-creds")) config->nats_creds = f.nats_creds;
  if (given("--nats-nkey")) config->nats_nkey = f.nats_nkey;
  if (given("--nats-tls-ca")) config->nats_tls_ca = f.nats_tls_ca;
  if (f.no_local_colo) config->local_colo = false;
  if (given("--db")) config->db = f.db;
  if (f.no_db) config->no_db = true;
  config->enrich = f.enrich;
  if (!model::IsValidColoName(config->colo_name)) {
    return model::Status::Error("the colo name '" + config->colo_name + "' is not 1 to " +
                                std::to_string(model::kMaxColoNameLength) + " of [A-Za-z0-9_-]");
  }
  return model::Status::Ok();
}

bool IsPostgresUrl(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

// Before the privilege drop: the SQLite database's folder exists, and the files of an existing
// database belong to `user`, who opens and writes them after the drop. A folder made here is
// given to `user` too; one that existed is left as it is (it may be /tmp or a home): SQLite
// needs `user` to be able to write in it.
model::Status PrepareSqliteDir(const std::string& location, const std::string& user) {
  std::string path = location.rfind("sqlite:", 0) == 0 ? location.substr(7) : location;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  bool made = false;
  if (!std::filesystem::exists(dir, ec)) {
    made = true;
    std::filesystem::create_directories(dir, ec);
    if (ec) return model::Status::Error("--db " + location + ": " + ec.message());
    std::filesystem::permissions(dir,
                                 std::filesystem::perms::owner_all |
                                     std::filesystem::perms::group_read |
                                     std::filesystem::perms::group_exec,
                                 ec);
  }
  if (geteuid() != 0) return model::Status::Ok();
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return model::Status::Error("unknown user '" + user + "'");
  for (const std::string& file :
       {made ? dir.string() : path, path, path + "-wal", path + "-shm", path + "-journal"}) {
    if (std::filesystem::exists(file, ec) && chown(file.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return model::Status::Error("--db " + location + ": cannot give " + file + " to " + user +
                                  ": " + std::strerror(errno));
    }
  }
  return model::Status::Ok();
}

// colotrace_store_* and colotrace_measurements_* series for /metrics.
void RenderStorageMetrics(std::string& out, const store::StoreWriter* writer,
                          const api::Measurements& measurements, int open_streams) {
  using api::Metrics;
  Metrics::WriteSeries(out, "colotrace_measurements_running", "gauge", "Measurements running now.",
                       "", static_cast<double>(measurements.running()));
  Metrics::WriteSeries(out, "colotrace_event_streams", "gauge",
                       "Event streams of measurements open now.", "", open_streams);
  if (writer == nullptr) return;
  store::StoreCounters c = writer->counters();
  Metrics::WriteSeries(out, "colotrace_store_up", "gauge",
                       "1 when the last write to the measurement store succeeded.", "",
                       c.up ? 1 : 0);
  Metrics::WriteSeries(out, "colotrace_store_written_total", "counter",
                       "Measurement snapshots written to the store.", "",
                       static_cast<double>(c.written));
  Metrics::WriteSeries(out, "colotrace_store_write_errors_total", "counter",
                       "Failed attempts to write to the store (each retry counts).", "",
                       static_cast<double>(c.write_errors));
  Metrics::WriteSeries(out, "colotrace_store_dropped_total", "counter",
                       "Measurement snapshots never written (the queue was full, or at "
                       "shutdown); each is also logged.",
                       "", static_cast<double>(c.dropped));
  Metrics::WriteSeries(out, "colotrace_store_pending", "gauge",
                       "Measurement snapshots waiting to be written.", "",
                       static_cast<double>(c.pending));
  Metrics::WriteSeries(out, "colotrace_store_pruned_total", "counter",
                       "Measurements removed by retention.", "", static_cast<double>(c.pruned));
}

int RunServe(ServeConfig config) {
  api::Authenticator auth;
  std::string generated_token;
  if (config.credentials.empty()) {
    generated_token = RandomHex(24);
    CredentialConfig cred;
    cred.token_sha256 = api::Authenticator::HashSecret(generated_token);
    cred.accounts = {"local"};
    config.credentials.push_back(cred);
  }
  for (const auto& cred : config.credentials) {
    model::Status s = cred.token_sha256.empty()
                          ? auth.AddKey(cred.email, cred.key_sha256, cred.accounts)
                          : auth.AddToken(cred.token_sha256, cred.accounts);
    if (!s) return UsageError("serve", "bad credential: " + s.error());
  }
  auto policy = std::make_shared<dispatch::TargetPolicy>();
  for (const auto& cidr : config.allow_targets) {
    if (auto s = policy->Allow(cidr); !s) {
      return UsageError("serve", "--allow-target " + cidr + ": " + s.error());
    }
  }
  if (config.nats_urls.empty() && !config.local_colo) {
    return UsageError("serve", "--no-local-colo needs --nats: there would be no colo at all");
  }

  // SIGINT and SIGTERM are taken by one thread with sigwait: block them before any thread.
  TerminationSignals signals;
  signals.Block();

  // Stored measurements, declared first: destroyed after the engine and the dispatcher whose
  // traceroutes feed them (opened after the privilege drop, below).
  std::unique_ptr<store::MeasurementStore> store;
  std::unique_ptr<store::StoreWriter> writer;
  std::unique_ptr<api::Measurements> measurements;
  std::string db = config.no_db ? "" : config.db.empty() ? DefaultDbPath() : config.db;
  if (!db.empty() && !IsPostgresUrl(db)) {
    if (auto s = PrepareSqliteDir(db, config.user); !s) return UsageError("serve", s.error());
  }

  // Declared before the dispatcher that holds the local colo runner: destroyed after it.
  std::unique_ptr<probe::Engine> engine;
  dispatch::Dispatcher dispatcher;
  if (config.local_colo) {
    probe::EngineOptions engine_options;
    engine_options.netns = config.netns;
    engine_options.max_packets_per_second = config.max_packets_per_second;
    auto created = probe::Engine::Create(engine_options);
    if (!created) {
      std::cerr << "colotrace: " << created.error() << "\n";
      return kExitFailed;
    }
    engine = std::move(*created);
    dispatch::LocalColoOptions local;
    local.policy = policy;
    if (auto s = MakeEnrichment(config.enrich, config.netns, &local); !s) {
      return UsageError("serve", s.error());
    }
    dispatcher.AddColo({config.colo_name, config.colo_city, true},
                       std::make_shared<dispatch::LocalColoRunner>(*engine, local));
  }
  dispatch::NatsOptions nats;
  nats.urls = config.nats_urls;
  nats.name = "colotrace-serve";
  nats.creds_file = config.nats_creds;
  nats.nkey_file = config.nats_nkey;
  nats.tls_ca_file = config.nats_tls_ca;
  // Read now: the files may be readable by root only, and reconnects happen as --user.
  if (auto s = dispatch::LoadNatsCredentials(&nats); !s) return UsageError("serve", s.error());

  api::RateLimiter limiter({config.requests_per_window, config.probes_per_window, config.window_s},
                           100'000, [] {
                             return std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
                           });
  api::Metrics metrics;
  api::ApiOptions api_options;
  api_options.max_probes_per_request = config.max_probes_per_request;
  api_options.max_concurrent_per_credential = config.max_concurrent_requests_per_token;
  std::unique_ptr<api::ApiHandler> handler;  // made after the drop, before serving

  api::HttpServerOptions http;
  http.address = config.listen_address;
  http.port = config.listen_port;
  http.threads = config.http_threads;
  http.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  http.max_connections = config.max_connections;
  http.read_timeout = std::chrono::milliseconds(config.read_timeout_ms);
  http.drain_timeout = std::chrono::milliseconds(config.drain_timeout_ms);
  auto server = api::HttpServer::Create(
      http,
      [&handler](api::HttpRequest r, api::Respond respond) {
        handler->Handle(std::move(r), std::move(respond));
      },
      [&metrics](int status, int code, const std::string& message) {
        // What the HTTP shell answers by itself (limits, malformed HTTP, draining) is counted too.
        metrics.RequestStarted();
        metrics.RequestFinished(status, 0);
        return api::ErrorResponse(status, code, message);
      });
  if (!server) {
    std::cerr << "colotrace: " << server.error() << "\n";
    return kExitFailed;
  }
  // Without a local colo nothing needs privileges; with one, they go now.
  if (auto s = net::DropPrivileges(config.user); !s) {
    std::cerr << "colotrace: cannot drop privileges: " << s.error() << "\n";
    return kExitFailed;
  }

  // The history, as the unprivileged user: its files belong to that user.
  if (!db.empty()) {
    auto opened = store::OpenStore(db);
    if (!opened) {
      std::cerr << "colotrace: cannot open the measurement store: " << opened.error() << "\n";
      if (!IsPostgresUrl(db)) {
        const passwd* me = getpwuid(geteuid());  // privileges are dropped: this is --user
        std::cerr << "(colotrace writes it as "
                  << (me != nullptr ? std::string(me->pw_name) : std::to_string(geteuid()))
                  << ", who must be able to write in its folder; ";
      } else {
        std::cerr << "(";
      }
      std::cerr << "--db LOCATION chooses another, --no-db runs without history)\n";
      return kExitFailed;
    }
    store = std::move(*opened);
    store::StoreWriterOptions writing;
    writing.retention = std::chrono::hours(24) * config.retention_days;
    writer = std::make_unique<store::StoreWriter>(*store, writing);
  }
  measurements =
      std::make_unique<api::Measurements>(store.get(), writer.get(), api::MeasurementsOptions{});
  metrics.AddSource([&writer, &measurements, &server](std::string& out) {
    RenderStorageMetrics(out, writer.get(), *measurements, (*server)->open_streams());
  });
  handler = std::make_unique<api::ApiHandler>(auth, dispatcher, limiter, metrics, *measurements,
                                              api_options);

  // Schedules need the history. Declared after the handler whose runs they start: destroyed
  // first (they wait for their runs in progress).
  std::unique_ptr<enrich::HostResolver> webhook_resolver;
  std::unique_ptr<api::WebhookSender> webhooks;
  std::unique_ptr<api::Schedules> schedules;
  if (store) {
    auto webhook_policy = std::make_shared<dispatch::TargetPolicy>();
    for (const auto& cidr : config.webhook_allow) {
      if (auto s = webhook_policy->Allow(cidr); !s) {
        std::cerr << "colotrace: [schedules] webhook_allow " << cidr << ": " << s.error() << "\n";
        return kExitUsage;
      }
    }
    enrich::DnsClientOptions dns;  // the server's own namespace and resolver
    dns.servers = config.enrich.dns_servers;
    auto dns_client = enrich::DnsClient::Create(dns);
    if (!dns_client) {
      std::cerr << "colotrace: webhooks: " << dns_client.error() << "\n";
      return kExitFailed;
    }
    webhook_resolver = std::make_unique<enrich::HostResolver>(std::move(*dns_client));
    api::WebhookOptions webhook_options;
    webhook_options.max_attempts = config.webhook_attempts;
    webhook_options.first_backoff = std::chrono::milliseconds(config.webhook_first_backoff_ms);
    webhooks = std::make_unique<api::WebhookSender>(
        [&webhook_resolver](const std::string& host) -> model::Result<std::vector<net::IpAddress>> {
          auto r = webhook_resolver->ResolveNow(host, model::IpVersion::kAuto);
          if (!r) return model::Result<std::vector<net::IpAddress>>::Error(r.error());
          return std::vector<net::IpAddress>{r->address};
        },
        [webhook_policy](const net::IpAddress& a) { return webhook_policy->IsAllowed(a); },
        webhook_options);
    api::SchedulesOptions schedule_options;
    schedule_options.rules.min_interval_s = config.schedule_min_interval_s;
    schedule_options.confirm_runs = config.schedule_confirm_runs;
    schedule_options.max_per_account = config.schedule_max_per_account;
    schedules = std::make_unique<api::Schedules>(
        store->schedules(),
        [&handler](const store::ScheduleRecord& s, const api::TracerouteRequest& request,
                   api::Schedules::RunDone done) {
          return handler->StartScheduledRun(s, request, std::move(done));
        },
        webhooks.get(), schedule_options);
    handler->SetSchedules(schedules.get());
    metrics.AddSource([&schedules, &webhooks](std::string& out) {
      if (!schedules) return;  // shutting down
      schedules->RenderMetrics(out);
      api::WebhookCounters w = webhooks->counters();
      using api::Metrics;
      Metrics::WriteSeries(out, "colotrace_webhooks_delivered_total", "counter",
                           "Webhooks delivered (a 2xx answer).", "",
                           static_cast<double>(w.delivered));
      Metrics::WriteSeries(out, "colotrace_webhooks_failed_attempts_total", "counter",
                           "Webhook attempts without a 2xx answer.", "",
                           static_cast<double>(w.failed_attempts));
      Metrics::WriteSeries(out, "colotrace_webhooks_given_up_total", "counter",
                           "Webhooks that failed every attempt (each is logged).", "",
                           static_cast<double>(w.given_up));
      Metrics::WriteSeries(out, "colotrace_webhooks_refused_total", "counter",
                           "Webhooks to addresses the target policy refuses.", "",
                           static_cast<double>(w.refused));
    });
    schedules->Start();
  }

  // NATS after the drop: its threads never hold a privilege.
  std::unique_ptr<dispatch::NatsBus> bus;
  std::unique_ptr<dispatch::NatsColoRegistry> registry;
  if (!config.nats_urls.empty()) {
    auto connected = dispatch::NatsBus::Connect(nats);
    if (!connected) {
      std::cerr << "colotrace: " << connected.error() << "\n";
      return kExitFailed;
    }
    bus = std::move(*connected);
    registry = std::make_unique<dispatch::NatsColoRegistry>(*bus, dispatcher);
    if (auto s = registry->Start(); !s) {
      std::cerr << "colotrace: " << s.error() << "\n";
      return kExitFailed;
    }
  }

  std::string host = config.listen_address.find(':') != std::string::npos
                         ? "[" + config.listen_address + "]"
                         : config.listen_address;
  if (host == "0.0.0.0") host = "127.0.0.1";
  std::string base = "http://" + host + ":" + std::to_string((*server)->port());
  std::cout << "colotrace: listening on " << base;
  if (config.local_colo) {
    std::cout << " with colo \"" << config.colo_name << "\""
              << (config.netns.empty() ? "" : " in network namespace " + config.netns);
  }
  if (!config.nats_urls.empty()) std::cout << " and the agents on " << config.nats_urls.front();
  std::cout << "\n";
  if (store) {
    std::cout << "colotrace: measurements stored in " << store->Describe() << " (kept "
              << config.retention_days << " days)\n";
  } else {
    std::cout << "colotrace: no measurement history (--no-db)\n";
  }
  std::string token = generated_token.empty() ? "$TOKEN" : generated_token;
  std::string account = generated_token.empty() ? "$ACCOUNT_ID" : "local";
  if (!generated_token.empty()) {
    std::cout << "colotrace: no credentials configured; this run admits the token " << token
              << " on account \"local\"\n";
  }
  std::cout << "colotrace: web page at " << base << "/ (sign in with an API token)\n";
  std::cout << "try:\n  curl -s -X POST " << base << "/client/v4/accounts/" << account
            << "/diagnostics/traceroute \\\n    -H 'Authorization: Bearer " << token
            << "' -H 'Content-Type: application/json' \\\n    -d '{\"targets\":[\"1.1.1.1\"]}'\n";
  std::cout.flush();
  // systemd (Type=notify): serving now.
  if (auto s = net::NotifyServiceManager("READY=1"); !s) {
    std::cerr << "colotrace: " << s.error() << "\n";
  }

  std::thread signal_thread([&signals, &server] {
    net::NameThisThread("ct-signals");
    int sig = signals.Wait();
    std::cerr << "colotrace: " << TerminationSignals::Name(sig)
              << ": draining requests in progress\n";
    (void)net::NotifyServiceManager("STOPPING=1");
    (*server)->Stop();
  });
  (*server)->Run();
  // Run() returns only after Stop(): the signal thread has finished its work.
  signal_thread.join();
  // Measurements still running (in the background, or schedule runs) end within their colos'
  // deadlines and are stored; the objects they call back into must live until then.
  if (schedules) schedules.reset();  // no new runs; waits for its own
  if (int left = handler->WaitIdle(std::chrono::milliseconds(0)); left > 0) {
    std::cerr << "colotrace: waiting for " << left << " measurements to finish\n";
    if (handler->WaitIdle(std::chrono::milliseconds(config.drain_timeout_ms)) > 0) {
      std::cerr << "colotrace: measurements still running; they are lost\n";
      std::quick_exit(kExitFailed);  // never destroy what a running traceroute calls back into
    }
  }
  if (bus) bus->Close();  // no NATS handler runs while the registry and colos are destroyed
  std::cerr << "colotrace: stopped\n";
  return kExitOk;
}

}  // namespace

CommandRun AddServeCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd =
      app.add_subcommand("serve", "serve the traceroute API with this machine as a colo");
  cmd->footer(
      "Serves the traceroute API (POST /client/v4/accounts/{account_id}/diagnostics/traceroute) "
      "with this machine as its colo. Flags override the configuration file (docs/api.md).");
  cmd->add_option("--config", f->config, "TOML configuration")->option_text("FILE");
  cmd->add_option("--listen", f->listen, "where to listen (default 127.0.0.1:8080)")
      ->option_text("ADDR:PORT");
  cmd->add_option("--token", f->tokens,
                  "admit this API token on these accounts (repeatable); the configuration file "
                  "stores only SHA-256 hashes of tokens")
      ->option_text("TOKEN:ACCOUNT[,ACCOUNT...]")
      ->allow_extra_args(false);
  cmd->add_option("--allow-target", f->allow_targets,
                  "admit targets in this range despite the target policy (repeatable)")
      ->option_text("CIDR")
      ->allow_extra_args(false);
  cmd->add_option("--colo-name", f->colo_name, "the local colo's name (default local)")
      ->option_text("NAME");
  cmd->add_option("--colo-city", f->colo_city, "the local colo's city")->option_text("CITY");
  cmd->add_option("--netns", f->netns, "probe from network namespace NAME")->option_text("NAME");
  cmd->add_option("--user", f->user, "run as this user once the sockets are open (default nobody)")
      ->option_text("NAME");
  cmd->add_option("--nats", f->nats, "take remote colos from the agents on these NATS servers")
      ->option_text("URL[,URL...]")
      ->allow_extra_args(false);
  cmd->add_option("--nats-creds", f->nats_creds,
                  "NATS user credentials (JWT and NKey seed, operator mode)")
      ->option_text("FILE");
  CLI::Option* nkey = cmd->add_option("--nats-nkey", f->nats_nkey,
                                      "NATS NKey authentication with this user seed (\"SU...\")")
                          ->option_text("FILE");
  cmd->get_option("--nats-creds")->excludes(nkey);
  cmd->add_option("--nats-tls-ca", f->nats_tls_ca, "require TLS to NATS and trust these CAs")
      ->option_text("FILE");
  cmd->add_flag("--no-local-colo", f->no_local_colo,
                "no in-process colo (then no raw sockets and no root are needed)");
  CLI::Option* db = cmd->add_option("--db", f->db,
                                    "where measurements are stored: a SQLite file (default: "
                                    "/var/lib/colotrace/colotrace.db as root) or a "
                                    "postgresql:// URL (several servers sharing one history)")
                        ->option_text("PATH|URL");
  cmd->add_flag("--no-db", f->no_db, "keep no measurement history")->excludes(db);
  AddEnrichFlags(*cmd, &f->enrich);
  AddLogFlags(*cmd, &f->log);
  return [cmd, f] {
    ApplyLogFlags(f->log);
    ServeConfig config;
    if (auto s = BuildConfig(*cmd, *f, &config); !s) return UsageError("serve", s.error());
    return RunServe(std::move(config));
  };
}

}  // namespace colotrace::apps
