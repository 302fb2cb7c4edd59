// A user-space GRE tunnel endpoint for the lab (this kernel has no GRE tunnels): receives IPv4
// GRE packets (protocol 47) addressed to this namespace, strips the outer IPv4 and GRE headers
// and sends the inner IPv4 packet on as it is, routed by its own destination.
//
//   lab_gre_endpoint [--mode healthy|drop|key KEY]
//     healthy  decapsulate and forward every inner IPv4 packet
//     drop     a broken endpoint: take GRE packets and forward nothing
//     key KEY  an endpoint configured with GRE key KEY: packets without that key are dropped
// Prints "ready" once its sockets are open; exits on SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

uint16_t Read16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t Read32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "healthy";
  long key = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mode" && i + 1 < argc) {
      mode = argv[++i];
      if (mode == "key" && i + 1 < argc) key = std::strtol(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: lab_gre_endpoint [--mode healthy|drop|key KEY]\n");
      return 2;
    }
  }
  if (mode != "healthy" && mode != "drop" && !(mode == "key" && key >= 0)) {
    std::fprintf(stderr, "lab_gre_endpoint: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = 1; };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  int in = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
  int out = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (in < 0 || out < 0) {
    std::perror("lab_gre_endpoint: socket");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  uint8_t buf[65536];
  while (!g_stop) {
    pollfd pfd{in, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    ssize_t n = recv(in, buf, sizeof buf, 0);
    if (n < 20) continue;
    size_t len = static_cast<size_t>(n);
    size_t ihl = static_cast<size_t>(buf[0] & 0x0F) * 4;
    if (len < ihl + 4) continue;
    const uint8_t* gre = buf + ihl;
    bool has_checksum = (gre[0] & 0x80) != 0;
    bool has_key = (gre[0] & 0x20) != 0;
    bool has_seq = (gre[0] & 0x10) != 0;
    if ((gre[1] & 0x07) != 0 || Read16(gre + 2) != 0x0800) continue;  // GRE v0 carrying IPv4
    size_t off = 4 + (has_checksum ? 4 : 0);
    long packet_key = -1;
    if (has_key) {
      if (len < ihl + off + 4) continue;
      packet_key = static_cast<long>(Read32(gre + off));
      off += 4;
    }
    if (has_seq) off += 4;
    if (mode == "drop") continue;
    if (mode == "key" && packet_key != key) continue;
    const uint8_t* inner = gre + off;
    size_t inner_len = len - ihl - off;
    if (inner_len < 20 || (inner[0] >> 4) != 4) continue;
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    std::memcpy(&dst.sin_addr, inner + 16, 4);
    if (sendto(out, inner, inner_len, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) < 0) {
      std::perror("lab_gre_endpoint: sendto");
    }
  }
  close(in);
  close(out);
  return 0;
}
