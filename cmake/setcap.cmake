# Run by `cmake --install`: gives the installed colotrace CAP_NET_RAW as a file capability, so
# that no one needs to run it as root (docs/security.md). Needs root and setcap (libcap2-bin);
# without them the install still succeeds and says what to run.
set(colotrace_bin "$ENV{DESTDIR}${COLOTRACE_INSTALLED_BIN}")
find_program(COLOTRACE_SETCAP setcap PATHS /usr/sbin /sbin)
if(NOT COLOTRACE_SETCAP)
  message(WARNING "setcap not found (Debian: libcap2-bin); run: setcap cap_net_raw+ep ${colotrace_bin}")
  return()
endif()
execute_process(COMMAND "${COLOTRACE_SETCAP}" cap_net_raw+ep "${colotrace_bin}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(STATUS "CAP_NET_RAW set on ${colotrace_bin}")
else()
  message(WARNING "setcap failed (${err}); as root, run: setcap cap_net_raw+ep ${colotrace_bin}")
endif()
