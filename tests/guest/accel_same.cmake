# The interpreter and the translator retire exactly the same instructions
# (-icount: virtual time is instruction counts, so every timer interrupt
# lands at the same instruction): the same guest under -accel interp and
# -accel tcg must write byte-identical output. batch_icount prints the loop
# counts between PIT ticks on COM1; SeaBIOS (no disk: it ends at "No bootable
# device") logs on port 0x402, stopped after a fixed instruction count.
# Arguments: -DVX86=... -DBIN=<tests/guest build dir> -DOUT=<dir>
file(MAKE_DIRECTORY ${OUT})
set(failed FALSE)
foreach(accel interp tcg tcg,backend=threaded)
  string(REPLACE "," "_" tag ${accel})
  string(REPLACE "=" "_" tag ${tag})
  execute_process(COMMAND ${VX86} -accel ${accel} -bios ${BIN}/batch_icount.bin -icount 0
                          -display none -serial file:${OUT}/icount.${tag}
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 33)
    message(SEND_ERROR "batch_icount under -accel ${accel}: status ${rc}: ${err}")
  endif()
  execute_process(COMMAND ${VX86} -accel ${accel} -icount 3 -rtc base=2020-01-01 -display none
                          -serial none -debugcon file:${OUT}/seabios.${tag} -max-insns 40000000
                          --text-screen ${OUT}/screen.${tag}
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "SeaBIOS under -accel ${accel}: status ${rc}: ${err}")
  endif()
  foreach(f icount seabios screen)
    file(READ ${OUT}/${f}.${tag} ${f}_${tag})
    if(NOT accel STREQUAL "interp" AND NOT "${${f}_${tag}}" STREQUAL "${${f}_interp}")
      message(SEND_ERROR "${f}: -accel ${accel} differs from -accel interp\n"
                         "--- interp:\n${${f}_interp}\n--- ${accel}:\n${${f}_${tag}}")
    endif()
  endforeach()
endforeach()
string(LENGTH "${icount_interp}" n1)
string(LENGTH "${seabios_interp}" n2)
if(n1 LESS 20 OR n2 LESS 200)
  message(SEND_ERROR "too little output to compare (${n1} and ${n2} bytes)")
endif()
message(STATUS "identical: COM1 ${n1} bytes, SeaBIOS log ${n2} bytes")
