// A small streaming JSON writer: compact output, correct string escaping, and numbers written
// the way people read them (1.234, not 1.234E0). Pure; not thread-safe; no allocation beyond
// the output string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace colotrace::model {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next value's key.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);  // invalid UTF-8 bytes become U+FFFD
  JsonWriter& Int(int64_t value);
  // Finite values with at most `decimals` digits after the point, trailing zeros removed;
  // NaN and infinities are written as 0 (JSON has no spelling for them).
  JsonWriter& Double(double value, int decimals = 3);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is JSON text already (a stored request or result), written as it is. The
  // caller vouches that it is one valid JSON value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  // One entry per open container: whether it has had a member yet.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

}  // namespace colotrace::model
