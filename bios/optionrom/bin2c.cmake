# cmake -DIN=file.bin -DOUT=file.c -DNAME=sym -P bin2c.cmake: a binary as
# `const unsigned char NAME[]` and `const size_t NAME_size`.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by bin2c.cmake. */\n#include <stddef.h>\n"
     "const unsigned char ${NAME}[] = {\n${body}\n};\nconst size_t ${NAME}_size = ${size};\n")
