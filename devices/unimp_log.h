/* "-d unimp" messages given once per kind: a device keeps a mask of the
 * kinds it has reported (not machine state: a restored machine may log again). */
#ifndef VX86_UNIMP_LOG_H
#define VX86_UNIMP_LOG_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* True the first time `kind` (0-63) is seen; marks it reported in *logged. */
bool unimp_first(uint64_t *logged, unsigned kind);

/* machine_log(m, CPU_LOG_UNIMP, "unimp", fmt, ...) unless `kind` was
 * already reported. */
void unimp_log_once(struct machine *m, uint64_t *logged, unsigned kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
