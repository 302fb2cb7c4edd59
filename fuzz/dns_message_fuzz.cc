// Fuzzes DNS responses as the reverse-DNS and Team Cymru lookups receive them from a resolver:
// enrich::ParseDnsResponse (header, question, answers, name compression, CNAME chains, PTR and
// TXT records, TTLs) and enrich::ParseCymruOrigin on every TXT string it returns.
//
// Input: the DNS message.

#include <cstddef>
#include <cstdint>
#include <string>

#include "enrich/cymru.h"
#include "enrich/dns_message.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  auto answer = enrich::ParseDnsResponse(data, size);
  if (!answer) return 0;
  FUZZ_CHECK(size >= 12 && (data[2] & 0x80) != 0);  // a header with the QR bit
  FUZZ_CHECK(answer->rcode == (data[3] & 0x0f));
  if (answer->min_ttl_s) FUZZ_CHECK(*answer->min_ttl_s <= 0x7fffffffu);
  if (!answer->ptr_names.empty() || !answer->txts.empty()) FUZZ_CHECK(answer->min_ttl_s);
  for (const std::string& name : answer->ptr_names) {
    // The parser refuses names of more than 255 bytes of labels and length bytes.
    FUZZ_CHECK(name.size() <= 254);
  }
  for (const std::string& txt : answer->txts) {
    FUZZ_CHECK(txt.size() <= size);
    (void)enrich::ParseCymruOrigin(txt);
  }
  return 0;
}
