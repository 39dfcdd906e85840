/* Loads SingleStepTests files: FORM.json.gz (zlib + cJSON) into struct
 * sst_test arrays, and each form's undefined-flags mask from metadata.json. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sst.h"

const char *const sst_reg_names[SST_NREGS] = {"ax", "bx", "cx", "dx", "cs", "ss", "ds",
                                              "es", "sp", "bp", "si", "di", "ip", "flags"};

/* Whole file, decompressed if gzip (gzread passes plain files through). */
static char *slurp(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (cap - len < (1 << 16)) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        int n = gzread(gz, buf + len, (unsigned)(cap - len - 1));
        if (n < 0) {
            free(buf);
            gzclose(gz);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    gzclose(gz);
    buf[len] = 0;
    return buf;
}

void *sst_load_metadata(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/metadata.json", dir);
    char *text = slurp(path);
    if (!text)
        return NULL;
    cJSON *meta = cJSON_Parse(text);
    free(text);
    return meta;
}

void sst_free_metadata(void *meta)
{
    cJSON_Delete(meta);
}

/* Metadata entry of a form: opcodes["XX"] or opcodes["XX"]["reg"]["R"]. */
static const cJSON *meta_entry(const cJSON *meta, const char *form)
{
    char op[8];
    snprintf(op, sizeof op, "%.2s", form);
    const cJSON *e =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "opcodes"), op);
    if (e && form[2] == '.') {
        const cJSON *reg = cJSON_GetObjectItemCaseSensitive(e, "reg");
        e = cJSON_GetObjectItemCaseSensitive(reg, form + 3);
    }
    return e;
}

static int load_regs(const cJSON *obj, uint16_t *regs, bool need_all)
{
    for (int r = 0; r < SST_NREGS; r++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, sst_reg_names[r]);
        if (cJSON_IsNumber(v))
            regs[r] = (uint16_t)v->valueint;
        else if (need_all)
            return -1;
    }
    return 0;
}

static int load_ram(const cJSON *arr, struct sst_ram **out, int *n)
{
    int cnt = cJSON_GetArraySize(arr);
    *out = calloc(cnt ? cnt : 1, sizeof **out);
    *n = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, arr)
    {
        const cJSON *a = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(v))
            return -1;
        (*out)[*n].addr = (uint32_t)a->valuedouble;
        (*out)[*n].val = (uint8_t)v->valueint;
        (*n)++;
    }
    return 0;
}

static int load_test(const cJSON *j, struct sst_test *t)
{
    const cJSON *init = cJSON_GetObjectItemCaseSensitive(j, "initial");
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(j, "final");
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(j, "bytes");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
    const cJSON *exc = cJSON_GetObjectItemCaseSensitive(j, "exception");
    if (!init || !fin || !cJSON_IsArray(bytes))
        return -1;
    t->idx = cJSON_GetObjectItemCaseSensitive(j, "idx")->valueint;
    snprintf(t->name, sizeof t->name, "%s", cJSON_IsString(name) ? name->valuestring : "?");
    const cJSON *b;
    t->nbytes = 0;
    cJSON_ArrayForEach(b, bytes)
    {
        if (t->nbytes < (int)sizeof t->bytes)
            t->bytes[t->nbytes++] = (uint8_t)b->valueint;
    }
    if (load_regs(cJSON_GetObjectItemCaseSensitive(init, "regs"), t->init, true))
        return -1;
    memcpy(t->fin, t->init, sizeof t->fin);
    load_regs(cJSON_GetObjectItemCaseSensitive(fin, "regs"), t->fin, false);
    if (load_ram(cJSON_GetObjectItemCaseSensitive(init, "ram"), &t->iram, &t->niram) ||
        load_ram(cJSON_GetObjectItemCaseSensitive(fin, "ram"), &t->fram, &t->nfram))
        return -1;
    t->exc = -1;
    if (exc) {
        t->exc = cJSON_GetObjectItemCaseSensitive(exc, "number")->valueint;
        t->flag_addr = (uint32_t)cJSON_GetObjectItemCaseSensitive(exc, "flag_address")->valuedouble;
    }
    return 0;
}

int sst_load_form(const char *dir, const char *form, const void *meta, struct sst_form *out)
{
    char path[4096];
    memset(out, 0, sizeof *out);
    snprintf(out->form, sizeof out->form, "%s", form);
    out->flags_mask = 0xffff;
    const cJSON *e = meta ? meta_entry(meta, form) : NULL;
    if (e) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "flags-mask");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "status");
        if (cJSON_IsNumber(m))
            out->flags_mask = (uint16_t)m->valueint;
        if (cJSON_IsString(s))
            snprintf(out->status, sizeof out->status, "%s", s->valuestring);
    }

    snprintf(path, sizeof path, "%s/%s.json.gz", dir, form);
    char *text = slurp(path);
    if (!text)
        return -1;
    cJSON *arr = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return -1;
    }
    int n = cJSON_GetArraySize(arr);
    out->tests = calloc(n ? n : 1, sizeof *out->tests);
    const cJSON *j;
    cJSON_ArrayForEach(j, arr)
    {
        if (load_test(j, &out->tests[out->ntests])) {
            cJSON_Delete(arr);
            sst_free_form(out);
            return -1;
        }
        out->ntests++;
    }
    cJSON_Delete(arr);
    return 0;
}

void sst_free_form(struct sst_form *f)
{
    for (int i = 0; i < f->ntests; i++) {
        free(f->tests[i].iram);
        free(f->tests[i].fram);
    }
    free(f->tests);
    f->tests = NULL;
    f->ntests = 0;
}
