// NATS NKeys: the text form of Ed25519 keys that NATS uses for per-agent credentials.
//
// A seed ("SU...", a user's private key) is base32 of two prefix bytes, the 32-byte Ed25519
// seed and a CRC-16 (XMODEM, little-endian); a public key ("U...") is one prefix byte, the
// 32-byte Ed25519 public key and the CRC. nats.c signs the server's nonce from the seed file
// but wants the public key as well; PublicKeyFromSeed derives it, so `--nkey FILE` needs only
// the seed, as NATS tooling writes it.
//
// Pure functions, any thread. Errors are values; no message ever contains the seed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/result.h"

namespace colotrace::dispatch::nkey {

// Type prefixes (the first base32 letter of the public key).
inline constexpr uint8_t kOperator = 14 << 3;  // 'O'
inline constexpr uint8_t kAccount = 0;         // 'A'
inline constexpr uint8_t kUser = 20 << 3;      // 'U'

using Bytes32 = std::array<uint8_t, 32>;

struct Seed {
  uint8_t type = 0;  // kUser, kAccount, kOperator, ...
  Bytes32 raw{};     // the Ed25519 private seed
};

// CRC-16/XMODEM as NKeys use it.
uint16_t Crc16(std::string_view data);

// Parses "S<type>..." (surrounding whitespace allowed). Errors: bad base32, length, prefix, CRC.
model::Result<Seed> DecodeSeed(std::string_view text);
std::string EncodeSeed(const Seed& seed);

// "U..." / "A..." / "O...": the public key that belongs to the seed.
model::Result<std::string> PublicKey(const Seed& seed);
model::Result<std::string> PublicKeyFromSeed(std::string_view seed_text);

// Ed25519 signature (64 bytes) of `data` by the seed's key; used to sign JWTs in tests.
model::Result<std::string> Sign(const Seed& seed, std::string_view data);

// Reads the first line of `path` that holds a seed (NATS tooling may add comments).
model::Result<Seed> ReadSeedFile(const std::string& path);

// A .creds file (as nsc writes it): the user JWT and the user seed, each on the line after its
// "-----BEGIN ..." marker.
struct Credentials {
  std::string jwt;
  Seed seed;
};
model::Result<Credentials> ParseCreds(std::string_view text);
model::Result<Credentials> ReadCredsFile(const std::string& path);

}  // namespace colotrace::dispatch::nkey
