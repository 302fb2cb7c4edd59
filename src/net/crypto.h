// The cryptography colotrace needs, from OpenSSL's libcrypto (loaded when first used, see
// dynamic_library.h): SHA-256 of credentials, HMAC-SHA256 signatures, Ed25519 keys and
// signatures of NATS NKeys. Errors are values: libcrypto missing, or an OpenSSL failure.
//
// Threads: every function may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/result.h"

namespace colotrace::net {

using Sha256Digest = std::array<uint8_t, 32>;

model::Result<Sha256Digest> Sha256(std::string_view data);
model::Result<Sha256Digest> HmacSha256(std::string_view key, std::string_view data);

// The Ed25519 public key of a 32-byte private key (seed), and a 64-byte signature of `message`.
model::Result<std::array<uint8_t, 32>> Ed25519PublicKey(std::span<const uint8_t, 32> seed);
model::Result<std::string> Ed25519Sign(std::span<const uint8_t, 32> seed, std::string_view message);

// Compares without stopping at the first difference (for secrets and their hashes).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace colotrace::net
