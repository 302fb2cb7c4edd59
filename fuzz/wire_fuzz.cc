// Fuzzes the NATS wire messages an API server or agent receives from the bus
// (dispatch::DecodeAnnouncement, DecodeJob, DecodeReply, WireVersionOf): every input is tried as
// each of the three messages. Whatever decodes must encode again into a message that decodes
// to the same thing (Encode(Decode(Encode(x))) == Encode(x)), and only messages of the wire
// versions this build reads (1 and 2) decode; hop messages only in version 2.
//
// Input: the message payload.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dispatch/wire.h"
#include "fuzz/fuzz_support.h"

namespace colotrace::fuzz {
namespace {

double MaxMagnitude(const model::RttStats& s) {
  return std::max(
      {std::fabs(s.min_ms), std::fabs(s.mean_ms), std::fabs(s.max_ms), std::fabs(s.std_dev_ms)});
}

// The largest absolute time in `r` (NaN and infinities cannot come from JSON).
double MaxMagnitude(const model::ColoResult& r) {
  double m = MaxMagnitude(r.target_summary.latency);
  for (const model::Hop& hop : r.hops) {
    for (const model::Node& node : hop.nodes) m = std::max(m, MaxMagnitude(node.rtt));
  }
  return m;
}

}  // namespace
}  // namespace colotrace::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  std::string_view message(reinterpret_cast<const char*>(data), size);
  std::optional<int64_t> version = dispatch::WireVersionOf(message);
  bool any = false;

  if (auto a = dispatch::DecodeAnnouncement(message)) {
    any = true;
    FUZZ_CHECK(!a->colo.empty() && a->colo.size() <= 32 && !a->agent.empty());
    std::string encoded = dispatch::EncodeAnnouncement(*a);
    auto again = dispatch::DecodeAnnouncement(encoded);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(dispatch::EncodeAnnouncement(*again) == encoded);
    (void)dispatch::TraceSubject(a->colo);
    (void)dispatch::QueueGroup(a->colo);
  }
  if (auto job = dispatch::DecodeJob(message)) {
    any = true;
    FUZZ_CHECK(!job->target.empty());
    std::string encoded = dispatch::EncodeJob(*job);
    auto again = dispatch::DecodeJob(encoded);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(dispatch::EncodeJob(*again) == encoded);
  }
  if (auto reply = dispatch::DecodeReplyMessage(message)) {
    any = true;
    FUZZ_CHECK(reply->hop.has_value() != reply->result.has_value());
    if (reply->hop) {
      FUZZ_CHECK(version == 2);
      std::string encoded = dispatch::EncodeHop(*reply->hop);
      auto again = dispatch::DecodeReplyMessage(encoded);
      FUZZ_CHECK(again.ok() && again->hop.has_value());
    } else {
      std::string encoded = dispatch::EncodeReply(*reply->result);
      auto again = dispatch::DecodeReply(encoded);
      FUZZ_CHECK(again.ok());
      // Times are written with 3 decimals in full ("%.3f"). A double keeps 15 significant
      // digits through text, so from 1e12 ms on (12 digits before the point) the written text
      // has more digits than the double holds, and Boost.JSON 1.74 does not round such numbers
      // correctly (18446744073709.1 read back 1 ulp off, which "%.3f" shows). There the
      // property is that the largest time survives to 12 significant digits.
      double largest = fuzz::MaxMagnitude(*reply->result);
      if (largest < 1e12) {
        FUZZ_CHECK(dispatch::EncodeReply(*again) == encoded);
      } else {
        FUZZ_CHECK(std::fabs(fuzz::MaxMagnitude(*again) - largest) <= largest * 1e-12);
      }
    }
  }
  if (any) {
    FUZZ_CHECK(version >= dispatch::kOldestWireVersion && version <= dispatch::kWireVersion);
  }
  return 0;
}
