/* --keys: type a list of QEMU-named keys on the PS/2 keyboard, one every
 * FE_KEY_INTERVAL_NS of virtual time (deterministic under -icount), so that
 * the 8042's small buffer never overflows. */
#include <stdlib.h>
#include <string.h>

#include "devices/machine.h"
#include "devices/ps2.h"
#include "devices/vclock.h"
#include "frontend/cli.h"

struct fe_keys {
    struct machine *m;
    struct ps2_kbd *kbd;
    struct vtimer *timer;
    char **combos; /* "ctrl-alt-delete", "a", ... */
    int n, next;
};

void fe_keys_destroy(struct fe_keys *k)
{
    if (!k)
        return;
    vtimer_destroy(k->timer);
    for (int i = 0; i < k->n; i++)
        free(k->combos[i]);
    free(k->combos);
    free(k);
}

/* Is every '-'-separated name of the combo known? */
static bool combo_valid(const char *combo, char *err, size_t errlen)
{
    char name[64];
    const char *p = combo;
    while (*p) {
        size_t n = strcspn(p, "-");
        if (!n || n >= sizeof name) {
            snprintf(err, errlen, "--keys: bad key combination '%s'", combo);
            return false;
        }
        memcpy(name, p, n);
        name[n] = 0;
        uint16_t code;
        if (!ps2_keycode_from_name(name, &code)) {
            snprintf(err, errlen, "--keys: unknown key '%s' (QEMU sendkey names)", name);
            return false;
        }
        p += n;
        if (*p == '-')
            p++;
    }
    return true;
}

static void keys_tick(void *opaque)
{
    struct fe_keys *k = opaque;
    if (k->next >= k->n)
        return;
    ps2_kbd_send_combo(k->kbd, k->combos[k->next++]);
    if (k->next < k->n) {
        struct vclock *vc = machine_vclock(k->m);
        vtimer_mod(k->timer, vclock_now(vc) + FE_KEY_INTERVAL_NS);
    }
}

struct fe_keys *fe_keys_create(struct machine *m, struct ps2_kbd *kbd, const char *keys, char *err,
                               size_t errlen)
{
    struct fe_keys *k = calloc(1, sizeof *k);
    if (!k)
        goto nomem;
    k->m = m;
    k->kbd = kbd;
    k->timer = vtimer_create(machine_vclock(m), keys_tick, k);
    if (!k->timer)
        goto nomem;
    const char *p = keys;
    for (;;) {
        p += strspn(p, " \t");
        if (!*p)
            break;
        size_t n = strcspn(p, " \t");
        char **nc = realloc(k->combos, (size_t)(k->n + 1) * sizeof *nc);
        if (!nc)
            goto nomem;
        k->combos = nc;
        if (!(k->combos[k->n] = strndup(p, n)))
            goto nomem;
        if (!combo_valid(k->combos[k->n++], err, errlen)) {
            fe_keys_destroy(k);
            return NULL;
        }
        p += n;
    }
    if (!k->n) {
        snprintf(err, errlen, "--keys: no keys given");
        fe_keys_destroy(k);
        return NULL;
    }
    return k;
nomem:
    snprintf(err, errlen, "out of memory");
    fe_keys_destroy(k);
    return NULL;
}

void fe_keys_start(void *opaque)
{
    struct fe_keys *k = opaque;
    if (k->next == 0 && !vtimer_pending(k->timer))
        vtimer_mod(k->timer, vclock_now(machine_vclock(k->m)));
}

int fe_keys_typed(const struct fe_keys *k)
{
    return k->next;
}
