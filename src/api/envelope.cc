#include "api/envelope.h"

#include "model/json_writer.h"
#include "model/result_json.h"

namespace colotrace::api {

namespace {

void WriteError(model::JsonWriter& out, const ApiError& error) {
  out.BeginObject();
  out.Key("code").Int(error.code);
  out.Key("message").String(error.message);
  if (!error.pointer.empty() || !error.parameter.empty()) {
    out.Key("source").BeginObject();
    if (!error.pointer.empty()) out.Key("pointer").String(error.pointer);
    if (!error.parameter.empty()) out.Key("parameter").String(error.parameter);
    out.EndObject();
  }
  if (!error.error_chain.empty()) {
    out.Key("error_chain").BeginArray();
    for (const ApiError& cause : error.error_chain) WriteError(out, cause);
    out.EndArray();
  }
  out.EndObject();
}

}  // namespace

std::string SuccessEnvelope(const std::vector<model::TargetResult>& targets) {
  model::JsonWriter out;
  out.BeginObject();
  out.Key("success").Bool(true);
  out.Key("errors").BeginArray().EndArray();
  out.Key("messages").BeginArray().EndArray();
  out.Key("result").BeginArray();
  for (const model::TargetResult& target : targets) model::WriteTargetResult(out, target);
  out.EndArray();
  out.EndObject();
  return out.Take();
}

std::string ErrorEnvelope(const std::vector<ApiError>& errors) {
  model::JsonWriter out;
  out.BeginObject();
  out.Key("success").Bool(false);
  out.Key("errors").BeginArray();
  for (const ApiError& error : errors) WriteError(out, error);
  out.EndArray();
  out.Key("messages").BeginArray().EndArray();
  out.Key("result").Null();
  out.EndObject();
  return out.Take();
}

}  // namespace colotrace::api
