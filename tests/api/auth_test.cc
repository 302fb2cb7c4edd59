#include "api/auth.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace colotrace::api {
namespace {

constexpr const char* kAccountA = "023e105f4ecef8ad9ca31a8372d0c353";
constexpr const char* kAccountB = "0123456789abcdef0123456789abcdef";
constexpr const char* kToken = "Y1x-token_of.account~A";
constexpr const char* kEmail = "ops@example.com";
constexpr const char* kKey = "c2547eb745079dac9320b638f5e225cf483cc5cfdda41";

Authenticator Configured() {
  Authenticator auth;
  EXPECT_TRUE(auth.AddToken(Authenticator::HashSecret(kToken), {kAccountA}));
  EXPECT_TRUE(auth.AddKey(kEmail, Authenticator::HashSecret(kKey), {kAccountA, kAccountB}));
  return auth;
}

AuthHeaders Bearer(const std::string& token) {
  AuthHeaders h;
  h.authorization = "Bearer " + token;
  return h;
}

std::vector<int> Chain(const AuthOutcome& outcome) {
  std::vector<int> codes;
  if (outcome.error) {
    for (const ApiError& e : outcome.error->error_chain) codes.push_back(e.code);
  }
  return codes;
}

void ExpectRefused(const AuthOutcome& outcome, int code, int status) {
  EXPECT_FALSE(outcome.ok());
  EXPECT_FALSE(outcome.principal_id.has_value());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->code, code);
  EXPECT_EQ(outcome.http_status, status);
}

TEST(AuthenticatorTest, HashSecretIsLowercaseSha256Hex) {
  EXPECT_EQ(Authenticator::HashSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Authenticator::HashSecret(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AuthenticatorTest, TokenWorksOnItsAccountOnly) {
  Authenticator auth = Configured();
  AuthOutcome ok = auth.Check(Bearer(kToken), kAccountA);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_FALSE(ok.error.has_value());
  EXPECT_EQ(*ok.principal_id, "token:" + Authenticator::HashSecret(kToken).substr(0, 16));

  AuthOutcome other = auth.Check(Bearer(kToken), kAccountB);
  ExpectRefused(other, kAuthenticationError, 403);
  EXPECT_EQ(other.error->message, "Authentication error");
}

TEST(AuthenticatorTest, UnknownOrMissingCredentialsAre10000) {
  Authenticator auth = Configured();
  ExpectRefused(auth.Check(Bearer("not-the-token"), kAccountA), kAuthenticationError, 403);
  ExpectRefused(auth.Check(AuthHeaders{}, kAccountA), kAuthenticationError, 403);
  AuthHeaders wrong_key;
  wrong_key.x_auth_email = kEmail;
  wrong_key.x_auth_key = "wrong";
  ExpectRefused(auth.Check(wrong_key, kAccountA), kAuthenticationError, 403);
  AuthHeaders wrong_email;
  wrong_email.x_auth_email = "other@example.com";
  wrong_email.x_auth_key = kKey;
  ExpectRefused(auth.Check(wrong_email, kAccountA), kAuthenticationError, 403);
}

TEST(AuthenticatorTest, EmailAndKey) {
  Authenticator auth = Configured();
  AuthHeaders h;
  h.x_auth_email = "  OPS@Example.COM ";
  h.x_auth_key = kKey;
  AuthOutcome a = auth.Check(h, kAccountA);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a.principal_id, "key:" + Authenticator::HashSecret(kKey).substr(0, 16));
  EXPECT_TRUE(auth.Check(h, kAccountB).ok());
  ExpectRefused(auth.Check(h, "ffffffffffffffffffffffffffffffff"), kAuthenticationError, 403);
}

TEST(AuthenticatorTest, SchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  Authenticator auth = Configured();
  AuthHeaders h;
  h.authorization = std::string(" bearer  ") + kToken + " ";
  EXPECT_TRUE(auth.Check(h, kAccountA).ok());
  h.authorization = std::string("BEARER ") + kToken;
  EXPECT_TRUE(auth.Check(h, kAccountA).ok());
}

TEST(AuthenticatorTest, MalformedAuthorizationIs6003With6111) {
  Authenticator auth = Configured();
  for (const std::string& value :
       {std::string("Basic dXNlcjpwYXNz"), std::string("Bearer"), std::string("Bearer "),
        std::string(""), std::string(kToken), std::string("Bearer a b"),
        std::string("Bearer ") + std::string(257, 'x'), std::string("Bearer tok\x01"),
        std::string("Bearertoken")}) {
    AuthHeaders h;
    h.authorization = value;
    AuthOutcome o = auth.Check(h, kAccountA);
    ExpectRefused(o, kMalformedAuthHeaders, 400);
    EXPECT_EQ(Chain(o), std::vector<int>{kInvalidAuthorizationHeader}) << value;
    EXPECT_EQ(o.error->error_chain[0].message, "Invalid format for Authorization header");
  }
  // The longest token is still well-formed (and unknown).
  ExpectRefused(auth.Check(Bearer(std::string(256, 'x')), kAccountA), kAuthenticationError, 403);
}

TEST(AuthenticatorTest, EmailWithoutKeyAndKeyWithoutEmail) {
  Authenticator auth = Configured();
  AuthHeaders email_only;
  email_only.x_auth_email = kEmail;
  AuthOutcome a = auth.Check(email_only, kAccountA);
  ExpectRefused(a, kMalformedAuthHeaders, 400);
  EXPECT_EQ(Chain(a), std::vector<int>{kInvalidAuthEmailHeader});
  EXPECT_EQ(a.error->error_chain[0].message, "Invalid format for X-Auth-Email header");

  AuthHeaders key_only;
  key_only.x_auth_key = kKey;
  AuthOutcome b = auth.Check(key_only, kAccountA);
  ExpectRefused(b, kMalformedAuthHeaders, 400);
  EXPECT_EQ(Chain(b), std::vector<int>{kInvalidAuthKeyHeader});
  EXPECT_EQ(b.error->error_chain[0].message, "Invalid format for X-Auth-Key header");

  AuthHeaders bad_both;
  bad_both.x_auth_email = "no-at-sign";
  bad_both.x_auth_key = "has space";
  EXPECT_EQ(Chain(auth.Check(bad_both, kAccountA)),
            (std::vector<int>{kInvalidAuthEmailHeader, kInvalidAuthKeyHeader}));
}

TEST(AuthenticatorTest, MalformedEmails) {
  Authenticator auth = Configured();
  for (const char* email : {"", "@example.com", "ops@", "ops@@example.com", "o ps@example.com",
                            "ops@exa_mple.com", "a@b@c.example"}) {
    AuthHeaders h;
    h.x_auth_email = email;
    h.x_auth_key = kKey;
    EXPECT_EQ(Chain(auth.Check(h, kAccountA)), std::vector<int>{kInvalidAuthEmailHeader}) << email;
  }
}

TEST(AuthenticatorTest, SeveralCredentialsAnyValidOneSuffices) {
  Authenticator auth = Configured();
  // A malformed Authorization next to a valid email + key: accepted.
  AuthHeaders h;
  h.authorization = "Token abc";
  h.x_auth_email = kEmail;
  h.x_auth_key = kKey;
  AuthOutcome a = auth.Check(h, kAccountB);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.principal_id->rfind("key:", 0), 0u);

  // A valid token next to a wrong key: accepted, as the token.
  AuthHeaders t = Bearer(kToken);
  t.x_auth_email = kEmail;
  t.x_auth_key = "wrong";
  AuthOutcome b = auth.Check(t, kAccountA);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.principal_id->rfind("token:", 0), 0u);

  // The token is not bound to B, the key is wrong: nothing malformed, so 10000.
  ExpectRefused(auth.Check(t, kAccountB), kAuthenticationError, 403);

  // Unknown token and a key without email: malformed wins over unknown.
  AuthHeaders m = Bearer("unknown");
  m.x_auth_key = kKey;
  AuthOutcome c = auth.Check(m, kAccountA);
  ExpectRefused(c, kMalformedAuthHeaders, 400);
  EXPECT_EQ(Chain(c), std::vector<int>{kInvalidAuthKeyHeader});
}

