// A connection to NATS (nats.c): publish, subscribe (optionally in a queue group), and
// asynchronous requests. Reconnects by itself, for ever, while it lives: nats.c reconnects a
// connection it lost, and where nats.c gives a connection up (a first attempt refused after the
// TCP handshake, or two refusals in a row), a watch thread makes a new one with the same
// subscriptions (logged as a warning, retried at the reconnect wait doubling to 5 s).
//
// Threads: every method may be called from any thread. Handlers run on nats.c's threads; they
// must not block for long. One thread of its own ("ct-nats-watch").
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/nkey.h"
#include "model/result.h"

namespace colotrace::dispatch {

struct NatsOptions {
  std::vector<std::string> urls;  // "nats://127.0.0.1:4222", ...
  std::string name;               // shown in the server's connection list
  std::string creds_file;         // user JWT + NKey seed (.creds), or empty
  std::string nkey_file;          // an NKey user seed ("SU..."), or empty; not with creds_file
  std::string tls_ca_file;        // trust these CAs and require TLS, or empty
  std::chrono::milliseconds reconnect_wait{250};
  // What LoadNatsCredentials read from creds_file / nkey_file (jwt empty for an NKey). Connect
  // signs the server's nonce from this copy, so reconnects never read the files again: they
  // may be readable by root only while the process runs as an unprivileged user by then.
  std::optional<nkey::Credentials> credentials;
  std::string tls_ca_pem;  // tls_ca_file's certificates, read by LoadNatsCredentials
};

// Reads creds_file or nkey_file (not both) into options->credentials and tls_ca_file into
// tls_ca_pem; call before dropping privileges. Nothing to do without either file. Errors name the
// file and what is wrong with it (never the seed).
model::Status LoadNatsCredentials(NatsOptions* options);

class NatsBus {
 public:
  using Handler = std::function<void(std::string_view data, const std::string& reply)>;
  using ReplyHandler = std::function<void(std::string_view data)>;

  // Connects; when no server answers yet, keeps trying in the background and succeeds (the
  // first connection is then made later). Errors: bad options or files.
  static model::Result<std::unique_ptr<NatsBus>> Connect(const NatsOptions& options);
  virtual ~NatsBus() = default;

  // `queue` empty: every subscriber gets every message; else one member of the group does.
  virtual model::Status Subscribe(const std::string& subject, const std::string& queue,
                                  Handler handler) = 0;
  virtual model::Status Publish(const std::string& subject, std::string_view data,
                                const std::string& reply = "") = 0;
  // Sends a request; `done` gets the first reply, on a NATS thread, unless `forget_after` passes
  // first (then nothing is called: the caller keeps its own deadline). An empty reply means
  // that no one listens on the subject.
  virtual void Request(const std::string& subject, std::string_view data,
                       std::chrono::milliseconds forget_after, ReplyHandler done) = 0;
  // A request answered by several messages: `on_message` gets each, in the order they were
  // published, until it returns false (the last one) or `forget_after` passes.
  using StreamHandler = std::function<bool(std::string_view data)>;
  virtual void RequestStream(const std::string& subject, std::string_view data,
                             std::chrono::milliseconds forget_after, StreamHandler on_message) = 0;
  virtual bool connected() const = 0;
  // Stops every subscription and waits until no handler runs; afterwards none is called. Call
  // before destroying what the handlers use; never from a handler. Idempotent; the destructor
  // calls it too. Publish and Request still work afterwards.
  virtual void Close() = 0;
};

}  // namespace colotrace::dispatch
