// net/crypto.h against published test vectors (FIPS 180-2, RFC 4231, RFC 8032).
#include "net/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace colotrace::net {
namespace {

std::string Hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

template <typename T>
std::string Hex(const T& bytes) {
  return Hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::array<uint8_t, 32> Bytes32(const std::string& hex) {
  std::array<uint8_t, 32> out{};
  for (size_t i = 0; i < 32; ++i)
    out[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

TEST(CryptoTest, Sha256) {
  auto digest = Sha256("abc");
  ASSERT_TRUE(digest.ok()) << digest.error();
  EXPECT_EQ(Hex(*digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(*Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, HmacSha256Rfc4231) {
  auto mac = HmacSha256(std::string(20, '\x0b'), "Hi There");  // test case 1
  ASSERT_TRUE(mac.ok()) << mac.error();
  EXPECT_EQ(Hex(*mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(*HmacSha256("Jefe", "what do ya want for nothing?")),  // test case 2
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, Ed25519Rfc8032TestOne) {
  auto seed = Bytes32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto pub = Ed25519PublicKey(seed);
  ASSERT_TRUE(pub.ok()) << pub.error();
  EXPECT_EQ(Hex(*pub), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = Ed25519Sign(seed, "");
  ASSERT_TRUE(sig.ok()) << sig.error();
  EXPECT_EQ(Hex(*sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
            "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret!"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace colotrace::net
