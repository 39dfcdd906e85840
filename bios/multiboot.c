/* Multiboot v1 loader (Multiboot Specification 0.6.96): ELF program headers
 * through libelf or the a.out kludge, modules, and the info structure. */
#include "bios/multiboot.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/linux_boot.h"
#include "devices/fw_cfg.h"
#include "devices/machine.h"
#include "mmu/memmap.h"

#define MB_FLAG_PAGE_ALIGN 0x00001 /* header flags (spec 3.1.2) */
#define MB_FLAG_MEMORY     0x00002
#define MB_FLAG_VIDEO      0x00004 /* a request we may ignore (no framebuffer info) */
#define MB_FLAG_AOUT       0x10000 /* load addresses in the header */
#define MB_MAX_SEGS        16
#define MB_MAX_MODS        16

/* Where the info structure and its pieces go (below the EBDA). */
#define MB_INFO     KBOOT_PARAMS_ADDR
#define MB_MMAP     (MB_INFO + 0x100)
#define MB_LOADER   (MB_INFO + 0x200)
#define MB_MODS     (MB_INFO + 0x300)
#define MB_STRINGS  (MB_INFO + 0x400)
#define MB_INFO_END 0x9f000

struct mb_seg {
    uint32_t addr;
    const uint8_t *data;
    uint32_t filesz, memsz;
};

struct mb_mod {
    uint8_t *data;
    size_t size;
    uint32_t addr;
    char *string; /* file name and arguments */
};

struct multiboot {
    struct mb_seg seg[MB_MAX_SEGS];
    int nseg;
    uint32_t entry;
    struct mb_mod mod[MB_MAX_MODS];
    int nmod;
    char *cmdline;
    uint64_t ram_size;
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

long multiboot_find_header(const uint8_t *image, size_t size)
{
    for (size_t off = 0; off + 12 <= size && off < MULTIBOOT_SEARCH; off += 4) {
        const uint8_t *h = image + off;
        if (rd32(h) == MULTIBOOT_HEADER_MAGIC && rd32(h) + rd32(h + 4) + rd32(h + 8) == 0)
            return (long)off;
    }
    return -1;
}

static int mb_load_elf(struct multiboot *mb, const uint8_t *image, size_t size, const char *path,
                       char *err, size_t errlen)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
        return -1;
    }
    Elf *e = elf_memory((char *)image, size);
    GElf_Ehdr eh;
    size_t nph = 0;
    if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph) != 0) {
        snprintf(err, errlen,
                 "-kernel '%s': a multiboot kernel that is neither ELF nor has the "
                 "a.out kludge (flag 16)",
                 path);
        if (e)
            elf_end(e);
        return -1;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386) {
        snprintf(err, errlen, "-kernel '%s': multiboot ELF must be 32-bit i386", path);
        elf_end(e);
        return -1;
    }
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (mb->nseg == MB_MAX_SEGS || ph.p_offset + ph.p_filesz > size ||
            ph.p_filesz > ph.p_memsz || ph.p_paddr + ph.p_memsz > mb->ram_size) {
            snprintf(err, errlen, "-kernel '%s': program header %zu is bad or outside RAM", path,
                     i);
            elf_end(e);
            return -1;
        }
        mb->seg[mb->nseg++] = (struct mb_seg){(uint32_t)ph.p_paddr, image + ph.p_offset,
                                              (uint32_t)ph.p_filesz, (uint32_t)ph.p_memsz};
    }
    mb->entry = (uint32_t)eh.e_entry;
    elf_end(e);
    if (!mb->nseg) {
        snprintf(err, errlen, "-kernel '%s': no loadable segment", path);
        return -1;
    }
    return 0;
}

/* The a.out kludge (spec 3.1.3): header_addr, load_addr, load_end_addr,
 * bss_end_addr, entry_addr after the checksum. */
