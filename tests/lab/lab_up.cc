// lab_up: builds one lab topology, prints it as one line of JSON on stdout, then holds it until
// its stdin closes or it gets SIGTERM/SIGINT, tears it down and exits 0. Used by tests written
// in other languages (tests/sdk), which start it as a child process and parse the line.
//
//   lab_up chain [--routers N] [--silent K] [--delay-router K --delay-ms D]
//                [--gre-endpoint healthy|drop|key] [--gre-blocked K]
//   lab_up ecmp
//   lab_up fan [--width N] [--silent-branch K]
//
// The line: {"colo": ns, "target": ns, "routers": [ns...], "colo_v4", "colo_v6", "target_v4",
// "target_v6", "hop_v4": [...], "hop_v6": [...], "hop_choices_v4": [[...]...],
// "hop_choices_v6": [[...]...], "tcp_open_port", "tcp_closed_port"} ("*" in hop_v4/hop_v6
// where nothing answers). Exit status: 0 after a clean teardown, 1 when the lab cannot be built
// (the reason on stderr), 2 on a usage error.

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lab.h"
#include "topologies.h"

namespace {

using colotrace::lab::Topology;

constexpr const char* kUsage =
    "usage: lab_up chain [--routers N] [--silent K] [--delay-router K --delay-ms D]\n"
    "                    [--gre-endpoint healthy|drop|key] [--gre-blocked K]\n"
    "       lab_up ecmp\n"
    "       lab_up fan [--width N] [--silent-branch K]\n"
    "Builds the topology, prints it as one line of JSON, and holds it until stdin closes or\n"
    "SIGTERM/SIGINT arrives. Needs root.\n";

volatile sig_atomic_t g_stop_signal = 0;

void OnStopSignal(int sig) {
  g_stop_signal = sig;
}

struct Args {
  std::string kind;  // "chain", "ecmp" or "fan"
  int routers = 3;
  int width = 4;
  int silent_branch = 0;
  int silent = 0;
  int delay_router = 0;
  int delay_ms = 0;
  colotrace::lab::GreEndpoint gre_endpoint = colotrace::lab::GreEndpoint::kNone;
  int gre_blocked = 0;
};

struct UsageError {
  std::string message;
};

int ParseInt(std::string_view flag, std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw UsageError{std::string(flag) + " wants an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", not '" + std::string(text) + "'"};
  }
  return value;
}

Args ParseArgs(int argc, char** argv) {
  if (argc < 2) throw UsageError{"missing topology"};
  Args args;
  args.kind = argv[1];
  if (args.kind != "chain" && args.kind != "ecmp" && args.kind != "fan") {
    throw UsageError{"unknown topology '" + args.kind + "'"};
  }
  bool saw_delay_ms = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (args.kind == "ecmp") throw UsageError{"ecmp takes no options"};
    if (i + 1 >= argc) throw UsageError{std::string(flag) + " needs a value"};
    std::string_view value = argv[++i];
    if (args.kind == "fan") {
      if (flag == "--width") {
        args.width = ParseInt(flag, value, 2, 16);
      } else if (flag == "--silent-branch") {
        args.silent_branch = ParseInt(flag, value, 1, 16);
      } else {
        throw UsageError{"unknown option '" + std::string(flag) + "'"};
      }
      continue;
    }
    if (flag == "--routers") {
      args.routers = ParseInt(flag, value, 1, 63);
    } else if (flag == "--silent") {
      args.silent = ParseInt(flag, value, 1, 63);
    } else if (flag == "--delay-router") {
      args.delay_router = ParseInt(flag, value, 1, 63);
    } else if (flag == "--delay-ms") {
      args.delay_ms = ParseInt(flag, value, 1, 60000);
      saw_delay_ms = true;
    } else if (flag == "--gre-endpoint") {
      if (value == "healthy") {
        args.gre_endpoint = colotrace::lab::GreEndpoint::kHealthy;
      } else if (value == "drop") {
        args.gre_endpoint = colotrace::lab::GreEndpoint::kDrops;
      } else if (value == "key") {
        args.gre_endpoint = colotrace::lab::GreEndpoint::kKeyed;
      } else {
        throw UsageError{"--gre-endpoint wants healthy, drop or key"};
      }
    } else if (flag == "--gre-blocked") {
      args.gre_blocked = ParseInt(flag, value, 1, 63);
    } else {
      throw UsageError{"unknown option '" + std::string(flag) + "'"};
    }
  }
  if (args.silent_branch > args.width) {
    throw UsageError{"--silent-branch names a branch that does not exist"};
  }
  if (args.silent > args.routers) throw UsageError{"--silent names a router that does not exist"};
  if (args.delay_router > args.routers) {
    throw UsageError{"--delay-router names a router that does not exist"};
  }
  if ((args.delay_router != 0) != saw_delay_ms) {
    throw UsageError{"--delay-router and --delay-ms go together"};
  }
  return args;
}

