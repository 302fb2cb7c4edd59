// The traceroute result in the API's JSON shape (docs/api.md): the `result` array of the
// envelope, one entry per target. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/json_writer.h"
#include "model/result.h"
#include "model/traceroute.h"

namespace colotrace::model {

// Trace options as the API and the wire spell them: multipath and confidence only when
// multipath is on (so that requests without them read exactly as before).
void WriteTraceOptions(JsonWriter& out, const TraceOptions& options);
void WriteHop(JsonWriter& out, const Hop& hop);
void WriteColoResult(JsonWriter& out, const ColoResult& colo);
void WriteTargetResult(JsonWriter& out, const TargetResult& target);
// `[{"target": ..., "colos": [...]}, ...]`
std::string ResultArrayJson(const std::vector<TargetResult>& targets);

// The inverse of the writers above, for JSON that came back from an agent or a database.
// Lenient like the SDKs: a missing or mistyped member reads as its zero value; what is not a
// JSON object (or array) of the right kind is an error. The colo error text maps back to its
// code; an unknown text reads as Code 4.
Result<Hop> ParseHopJson(std::string_view json);
Result<ColoResult> ParseColoResultJson(std::string_view json);
Result<std::vector<TargetResult>> ParseResultArrayJson(std::string_view json);

}  // namespace colotrace::model
