// lab_cleanup: deletes lab namespaces whose creating process is gone (CTest cleanup fixture
// `lab`). Does nothing, successfully, without root.

#include <unistd.h>

#include <cstdio>

#include "lab.h"

int main() {
  if (geteuid() != 0) {
    std::printf("lab_cleanup: not root, nothing to clean\n");
    return 0;
  }
  colotrace::lab::Lab::RemoveStale();
  std::printf("lab_cleanup: stale lab namespaces removed\n");
  return 0;
}
