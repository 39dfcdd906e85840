/* Direct kernel boot: the Linux/x86 boot protocol (Documentation/x86/boot.rst)
 * through SeaBIOS and the linuxboot option ROM (QEMU's fw_cfg items), or
 * with no firmware at all through the 32-bit entry and a zero page. */
#include "bios/linux_boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/linuxboot_rom.h"
#include "bios/multiboot.h"
#include "cpu/cpu.h"
#include "devices/fw_cfg.h"
#include "devices/machine.h"
#include "mmu/memmap.h"

/* Setup header offsets in the bzImage and in boot_params (boot.rst, "THE
 * REAL-MODE KERNEL HEADER"; the header sits at the same offset in both). */
#define HDR_SETUP_SECTS    0x1f1
#define HDR_VID_MODE       0x1fa
#define HDR_BOOT_FLAG      0x1fe /* 0xAA55 */
#define HDR_JUMP           0x200 /* the header ends at 0x202 + byte at 0x201 */
#define HDR_MAGIC          0x202 /* "HdrS" */
#define HDR_VERSION        0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_CODE32_START   0x214
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_HEAP_END_PTR   0x224
#define HDR_CMD_LINE_PTR   0x228
#define HDR_INITRD_MAX     0x22c
#define HDR_CMDLINE_SIZE   0x238
#define LOADED_HIGH        0x01 /* loadflags: protected-mode code at 0x100000 */
#define CAN_USE_HEAP       0x80
#define BP_E820_ENTRIES    0x1e8 /* boot_params.e820_entries */
#define BP_E820_TABLE      0x2d0 /* boot_params.e820_table[128] */
#define BP_E820_MAX        128
#define LOADER_UNDEFINED   0xff       /* type_of_loader: no registered ID */
#define FW_RESERVED_TOP    (1u << 20) /* room SeaBIOS keeps for its tables below RAM end */

struct kernel_boot {
    struct machine *m;
    struct multiboot *mb; /* multiboot kernel, or NULL */
    uint8_t *setup;       /* real-mode part: the zero page template (Linux) */
    size_t setup_size;
    uint8_t *kernel; /* the whole file */
    size_t kernel_size;
    size_t prot_off; /* protected-mode code in the file */
    uint8_t *initrd;
    size_t initrd_size;
    uint32_t initrd_addr;
    char *cmdline;
    uint32_t code32_start;
    uint64_t ram_size;
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}
static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}

uint8_t *kernel_boot_read_file(const char *path, size_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "'%s': out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "cannot read '%s'", path);
        return NULL;
    }
    *size = len;
    return buf;
}

static void e820_put(uint8_t *e, uint64_t addr, uint64_t len, uint32_t type)
{
    wr32(e, (uint32_t)addr);
    wr32(e + 4, (uint32_t)(addr >> 32));
    wr32(e + 8, (uint32_t)len);
    wr32(e + 12, (uint32_t)(len >> 32));
    wr32(e + 16, type);
}

int kernel_boot_e820(uint64_t ram_size, uint8_t *buf, int max)
{
    /* Without firmware nothing lives in the EBDA, but the ROM at
     * 0xE0000-0xFFFFF and the VGA hole are not RAM. */
    uint64_t below_4g = ram_size < 0xe0000000ull ? ram_size : 0xe0000000ull;
    int n = 0;
    if (n < max)
        e820_put(buf + 20 * n++, 0, 0x9fc00, E820_RAM);
    if (n < max)
        e820_put(buf + 20 * n++, 0x9fc00, 0x400, E820_RESERVED);
    if (n < max)
        e820_put(buf + 20 * n++, 0xe0000, 0x20000, E820_RESERVED);
    if (below_4g > 0x100000 && n < max)
        e820_put(buf + 20 * n++, 0x100000, below_4g - 0x100000, E820_RAM);
    if (ram_size > below_4g && n < max)
        e820_put(buf + 20 * n++, 1ull << 32, ram_size - below_4g, E820_RAM);
    return n;
}

