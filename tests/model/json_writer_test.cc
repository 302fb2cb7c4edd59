#include "model/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace colotrace::model {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

std::string Str(std::string_view value) {
  JsonWriter w;
  w.String(value);
  return w.Take();
}

std::string Dbl(double value, int decimals = 3) {
  JsonWriter w;
  w.Double(value, decimals);
  return w.Take();
}

// Decodes the body of a JSON string literal (without its quotes) that uses only the escapes
// \" \\ \/ \b \f \n \r \t and \u00XX; returns false on anything else.
bool DecodeJsonString(const std::string& literal, std::string* out) {
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return false;
  out->clear();
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    char c = literal[i];
    if (static_cast<unsigned char>(c) < 0x20) return false;  // raw control character
    if (c == '"') return false;                              // unescaped quote
    if (c != '\\') {
      *out += c;
      continue;
    }
    ++i;
    if (i + 1 >= literal.size()) return false;  // a backslash just before the closing quote
    switch (literal[i]) {
      case '"':
      case '\\':
      case '/':
        *out += literal[i];
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'u': {
        if (i + 5 >= literal.size()) return false;
        std::string hex = literal.substr(i + 1, 4);
        char* end = nullptr;
        long v = std::strtol(hex.c_str(), &end, 16);
        if (end != hex.c_str() + 4 || v >= 0x80) return false;  // only ASCII expected here
        *out += static_cast<char>(v);
        i += 4;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

TEST(JsonWriterTest, EmptyContainers) {
  JsonWriter w;
  w.BeginArray().BeginObject().EndObject().BeginArray().EndArray().EndArray();
  EXPECT_EQ(w.str(), "[{},[]]");
}

TEST(JsonWriterTest, NestingAndCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray();
  w.Int(-2).String("x").BeginObject().EndObject().BeginArray().EndArray().Null().Bool(true).Bool(
      false);
  w.EndArray();
  w.Key("c").BeginObject().Key("d").Double(1.5).Key("e").BeginArray().Int(7).EndArray().EndObject();
  w.Key("f").Null();
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"a":1,"b":[-2,"x",{},[],null,true,false],"c":{"d":1.5,"e":[7]},"f":null})");
}

TEST(JsonWriterTest, ArrayOfObjectsSeparated) {
  JsonWriter w;
  w.BeginArray();
  for (int i = 0; i < 3; ++i) w.BeginObject().Key("i").Int(i).EndObject();
  w.EndArray();
  EXPECT_EQ(w.str(), R"([{"i":0},{"i":1},{"i":2}])");
}

TEST(JsonWriterTest, DeepNesting) {
  JsonWriter w;
  for (int i = 0; i < 20; ++i) w.BeginArray();
  w.Int(1);
  for (int i = 0; i < 20; ++i) w.EndArray();
  w.Int(2);  // a second top-level value is not separated: there is no open container
  EXPECT_EQ(w.str(), std::string(20, '[') + "1" + std::string(20, ']') + "2");
}

TEST(JsonWriterTest, IntExtremes) {
  JsonWriter w;
  w.BeginArray()
      .Int(0)
      .Int(std::numeric_limits<int64_t>::max())
      .Int(std::numeric_limits<int64_t>::min())
      .EndArray();
  EXPECT_EQ(w.str(), "[0,9223372036854775807,-9223372036854775808]");
}

TEST(JsonWriterTest, TakeReturnsTheOutput) {
  JsonWriter w;
  w.BeginArray().Bool(true).EndArray();
  EXPECT_EQ(w.Take(), "[true]");
}

TEST(JsonWriterTest, EscapesQuoteAndBackslash) {
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str("\"\""), R"("\"\"")");
  EXPECT_EQ(Str("\\"), R"("\\")");
  EXPECT_EQ(Str(""), R"("")");
  EXPECT_EQ(Str("/"), R"("/")");  // no need to escape the solidus
}

TEST(JsonWriterTest, EscapesControlCharacters) {
  EXPECT_EQ(Str("\x01"), R"("\u0001")");
  EXPECT_EQ(Str("a\x1f"
                "b"),
            R"("a\u001fb")");
  EXPECT_EQ(Str(std::string_view("\0", 1)), R"("\u0000")");
  // Every control character survives a round trip and none is written raw.
  for (int c = 0; c < 0x20; ++c) {
    std::string in = "x";
    in += static_cast<char>(c);
    in += "y";
    std::string out = Str(in);
    std::string decoded;
    ASSERT_TRUE(DecodeJsonString(out, &decoded)) << "char " << c << ": " << out;
    EXPECT_EQ(decoded, in) << "char " << c;
  }
  // DEL is not a control character for JSON.
  EXPECT_EQ(Str("\x7f"), "\"\x7f\"");
}

