# Batch behaviour of the vx86 command line, end to end (cmake -P, ctest
# guest.batch_cli): SIGINT/SIGTERM end vx86 cleanly with 128+N and flushed
# output; the monitor on stdio; -nographic's COM1 on stdout and debug console
# on stderr; --expect on COM1; --text-screen after SeaBIOS; errors exit 1.
#   -DVX86=path/to/vx86 -DBIN=dir with the guest ROMs -DOUT=scratch dir
# check(WHAT condition...): fail with WHAT unless the condition holds.
macro(check what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}")
  endif()
endmacro()

find_program(TIMEOUT timeout REQUIRED)
file(MAKE_DIRECTORY ${OUT})

# --- signals: the guest spins, then idles; both signals end it cleanly ---
foreach(sig INT TERM)
  if(sig STREQUAL "INT")
    set(want 130)
  else()
    set(want 143)
  endif()
  file(REMOVE ${OUT}/sig.out)
  execute_process(COMMAND ${TIMEOUT} --preserve-status -s ${sig} 1
                          ${VX86} -bios ${BIN}/batch_timeout.bin -debugcon file:${OUT}/sig.out
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 30)
  file(READ ${OUT}/sig.out out)
  message(STATUS "SIG${sig}: status ${rc}, stderr: ${err}")
  check("SIG${sig}: status ${rc}, expected ${want}" rc EQUAL ${want})
  check("SIG${sig}: no message" err MATCHES "terminating on signal")
  check("SIG${sig}: debug console '${out}'" out STREQUAL "spinning\n")
endforeach()

# --- the monitor on stdio, commands from a pipe ---
file(WRITE ${OUT}/mon.in "info status\nxp /1xb 0xffff0\nbogus\nstop\ninfo status\nquit\n")
execute_process(COMMAND ${VX86} -bios ${BIN}/batch_timeout.bin -monitor stdio --timeout 20
                INPUT_FILE ${OUT}/mon.in RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 30)
message(STATUS "monitor: status ${rc}, output:\n${out}")
check("monitor quit: status ${rc}" rc EQUAL 0)
check("info status" out MATCHES "VM status: running")
check("xp /1xb 0xffff0 (the reset vector's far jump)" out MATCHES "00000000000ffff0: 0xea")
check("unknown command" out MATCHES "unknown command: 'bogus'")
check("stop" out MATCHES "VM status: paused")

# --- COM1 input from stdin (not a terminal: no raw mode) ---
file(WRITE ${OUT}/serial.in "hello, guest\n")
execute_process(COMMAND ${VX86} -bios ${BIN}/batch_serial_in.bin -serial stdio -debugcon stdio
                        --timeout 20
                INPUT_FILE ${OUT}/serial.in RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 30)
message(STATUS "serial input: status ${rc}, output:\n${out}")
check("serial input: status ${rc}" rc EQUAL 33)
check("serial input: echo" out MATCHES "got: hello, guest\nPASS\n")

# --- -nographic: COM1 on stdout, the debug console on stderr; -icount ---
execute_process(COMMAND ${VX86} -bios ${BIN}/batch_icount.bin -nographic -icount 0
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
message(STATUS "-nographic: status ${rc}, stdout:\n${out}stderr:\n${err}")
check("-nographic: status ${rc}" rc EQUAL 33)
check("-nographic: COM1 lines on stdout" out MATCHES "^([0-9A-F]+\n)+$")
check("-nographic: debug console on stderr" err MATCHES "PASS\n")
check("-nographic: debug console leaked to stdout" NOT out MATCHES "PASS")

# --- --expect on COM1: stops at the first line, before the guest's PASS ---
file(REMOVE ${OUT}/com1.out)
execute_process(COMMAND ${VX86} -bios ${BIN}/batch_icount.bin -icount 0
                        -serial file:${OUT}/com1.out --expect "^[0-9A-F]{8}$"
                RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 30)
file(READ ${OUT}/com1.out out)
message(STATUS "--expect on COM1: status ${rc}, COM1: ${out}")
check("--expect on COM1: status ${rc}" rc EQUAL 0)
check("--expect on COM1: stopped after the first line" out MATCHES "^[0-9A-F]+\n$")

# --- errors are status 1 with a message naming the culprit ---
execute_process(COMMAND ${VX86} -bios ${OUT}/no-such-rom.bin RESULT_VARIABLE rc
                ERROR_VARIABLE err TIMEOUT 30)
check("missing ROM: status ${rc}" rc EQUAL 1)
check("missing ROM: message '${err}'" err MATCHES "no-such-rom")
execute_process(COMMAND ${VX86} --expect "(" RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 30)
check("bad regex: status ${rc}" rc EQUAL 1)
check("bad regex: message '${err}'" err MATCHES "--expect")

# --- --text-screen: SeaBIOS's text on the VGA screen (with Debian's SeaBIOS) ---
if(EXISTS /usr/share/seabios/bios-256k.bin AND EXISTS /usr/share/seabios/vgabios-stdvga.bin)
  file(REMOVE ${OUT}/screen.txt)
  execute_process(COMMAND ${VX86} -icount shift=3 --expect "No bootable device" --timeout 120
                          --text-screen ${OUT}/screen.txt
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 150)
  file(READ ${OUT}/screen.txt screen)
  message(STATUS "--text-screen: status ${rc}, screen:\n${screen}")
  check("SeaBIOS --expect: status ${rc}" rc EQUAL 0)
  check("--text-screen: no SeaBIOS banner on the screen" screen MATCHES "SeaBIOS")
  check("--text-screen: no text lines" screen MATCHES "[^ \n]\n")
  check("--text-screen: trailing blanks not trimmed" NOT screen MATCHES " \n")
else()
  message(FATAL_ERROR "Debian's seabios package is missing (scripts/setup.sh installs it)")
endif()
message(STATUS "batch command line: all passed")
