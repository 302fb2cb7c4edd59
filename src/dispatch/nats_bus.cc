#include "dispatch/nats_bus.h"

#include "dispatch/nkey.h"
#include "net/dynamic_library.h"
#include "net/log.h"
#include "net/system.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

namespace colotrace::dispatch {

namespace {

using Clock = std::chrono::steady_clock;

// libnats is loaded when a connection is first made (dlopen), not when colotrace starts: a
// trace or a server without NATS never maps it, nor the TLS and protobuf libraries it needs
// (docs/benchmarks.md, start-up time). These are the functions colotrace calls.
#define COLOTRACE_NATS_FUNCTIONS(X)          \
  X(natsConnection_Close)                    \
  X(natsConnection_Connect)                  \
  X(natsConnection_Destroy)                  \
  X(natsConnection_GetLastError)             \
  X(natsConnection_Publish)                  \
  X(natsConnection_PublishRequest)           \
  X(natsConnection_QueueSubscribe)           \
  X(natsConnection_Status)                   \
  X(natsConnection_Subscribe)                \
  X(natsInbox_Create)                        \
  X(natsInbox_Destroy)                       \
  X(natsMsg_Destroy)                         \
  X(natsMsg_GetData)                         \
  X(natsMsg_GetDataLength)                   \
  X(natsMsg_GetReply)                        \
  X(natsMsg_GetSubject)                      \
  X(natsOptions_Create)                      \
  X(natsOptions_Destroy)                     \
  X(natsOptions_SetCATrustedCertificates)    \
  X(natsOptions_SetMaxPingsOut)              \
  X(natsOptions_SetMaxReconnect)             \
  X(natsOptions_SetNKey)                     \
  X(natsOptions_SetName)                     \
  X(natsOptions_SetPingInterval)             \
  X(natsOptions_SetReconnectWait)            \
  X(natsOptions_SetRetryOnFailedConnect)     \
  X(natsOptions_SetSecure)                   \
  X(natsOptions_SetServers)                  \
  X(natsOptions_SetTimeout)                  \
  X(natsOptions_SetUserCredentialsCallbacks) \
  X(natsStatus_GetText)                      \
  X(natsSubscription_Destroy)                \
  X(natsSubscription_Unsubscribe)

// The loaded library's functions, under their own names.
struct NatsLibrary {
  COLOTRACE_NATS_FUNCTIONS(COLOTRACE_DECLARE_FUNCTION)
};

// Loads libnats once per process; nullptr (and why in *error) when it cannot be loaded.
const NatsLibrary* LoadNatsLibrary(std::string* error) {
  static NatsLibrary lib;
  static const model::Status status =
      net::LoadLibrary(COLOTRACE_NATS_SONAME, "NATS client", "libnats3.4",
                       {COLOTRACE_NATS_FUNCTIONS(COLOTRACE_FUNCTION_SLOT)});
  if (!status) {
    *error = status.error();
    return nullptr;
  }
  return &lib;
}

class NatsBusImpl final : public NatsBus {
 public:
  explicit NatsBusImpl(const NatsLibrary& lib) : lib_(&lib) {}

  std::string Text(natsStatus s) const { return lib_->natsStatus_GetText(s); }

  ~NatsBusImpl() override {
    Close();
    for (natsSubscription* sub : subs_) {
      lib_->natsSubscription_Unsubscribe(sub);
      lib_->natsSubscription_Destroy(sub);
    }
    if (natsConnection* conn = conn_.load(); conn != nullptr) {
      lib_->natsConnection_Close(conn);
      lib_->natsConnection_Destroy(conn);
    }
    for (natsConnection* old : retired_) lib_->natsConnection_Destroy(old);  // closed already
    if (opts_ != nullptr) lib_->natsOptions_Destroy(opts_);
  }