static int mb_load_aout(struct multiboot *mb, const uint8_t *image, size_t size, long hoff,
                        const char *path, char *err, size_t errlen)
{
    const uint8_t *h = image + hoff;
    if ((size_t)hoff + 32 > size)
        goto bad;
    uint32_t header_addr = rd32(h + 12), load_addr = rd32(h + 16), load_end = rd32(h + 20);
    uint32_t bss_end = rd32(h + 24);
    if (header_addr < load_addr || header_addr - load_addr > (uint32_t)hoff)
        goto bad;
    size_t off = (size_t)hoff - (header_addr - load_addr);
    size_t len = load_end ? load_end - load_addr : size - off;
    if (load_end && load_end < load_addr)
        goto bad;
    if (off + len > size)
        len = size - off;
    uint32_t memsz = bss_end > load_addr + len ? bss_end - load_addr : (uint32_t)len;
    if ((uint64_t)load_addr + memsz > mb->ram_size)
        goto bad;
    mb->seg[mb->nseg++] = (struct mb_seg){load_addr, image + off, (uint32_t)len, memsz};
    mb->entry = rd32(h + 28);
    return 0;
bad:
    snprintf(err, errlen, "-kernel '%s': bad multiboot a.out addresses", path);
    return -1;
}

/* "a,b": ",," is a comma inside a name. */
static int mb_add_modules(struct multiboot *mb, const char *list, uint32_t start, char *err,
                          size_t errlen)
{
    size_t n = strlen(list);
    char *buf = malloc(n + 1);
    if (!buf)
        return -1;
    uint32_t addr = (start + 0xfff) & ~0xfffu;
    for (size_t i = 0; i <= n;) {
        size_t j = 0;
        while (i < n && !(list[i] == ',' && list[i + 1] != ',')) {
            buf[j++] = list[i];
            i += list[i] == ',' ? 2 : 1;
        }
        buf[j] = 0;
        i++;
        if (!j)
            continue;
        if (mb->nmod == MB_MAX_MODS) {
            snprintf(err, errlen, "-initrd: more than %d multiboot modules", MB_MAX_MODS);
            free(buf);
            return -1;
        }
        struct mb_mod *md = &mb->mod[mb->nmod++];
        md->string = strdup(buf);
        char *sp = strchr(buf, ' '); /* "file args": the file is up to the blank */
        if (sp)
            *sp = 0;
        char msg[256];
        md->data = kernel_boot_read_file(buf, &md->size, msg, sizeof msg);
        if (!md->data || !md->string) {
            snprintf(err, errlen, "-initrd (module): %s", msg);
            free(buf);
            return -1;
        }
        md->addr = addr;
        addr = (uint32_t)((addr + md->size + 0xfff) & ~0xfffull);
        if (addr > mb->ram_size) {
            snprintf(err, errlen, "-initrd: module '%s' does not fit in RAM", buf);
            free(buf);
            return -1;
        }
    }
    free(buf);
    return 0;
}

struct multiboot *multiboot_create(const uint8_t *image, size_t size, const char *kernel_path,
                                   const char *modules, const char *append, uint64_t ram_size,
                                   char *err, size_t errlen)
{
    long hoff = multiboot_find_header(image, size);
    struct multiboot *mb = calloc(1, sizeof *mb);
    if (!mb || hoff < 0) {
        snprintf(err, errlen, "-kernel '%s': no multiboot header", kernel_path);
        free(mb);
        return NULL;
    }
    mb->ram_size = ram_size < 0xe0000000ull ? ram_size : 0xe0000000ull;
    uint32_t flags = rd32(image + hoff + 4);
    /* Bits 0-15 are requirements: refuse the ones we do not know. */
    if (flags & 0xfff8) {
        snprintf(err, errlen,
                 "-kernel '%s': multiboot header asks for unsupported features (flags 0x%x)",
                 kernel_path, flags);
        goto fail;
    }
    int r = flags & MB_FLAG_AOUT ? mb_load_aout(mb, image, size, hoff, kernel_path, err, errlen)
                                 : mb_load_elf(mb, image, size, kernel_path, err, errlen);
    if (r < 0)
        goto fail;
    uint32_t end = 0;
    for (int i = 0; i < mb->nseg; i++)
        if (mb->seg[i].addr + mb->seg[i].memsz > end)
            end = mb->seg[i].addr + mb->seg[i].memsz;
    for (int i = 0; i < mb->nseg; i++)
        if (mb->seg[i].addr < 0x100000 && mb->seg[i].addr + mb->seg[i].memsz > 0x8000) {
            snprintf(err, errlen, "-kernel '%s': a segment below 1 MiB overlaps the loader's data",
                     kernel_path);
            goto fail;
        }
    if (modules && mb_add_modules(mb, modules, end, err, errlen) < 0)
        goto fail;
    /* The command line as QEMU and GRUB give it: the kernel's name first. */
    size_t clen = strlen(kernel_path) + (append ? strlen(append) : 0) + 2;
    mb->cmdline = malloc(clen);
    if (!mb->cmdline)
        goto fail;
    snprintf(mb->cmdline, clen, "%s%s%s", kernel_path, append && *append ? " " : "",
             append ? append : "");
    size_t strings = strlen(mb->cmdline) + 1;
    for (int i = 0; i < mb->nmod; i++)
        strings += strlen(mb->mod[i].string) + 1;
    if (MB_STRINGS + strings > MB_INFO_END) {
        snprintf(err, errlen, "multiboot command line and module strings too long");
        goto fail;
    }
    return mb;
fail:
    multiboot_destroy(mb);
    return NULL;
}

