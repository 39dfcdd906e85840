# Run one guest ROM under vx86 and check it (cmake -P script, used by ctest):
#   -DVX86=path/to/vx86 -DROM=x.bin -DSRC=x.asm -DOUT=x.out
# The exit status must be the `; STATUS:` line of the source (default 33,
# the lib.inc PASS code) and the debug console output must equal the
# `; EXPECT:` lines, in order. `; ARGS:` lines replace the default
# extra arguments (-no-reboot).
file(STRINGS ${SRC} directives REGEX "^; (EXPECT|STATUS|ARGS):")
set(expected "")
set(status 33)
set(args -no-reboot)
foreach(line IN LISTS directives)
  if(line MATCHES "^; EXPECT: ?(.*)$")
    string(APPEND expected "${CMAKE_MATCH_1}\n")
  elseif(line MATCHES "^; STATUS: *([0-9]+)")
    set(status ${CMAKE_MATCH_1})
  elseif(line MATCHES "^; ARGS:(.*)$")
    separate_arguments(args UNIX_COMMAND "${CMAKE_MATCH_1}")
  endif()
endforeach()

file(REMOVE ${OUT})
execute_process(COMMAND ${VX86} -bios ${ROM} -debugcon file:${OUT} ${args}
                RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 50)
set(output "")
if(EXISTS ${OUT})
  file(READ ${OUT} output)
endif()
message(STATUS "console output:\n${output}")
if(err)
  message(STATUS "vx86 stderr:\n${err}")
endif()
if(NOT "${output}" STREQUAL "${expected}")
  message(FATAL_ERROR "console output differs; expected:\n${expected}")
endif()
if(NOT "${rc}" STREQUAL "${status}")
  message(FATAL_ERROR "exit status ${rc}, expected ${status}")
endif()
message(STATUS "guest passed (status ${rc})")
