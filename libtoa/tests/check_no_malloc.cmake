# SPDX-License-Identifier: MIT
# cmake -DNM=nm -DLIB=libtoa.a -P check_no_malloc.cmake
# The object of libtoa's C core (the lookup path) must not reference an allocator.
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}")
endif()
# nm prints "member.o:" headers; keep the section of the C core object.
string(REGEX MATCH "toa\\.c\\.o:\n[^:]*" core "${out}")
if(core STREQUAL "")
  message(FATAL_ERROR "no toa.c.o in ${LIB}:\n${out}")
endif()
message(STATUS "undefined symbols of the C core:\n${core}")
foreach(sym malloc calloc realloc free strdup _Znwm _Znam operator pthread_mutex)
  if(core MATCHES "[ \t]${sym}[@\n]")
    message(FATAL_ERROR "libtoa's C core references ${sym}")
  endif()
endforeach()
