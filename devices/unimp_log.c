/* Log-once helper for bad guest programming (see unimp_log.h). */
#include "devices/unimp_log.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "devices/machine.h"

bool unimp_first(uint64_t *logged, unsigned kind)
{
    uint64_t bit = 1ull << (kind & 63);
    if (*logged & bit)
        return false;
    *logged |= bit;
    return true;
}

void unimp_log_once(struct machine *m, uint64_t *logged, unsigned kind, const char *fmt, ...)
{
    if (!unimp_first(logged, kind))
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    machine_log(m, CPU_LOG_UNIMP, "unimp", "%s", msg);
}
