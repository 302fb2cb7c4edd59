# colotrace_soname(<var> <library name>): the SONAME of the shared library `lib<name>.so` the
# build finds, for libraries colotrace loads at run time with dlopen (src/net/dynamic_library.h)
# instead of linking them: only their headers are used at build time.
function(colotrace_soname var name)
  find_library(colotrace_soname_${name} NAMES ${name} REQUIRED)
  execute_process(COMMAND objdump -p ${colotrace_soname_${name}} OUTPUT_VARIABLE dynamic)
  string(REGEX MATCH "SONAME +([^\n ]+)" _ "${dynamic}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "cannot read the SONAME of ${colotrace_soname_${name}}")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
