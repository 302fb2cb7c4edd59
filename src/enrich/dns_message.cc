#include "enrich/dns_message.h"

namespace colotrace::enrich {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ReversedLabels(const net::IpAddress& address) {
  std::string out;
  if (address.is_v4()) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(address.bytes[static_cast<size_t>(i)]);
      out += '.';
    }
  } else {
    for (int i = 15; i >= 0; --i) {
      uint8_t b = address.bytes[static_cast<size_t>(i)];
      out += kHex[b & 0xf];
      out += '.';
      out += kHex[b >> 4];
      out += '.';
    }
  }
  return out;
}

// Bounds-checked reader over one message.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool U16(size_t& pos, uint16_t& out) const {
    if (pos + 2 > size_) return false;
    out = static_cast<uint16_t>(data_[pos] << 8 | data_[pos + 1]);
    pos += 2;
    return true;
  }
  bool U32(size_t& pos, uint32_t& out) const {
    if (pos + 4 > size_) return false;
    out = static_cast<uint32_t>(data_[pos]) << 24 | static_cast<uint32_t>(data_[pos + 1]) << 16 |
          static_cast<uint32_t>(data_[pos + 2]) << 8 | data_[pos + 3];
    pos += 4;
    return true;
  }

  // Reads the (possibly compressed) name at pos into *name (dotted, no trailing dot, "" for the
  // root) and moves pos past it in the record.
  bool Name(size_t& pos, std::string* name) const {
    std::string out;
    size_t p = pos;
    bool jumped = false;
    int jumps = 0;
    size_t total = 0;
    for (;;) {
      if (p >= size_) return false;
      uint8_t len = data_[p];
      if ((len & 0xc0) == 0xc0) {
        if (p + 1 >= size_ || ++jumps > 64) return false;
        size_t target = static_cast<size_t>(len & 0x3f) << 8 | data_[p + 1];
        if (!jumped) pos = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if ((len & 0xc0) != 0) return false;  // reserved label types
      ++p;
      if (len == 0) break;
      if (p + len > size_) return false;
      total += len + 1u;
      if (total > 255) return false;
      if (!out.empty()) out += '.';
      out.append(reinterpret_cast<const char*>(data_ + p), len);
      p += len;
    }
    if (!jumped) pos = p;
    if (name != nullptr) *name = std::move(out);
    return true;
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
};

bool SameName(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string ReverseQueryName(const net::IpAddress& address) {
  return ReversedLabels(address) + (address.is_v4() ? "in-addr.arpa" : "ip6.arpa");
}

std::string ReversedUnder(const net::IpAddress& address, const std::string& zone) {
  return ReversedLabels(address) + zone;
}

model::Result<DnsAnswer> ParseDnsResponse(const uint8_t* data, size_t size) {
  using R = model::Result<DnsAnswer>;
  Reader r(data, size);
  size_t pos = 0;
  uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
  if (!r.U16(pos, id) || !r.U16(pos, flags) || !r.U16(pos, qd) || !r.U16(pos, an) ||
      !r.U16(pos, ns) || !r.U16(pos, ar)) {
    return R::Error("DNS response shorter than its header");
  }
  if ((flags & 0x8000) == 0) return R::Error("DNS message is not a response");
  DnsAnswer answer;
  answer.rcode = flags & 0xf;

  std::string owner;  // the name the answer is about: the question, then CNAME targets
  for (uint16_t i = 0; i < qd; ++i) {
    std::string qname;
    uint16_t qtype = 0, qclass = 0;
    if (!r.Name(pos, &qname) || !r.U16(pos, qtype) || !r.U16(pos, qclass)) {
      return R::Error("malformed question section");
    }
    if (i == 0) owner = qname;
  }
  for (uint16_t i = 0; i < an; ++i) {
    std::string name;
    uint16_t type = 0, klass = 0, rdlength = 0;
    uint32_t ttl = 0;
    if (!r.Name(pos, &name) || !r.U16(pos, type) || !r.U16(pos, klass) || !r.U32(pos, ttl) ||
        !r.U16(pos, rdlength) || pos + rdlength > size) {
      return R::Error("malformed answer record");
    }
    size_t rdata = pos;
    size_t end = pos + rdlength;
    pos = end;
    if (klass != 1 || (qd > 0 && !SameName(name, owner))) continue;  // IN records of our name
    if (ttl > 0x7fffffff) ttl = 0;  // RFC 2181 8: values with the top bit set mean zero
    bool relevant = true;
    if (type == kDnsTypeCname || type == kDnsTypePtr) {
      std::string target;
      size_t p = rdata;
      if (!r.Name(p, &target) || p > end) return R::Error("malformed name in answer record");
      if (type == kDnsTypeCname) {
        owner = target;
      } else {
        answer.ptr_names.push_back(std::move(target));
      }
    } else if (type == kDnsTypeTxt) {
      std::string text;
      size_t p = rdata;
      while (p < end) {
        size_t len = data[p++];
        if (p + len > end) return R::Error("malformed TXT record");
        text.append(reinterpret_cast<const char*>(data + p), len);
        p += len;
      }
      answer.txts.push_back(std::move(text));
    } else if ((type == kDnsTypeA && rdlength == 4) || (type == kDnsTypeAaaa && rdlength == 16)) {
      answer.addresses.push_back(type == kDnsTypeA ? net::IpAddress::V4(data + rdata)
                                                   : net::IpAddress::V6(data + rdata));
    } else {
      relevant = false;
    }
    if (relevant && (!answer.min_ttl_s || ttl < *answer.min_ttl_s)) answer.min_ttl_s = ttl;
  }
  return answer;
}

}  // namespace colotrace::enrich
