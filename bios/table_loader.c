/* Builds QEMU's BIOS linker/loader script (bios/table_loader.h). */
#include "bios/table_loader.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct table_loader {
    uint8_t *buf;
    size_t len, cap;
    bool failed; /* out of memory: the script is unusable */
};

struct table_loader *table_loader_create(void)
{
    return calloc(1, sizeof(struct table_loader));
}

void table_loader_destroy(struct table_loader *tl)
{
    if (tl)
        free(tl->buf);
    free(tl);
}

static uint8_t *new_cmd(struct table_loader *tl, uint32_t command)
{
    if (tl->failed)
        return NULL;
    if (tl->len + TABLE_LOADER_CMD_LEN > tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 16 * TABLE_LOADER_CMD_LEN;
        uint8_t *b = realloc(tl->buf, cap);
        if (!b) {
            tl->failed = true;
            return NULL;
        }
        tl->buf = b;
        tl->cap = cap;
    }
    uint8_t *c = tl->buf + tl->len;
    tl->len += TABLE_LOADER_CMD_LEN;
    memset(c, 0, TABLE_LOADER_CMD_LEN);
    for (int i = 0; i < 4; i++)
        c[i] = (uint8_t)(command >> (8 * i));
    return c;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Names longer than the field are cut (the caller's names are short). */
static void put_name(uint8_t *p, const char *name)
{
    strncpy((char *)p, name, TABLE_LOADER_FILESZ - 1);
}

void table_loader_alloc(struct table_loader *tl, const char *file, uint32_t align, int zone)
{
    uint8_t *c = new_cmd(tl, TABLE_LOADER_ALLOCATE);
    if (!c)
        return;
    put_name(c + TABLE_LOADER_OFF_FILE, file);
    put32(c + TABLE_LOADER_OFF_ALIGN, align);
    c[TABLE_LOADER_OFF_ZONE] = (uint8_t)zone;
}

void table_loader_add_pointer(struct table_loader *tl, const char *dest_file, const char *src_file,
                              uint32_t offset, uint8_t size)
{
    uint8_t *c = new_cmd(tl, TABLE_LOADER_ADD_POINTER);
    if (!c)
        return;
    put_name(c + TABLE_LOADER_OFF_FILE, dest_file);
    put_name(c + TABLE_LOADER_OFF_SRC, src_file);
    put32(c + TABLE_LOADER_OFF_PTR_OFF, offset);
    c[TABLE_LOADER_OFF_PTR_SZ] = size;
}

void table_loader_add_checksum(struct table_loader *tl, const char *file, uint32_t offset,
                               uint32_t start, uint32_t length)
{
    uint8_t *c = new_cmd(tl, TABLE_LOADER_ADD_CHECKSUM);
    if (!c)
        return;
    put_name(c + TABLE_LOADER_OFF_FILE, file);
    put32(c + TABLE_LOADER_OFF_CK_OFF, offset);
    put32(c + TABLE_LOADER_OFF_CK_START, start);
    put32(c + TABLE_LOADER_OFF_CK_LEN, length);
}

const uint8_t *table_loader_data(const struct table_loader *tl)
{
    return tl->buf;
}

long table_loader_len(const struct table_loader *tl)
{
    return tl->failed ? -1 : (long)tl->len;
}
