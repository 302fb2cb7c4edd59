// The response envelope every answer of the API is wrapped in (docs/api.md,
// "Result" and "Errors"). Pure; compact JSON text.
#pragma once

#include <string>
#include <vector>

#include "api/api_error.h"
#include "model/traceroute.h"

namespace colotrace::api {

// `{"success":true,"errors":[],"messages":[],"result":[<one object per target>]}`, the result
// written by model::WriteTargetResult, targets in the given order.
std::string SuccessEnvelope(const std::vector<model::TargetResult>& targets);

// `{"success":false,"errors":[...],"messages":[],"result":null}`, one entry per error in the
// given order: `{"code":N,"message":"..."}` plus `"source":{"pointer":"..."}` when the pointer
// is not empty and `"error_chain":[...]` (entries of the same shape) when the chain is not empty.
std::string ErrorEnvelope(const std::vector<ApiError>& errors);

}  // namespace colotrace::api