void kernel_boot_enter_flat32(struct machine *m, uint32_t eip, uint32_t eax, uint32_t ebx,
                              uint32_t esi)
{
    struct cpu *cpu = machine_cpu(m);
    struct memmap *mem = machine_memmap(m);
    /* GDT: null, null, 0x10 code (base 0, 4 GiB, 32-bit, read/exec), 0x18
     * data (read/write): boot.rst "32-bit BOOT PROTOCOL" asks for exactly
     * __BOOT_CS and __BOOT_DS. */
    static const uint8_t gdt[32] = {0,    0, 0,    0,    0, 0,    0,    0,    0,    0, 0,
                                    0,    0, 0,    0,    0, 0xff, 0xff, 0,    0,    0, 0x9b,
                                    0xcf, 0, 0xff, 0xff, 0, 0,    0,    0x93, 0xcf, 0};
    memmap_write_buf(mem, KBOOT_GDT_ADDR, gdt, sizeof gdt);
    machine_set_a20(m, true);
    cpu->gdtr = (struct dtr){KBOOT_GDT_ADDR, sizeof gdt - 1};
    cpu->idtr = (struct dtr){0, 0};
    cpu->cr0 = CR0_PE | CR0_ET;
    for (int s = SEG_ES; s <= SEG_GS; s++) {
        bool code = s == SEG_CS;
        cpu->seg[s] = (struct seg_cache){
            .sel = code ? 0x10 : 0x18,
            .base = 0,
            .limit = 0xffffffffu,
            .flags = (code ? 0xb : 0x3) | DESC_S | DESC_P | DESC_DB | DESC_G,
        };
    }
    cpu->cpl = 0;
    cpu_update_modes(cpu);
    cpu->eflags = EF_FIXED1; /* IF = 0 */
    for (int r = 0; r < 8; r++)
        cpu->gpr[r] = 0;
    cpu->gpr[R_EAX] = eax;
    cpu->gpr[R_EBX] = ebx;
    cpu->gpr[R_ESI] = esi;
    cpu->eip = eip;
    cpu->halted = false;
}

/* --- Linux --- */

/* vga= on the command line is for the boot loader: it sets the setup
 * header's vid_mode, which the kernel's real-mode setup code uses to pick
 * the video mode (Documentation/admin-guide/svga.rst; as QEMU's loader).
 * 0 without one; -1 for a value that is not normal/ext/ask or a number. */
static int linux_vga_mode(const char *cmdline, uint16_t *mode)
{
    *mode = 0;
    for (const char *p = strstr(cmdline, "vga="); p; p = strstr(p + 1, "vga=")) {
        if (p != cmdline && p[-1] != ' ')
            continue;
        const char *v = p + 4;
        size_t n = strcspn(v, " ");
        char *end;
        unsigned long m = strtoul(v, &end, 0);
        if (n == 6 && !strncmp(v, "normal", 6))
            m = 0xffff;
        else if (n == 3 && !strncmp(v, "ext", 3))
            m = 0xfffe;
        else if (n == 3 && !strncmp(v, "ask", 3))
            m = 0xfffd;
        else if (n == 0 || end != v + n || m > 0xffff)
            return -1;
        *mode = (uint16_t)m;
        return 1;
    }
    return 0;
}

