// Optional libraries loaded when first needed (dlopen) rather than at every start of colotrace:
// libnats for NATS, libcrypto for credentials and signatures, libpq for PostgreSQL. A trace
// maps none of them (docs/benchmarks.md, start-up time). Each user lists the functions it calls
// and gets them resolved all at once, or an error that says what is missing and how to get it.
//
// Threads: LoadLibrary may be called from any thread; a library, once loaded, stays loaded.
#pragma once

#include <initializer_list>
#include <utility>

#include "model/result.h"

namespace colotrace::net {

// Loads `soname` and stores the address of every symbol in its slot. Error (nothing usable):
// "cannot load the <what> library <soname> (Debian: apt-get install <package>): <why>", or the
// name of the first symbol it lacks.
model::Status LoadLibrary(const char* soname, const char* what, const char* package,
                          std::initializer_list<std::pair<const char*, void**>> symbols);

}  // namespace colotrace::net

// For a struct of function pointers named after the functions they point to:
//   #define MY_FUNCTIONS(X) X(foo) X(bar)
//   struct Lib { MY_FUNCTIONS(COLOTRACE_DECLARE_FUNCTION) };
//   LoadLibrary(..., {MY_FUNCTIONS(COLOTRACE_FUNCTION_SLOT)}) with `lib` the struct in scope.
#define COLOTRACE_DECLARE_FUNCTION(name) decltype(&::name) name = nullptr;
#define COLOTRACE_FUNCTION_SLOT(name) {#name, reinterpret_cast<void**>(&lib.name)},
