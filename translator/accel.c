/* -accel and $VX86_ACCEL: which engine runs the CPU (the interpreter, or
 * the translator with one of its backends), spelled as QEMU does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "translator/backend.h"
#include "translator/check.h"
#include "translator/translator.h"

const struct tr_backend *tr_default_backend(void)
{
#if defined(__x86_64__)
    if (&tr_backend_x64 != NULL)
        return &tr_backend_x64;
#endif
    return &tr_backend_threaded;
}

const struct tr_backend *tr_backend_by_name(const char *name)
{
    if (!strcmp(name, "threaded"))
        return &tr_backend_threaded;
#if defined(__x86_64__)
    if (!strcmp(name, "x64") && &tr_backend_x64 != NULL)
        return &tr_backend_x64;
#endif
    return NULL;
}

bool tr_accel_parse(const char *spec, struct tr_accel *out, char *err, size_t errlen)
{
    char buf[128];
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, errlen, "value too long");
        return false;
    }
    strcpy(buf, spec);
    char *save = NULL, *name = strtok_r(buf, ",", &save);
    *out = (struct tr_accel){0};
    if (!name) {
        snprintf(err, errlen, "empty value (interp, tcg)");
        return false;
    }
    if (!strcmp(name, "kvm") || !strcmp(name, "hvf") || !strcmp(name, "whpx")) {
        snprintf(err, errlen,
                 "%s: hardware virtualization is not available in vx86 (this host's "
                 "/dev/kvm cannot run unmodified guests); use -accel tcg or -accel interp",
                 name);
        return false;
    }
    if (!strcmp(name, "interp")) {
        if (strtok_r(NULL, ",", &save)) {
            snprintf(err, errlen, "interp takes no options");
            return false;
        }
        return true;
    }
    if (strcmp(name, "tcg")) {
        snprintf(err, errlen, "%s: unknown accelerator (interp, tcg)", name);
        return false;
    }
    out->tcg = true;
    out->backend = tr_default_backend();
    for (char *o; (o = strtok_r(NULL, ",", &save));) {
        if (!strncmp(o, "backend=", 8)) {
            out->backend = tr_backend_by_name(o + 8);
            if (!out->backend) {
                snprintf(err, errlen, "tcg: backend '%s' is not available (threaded%s)",
                         o + 8, tr_backend_by_name("x64") ? ", x64" : "");
                return false;
            }
        } else if (!strcmp(o, "check=on") || !strcmp(o, "check=off")) {
            out->check = !strcmp(o, "check=on"); /* lockstep against the interpreter */
        } else if (!strcmp(o, "fastmem=on") || !strcmp(o, "fastmem=off")) {
            out->no_fastmem = !strcmp(o, "fastmem=off"); /* mmu/fastmem.h */
        } else if (!strcmp(o, "thread=single")) {
            /* QEMU's spelling of what vx86 always does */
        } else {
            snprintf(err, errlen, "tcg: unknown option '%s' (backend=threaded|x64, check=on|off, "
                     "fastmem=on|off)", o);
            return false;
        }
    }
    return true;
}

bool tr_accel_apply(struct cpu *cpu, const struct tr_accel *a, char *err, size_t errlen)
{
    struct cpu_engine *e = NULL;
    if (a->tcg) {
        e = tr_engine_create(cpu, a->backend, 0, 0);
        if (e && !a->no_fastmem)
            tr_use_fastmem(e); /* (under the checker, which logs every write: reads only) */
        if (e && a->check)
            e = tr_check_create(cpu, e);
        if (!e) {
            snprintf(err, errlen, "-accel tcg: cannot create the translator (out of memory?)");
            return false;
        }
    }
    cpu_set_engine(cpu, e);
    return true;
}

struct cpu_engine *tr_engine_from_env(struct cpu *cpu)
{
    const char *v = getenv("VX86_ACCEL");
    if (!v || !*v)
        return NULL;
    struct tr_accel a;
    char err[256];
    if (!tr_accel_parse(v, &a, err, sizeof err)) {
        static bool told;
        if (!told)
            fprintf(stderr, "vx86: VX86_ACCEL ignored: %s\n", err);
        told = true;
        return NULL;
    }
    if (!a.tcg)
        return NULL;
    struct cpu_engine *e = tr_engine_create(cpu, a.backend, 0, 0);
    if (e && !a.no_fastmem)
        tr_use_fastmem(e);
    return e && a.check ? tr_check_create(cpu, e) : e;
}

/* Every CPU created in this process (vx86's, the unit tests') asks
 * $VX86_ACCEL through cpu_create(). */
__attribute__((constructor)) static void register_env_engine(void)
{
    cpu_engine_factory = tr_engine_from_env;
}
