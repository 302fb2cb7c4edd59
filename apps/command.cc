#include "command.h"

#include <pthread.h>

#include <iostream>

namespace colotrace::apps {

const char* Version() {
  return COLOTRACE_VERSION;
}

int UsageError(const std::string& command, const std::string& message) {
  std::cerr << "colotrace: " << message << "\nTry 'colotrace " << command
            << (command.empty() ? "" : " ") << "--help'.\n";
  return kExitUsage;
}

void TerminationSignals::Block() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int TerminationSignals::Wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return sig;
}

const char* TerminationSignals::Name(int signal) {
  return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "a signal";
}

}  // namespace colotrace::apps