// A JSON string literal: quotes, backslashes and control characters escaped. The lab's names
// and addresses are plain ASCII; anything else is passed through byte for byte.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string JsonStrings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonString(items[i]);
  }
  return out + "]";
}

std::string JsonStringLists(const std::vector<std::vector<std::string>>& lists) {
  std::string out = "[";
  for (size_t i = 0; i < lists.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonStrings(lists[i]);
  }
  return out + "]";
}

std::string TopologyJson(const Topology& t) {
  std::string out = "{";
  auto member = [&out](const char* key, const std::string& json_value) {
    if (out.size() > 1) out += ',';
    out += JsonString(key);
    out += ':';
    out += json_value;
  };
  member("colo", JsonString(t.colo));
  member("target", JsonString(t.target));
  member("routers", JsonStrings(t.routers));
  member("colo_v4", JsonString(t.colo_v4));
  member("colo_v6", JsonString(t.colo_v6));
  member("target_v4", JsonString(t.target_v4));
  member("target_v6", JsonString(t.target_v6));
  member("hop_v4", JsonStrings(t.hop_v4));
  member("hop_v6", JsonStrings(t.hop_v6));
  member("hop_choices_v4", JsonStringLists(t.hop_choices_v4));
  member("hop_choices_v6", JsonStringLists(t.hop_choices_v6));
  member("tcp_open_port", std::to_string(t.tcp_open_port));
  member("tcp_closed_port", std::to_string(t.tcp_closed_port));
  return out + "}";
}

// Waits until stdin reaches end of file (or fails) or a stop signal arrives. SIGTERM and
// SIGINT are blocked on entry; ppoll unblocks them atomically, so a signal that came while the
// lab was being built is not lost.
void WaitForStop(const sigset_t& unblocked) {
  char buf[256];
  while (g_stop_signal == 0) {
    struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
    int n = ppoll(&pfd, 1, nullptr, &unblocked);
    if (n < 0) {
      if (errno == EINTR) continue;  // the handler set g_stop_signal
      std::perror("lab_up: ppoll");
      return;
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
      if (got == 0) return;  // stdin closed
      if (got < 0 && errno != EINTR && errno != EAGAIN) return;
      // Anything written to stdin is ignored.
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
        std::cout << kUsage;
        return 0;
      }
    }
    args = ParseArgs(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "lab_up: " << e.message << "\n" << kUsage;
    return 2;
  }

  // The handlers go in before anything is built; without SA_RESTART a blocking call returns
  // EINTR. The signals stay blocked until WaitForStop, so building is never interrupted
  // halfway (the Lab's destructor would still clean up, but the output would be confusing).
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // A reader that went away must not kill us before the teardown.
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigset_t previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, &previous);
  sigset_t unblocked = previous;
  sigdelset(&unblocked, SIGTERM);
  sigdelset(&unblocked, SIGINT);

  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) {
    std::cerr << "lab_up: cannot build a lab: " << reason << "\n";
    return 1;
  }

  int status = 0;
  {
    colotrace::lab::Lab lab("up");
    try {
      Topology topology;
      if (args.kind == "chain") {
        colotrace::lab::ChainOptions opts;
        opts.silent_router = args.silent;
        opts.gre_endpoint = args.gre_endpoint;
        opts.gre_blocked_router = args.gre_blocked;
        opts.delay_router = args.delay_router;
        if (args.delay_router != 0) opts.delay_ms = args.delay_ms;
        topology = colotrace::lab::Chain(lab, args.routers, opts);
      } else if (args.kind == "fan") {
        topology = colotrace::lab::EcmpFan(lab, {args.width, args.silent_branch}, nullptr);
      } else {
        topology = colotrace::lab::EcmpDiamond(lab);
      }
      std::string line = TopologyJson(topology) + "\n";
      if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
          std::fflush(stdout) != 0) {
        throw std::runtime_error("cannot write the topology to stdout");
      }
      WaitForStop(unblocked);
    } catch (const std::exception& e) {
      std::cerr << "lab_up: " << e.what() << "\n";
      status = 1;
    }
    // ~Lab tears everything down here.
  }
  if (g_stop_signal != 0) {
    std::cerr << "lab_up: " << (g_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": lab removed\n";
  }
  return status;
}
