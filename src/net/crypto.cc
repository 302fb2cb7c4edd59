#include "net/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <mutex>

#include "net/dynamic_library.h"

namespace colotrace::net {

namespace {

#define COLOTRACE_CRYPTO_FUNCTIONS(X)                                             \
  X(EVP_Digest)                                                                   \
  X(EVP_sha256)                                                                   \
  X(HMAC)                                                                         \
  X(EVP_PKEY_new_raw_private_key) X(EVP_PKEY_get_raw_public_key) X(EVP_PKEY_free) \
      X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_DigestSignInit) X(EVP_DigestSign)

struct Crypto {
  COLOTRACE_CRYPTO_FUNCTIONS(COLOTRACE_DECLARE_FUNCTION)
};

// libcrypto's functions, loaded once; nullptr and the reason when it cannot be loaded.
const Crypto* Library(std::string* error) {
  static Crypto lib;
  static model::Status status = [] {
    return LoadLibrary(COLOTRACE_CRYPTO_SONAME, "OpenSSL crypto", "libssl3",
                       {COLOTRACE_CRYPTO_FUNCTIONS(COLOTRACE_FUNCTION_SLOT)});
  }();
  if (!status) {
    *error = status.error();
    return nullptr;
  }
  return &lib;
}

template <typename T>
model::Result<T> Failed(const std::string& what) {
  return model::Result<T>::Error(what);
}

}  // namespace

model::Result<Sha256Digest> Sha256(std::string_view data) {
  std::string error;
  const Crypto* c = Library(&error);
  if (c == nullptr) return Failed<Sha256Digest>(error);
  Sha256Digest out{};
  unsigned int length = 0;
  if (c->EVP_Digest(data.data(), data.size(), out.data(), &length, c->EVP_sha256(), nullptr) != 1 ||
      length != out.size()) {
    return Failed<Sha256Digest>("SHA-256 failed");
  }
  return out;
}

model::Result<Sha256Digest> HmacSha256(std::string_view key, std::string_view data) {
  std::string error;
  const Crypto* c = Library(&error);
  if (c == nullptr) return Failed<Sha256Digest>(error);
  Sha256Digest out{};
  unsigned int length = 0;
  if (c->HMAC(c->EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
              &length) == nullptr ||
      length != out.size()) {
    return Failed<Sha256Digest>("HMAC-SHA256 failed");
  }
  return out;
}

model::Result<std::array<uint8_t, 32>> Ed25519PublicKey(std::span<const uint8_t, 32> seed) {
  using R = model::Result<std::array<uint8_t, 32>>;
  std::string error;
  const Crypto* c = Library(&error);
  if (c == nullptr) return R::Error(error);
  EVP_PKEY* key =
      c->EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  std::array<uint8_t, 32> pub{};
  size_t length = pub.size();
  bool ok = key != nullptr && c->EVP_PKEY_get_raw_public_key(key, pub.data(), &length) == 1 &&
            length == pub.size();
  if (key != nullptr) c->EVP_PKEY_free(key);
  if (!ok) return R::Error("Ed25519 key derivation failed");
  return pub;
}

model::Result<std::string> Ed25519Sign(std::span<const uint8_t, 32> seed,
                                       std::string_view message) {
  using R = model::Result<std::string>;
  std::string error;
  const Crypto* c = Library(&error);
  if (c == nullptr) return R::Error(error);
  EVP_PKEY* key =
      c->EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  EVP_MD_CTX* ctx = c->EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t length = signature.size();
  bool ok = key != nullptr && ctx != nullptr &&
            c->EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            c->EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                              reinterpret_cast<const unsigned char*>(message.data()),
                              message.size()) == 1;
  if (ctx != nullptr) c->EVP_MD_CTX_free(ctx);
  if (key != nullptr) c->EVP_PKEY_free(key);
  if (!ok) return R::Error("Ed25519 signing failed");
  signature.resize(length);
  return signature;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace colotrace::net