  model::Status Open(const NatsOptions& o) {
    if (o.urls.empty()) return model::Status::Error("no NATS server URL");
    natsStatus s = lib_->natsOptions_Create(&opts_);
    std::vector<const char*> urls;
    for (const auto& u : o.urls) urls.push_back(u.c_str());
    if (s == NATS_OK)
      s = lib_->natsOptions_SetServers(opts_, urls.data(), static_cast<int>(urls.size()));
    if (s == NATS_OK && !o.name.empty()) s = lib_->natsOptions_SetName(opts_, o.name.c_str());
    if (s == NATS_OK) s = lib_->natsOptions_SetMaxReconnect(opts_, -1);
    if (s == NATS_OK) s = lib_->natsOptions_SetReconnectWait(opts_, o.reconnect_wait.count());
    if (s == NATS_OK) s = lib_->natsOptions_SetTimeout(opts_, 2000);
    if (s == NATS_OK) s = lib_->natsOptions_SetPingInterval(opts_, 2000);
    if (s == NATS_OK) s = lib_->natsOptions_SetMaxPingsOut(opts_, 2);
    // With a callback the first connection is made in the background (without one nats.c
    // would retry inside Connect, for ever, blocking the caller).
    if (s == NATS_OK) {
      s = lib_->natsOptions_SetRetryOnFailedConnect(
          opts_, true, [](natsConnection*, void*) {}, nullptr);
    }
    NatsOptions loaded = o;
    if (!o.credentials && o.tls_ca_pem.empty()) {
      if (auto status = LoadNatsCredentials(&loaded); !status) return status;
    }
    credentials_ = loaded.credentials;
    if (s == NATS_OK && credentials_) {
      if (credentials_->jwt.empty()) {
        auto pub = nkey::PublicKey(credentials_->seed);
        if (!pub) return model::Status::Error("NATS NKey: " + pub.error());
        s = lib_->natsOptions_SetNKey(opts_, pub->c_str(), &SignNonce, &*credentials_);
      } else {
        s = lib_->natsOptions_SetUserCredentialsCallbacks(opts_, &UserJwt, &*credentials_,
                                                          &SignNonce, &*credentials_);
      }
    }
    if (s == NATS_OK && !o.tls_ca_file.empty()) {
      s = lib_->natsOptions_SetSecure(opts_, true);
      if (s == NATS_OK)
        s = lib_->natsOptions_SetCATrustedCertificates(opts_, loaded.tls_ca_pem.c_str());
    }
    if (s != NATS_OK) return model::Status::Error("NATS options: " + Text(s));
    natsConnection* conn = nullptr;
    s = lib_->natsConnection_Connect(&conn, opts_);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
      return model::Status::Error("NATS connect: " + Text(s));
    }
    conn_.store(conn);
    reconnect_wait_ = std::max(o.reconnect_wait, std::chrono::milliseconds(10));
    natsInbox* inbox = nullptr;
    if (lib_->natsInbox_Create(&inbox) != NATS_OK) return model::Status::Error("NATS inbox");
    inbox_ = inbox;
    lib_->natsInbox_Destroy(inbox);
    // Replies are routed by OnMessage (is_inbox) through the message subject, not this handler.
    auto subscribed = Subscribe(inbox_ + ".*", "", [](std::string_view, const std::string&) {});
    if (!subscribed) return subscribed;
    watch_ = std::thread([this] {
      net::NameThisThread("ct-nats-watch");
      Watch();
    });
    return model::Status::Ok();
  }

  // nats.c reconnects a connection by itself, except when it closes it for good: when the first
  // attempt fails after the TCP handshake (an authorization refused, a timeout; nats.c 3.4.1
  // then never tries again), or when the same server refuses it twice in a row. This thread
  // notices a closed connection and makes a new one with the same options and subscriptions,
  // at the reconnect wait, doubling to at most 5 s while it keeps failing.
  void Watch() {
    auto wait = reconnect_wait_;
    std::unique_lock lock(watch_mu_);
    while (!watch_stop_) {
      watch_cv_.wait_for(lock, reconnect_wait_, [this] { return watch_stop_; });
      if (watch_stop_) break;
      natsConnection* conn = conn_.load();
      if (lib_->natsConnection_Status(conn) != NATS_CONN_STATUS_CLOSED) {
        wait = reconnect_wait_;
        continue;
      }
      const char* last = nullptr;
      natsStatus why = lib_->natsConnection_GetLastError(conn, &last);
      std::string reason = last != nullptr && *last != '\0' ? last : Text(why);
      net::Log(net::LogLevel::kWarning, "nats", "the connection was closed; connecting again",
               {{"error", reason},
                {"hint", "refused credentials close it: see the NATS server's log"},
                net::LogNumber("in_ms", static_cast<double>(wait.count()), 0)});
      if (watch_cv_.wait_for(lock, wait, [this] { return watch_stop_; })) break;
      wait = std::min(wait * 2, std::chrono::milliseconds(5000));
      lock.unlock();
      Reopen(conn);
      lock.lock();
    }
  }

  // A new connection in place of `closed`, with every subscription made again on it.
  void Reopen(natsConnection* closed) {
    natsConnection* fresh = nullptr;
    natsStatus s = lib_->natsConnection_Connect(&fresh, opts_);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
      net::Log(net::LogLevel::kWarning, "nats", "connecting again failed", {{"error", Text(s)}});
      return;  // conn_ stays closed: the next round tries again
    }
    std::lock_guard lock(mu_);
    for (const SubscriptionRecord& r : records_) {
      natsSubscription* sub = nullptr;
      s = SubscribeOn(fresh, r, &sub);
      if (s == NATS_OK) {
        subs_.push_back(sub);
      } else {
        net::Log(net::LogLevel::kError, "nats", "subscribing again failed",
                 {{"subject", r.subject}, {"error", Text(s)}});
      }
    }
    conn_.store(fresh);
    retired_.push_back(closed);
  }

