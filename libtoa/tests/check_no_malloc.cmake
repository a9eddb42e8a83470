# SPDX-License-Identifier: MIT
# cmake -DNM=nm -DLIB=libtoa.a -P check_no_malloc.cmake
# The objects of libtoa's C core (the lookup path, the carriers' parsers and policies)
# must not reference an allocator.
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}")
endif()
# nm prints "member.o:" headers; keep the sections of the C objects.
string(REGEX MATCHALL "[a-z0-9_]+\\.c\\.o:\n([^\n]+\n)*" sections "${out}")
string(JOIN "\n" core ${sections})
foreach(obj toa proxy_v1 proxy_v2 proxy_socket spp http_headers policy)
  if(NOT core MATCHES "(^|\n)${obj}\\.c\\.o:")
    message(FATAL_ERROR "no ${obj}.c.o in ${LIB}:\n${out}")
  endif()
endforeach()
message(STATUS "undefined symbols of the C core:\n${core}")
foreach(sym malloc calloc realloc free strdup _Znwm _Znam operator pthread_mutex)
  if(core MATCHES "[ \t]${sym}[@\n]")
    message(FATAL_ERROR "libtoa's C core references ${sym}")
  endif()
endforeach()
