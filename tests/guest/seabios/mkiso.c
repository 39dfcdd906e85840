/* Write a small ISO 9660 image with an El Torito no-emulation boot entry
 * (El Torito 1.0, ECMA-119) for the CD-ROM boot test:
 *   mkiso BOOT.bin OUT.iso
 * Sector 16 primary volume descriptor, 17 boot record, 18 terminator, 19/20
 * path tables, 21 root directory, 22 boot catalog, 23 the boot image (up to
 * 2048 bytes, loaded as 4 virtual sectors), 24 a marker the guest reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR   2048
#define NSECTORS 32

static void both32(unsigned char *p, unsigned v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
        p[7 - i] = (unsigned char)(v >> (8 * i));
    }
}

static void both16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void le32(unsigned char *p, unsigned v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void dir_record(unsigned char *p, unsigned extent, unsigned size, unsigned char id)
{
    p[0] = 34;
    both32(p + 2, extent);
    both32(p + 10, size);
    p[25] = 0x02; /* directory */
    both16(p + 28, 1);
    p[32] = 1;
    p[33] = id;
}

static void padded(unsigned char *p, const char *s, size_t n)
{
    memset(p, ' ', n);
    memcpy(p, s, strlen(s) < n ? strlen(s) : n);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkiso BOOT.bin OUT.iso\n");
        return 1;
    }
    static unsigned char iso[NSECTORS * SECTOR];
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t n = fread(iso + 23 * SECTOR, 1, SECTOR, f);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "mkiso: %s is empty\n", argv[1]);
        return 1;
    }

    unsigned char *pvd = iso + 16 * SECTOR;
    pvd[0] = 1;
    memcpy(pvd + 1, "CD001", 5);
    pvd[6] = 1;
    padded(pvd + 8, "", 32);
    padded(pvd + 40, "VX86_ELTORITO", 32);
    both32(pvd + 80, NSECTORS);
    both16(pvd + 120, 1);
    both16(pvd + 124, 1);
    both16(pvd + 128, SECTOR);
    both32(pvd + 132, 10);
    le32(pvd + 140, 19);
    pvd[148] = 0, pvd[149] = 0, pvd[150] = 0, pvd[151] = 20; /* M path table, big endian */
    dir_record(pvd + 156, 21, SECTOR, 0);
    padded(pvd + 190, "", 623 - 190);
    memset(pvd + 813, '0', 4 * 17);
    pvd[881] = 1;

    unsigned char *br = iso + 17 * SECTOR;
    br[0] = 0;
    memcpy(br + 1, "CD001", 5);
    br[6] = 1;
    memcpy(br + 7, "EL TORITO SPECIFICATION", 23);
    le32(br + 0x47, 22);

    unsigned char *term = iso + 18 * SECTOR;
    term[0] = 255;
    memcpy(term + 1, "CD001", 5);
    term[6] = 1;

    unsigned char *lpt = iso + 19 * SECTOR, *mpt = iso + 20 * SECTOR;
    lpt[0] = 1, le32(lpt + 2, 21), lpt[6] = 1;
    mpt[0] = 1, mpt[5] = 21, mpt[7] = 1;

    dir_record(iso + 21 * SECTOR, 21, SECTOR, 0);
    dir_record(iso + 21 * SECTOR + 34, 21, SECTOR, 1);

    /* Boot catalog: validation entry (words sum to 0, 55 AA), then the
     * initial entry: bootable, no emulation, segment 0 (= 07C0h), 4 virtual
     * 512-byte sectors from sector 23. */
    unsigned char *cat = iso + 22 * SECTOR;
    cat[0] = 1;
    memcpy(cat + 4, "vx86", 4);
    cat[30] = 0x55, cat[31] = 0xaa;
    unsigned sum = 0;
    for (int i = 0; i < 32; i += 2)
        sum += cat[i] | cat[i + 1] << 8;
    unsigned ck = (0x10000 - (sum & 0xffff)) & 0xffff;
    cat[28] = (unsigned char)ck, cat[29] = (unsigned char)(ck >> 8);
    cat[32] = 0x88;
    cat[32 + 6] = 4;
    le32(cat + 32 + 8, 23);

    memcpy(iso + 24 * SECTOR, "vx86 cdrom sector 24", 20);

    f = fopen(argv[2], "wb");
    if (!f || fwrite(iso, 1, sizeof iso, f) != sizeof iso || fclose(f)) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
