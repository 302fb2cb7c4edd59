// The traceroute result in the API's JSON shape (docs/api.md): the `result` array of the
// envelope, one entry per target. Pure.
#pragma once

#include <string>
#include <vector>

#include "model/json_writer.h"
#include "model/traceroute.h"

namespace colotrace::model {

void WriteColoResult(JsonWriter& out, const ColoResult& colo);
void WriteTargetResult(JsonWriter& out, const TargetResult& target);
// `[{"target": ..., "colos": [...]}, ...]`
std::string ResultArrayJson(const std::vector<TargetResult>& targets);

}  // namespace colotrace::model