void multiboot_boot(struct multiboot *mb, struct machine *m)
{
    struct memmap *mem = machine_memmap(m);
    for (int i = 0; i < mb->nseg; i++) {
        const struct mb_seg *s = &mb->seg[i];
        memmap_write_buf(mem, s->addr, s->data, s->filesz);
        for (uint32_t a = s->addr + s->filesz; a < s->addr + s->memsz; a++)
            memmap_write(mem, a, 0, 1);
    }
    uint8_t info[88] = {0};
    uint32_t flags =
        MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP | MB_INFO_LOADER_NAME;
    wr32(info + 0, flags);
    wr32(info + 4, 640);                                         /* mem_lower, KiB */
    wr32(info + 8, (uint32_t)((mb->ram_size - 0x100000) >> 10)); /* mem_upper */
    /* Strings: the command line, then each module's. */
    uint32_t s = MB_STRINGS;
    memmap_write_buf(mem, s, mb->cmdline, strlen(mb->cmdline) + 1);
    wr32(info + 16, s);
    s += (uint32_t)strlen(mb->cmdline) + 1;
    wr32(info + 20, (uint32_t)mb->nmod);
    wr32(info + 24, MB_MODS);
    for (int i = 0; i < mb->nmod; i++) {
        struct mb_mod *md = &mb->mod[i];
        memmap_write_buf(mem, md->addr, md->data, md->size);
        memmap_write_buf(mem, s, md->string, strlen(md->string) + 1);
        uint8_t e[16] = {0};
        wr32(e, md->addr);
        wr32(e + 4, (uint32_t)(md->addr + md->size));
        wr32(e + 8, s);
        memmap_write_buf(mem, MB_MODS + 16 * i, e, 16);
        s += (uint32_t)strlen(md->string) + 1;
    }
    /* mmap: {u32 size = 20, u64 base, u64 length, u32 type}, the e820 map. */
    uint8_t e820[8 * 20], mmap[8 * 24];
    int n = kernel_boot_e820(mb->ram_size, e820, 8);
    for (int i = 0; i < n; i++) {
        wr32(mmap + 24 * i, 20);
        memcpy(mmap + 24 * i + 4, e820 + 20 * i, 20);
    }
    memmap_write_buf(mem, MB_MMAP, mmap, (uint64_t)24 * n);
    wr32(info + 44, (uint32_t)(24 * n));
    wr32(info + 48, MB_MMAP);
    static const char loader[] = "vx86";
    memmap_write_buf(mem, MB_LOADER, loader, sizeof loader);
    wr32(info + 64, MB_LOADER);
    memmap_write_buf(mem, MB_INFO, info, sizeof info);
    kernel_boot_enter_flat32(m, mb->entry, MULTIBOOT_BOOTLOADER_MAGIC, MB_INFO, 0);
}

void multiboot_destroy(struct multiboot *mb)
{
    if (!mb)
        return;
    for (int i = 0; i < mb->nmod; i++) {
        free(mb->mod[i].data);
        free(mb->mod[i].string);
    }
    free(mb->cmdline);
    free(mb);
}
