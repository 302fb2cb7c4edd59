#include "serve.h"

#include <signal.h>
#include <sys/random.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "api/auth.h"
#include "api/handler.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/target_policy.h"
#include "dispatch/dispatcher.h"
#include "dispatch/local_colo.h"
#include "dispatch/nats_colos.h"
#include "probe/engine.h"
#include "net/system.h"
#include "serve_config.h"

namespace colotrace::apps {

namespace {

constexpr const char* kServeUsage = R"(usage: colotrace serve [options]

Serves the traceroute API (POST /client/v4/accounts/{account_id}/diagnostics/traceroute) with
this machine as its colo. Flags override the configuration file (docs/api.md).

options:
  --config FILE              TOML configuration
  --listen ADDR:PORT         where to listen (default 127.0.0.1:8080)
  --token TOKEN:ACCOUNT[,ACCOUNT...]
                             admit this API token on these accounts (repeatable); the
                             configuration file stores only SHA-256 hashes of tokens
  --allow-target CIDR        admit targets in this range despite the target policy (repeatable)
  --colo-name NAME           the local colo's name (default local)
  --colo-city CITY           the local colo's city
  --netns NAME               probe from network namespace NAME
  --user NAME                run as this user once the sockets are open (default nobody)
  --nats URL[,URL...]        take remote colos from the agents on these NATS servers
  --nats-creds FILE          NATS user credentials (JWT and NKey seed, operator mode)
  --nats-nkey FILE           NATS NKey authentication with this user seed ("SU...")
  --nats-tls-ca FILE         require TLS to NATS and trust these CAs
  --no-local-colo            no in-process colo (then no raw sockets and no root are needed)
  --asn-db FILE              ASNs from a MaxMind-format ASN database (reloaded on change)
  --asn-cymru                ASNs from Team Cymru's DNS service (origin.asn.cymru.com)
  --no-names                 no reverse-DNS names (looked up by default)
  --dns-server IP[:PORT]     DNS server for host names, reverse names and Cymru (repeatable);
                             default: the namespace's resolv.conf
  -h, --help                 this text
)";

struct UsageError {
  std::string message;
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

ServeConfig ParseFlags(const std::vector<std::string_view>& args) {
  ServeConfig config;
  // The file first, so that flags override it.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) throw UsageError{"--config needs a file"};
      if (auto s = LoadServeConfig(std::string(args[i + 1]), &config); !s) {
        throw UsageError{s.error()};
      }
    }
  }
  bool cleared_allow = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError{std::string(arg) + " needs a value"};
      return std::string(args[++i]);
    };
    if (arg == "--config") {
      ++i;
    } else if (arg == "--listen") {
      if (auto s = ParseListen(value(), &config); !s) throw UsageError{s.error()};
    } else if (arg == "--token") {
      std::string v = value();
      size_t colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) {
        throw UsageError{"--token wants TOKEN:ACCOUNT[,ACCOUNT...]"};
      }
      CredentialConfig cred;
      cred.token_sha256 = api::Authenticator::HashSecret(v.substr(0, colon));
      std::string accounts = v.substr(colon + 1);
      for (size_t start = 0; start <= accounts.size();) {
        size_t comma = accounts.find(',', start);
        if (comma == std::string::npos) comma = accounts.size();
        cred.accounts.push_back(accounts.substr(start, comma - start));
        start = comma + 1;
      }
      config.credentials.push_back(std::move(cred));
    } else if (arg == "--allow-target") {
      if (!cleared_allow) config.allow_targets.clear();  // flags replace the file's list
      cleared_allow = true;
      config.allow_targets.push_back(value());
    } else if (arg == "--colo-name") {
      config.colo_name = value();
    } else if (arg == "--colo-city") {
      config.colo_city = value();
    } else if (arg == "--netns") {
      config.netns = value();
    } else if (arg == "--user") {
      config.user = value();
    } else if (arg == "--nats") {
      std::string v = value();
      for (size_t start = 0; start <= v.size();) {
        size_t comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) config.nats_urls.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (arg == "--nats-creds") {
      config.nats_creds = value();
    } else if (arg == "--nats-nkey") {
      config.nats_nkey = value();
    } else if (arg == "--nats-tls-ca") {
      config.nats_tls_ca = value();
    } else if (arg == "--no-local-colo") {
      config.local_colo = false;
    } else if (ParseEnrichFlag(arg, &config.enrich, value)) {
    } else {
      throw UsageError{"unknown option '" + std::string(arg) + "'"};
    }
  }
  if (config.colo_name.empty() || config.colo_name.size() > 32) {
    throw UsageError{"the colo name must have 1 to 32 characters"};
  }
  return config;
}

}  // namespace

