# The linuxboot option ROM: bios/optionrom/linuxboot.asm assembled by nasm
# and embedded as a C array (linuxboot_rom.c, bios/linuxboot_rom.h). Also
# links libelf (the multiboot loader, bios/multiboot.c). Included by the top
# CMakeLists after vx86core.
find_program(NASM_EXECUTABLE nasm REQUIRED)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
target_link_libraries(vx86core PUBLIC PkgConfig::LIBELF)
set(VX86_OPTROM_OUT ${CMAKE_BINARY_DIR}/bios/optionrom)
add_custom_command(
  OUTPUT ${VX86_OPTROM_OUT}/linuxboot_rom.c
  COMMAND ${CMAKE_COMMAND} -E make_directory ${VX86_OPTROM_OUT}
  COMMAND ${NASM_EXECUTABLE} -f bin -o ${VX86_OPTROM_OUT}/linuxboot.bin
          ${CMAKE_SOURCE_DIR}/bios/optionrom/linuxboot.asm
  COMMAND ${CMAKE_COMMAND} -DIN=${VX86_OPTROM_OUT}/linuxboot.bin -DOUT=${VX86_OPTROM_OUT}/linuxboot_rom.c
          -DNAME=linuxboot_rom -P ${CMAKE_SOURCE_DIR}/bios/optionrom/bin2c.cmake
  DEPENDS ${CMAKE_SOURCE_DIR}/bios/optionrom/linuxboot.asm ${CMAKE_SOURCE_DIR}/bios/optionrom/bin2c.cmake
  COMMENT "nasm linuxboot.asm"
  VERBATIM)
target_sources(vx86core PRIVATE ${VX86_OPTROM_OUT}/linuxboot_rom.c)
