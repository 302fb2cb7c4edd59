#include "dispatch/nkey.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace colotrace::dispatch::nkey {
namespace {

// A seed and its public key published with an independent NKeys implementation
// (mmmries/nkeys, Elixir), with the signature of one nonce.
constexpr char kSeed[] = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU";
constexpr char kPublic[] = "UCK5N7N66OBOINFXAYC2ACJQYFSOD4VYNU6APEJTAVFZB2SVHLKGEW7L";
constexpr char kNonceSignature[] =
    "ZaAiVDgB5CeYoXoQ7cBCmq+ZllzUnGUoDVb8C7PilWvCs8XKfUchAUhz2P4BYAF++Dg3w05CqyQFRDiGL6LrDw==";

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

TEST(NkeyTest, Crc16KnownValues) {
  EXPECT_EQ(Crc16(""), 0x0000);
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // the CRC-16/XMODEM check value
  EXPECT_EQ(Crc16("abc"), 0x9DD6);
}

TEST(NkeyTest, PublicKeyOfAPublishedSeed) {
  auto pub = PublicKeyFromSeed(kSeed);
  ASSERT_TRUE(pub.ok()) << pub.error();
  EXPECT_EQ(*pub, kPublic);
  auto seed = DecodeSeed(std::string("  ") + kSeed + "\n");
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->type, kUser);
  EXPECT_EQ(EncodeSeed(*seed), kSeed);
}

TEST(NkeyTest, SignatureMatchesThePublishedOne) {
  auto seed = DecodeSeed(kSeed);
  ASSERT_TRUE(seed.ok());
  auto sig = Sign(*seed, "PXoWU7zWAMt75FY");
  ASSERT_TRUE(sig.ok()) << sig.error();
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_EQ(Base64(*sig), kNonceSignature);
}

TEST(NkeyTest, OtherTypesRoundTrip) {
  Seed s;
  s.type = kOperator;
  for (size_t i = 0; i < s.raw.size(); ++i) s.raw[i] = static_cast<uint8_t>(i * 7);
  std::string text = EncodeSeed(s);
  EXPECT_EQ(text.substr(0, 2), "SO");
  auto back = DecodeSeed(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type, kOperator);
  EXPECT_EQ(back->raw, s.raw);
  auto pub = PublicKey(s);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->front(), 'O');
  s.type = kAccount;
  EXPECT_EQ(PublicKey(s)->front(), 'A');
  EXPECT_EQ(EncodeSeed(s).substr(0, 2), "SA");
}

TEST(NkeyTest, RejectsBadSeeds) {
  std::string flipped = kSeed;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_NE(DecodeSeed(flipped).error().find("checksum"), std::string::npos);
  EXPECT_NE(DecodeSeed("SUAM1").error().find("base32"), std::string::npos);
  EXPECT_NE(DecodeSeed("SUAMLK2Z").error().find("length"), std::string::npos);
  EXPECT_NE(DecodeSeed(kPublic).error().find("should start with S"), std::string::npos)
      << "a public key is not a seed";
  EXPECT_FALSE(DecodeSeed("").ok());
  // Error messages never echo the seed.
  EXPECT_EQ(DecodeSeed(flipped).error().find(flipped), std::string::npos);
}

TEST(NkeyTest, ReadsTheSeedLineOfAFile) {
  std::string path = ::testing::TempDir() + "/nkey_test.nk";
  {
    std::ofstream f(path);
    f << "# agent fra-1\n\n" << kSeed << "\n";
  }
  auto seed = ReadSeedFile(path);
  ASSERT_TRUE(seed.ok()) << seed.error();
  EXPECT_EQ(*PublicKey(*seed), kPublic);
  {
    std::ofstream f(path);
    f << kPublic << "\n";
  }
  EXPECT_NE(ReadSeedFile(path).error().find("no NKey seed"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_NE(ReadSeedFile(path).error().find("cannot read"), std::string::npos);
}

TEST(NkeyTest, ParsesCredsFiles) {
  std::string creds = std::string("-----BEGIN NATS USER JWT-----\neyJ0eXAi.eyJqdGki.c2ln\n") +
                      "------END NATS USER JWT------\n\n************************* IMPORTANT " +
                      "*************************\nNKEYs are sensitive.\n\n" +
                      "-----BEGIN USER NKEY SEED-----\n" + kSeed +
                      "\n------END USER NKEY SEED------\n";
  auto c = ParseCreds(creds);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->jwt, "eyJ0eXAi.eyJqdGki.c2ln");
  EXPECT_EQ(*PublicKey(c->seed), kPublic);
  EXPECT_NE(ParseCreds("-----BEGIN USER NKEY SEED-----\nSUAM\n").error().find("no user JWT"),
            std::string::npos);
  EXPECT_NE(ParseCreds("-----BEGIN NATS USER JWT-----\nabc\n").error().find("no user seed"),
            std::string::npos);
  std::string bad_seed = creds;
  bad_seed.replace(bad_seed.find(kSeed), 4, "SAAA");
  EXPECT_FALSE(ParseCreds(bad_seed).ok());
}

}  // namespace
}  // namespace colotrace::dispatch::nkey
