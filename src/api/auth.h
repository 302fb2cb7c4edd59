// Who may call the API, and on which accounts (docs/api.md, "Authentication").
// Credentials are API tokens (`Authorization: Bearer <token>`) and email + key pairs
// (`X-Auth-Email` + `X-Auth-Key`), each bound to a set of account ids. Secrets are never
// stored: only their SHA-256, compared in constant time.
//
// Threads: configure (Add*) before serving; Check is const and may then run on any number of
// threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "model/result.h"

namespace colotrace::api {

// The credential headers of one request, as received (absent headers are nullopt).
struct AuthHeaders {
  std::optional<std::string> authorization;
  std::optional<std::string> x_auth_email;
  std::optional<std::string> x_auth_key;
};

// The verdict on one request: authenticated (principal_id set, error unset, http_status 200),
// or refused (error and its http_status set, principal_id unset).
struct AuthOutcome {
  // A stable, non-secret id of the credential that matched: "token:" or "key:" followed by the
  // first 16 hex digits of its SHA-256. For per-credential rate limits and logs.
  std::optional<std::string> principal_id;
  std::optional<ApiError> error;
  int http_status = 200;
  // The accounts the matched credential may act on (when ok).
  std::vector<std::string> accounts;

  bool ok() const { return principal_id.has_value(); }
};

// Limits of the header values (longer ones are malformed).
inline constexpr size_t kMaxTokenLength = 256;
inline constexpr size_t kMaxAuthKeyLength = 256;
inline constexpr size_t kMaxEmailLength = 254;
// An account id is 1..kMaxAccountIdLength ASCII letters and digits.
inline constexpr size_t kMaxAccountIdLength = 32;

class Authenticator {
 public:
  // Lowercase hex SHA-256 of `secret` (64 digits): what AddToken and AddKey expect, e.g. for a
  // configuration tool. "" only if OpenSSL fails, which it does not for SHA-256.
  static std::string HashSecret(std::string_view secret);

  // True for 1..kMaxAccountIdLength characters of [A-Za-z0-9].
  static bool IsValidAccountId(std::string_view account_id);

  // Admits the token whose SHA-256 is `token_sha256_hex` (64 hex digits, either case) on
  // `account_ids` (at least one, each IsValidAccountId). Error on malformed input or a token
  // added before; nothing changes then.
  model::Status AddToken(std::string_view token_sha256_hex, std::vector<std::string> account_ids);

  // Admits `email` (compared ASCII-case-insensitively) with the key whose SHA-256 is
  // `key_sha256_hex` on `account_ids`. Error on malformed input or an email added before.
  model::Status AddKey(std::string_view email, std::string_view key_sha256_hex,
                       std::vector<std::string> account_ids);

  // Decides whether the request carrying `headers` may act on `account_id`:
  // - account_id not IsValidAccountId: 7003 / 400 "Invalid object identifier";
  // - some well-formed credential is known and bound to account_id (account ids are compared
  //   exactly): ok; the Bearer token is tried before the email + key pair;
  // - else, if a credential header is malformed: 6003 / 400 with one error_chain entry per
  //   malformed header, in the order 6102 (X-Auth-Email malformed, or sent without
  //   X-Auth-Key), 6103 (X-Auth-Key malformed, or sent without X-Auth-Email), 6111
  //   (Authorization not "Bearer <token>", the scheme case-insensitive, the token 1..256
  //   visible ASCII characters);
  // - else (no credentials, unknown ones, or ones not bound to this account): 10000 / 403.
  // Leading and trailing spaces and tabs of each header value are ignored.
  AuthOutcome Check(const AuthHeaders& headers, std::string_view account_id) const;

  // As Check, for a request that names no account (GET /client/v4/accounts): ok for any known
  // credential, with its accounts.
  AuthOutcome Identify(const AuthHeaders& headers) const;

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Credential {
    Digest digest{};
    std::string email;  // lowercase; empty for a token
    std::vector<std::string> account_ids;
  };
  // The entry of `credentials` whose digest (and email, for keys) equals the one given, or
  // nullptr. Every entry is compared whatever matched, in constant time per entry.
  const Credential* Find(const std::vector<Credential>& credentials, const Digest& digest,
                         std::string_view email_lower) const;
  // Check's decision, with `bound` saying whether a credential found (or nullptr) admits.
  AuthOutcome Decide(const AuthHeaders& headers,
                     const std::function<bool(const Credential*)>& bound) const;

  std::vector<Credential> tokens_;
  std::vector<Credential> keys_;
};

}  // namespace colotrace::api
