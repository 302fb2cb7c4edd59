// Times as the API writes and reads them: RFC 3339 in UTC with milliseconds
// ("2026-11-27T14:05:09.123Z"). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colotrace::model {

// Unix milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string Rfc3339Ms(int64_t unix_ms);
// "YYYY-MM-DDTHH:MM:SS" with an optional fraction (1 to 9 digits, kept to milliseconds) and a
// zone "Z" or "+HH:MM"/"-HH:MM"; a lower-case "t" or "z" is accepted too. nullopt for anything
// else, an impossible date or time included.
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace colotrace::model