TEST(JsonWriterTest, KeysAreEscapedToo) {
  JsonWriter w;
  w.BeginObject().Key("k\"\x02").Int(1).EndObject();
  EXPECT_EQ(w.str(), R"({"k\"\u0002":1})");
}

TEST(JsonWriterTest, ValidUtf8IsKept) {
  for (std::string s : {
           std::string("\xC3\xA9"),          // U+00E9
           std::string("\xC2\x80"),          // U+0080, smallest 2-byte
           std::string("\xDF\xBF"),          // U+07FF
           std::string("\xE0\xA0\x80"),      // U+0800, smallest 3-byte
           std::string("\xE2\x82\xAC"),      // U+20AC
           std::string("\xED\x9F\xBF"),      // U+D7FF, just below the surrogates
           std::string("\xEE\x80\x80"),      // U+E000, just above
           std::string("\xEF\xBF\xBD"),      // U+FFFD
           std::string("\xEF\xBF\xBF"),      // U+FFFF
           std::string("\xF0\x90\x80\x80"),  // U+10000, smallest 4-byte
           std::string("\xF0\x9F\x98\x80"),  // U+1F600
           std::string("\xF4\x8F\xBF\xBF"),  // U+10FFFF, the largest
           std::string("Z\xC3\xBCrich \xE6\x9D\xB1\xE4\xBA\xAC"),
       }) {
    EXPECT_EQ(Str(s), "\"" + s + "\"");
  }
}

TEST(JsonWriterTest, InvalidBytesBecomeReplacementCharacters) {
  const std::string& R = kReplacement;
  EXPECT_EQ(Str("\xFF"), "\"" + R + "\"");
  EXPECT_EQ(Str("a\xFE"
                "b"),
            "\"a" + R + "b\"");
  EXPECT_EQ(Str("\x80"), "\"" + R + "\"");                  // lone continuation byte
  EXPECT_EQ(Str("\xC3"), "\"" + R + "\"");                  // truncated at the end
  EXPECT_EQ(Str("\xC3("), "\"" + R + "(\"");                // continuation missing
  EXPECT_EQ(Str("\xE2\x82"), "\"" + R + R + "\"");          // truncated 3-byte
  EXPECT_EQ(Str("\xF0\x9F\x98"), "\"" + R + R + R + "\"");  // truncated 4-byte
  EXPECT_EQ(Str("\xF8\x88\x80\x80\x80"), "\"" + R + R + R + R + R + "\"");  // 5-byte form
  // The replacement is followed by correct decoding of what comes next.
  EXPECT_EQ(Str("\xFF\xC3\xA9"), "\"" + R + "\xC3\xA9\"");
  EXPECT_EQ(Str("\xC3\xC3\xA9"), "\"" + R + "\xC3\xA9\"");
}

TEST(JsonWriterTest, OverlongEncodingsAreRejected) {
  const std::string& R = kReplacement;
  EXPECT_EQ(Str("\xC0\xAF"), "\"" + R + R + "\"");                  // '/' in 2 bytes
  EXPECT_EQ(Str("\xC1\xBF"), "\"" + R + R + "\"");                  // U+007F in 2 bytes
  EXPECT_EQ(Str("\xC0\x80"), "\"" + R + R + "\"");                  // NUL in 2 bytes
  EXPECT_EQ(Str("\xE0\x80\xAF"), "\"" + R + R + R + "\"");          // '/' in 3 bytes
  EXPECT_EQ(Str("\xE0\x9F\xBF"), "\"" + R + R + R + "\"");          // U+07FF in 3 bytes
  EXPECT_EQ(Str("\xF0\x80\x80\xAF"), "\"" + R + R + R + R + "\"");  // '/' in 4 bytes
  EXPECT_EQ(Str("\xF0\x8F\xBF\xBF"), "\"" + R + R + R + R + "\"");  // U+FFFF in 4 bytes
}