static int linux_parse(struct kernel_boot *kb, const struct kernel_boot_config *cfg, char *err,
                       size_t errlen)
{
    const uint8_t *k = kb->kernel;
    size_t size = kb->kernel_size;
    if (size < 0x1000 || memcmp(k + HDR_MAGIC, "HdrS", 4) != 0 ||
        rd16(k + HDR_BOOT_FLAG) != 0xaa55) {
        snprintf(err, errlen,
                 "-kernel '%s': not a bzImage nor a multiboot kernel (no \"HdrS\" setup header)",
                 cfg->kernel);
        return -1;
    }
    uint16_t version = rd16(k + HDR_VERSION);
    if (version < 0x0202) {
        snprintf(err, errlen,
                 "-kernel '%s': boot protocol %u.%02u is too old (2.02 or later needed)",
                 cfg->kernel, version >> 8, version & 0xff);
        return -1;
    }
    if (!(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
        snprintf(err, errlen, "-kernel '%s': a zImage (loaded low); only bzImage is supported",
                 cfg->kernel);
        return -1;
    }
    unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    kb->prot_off = (size_t)(sects + 1) * 512;
    if (kb->prot_off >= size) {
        snprintf(err, errlen, "-kernel '%s': truncated (setup_sects %u)", cfg->kernel, sects);
        return -1;
    }
    kb->code32_start = rd32(k + HDR_CODE32_START);
    if (!cfg->firmware)
        kb->code32_start = KBOOT_KERNEL_ADDR;
    uint64_t kend = KBOOT_KERNEL_ADDR + (size - kb->prot_off);
    if (kend > cfg->ram_size) {
        snprintf(err, errlen, "-kernel '%s': does not fit in %llu MiB of RAM", cfg->kernel,
                 (unsigned long long)(cfg->ram_size >> 20));
        return -1;
    }

    /* The command line, at most cmdline_size bytes (2.06+), else 255. */
    const char *append = cfg->append ? cfg->append : "";
    size_t max = version >= 0x0206 ? rd32(k + HDR_CMDLINE_SIZE) : 255;
    if (strlen(append) > max) {
        snprintf(err, errlen, "-append: %zu bytes, the kernel takes at most %zu", strlen(append),
                 max);
        return -1;
    }
    kb->cmdline = strdup(append);

    /* The zero page template: the setup code with its header patched. */
    kb->setup_size = kb->prot_off;
    kb->setup = calloc(1, kb->setup_size > 4096 ? kb->setup_size : 4096);
    if (!kb->cmdline || !kb->setup) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(kb->setup, k, kb->setup_size);
    uint8_t *h = kb->setup;
    h[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    wr32(h + HDR_CMD_LINE_PTR, KBOOT_CMDLINE_ADDR);
    uint16_t vid_mode;
    int vga = linux_vga_mode(kb->cmdline, &vid_mode);
    if (vga < 0) {
        snprintf(err, errlen, "-append: bad vga= value (normal, ext, ask or a mode number)");
        return -1;
    }
    if (vga > 0)
        wr16(h + HDR_VID_MODE, vid_mode);
    if (cfg->firmware) {
        /* The real-mode code's heap ends below the command line. */
        h[HDR_LOADFLAGS] |= CAN_USE_HEAP;
        wr16(h + HDR_HEAP_END_PTR, KBOOT_CMDLINE_ADDR - KBOOT_SETUP_ADDR - 0x200);
    }

    if (cfg->initrd) {
        char msg[256];
        kb->initrd = kernel_boot_read_file(cfg->initrd, &kb->initrd_size, msg, sizeof msg);
        if (!kb->initrd) {
            snprintf(err, errlen, "-initrd: %s", msg);
            return -1;
        }
        /* Below initrd_addr_max (2.03+; else 0x37FFFFFF), below RAM end
         * (minus what SeaBIOS keeps for its tables), page aligned, above the
         * kernel. */
        uint64_t max_addr = version >= 0x0203 ? rd32(k + HDR_INITRD_MAX) : 0x37ffffff;
        uint64_t top = cfg->ram_size < 0xe0000000ull ? cfg->ram_size : 0xe0000000ull;
        top -= FW_RESERVED_TOP;
        if (max_addr + 1 < top)
            top = max_addr + 1;
        uint64_t addr = top > kb->initrd_size ? (top - kb->initrd_size) & ~0xfffull : 0;
        if (addr < kend) {
            snprintf(err, errlen,
                     "-initrd '%s': %zu bytes is too large (it must fit below 0x%llx, above the "
                     "kernel's end at 0x%llx; more RAM with -m may help)",
                     cfg->initrd, kb->initrd_size, (unsigned long long)top,
                     (unsigned long long)kend);
            return -1;
        }
        kb->initrd_addr = (uint32_t)addr;
        wr32(h + HDR_RAMDISK_IMAGE, kb->initrd_addr);
        wr32(h + HDR_RAMDISK_SIZE, (uint32_t)kb->initrd_size);
    }
    return 0;
}

/* Through SeaBIOS: QEMU's items (hw/i386/x86.c x86_load_linux) read by the
 * option ROM (bios/optionrom/linuxboot.asm), which boots first. */
static int linux_fw_cfg(struct kernel_boot *kb, struct fw_cfg *f, char *err, size_t errlen)
{
    fw_cfg_add_i32(f, FW_CFG_SETUP_ADDR, KBOOT_SETUP_ADDR);
    fw_cfg_add_i32(f, FW_CFG_SETUP_SIZE, (uint32_t)kb->setup_size);
    fw_cfg_add_bytes(f, FW_CFG_SETUP_DATA, kb->setup, kb->setup_size);
    fw_cfg_add_i32(f, FW_CFG_KERNEL_ADDR, kb->code32_start);
    fw_cfg_add_i32(f, FW_CFG_KERNEL_SIZE, (uint32_t)(kb->kernel_size - kb->prot_off));
    fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, kb->kernel + kb->prot_off,
                     kb->kernel_size - kb->prot_off);
    fw_cfg_add_i32(f, FW_CFG_INITRD_ADDR, kb->initrd_addr);
    fw_cfg_add_i32(f, FW_CFG_INITRD_SIZE, (uint32_t)kb->initrd_size);
    fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, kb->initrd, kb->initrd_size);
    fw_cfg_add_i32(f, FW_CFG_CMDLINE_ADDR, KBOOT_CMDLINE_ADDR);
    fw_cfg_add_i32(f, FW_CFG_CMDLINE_SIZE, (uint32_t)strlen(kb->cmdline) + 1);
    fw_cfg_add_string(f, FW_CFG_CMDLINE_DATA, kb->cmdline);

    /* The option ROM, its checksum byte fixed, booted first. */
    uint8_t *rom = malloc(linuxboot_rom_size);
    if (!rom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(rom, linuxboot_rom, linuxboot_rom_size);
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < linuxboot_rom_size; i++)
        sum += rom[i];
    rom[linuxboot_rom_size - 1] = (uint8_t)-sum;
    int key = fw_cfg_add_file(f, "genroms/linuxboot.bin", rom, linuxboot_rom_size);
    free(rom);
    static const char order[] = "/rom@genroms/linuxboot.bin"; /* QEMU: NUL-terminated */
    if (key < 0 || fw_cfg_add_file(f, "bootorder", order, sizeof order) < 0) {
        snprintf(err, errlen, "no room in fw_cfg for the linuxboot option ROM");
        return -1;
    }
    return 0;
}

