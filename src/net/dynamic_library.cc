#include "net/dynamic_library.h"

#include <dlfcn.h>

#include <string>

namespace colotrace::net {

model::Status LoadLibrary(const char* soname, const char* what, const char* package,
                          std::initializer_list<std::pair<const char*, void**>> symbols) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return model::Status::Error(std::string("cannot load the ") + what + " library " + soname +
                                " (Debian: apt-get install " + package +
                                "): " + (why != nullptr ? why : "unknown error"));
  }
  for (const auto& [name, slot] : symbols) {
    *slot = dlsym(handle, name);
    if (*slot == nullptr) {
      return model::Status::Error(std::string("the ") + what + " library " + soname + " has no " +
                                  name);
    }
  }
  return model::Status::Ok();  // the handle stays open for the life of the process
}

}  // namespace colotrace::net
