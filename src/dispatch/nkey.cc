#include "dispatch/nkey.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "net/crypto.h"

namespace colotrace::dispatch::nkey {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr uint8_t kSeedPrefix = 18 << 3;  // 'S'

std::string Base32(const std::vector<uint8_t>& in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : in) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

bool Unbase32(std::string_view in, std::vector<uint8_t>* out) {
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= '2' && c <= '7') {
      v = c - '2' + 26;
    } else {
      return false;
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out->push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return true;
}

// `prefix` (1 or 2 bytes), the 32 key bytes and the CRC-16 of both, little-endian.
std::vector<uint8_t> WithCrc(std::initializer_list<uint8_t> prefix, const Bytes32& key) {
  std::vector<uint8_t> v(prefix.size() + key.size() + 2);
  std::copy(prefix.begin(), prefix.end(), v.begin());
  std::copy(key.begin(), key.end(), v.begin() + static_cast<long>(prefix.size()));
  size_t body = prefix.size() + key.size();
  uint16_t crc = Crc16(std::string_view(reinterpret_cast<const char*>(v.data()), body));
  v[body] = static_cast<uint8_t>(crc & 0xff);
  v[body + 1] = static_cast<uint8_t>(crc >> 8);
  return v;
}

}  // namespace

uint16_t Crc16(std::string_view data) {
  uint16_t crc = 0;
  for (char ch : data) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(ch) << 8);
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

model::Result<Seed> DecodeSeed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.front() != 'S') {
    return model::Result<Seed>::Error("not an NKey seed (it should start with S)");
  }
  std::vector<uint8_t> raw;
  if (!Unbase32(text, &raw)) return model::Result<Seed>::Error("not an NKey seed (bad base32)");
  if (raw.size() != 2 + 32 + 2) return model::Result<Seed>::Error("not an NKey seed (length)");
  uint16_t crc = static_cast<uint16_t>(raw[34] | (raw[35] << 8));
  if (Crc16(std::string_view(reinterpret_cast<const char*>(raw.data()), 34)) != crc) {
    return model::Result<Seed>::Error("not an NKey seed (checksum)");
  }
  if ((raw[0] & 0xf8) != kSeedPrefix) {
    return model::Result<Seed>::Error("not an NKey seed (it should start with S)");
  }
  Seed seed;
  seed.type = static_cast<uint8_t>(((raw[0] & 7) << 5) | ((raw[1] & 0xf8) >> 3));
  std::copy(raw.begin() + 2, raw.begin() + 34, seed.raw.begin());
  return seed;
}

std::string EncodeSeed(const Seed& seed) {
  return Base32(WithCrc({static_cast<uint8_t>(kSeedPrefix | (seed.type >> 5)),
                         static_cast<uint8_t>((seed.type & 31) << 3)},
                        seed.raw));
}

model::Result<std::string> PublicKey(const Seed& seed) {
  auto pub = net::Ed25519PublicKey(seed.raw);
  if (!pub) return model::Result<std::string>::Error(pub.error());
  return Base32(WithCrc({seed.type}, *pub));
}

model::Result<std::string> PublicKeyFromSeed(std::string_view seed_text) {
  auto seed = DecodeSeed(seed_text);
  if (!seed) return model::Result<std::string>::Error(seed.error());
  return PublicKey(*seed);
}

model::Result<std::string> Sign(const Seed& seed, std::string_view data) {
  return net::Ed25519Sign(seed.raw, data);
}

model::Result<Seed> ReadSeedFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return model::Result<Seed>::Error("cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    size_t s = line.find_first_not_of(" \t");
    if (s == std::string::npos || line[s] != 'S') continue;
    auto seed = DecodeSeed(line);
    if (seed) return seed;
    return model::Result<Seed>::Error(path + ": " + seed.error());
  }
  return model::Result<Seed>::Error(path + ": no NKey seed (a line starting with S)");
}

model::Result<Credentials> ParseCreds(std::string_view text) {
  using R = model::Result<Credentials>;
  // The first non-empty line after the first marker line that contains `what`.
  auto block = [&](std::string_view what) -> std::optional<std::string_view> {
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(at, end - at);
      at = end + 1;
      if (line.find("-----BEGIN") == std::string_view::npos ||
          line.find(what) == std::string_view::npos) {
        continue;
      }
      while (at < text.size()) {
        end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view content = text.substr(at, end - at);
        at = end + 1;
        while (!content.empty() && (content.back() == '\r' || content.back() == ' ')) {
          content.remove_suffix(1);
        }
        if (!content.empty()) return content;
      }
    }
    return std::nullopt;
  };
  auto jwt = block("JWT");
  if (!jwt || jwt->find("-----") != std::string_view::npos) {
    return R::Error("no user JWT (a line after '-----BEGIN NATS USER JWT-----')");
  }
  auto seed_text = block("SEED");
  if (!seed_text) return R::Error("no user seed (a line after '-----BEGIN USER NKEY SEED-----')");
  auto seed = DecodeSeed(*seed_text);
  if (!seed) return R::Error(seed.error());
  if (seed->type != kUser) return R::Error("the seed is not a user seed (SU...)");
  return Credentials{std::string(*jwt), *seed};
}

model::Result<Credentials> ReadCredsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return model::Result<Credentials>::Error("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto c = ParseCreds(text);
  if (!c) return model::Result<Credentials>::Error(path + ": " + c.error());
  return c;
}

}  // namespace colotrace::dispatch::nkey
