#include "store/measurement_id.h"

#include <sys/random.h>

#include <array>

namespace colotrace::store {

namespace {

constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

int ValueOf(char c) {
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

std::string NewMeasurementId(int64_t now_ms) {
  std::string id(kMeasurementIdLength, '0');
  auto time = static_cast<uint64_t>(now_ms) & ((uint64_t{1} << 48) - 1);
  for (int i = 9; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kAlphabet[time & 31];
    time >>= 5;
  }
  std::array<uint8_t, 16> random{};
  size_t got = 0;
  while (got < random.size()) {
    ssize_t n = getrandom(random.data() + got, random.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  for (size_t i = 0; i < 16; ++i) id[10 + i] = kAlphabet[random[i] & 31];
  return id;
}

bool IsMeasurementId(std::string_view text) {
  if (text.size() != kMeasurementIdLength) return false;
  for (char c : text) {
    if (ValueOf(c) < 0) return false;
  }
  return ValueOf(text[0]) < 8;  // 48 bits of time: the first character carries 3
}

std::optional<int64_t> MeasurementIdTimeMs(std::string_view id) {
  if (!IsMeasurementId(id)) return std::nullopt;
  uint64_t time = 0;
  for (size_t i = 0; i < 10; ++i) time = time << 5 | static_cast<uint64_t>(ValueOf(id[i]));
  return static_cast<int64_t>(time);
}

}  // namespace colotrace::store