  // nats.c callbacks: the user JWT, and the nonce signed with the seed (both malloc'ed: nats.c
  // frees them).
  static natsStatus UserJwt(char** jwt, char** /*error*/, void* closure) {
    const auto* c = static_cast<const nkey::Credentials*>(closure);
    *jwt = strdup(c->jwt.c_str());
    return *jwt == nullptr ? NATS_NO_MEMORY : NATS_OK;
  }
  static natsStatus SignNonce(char** /*error*/, unsigned char** signature, int* length,
                              const char* nonce, void* closure) {
    const auto* c = static_cast<const nkey::Credentials*>(closure);
    auto sig = nkey::Sign(c->seed, nonce);
    if (!sig) return NATS_ERR;
    *signature = static_cast<unsigned char*>(malloc(sig->size()));
    if (*signature == nullptr) return NATS_NO_MEMORY;
    memcpy(*signature, sig->data(), sig->size());
    *length = static_cast<int>(sig->size());
    return NATS_OK;
  }

  model::Status Subscribe(const std::string& subject, const std::string& queue,
                          Handler handler) override {
    SubscriptionRecord record{subject, queue,
                              std::make_unique<Closure>(Closure{this, std::move(handler),
                                                                subject.rfind(inbox_, 0) == 0})};
    // Under mu_, so that a connection made again (Reopen) either has this subscription made
    // on it or is made after it was recorded.
    std::lock_guard lock(mu_);
    natsSubscription* sub = nullptr;
    natsStatus s = SubscribeOn(conn_.load(), record, &sub);
    if (s == NATS_CONNECTION_CLOSED) {
      // Closed by nats.c (see Watch): recorded, and made on the next connection.
    } else if (s != NATS_OK) {
      return model::Status::Error("NATS subscribe " + subject + ": " + Text(s));
    } else {
      subs_.push_back(sub);
    }
    records_.push_back(std::move(record));
    return model::Status::Ok();
  }

  model::Status Publish(const std::string& subject, std::string_view data,
                        const std::string& reply) override {
    natsConnection* conn = conn_.load();
    natsStatus s = reply.empty() ? lib_->natsConnection_Publish(conn, subject.c_str(), data.data(),
                                                                static_cast<int>(data.size()))
                                 : lib_->natsConnection_PublishRequest(
                                       conn, subject.c_str(), reply.c_str(), data.data(),
                                       static_cast<int>(data.size()));
    if (s != NATS_OK) return model::Status::Error("NATS publish: " + Text(s));
    return model::Status::Ok();
  }

  void Request(const std::string& subject, std::string_view data,
               std::chrono::milliseconds forget_after, ReplyHandler done) override {
    RequestStream(subject, data, forget_after, [done = std::move(done)](std::string_view reply) {
      done(reply);
      return false;
    });
  }

  void RequestStream(const std::string& subject, std::string_view data,
                     std::chrono::milliseconds forget_after, StreamHandler on_message) override {
    std::string reply;
    {
      std::lock_guard lock(mu_);
      auto now = Clock::now();
      // Forget requests whose time is up (their callers stopped waiting).
      for (auto it = pending_.begin(); it != pending_.end();) {
        it = it->second.expires <= now ? pending_.erase(it) : std::next(it);
      }
      uint64_t id = ++next_id_;
      reply = inbox_ + "." + std::to_string(id);
      pending_[reply] =
          Pending{std::make_shared<StreamHandler>(std::move(on_message)), now + forget_after};
    }
    // A failed publish (disconnected, buffer full) is an unanswered request: the caller's
    // deadline reports it.
    Publish(subject, data, reply);
  }

