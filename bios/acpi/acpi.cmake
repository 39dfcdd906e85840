# The DSDT: bios/acpi/dsdt.asl compiled by iasl (Debian acpica-tools) into a
# C array (dsdt.hex: `unsigned char dsdt_aml_code[]`) that bios/acpi_dsdt.c
# includes. iasl warnings are errors (-we). Included by the top CMakeLists.
find_program(IASL_EXECUTABLE iasl REQUIRED)
set(VX86_ACPI_OUT ${CMAKE_BINARY_DIR}/bios/acpi)
add_custom_command(
  OUTPUT ${VX86_ACPI_OUT}/dsdt.hex
  COMMAND ${CMAKE_COMMAND} -E make_directory ${VX86_ACPI_OUT}
  COMMAND ${IASL_EXECUTABLE} -we -vs -tc -p ${VX86_ACPI_OUT}/dsdt ${CMAKE_SOURCE_DIR}/bios/acpi/dsdt.asl
  DEPENDS ${CMAKE_SOURCE_DIR}/bios/acpi/dsdt.asl
  COMMENT "iasl dsdt.asl"
  VERBATIM)
add_custom_target(vx86_acpi_aml DEPENDS ${VX86_ACPI_OUT}/dsdt.hex)
add_dependencies(vx86core vx86_acpi_aml)
set_source_files_properties(${CMAKE_SOURCE_DIR}/bios/acpi_dsdt.c PROPERTIES
  OBJECT_DEPENDS ${VX86_ACPI_OUT}/dsdt.hex)
target_include_directories(vx86core PRIVATE ${VX86_ACPI_OUT})
