// A scratch directory for one test: made with mkdtemp under /tmp, removed with everything in
// it when the object goes, also when the test fails. Header-only; for tests only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace colotrace::testing_support {

class ScratchDir {
 public:
  // /tmp/<prefix>.XXXXXX; path() is empty when it could not be made.
  explicit ScratchDir(const std::string& prefix) : path_("/tmp/" + prefix + ".XXXXXX") {
    if (mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace colotrace::testing_support