int RunServe(const std::vector<std::string_view>& args) {
  for (auto a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kServeUsage;
      return 0;
    }
  }
  ServeConfig config;
  try {
    config = ParseFlags(args);
  } catch (const UsageError& e) {
    std::cerr << "colotrace serve: " << e.message << "\nTry 'colotrace serve --help'.\n";
    return 2;
  }

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
    if (!s) {
      std::cerr << "colotrace serve: bad credential: " << s.error() << "\n";
      return 2;
    }
  }
  api::TargetPolicy policy;
  for (const auto& cidr : config.allow_targets) {
    if (auto s = policy.Allow(cidr); !s) {
      std::cerr << "colotrace serve: --allow-target " << cidr << ": " << s.error() << "\n";
      return 2;
    }
  }

  // SIGINT and SIGTERM are taken by one thread with sigwait: block them before any thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Declared before the dispatcher that holds the local colo runner: destroyed after it.
  std::unique_ptr<probe::Engine> engine;
  dispatch::Dispatcher dispatcher;
  if (config.local_colo) {
    probe::EngineOptions engine_options;
    engine_options.netns = config.netns;
    engine_options.max_packets_per_second = config.max_packets_per_second;
    auto created = probe::Engine::Create(engine_options);
    if (!created) {
      std::cerr << "colotrace serve: " << created.error() << "\n";
      return 1;
    }
    engine = std::move(*created);
    dispatch::LocalColoOptions local;
    local.allow_target = [&policy](const net::IpAddress& a) { return policy.IsAllowed(a); };
    if (auto s = MakeEnrichment(config.enrich, config.netns, &local); !s) {
      std::cerr << "colotrace serve: " << s.error() << "\n";
      return 2;
    }
    dispatcher.AddColo({config.colo_name, config.colo_city, true},
                       std::make_shared<dispatch::LocalColoRunner>(*engine, local));
  }
  if (config.nats_urls.empty() && !config.local_colo) {
    std::cerr << "colotrace serve: --no-local-colo needs --nats: there would be no colo at all\n"
                 "Try 'colotrace serve --help'.\n";
    return 2;
  }
  dispatch::NatsOptions nats;
  nats.urls = config.nats_urls;
  nats.name = "colotrace-serve";
  nats.creds_file = config.nats_creds;
  nats.nkey_file = config.nats_nkey;
  nats.tls_ca_file = config.nats_tls_ca;
  // Read now: the files may be readable by root only, and reconnects happen as --user.
  if (auto s = dispatch::LoadNatsCredentials(&nats); !s) {
    std::cerr << "colotrace serve: " << s.error() << "\n";
    return 2;
  }

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
  api::ApiHandler handler(auth, dispatcher, limiter, metrics, api_options);

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
        handler.Handle(std::move(r), std::move(respond));
      },
      [&metrics](int status, int code, const std::string& message) {
        // What the HTTP shell answers by itself (limits, malformed HTTP, draining) is counted too.
        metrics.RequestStarted();
        metrics.RequestFinished(status, 0);
        return api::ErrorResponse(status, code, message);
      });
  if (!server) {
    std::cerr << "colotrace serve: " << server.error() << "\n";
    return 1;
  }
  // Without a local colo nothing needs privileges; with one, they go now.
  if (auto s = net::DropPrivileges(config.user); !s) {
    std::cerr << "colotrace serve: cannot drop privileges: " << s.error() << "\n";
    return 1;
  }

  // NATS after the drop: its threads never hold a privilege.
  std::unique_ptr<dispatch::NatsBus> bus;
  std::unique_ptr<dispatch::NatsColoRegistry> registry;
  if (!config.nats_urls.empty()) {
    auto connected = dispatch::NatsBus::Connect(nats);
    if (!connected) {
      std::cerr << "colotrace serve: " << connected.error() << "\n";
      return 1;
    }
    bus = std::move(*connected);
    registry = std::make_unique<dispatch::NatsColoRegistry>(*bus, dispatcher);
    if (auto s = registry->Start(); !s) {
      std::cerr << "colotrace serve: " << s.error() << "\n";
      return 1;
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
  std::string token = generated_token.empty() ? "$TOKEN" : generated_token;
  std::string account = generated_token.empty() ? "$ACCOUNT_ID" : "local";
  if (!generated_token.empty()) {
    std::cout << "colotrace: no credentials configured; this run admits the token " << token
              << " on account \"local\"\n";
  }
  std::cout << "try:\n  curl -s -X POST " << base << "/client/v4/accounts/" << account
            << "/diagnostics/traceroute \\\n    -H 'Authorization: Bearer " << token
            << "' -H 'Content-Type: application/json' \\\n    -d '{\"targets\":[\"1.1.1.1\"]}'\n";
  std::cout.flush();

  std::thread signal_thread([&signals, &server] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "colotrace: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": draining requests in progress\n";
    (*server)->Stop();
  });
  (*server)->Run();
  // Run() returns only after Stop(): the signal thread has finished its work.
  signal_thread.join();
  if (bus) bus->Close();  // no NATS handler runs while the registry and colos are destroyed
  std::cerr << "colotrace: stopped\n";
  return 0;
}

}  // namespace colotrace::apps
