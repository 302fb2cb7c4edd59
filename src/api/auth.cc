#include "api/auth.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "net/crypto.h"

#include "api/http_types.h"
#include "api/request_parser.h"

namespace colotrace::api {

namespace {

constexpr const char* kMsgAuthenticationError = "Authentication error";
constexpr const char* kMsgInvalidObjectIdentifier = "Invalid object identifier";
constexpr const char* kMsgMalformedHeaders = "Invalid request headers";
constexpr const char* kMsgBadEmail = "Invalid format for X-Auth-Email header";
constexpr const char* kMsgBadKey = "Invalid format for X-Auth-Key header";
constexpr const char* kMsgBadAuthorization = "Invalid format for Authorization header";
constexpr size_t kMaxEmailLocalPartLength = 64;
constexpr size_t kPrincipalHexDigits = 16;

bool IsVisibleAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <size_t N>
bool ParseHex(std::string_view hex, std::array<uint8_t, N>& out) {
  if (hex.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <size_t N>
std::string ToHex(const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

bool Sha256(std::string_view data, std::array<uint8_t, 32>& out) {
  auto digest = net::Sha256(data);
  if (!digest) return false;
  out = *digest;
  return true;
}

// local@domain: visible ASCII, one '@', a local part of 1..64 characters, a host-name domain.
bool IsWellFormedEmail(std::string_view email) {
  if (email.size() > kMaxEmailLength || !IsVisibleAscii(email)) return false;
  size_t at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = email.substr(0, at);
  return !local.empty() && local.size() <= kMaxEmailLocalPartLength &&
         IsValidHostName(email.substr(at + 1));
}

bool IsWellFormedSecret(std::string_view secret, size_t max_length) {
  return !secret.empty() && secret.size() <= max_length && IsVisibleAscii(secret);
}

// The token of "Bearer <token>" (scheme case-insensitive, one or more spaces), or nullopt.
std::optional<std::string_view> BearerToken(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() || AsciiLower(value.substr(0, kScheme.size())) != kScheme ||
      value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view token = TrimOws(value.substr(kScheme.size()));
  if (!IsWellFormedSecret(token, kMaxTokenLength)) return std::nullopt;
  return token;
}

bool AllValidAccountIds(const std::vector<std::string>& ids) {
  return !ids.empty() && std::all_of(ids.begin(), ids.end(), [](const std::string& id) {
    return Authenticator::IsValidAccountId(id);
  });
}

AuthOutcome Refuse(ApiError error) {
  AuthOutcome outcome;
  outcome.http_status = HttpStatusForCode(error.code);
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

std::string Authenticator::HashSecret(std::string_view secret) {
  Digest digest;
  if (!Sha256(secret, digest)) return "";
  return ToHex(digest);
}

bool Authenticator::IsValidAccountId(std::string_view account_id) {
  if (account_id.empty() || account_id.size() > kMaxAccountIdLength) return false;
  return std::all_of(account_id.begin(), account_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

model::Status Authenticator::AddToken(std::string_view token_sha256_hex,
                                      std::vector<std::string> account_ids) {
  Credential c;
  if (!ParseHex(token_sha256_hex, c.digest)) {
    return model::Status::Error("a token's SHA-256 must be 64 hex digits");
  }
  if (!AllValidAccountIds(account_ids)) {
    return model::Status::Error("a token needs account ids of 1 to 32 letters and digits");
  }
  if (Find(tokens_, c.digest, "") != nullptr) {
    return model::Status::Error("token " + ToHex(c.digest).substr(0, kPrincipalHexDigits) +
                                "... was added before");
  }
  c.account_ids = std::move(account_ids);
  tokens_.push_back(std::move(c));
  return model::Status::Ok();
}

model::Status Authenticator::AddKey(std::string_view email, std::string_view key_sha256_hex,
                                    std::vector<std::string> account_ids) {
  Credential c;
  if (!IsWellFormedEmail(email)) return model::Status::Error("not a valid email address");
  if (!ParseHex(key_sha256_hex, c.digest)) {
    return model::Status::Error("a key's SHA-256 must be 64 hex digits");
  }
  if (!AllValidAccountIds(account_ids)) {
    return model::Status::Error("a key needs account ids of 1 to 32 letters and digits");
  }
  c.email = AsciiLower(email);
  for (const Credential& k : keys_) {
    if (k.email == c.email) return model::Status::Error("email " + c.email + " was added before");
  }
  c.account_ids = std::move(account_ids);
  keys_.push_back(std::move(c));
  return model::Status::Ok();
}

const Authenticator::Credential* Authenticator::Find(const std::vector<Credential>& credentials,
                                                     const Digest& digest,
                                                     std::string_view email_lower) const {
  const Credential* found = nullptr;
  for (const Credential& c : credentials) {
    bool same_digest = net::ConstantTimeEquals(
        std::string_view(reinterpret_cast<const char*>(c.digest.data()), c.digest.size()),
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    if (same_digest && c.email == email_lower && found == nullptr) found = &c;
  }
  return found;
}

AuthOutcome Authenticator::Check(const AuthHeaders& headers, std::string_view account_id) const {
  if (!IsValidAccountId(account_id)) {
    return Refuse(ApiError{kInvalidObjectIdentifier, kMsgInvalidObjectIdentifier, "", {}, ""});
  }
  return Decide(headers, [&](const Credential* c) {
    return c != nullptr && std::find(c->account_ids.begin(), c->account_ids.end(), account_id) !=
                               c->account_ids.end();
  });
}

AuthOutcome Authenticator::Identify(const AuthHeaders& headers) const {
  return Decide(headers, [](const Credential* c) { return c != nullptr; });
}

AuthOutcome Authenticator::Decide(const AuthHeaders& headers,
                                  const std::function<bool(const Credential*)>& bound) const {
  const Credential* matched = nullptr;
  auto accept = [&matched](std::string_view kind, const Digest& digest) {
    AuthOutcome outcome;
    outcome.principal_id = std::string(kind) + ToHex(digest).substr(0, kPrincipalHexDigits);
    outcome.accounts = matched->account_ids;
    return outcome;
  };

  bool bad_email = false;
  bool bad_key = false;
  bool bad_authorization = false;

  if (headers.authorization) {
    std::optional<std::string_view> token = BearerToken(TrimOws(*headers.authorization));
    Digest digest;
    if (!token) {
      bad_authorization = true;
    } else if (Sha256(*token, digest) && bound(matched = Find(tokens_, digest, ""))) {
      return accept("token:", digest);
    }
  }

  std::optional<std::string_view> email;
  std::optional<std::string_view> key;
  if (headers.x_auth_email) email = TrimOws(*headers.x_auth_email);
  if (headers.x_auth_key) key = TrimOws(*headers.x_auth_key);
  if (email && (!key || !IsWellFormedEmail(*email))) bad_email = true;
  if (key && (!email || !IsWellFormedSecret(*key, kMaxAuthKeyLength))) bad_key = true;
  if (email && key && !bad_email && !bad_key) {
    Digest digest;
    if (Sha256(*key, digest) && bound(matched = Find(keys_, digest, AsciiLower(*email)))) {
      return accept("key:", digest);
    }
  }

  if (bad_email || bad_key || bad_authorization) {
    ApiError error{kMalformedAuthHeaders, kMsgMalformedHeaders, "", {}, ""};
    if (bad_email) error.error_chain.push_back({kInvalidAuthEmailHeader, kMsgBadEmail, "", {}, ""});
    if (bad_key) error.error_chain.push_back({kInvalidAuthKeyHeader, kMsgBadKey, "", {}, ""});
    if (bad_authorization) {
      error.error_chain.push_back({kInvalidAuthorizationHeader, kMsgBadAuthorization, "", {}, ""});
    }
    return Refuse(std::move(error));
  }
  return Refuse(ApiError{kAuthenticationError, kMsgAuthenticationError, "", {}, ""});
}

}  // namespace colotrace::api