/* Without firmware: the 32-bit boot protocol. The zero page is the setup
 * header over zeros, plus the e820 map; screen_info stays zero (no VGA BIOS
 * ran, so the kernel keeps to its dummy console and the serial port). */
static void linux_boot_direct(struct kernel_boot *kb)
{
    struct memmap *mem = machine_memmap(kb->m);
    uint8_t *bp = calloc(1, 4096);
    if (!bp)
        return;
    size_t hdr_end = 0x202 + kb->setup[HDR_JUMP + 1];
    if (hdr_end > kb->setup_size)
        hdr_end = kb->setup_size;
    memcpy(bp + HDR_SETUP_SECTS, kb->setup + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    bp[BP_E820_ENTRIES] = (uint8_t)kernel_boot_e820(kb->ram_size, bp + BP_E820_TABLE, BP_E820_MAX);
    memmap_write_buf(mem, KBOOT_PARAMS_ADDR, bp, 4096);
    free(bp);
    memmap_write_buf(mem, KBOOT_CMDLINE_ADDR, kb->cmdline, strlen(kb->cmdline) + 1);
    memmap_write_buf(mem, KBOOT_KERNEL_ADDR, kb->kernel + kb->prot_off,
                     kb->kernel_size - kb->prot_off);
    if (kb->initrd)
        memmap_write_buf(mem, kb->initrd_addr, kb->initrd, kb->initrd_size);
    kernel_boot_enter_flat32(kb->m, kb->code32_start, 0, 0, KBOOT_PARAMS_ADDR);
}

/* After every reset (and at power-on): load the images again, as the
 * kernel overwrote them, and enter the kernel. */
static void kernel_boot_reset(void *opaque)
{
    struct kernel_boot *kb = opaque;
    if (kb->mb)
        multiboot_boot(kb->mb, kb->m);
    else
        linux_boot_direct(kb);
}

struct kernel_boot *kernel_boot_create(struct machine *m, struct fw_cfg *f,
                                       const struct kernel_boot_config *cfg, char *err,
                                       size_t errlen)
{
    struct kernel_boot *kb = calloc(1, sizeof *kb);
    if (!kb) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kb->m = m;
    kb->ram_size = cfg->ram_size;
    char msg[256];
    kb->kernel = kernel_boot_read_file(cfg->kernel, &kb->kernel_size, msg, sizeof msg);
    if (!kb->kernel) {
        snprintf(err, errlen, "-kernel: %s", msg);
        goto fail;
    }
    if (multiboot_find_header(kb->kernel, kb->kernel_size) >= 0) {
        /* Multiboot kernels are always entered by vx86 itself: they
         * expect a loader, not a BIOS. */
        kb->mb = multiboot_create(kb->kernel, kb->kernel_size, cfg->kernel, cfg->initrd,
                                  cfg->append, cfg->ram_size, err, errlen);
        if (!kb->mb)
            goto fail;
    } else {
        if (linux_parse(kb, cfg, err, errlen) < 0)
            goto fail;
        if (cfg->firmware) {
            if (linux_fw_cfg(kb, f, err, errlen) < 0)
                goto fail;
            return kb;
        }
    }
    machine_register_reset(m, kernel_boot_reset, kb);
    kernel_boot_reset(kb);
    return kb;

fail:
    kernel_boot_destroy(kb);
    return NULL;
}

void kernel_boot_destroy(struct kernel_boot *kb)
{
    if (!kb)
        return;
    multiboot_destroy(kb->mb);
    free(kb->setup);
    free(kb->kernel);
    free(kb->initrd);
    free(kb->cmdline);
    free(kb);
}
