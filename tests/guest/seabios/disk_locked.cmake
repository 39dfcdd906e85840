# guest.disk_locked: one image as -hda and -hdb is refused (the second open
# for writing fails on the block layer's lock): exit status 1 and a message
# naming the lock. With -snapshot both open (nothing is written).
execute_process(COMMAND ${CMAKE_COMMAND} -E copy ${IMG} ${IMG}.locked.img)
execute_process(COMMAND ${VX86} -hda ${IMG}.locked.img -hdb ${IMG}.locked.img -display none
                        --timeout 20
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "two -hda of one image: exit status ${rc}, expected 1 (${err})")
endif()
if(NOT err MATCHES "lock")
  message(FATAL_ERROR "two -hda of one image: the message does not name the lock: ${err}")
endif()
execute_process(COMMAND ${VX86} -hda ${IMG}.locked.img -hdb ${IMG}.locked.img -snapshot
                        -display none -max-insns 1000
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "-snapshot with one image twice: exit status ${rc}, expected 0 (${err})")
endif()