TEST(AuthenticatorTest, AccountIdFormatIs7003) {
  Authenticator auth = Configured();
  for (const std::string& id : {std::string(""), std::string(33, 'a'), std::string("abc-def"),
                                std::string("abc def"), std::string("..")}) {
    AuthOutcome o = auth.Check(Bearer(kToken), id);
    ExpectRefused(o, kInvalidObjectIdentifier, 400);
    EXPECT_EQ(o.error->message, "Invalid object identifier");
  }
  EXPECT_TRUE(Authenticator::IsValidAccountId(std::string(32, 'Z')));
  EXPECT_TRUE(Authenticator::IsValidAccountId("a"));
}

TEST(AuthenticatorTest, AddValidatesItsInput) {
  Authenticator auth;
  std::string hash = Authenticator::HashSecret("secret");
  EXPECT_FALSE(auth.AddToken("abc", {kAccountA}));
  EXPECT_FALSE(auth.AddToken(hash.substr(1) + "g", {kAccountA}));
  EXPECT_FALSE(auth.AddToken(hash, {}));
  EXPECT_FALSE(auth.AddToken(hash, {"bad-id"}));
  EXPECT_TRUE(auth.AddToken(hash, {kAccountA}));
  // The same token again, also spelt in uppercase: refused.
  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(auth.AddToken(upper, {kAccountB}));
  EXPECT_FALSE(auth.Check(Bearer("secret"), kAccountB).ok());
  EXPECT_TRUE(auth.Check(Bearer("secret"), kAccountA).ok());

  EXPECT_FALSE(auth.AddKey("not an email", hash, {kAccountA}));
  EXPECT_FALSE(auth.AddKey(kEmail, "xyz", {kAccountA}));
  EXPECT_TRUE(auth.AddKey(kEmail, hash, {kAccountA}));
  EXPECT_FALSE(auth.AddKey("OPS@example.com", hash, {kAccountA}));
}

TEST(AuthenticatorTest, UppercaseHashIsAccepted) {
  Authenticator auth;
  std::string upper = Authenticator::HashSecret(kToken);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(auth.AddToken(upper, {kAccountA}));
  EXPECT_TRUE(auth.Check(Bearer(kToken), kAccountA).ok());
}

}  // namespace
}  // namespace colotrace::api
