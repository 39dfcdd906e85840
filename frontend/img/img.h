/* vx86-img, the disk image tool (qemu-img's commands and spelling):
 * shared helpers of the per-command files. */
#ifndef VX86_IMG_H
#define VX86_IMG_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/block/blockdev.h"

/* Exit statuses (qemu-img's): 0 ok, 1 error; check: 2 corruptions,
 * 3 leaks only, 63 format without checks. */
#define IMG_EXIT_ERROR   1
#define IMG_EXIT_CORRUPT 2
#define IMG_EXIT_LEAKS   3
#define IMG_EXIT_NOCHECK 63

int img_create(int argc, char **argv);
int img_convert(int argc, char **argv);
int img_info(int argc, char **argv);
int img_check(int argc, char **argv);

/* "vx86-img: " + message on stderr; returns IMG_EXIT_ERROR. */
int img_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A size with an optional K/M/G/T/P/E suffix (powers of 1024; "1.5G"
 * allowed), rounded up to 512 bytes like qemu-img. -1 if malformed. */
int64_t img_parse_size(const char *s);
/* qemu-img's human size: "1 GiB", "196 KiB", "1.5 MiB". */
void img_size_str(uint64_t v, char *buf, size_t len);
/* Merge one -o list ("key=value,key=value") into opts. Strings point into
 * `list`. Returns 0, or IMG_EXIT_ERROR after printing what is wrong. */
int img_parse_options(char *list, struct blk_create_opts *opts);

#endif