TEST(JsonWriterTest, SurrogatesAndOutOfRangeAreRejected) {
  const std::string& R = kReplacement;
  EXPECT_EQ(Str("\xED\xA0\x80"), "\"" + R + R + R + "\"");  // U+D800
  EXPECT_EQ(Str("\xED\xBF\xBF"), "\"" + R + R + R + "\"");  // U+DFFF
  // A CESU-8 style surrogate pair is two rejected surrogates.
  EXPECT_EQ(Str("\xED\xA0\xBD\xED\xB8\x80"), "\"" + R + R + R + R + R + R + "\"");
  EXPECT_EQ(Str("\xF4\x90\x80\x80"), "\"" + R + R + R + R + "\"");  // U+110000
  EXPECT_EQ(Str("\xF7\xBF\xBF\xBF"), "\"" + R + R + R + R + "\"");
}

TEST(JsonWriterTest, ReplacementOutputIsValidUtf8) {
  // Whatever bytes go in, every byte of the output is ASCII or part of a well-formed sequence.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string out = Str(all);
  for (size_t i = 0; i < out.size();) {
    auto c = static_cast<unsigned char>(out[i]);
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 0;
    ASSERT_NE(n, 0u) << "byte " << int{c} << " at " << i;  // 4-byte forms cannot appear here
    ASSERT_LE(i + n, out.size());
    for (size_t k = 1; k < n; ++k) {
      ASSERT_EQ(static_cast<unsigned char>(out[i + k]) & 0xC0, 0x80) << "at " << i + k;
    }
    if (c < 0x80) {
      ASSERT_GE(c, 0x20) << "raw control character at " << i;
    }
    i += n;
  }
}

TEST(JsonWriterTest, DoubleFormatting) {
  EXPECT_EQ(Dbl(1.5), "1.5");
  EXPECT_EQ(Dbl(2.0), "2");
  EXPECT_EQ(Dbl(0.0), "0");
  EXPECT_EQ(Dbl(0.0004), "0");
  EXPECT_EQ(Dbl(0.0006), "0.001");
  EXPECT_EQ(Dbl(-0.0), "0");
  EXPECT_EQ(Dbl(-0.0004), "0");
  EXPECT_EQ(Dbl(-1.5), "-1.5");
  EXPECT_EQ(Dbl(10.0), "10");  // zeros before the point are not trimmed
  EXPECT_EQ(Dbl(100.0), "100");
  EXPECT_EQ(Dbl(1200.5), "1200.5");
  EXPECT_EQ(Dbl(12.3456), "12.346");
  EXPECT_EQ(Dbl(0.1), "0.1");
  EXPECT_EQ(Dbl(0.25), "0.25");
  EXPECT_EQ(Dbl(123456.789), "123456.789");
  EXPECT_EQ(Dbl(1.9999), "2");
  EXPECT_EQ(Dbl(1e20), "100000000000000000000");
}

TEST(JsonWriterTest, DoubleDecimals) {
  EXPECT_EQ(Dbl(3.14159, 2), "3.14");
  EXPECT_EQ(Dbl(3.14159, 5), "3.14159");
  EXPECT_EQ(Dbl(2.7, 0), "3");
  EXPECT_EQ(Dbl(10.0, 0), "10");  // no point, so nothing is trimmed
  EXPECT_EQ(Dbl(120.0, 0), "120");
  EXPECT_EQ(Dbl(0.5, 1), "0.5");
  EXPECT_EQ(Dbl(0.04, 1), "0");
}

TEST(JsonWriterTest, NonFiniteDoublesAreZero) {
  EXPECT_EQ(Dbl(std::nan("")), "0");
  EXPECT_EQ(Dbl(-std::numeric_limits<double>::quiet_NaN()), "0");
  EXPECT_EQ(Dbl(std::numeric_limits<double>::infinity()), "0");
  EXPECT_EQ(Dbl(-std::numeric_limits<double>::infinity()), "0");
}

TEST(JsonWriterTest, HugeDoublesKeepTheirValue) {
  for (double v : {1e60, 1e300, -1e300, std::numeric_limits<double>::max()}) {
    std::string s = Dbl(v);
    char* end = nullptr;
    double parsed = std::strtod(s.c_str(), &end);
    EXPECT_EQ(end, s.c_str() + s.size()) << s;
    EXPECT_EQ(parsed, v) << s;
  }
}

TEST(JsonWriterTest, DoublesInContainersAreSeparated) {
  JsonWriter w;
  w.BeginArray().Double(1.5).Double(2).Double(std::nan("")).EndArray();
  EXPECT_EQ(w.str(), "[1.5,2,0]");
}

}  // namespace
}  // namespace colotrace::model