  void Close() override {
    closed_.store(true);
    {
      std::lock_guard lock(watch_mu_);
      watch_stop_ = true;
    }
    watch_cv_.notify_all();
    if (watch_.joinable()) watch_.join();
    {
      std::lock_guard lock(mu_);
      for (natsSubscription* sub : subs_) lib_->natsSubscription_Unsubscribe(sub);
    }
    // A handler that started before `closed_` was set finishes; later ones return at once.
    while (handlers_running_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  bool connected() const override {
    natsConnection* conn = conn_.load();
    return conn != nullptr && lib_->natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED;
  }

 private:
  struct Closure {
    NatsBusImpl* bus;
    Handler handler;
    bool is_inbox;
  };
  // What a subscription was made with, to make it again on a new connection. nats.c holds the
  // closure's address: it stays put while the record lives (until the bus is destroyed).
  struct SubscriptionRecord {
    std::string subject;
    std::string queue;
    std::unique_ptr<Closure> closure;
  };

  natsStatus SubscribeOn(natsConnection* conn, const SubscriptionRecord& r,
                         natsSubscription** sub) {
    return r.queue.empty()
               ? lib_->natsConnection_Subscribe(sub, conn, r.subject.c_str(), &OnMessage,
                                                r.closure.get())
               : lib_->natsConnection_QueueSubscribe(sub, conn, r.subject.c_str(), r.queue.c_str(),
                                                     &OnMessage, r.closure.get());
  }
  struct Pending {
    std::shared_ptr<StreamHandler> on_message;  // shared: runs outside the lock
    Clock::time_point expires;
  };

  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* raw) {
    auto* c = static_cast<Closure*>(raw);
    const NatsLibrary* lib = c->bus->lib_;
    c->bus->handlers_running_.fetch_add(1);
    if (c->bus->closed_.load()) {
      c->bus->handlers_running_.fetch_sub(1);
      lib->natsMsg_Destroy(msg);
      return;
    }
    std::string_view data(lib->natsMsg_GetData(msg),
                          static_cast<size_t>(lib->natsMsg_GetDataLength(msg)));
    if (c->is_inbox) {
      c->bus->OnReply(lib->natsMsg_GetSubject(msg), data);
    } else {
      const char* reply = lib->natsMsg_GetReply(msg);
      c->handler(data, reply != nullptr ? std::string(reply) : std::string());
    }
    lib->natsMsg_Destroy(msg);
    c->bus->handlers_running_.fetch_sub(1);
  }

  // nats.c delivers one subscription's messages one at a time, in order, so a stream's
  // messages reach its handler in the order they were published.
  void OnReply(const std::string& subject, std::string_view data) {
    std::shared_ptr<StreamHandler> handler;
    {
      std::lock_guard lock(mu_);
      auto it = pending_.find(subject);
      if (it == pending_.end()) return;  // late, or after the last message
      handler = it->second.on_message;
    }
    if ((*handler)(data)) return;
    std::lock_guard lock(mu_);
    pending_.erase(subject);
  }

  const NatsLibrary* lib_;
  std::optional<nkey::Credentials> credentials_;  // outlives conn_ (declared before it)
  natsOptions* opts_ = nullptr;
  std::atomic<natsConnection*> conn_{nullptr};
  std::vector<natsConnection*> retired_;  // closed ones replaced by Reopen (watch thread only)
  std::chrono::milliseconds reconnect_wait_{250};
  std::string inbox_;
  std::mutex mu_;
  std::vector<natsSubscription*> subs_;  // on every connection made so far
  std::vector<SubscriptionRecord> records_;
  std::thread watch_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
  std::atomic<bool> closed_{false};
  std::atomic<int> handlers_running_{0};
  std::map<std::string, Pending> pending_;
  uint64_t next_id_ = 0;
};

}  // namespace

model::Status LoadNatsCredentials(NatsOptions* o) {
  if (!o->creds_file.empty() && !o->nkey_file.empty()) {
    return model::Status::Error("NATS: give either a creds file or an NKey seed file, not both");
  }
  if (!o->creds_file.empty()) {
    auto creds = nkey::ReadCredsFile(o->creds_file);
    if (!creds) return model::Status::Error("NATS creds: " + creds.error());
    o->credentials = std::move(*creds);
  } else if (!o->nkey_file.empty()) {
    auto seed = nkey::ReadSeedFile(o->nkey_file);
    if (!seed) return model::Status::Error("NATS NKey: " + seed.error());
    if (seed->type != nkey::kUser) {
      auto pub = nkey::PublicKey(*seed);
      return model::Status::Error("NATS NKey: " + o->nkey_file + " holds a " +
                                  (pub ? pub->substr(0, 1) : std::string("?")) +
                                  "... key; a user seed starts with SU");
    }
    o->credentials = nkey::Credentials{"", *seed};
  }
  if (!o->tls_ca_file.empty()) {
    std::ifstream in(o->tls_ca_file);
    if (!in) return model::Status::Error("NATS TLS: cannot read " + o->tls_ca_file);
    o->tls_ca_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return model::Status::Ok();
}

model::Result<std::unique_ptr<NatsBus>> NatsBus::Connect(const NatsOptions& options) {
  std::string error;
  const NatsLibrary* lib = LoadNatsLibrary(&error);
  if (lib == nullptr) return model::Result<std::unique_ptr<NatsBus>>::Error(error);
  auto bus = std::make_unique<NatsBusImpl>(*lib);
  if (auto s = bus->Open(options); !s) {
    return model::Result<std::unique_ptr<NatsBus>>::Error(s.error());
  }
  return std::unique_ptr<NatsBus>(std::move(bus));
}

}  // namespace colotrace::dispatch
