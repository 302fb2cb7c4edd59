// Measurement ids: 26 characters of Crockford's base32 alphabet in lower case, the first 10 the
// creation time (48 bits of Unix milliseconds), the other 16 random (80 bits from the kernel's
// random source). Opaque to users, unguessable, and sorted as text they sort by creation time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colotrace::store {

inline constexpr size_t kMeasurementIdLength = 26;

std::string NewMeasurementId(int64_t now_ms);
// The shape above: 26 characters of the alphabet "0123456789abcdefghjkmnpqrstvwxyz".
bool IsMeasurementId(std::string_view text);
// The creation time an id carries.
std::optional<int64_t> MeasurementIdTimeMs(std::string_view id);

}  // namespace colotrace::store
