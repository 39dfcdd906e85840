/* romsum FILE: set the last byte of an option ROM so that all its bytes sum
 * to zero (mod 256), as the PC BIOS checks before running it. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: romsum FILE\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "r+b");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    if (n == 0 || n == sizeof buf) {
        fprintf(stderr, "romsum: %s: empty or larger than 64 KiB\n", argv[1]);
        fclose(f);
        return 1;
    }
    unsigned sum = 0;
    for (size_t i = 0; i + 1 < n; i++)
        sum += buf[i];
    buf[n - 1] = (unsigned char)(0x100 - (sum & 0xff));
    if (fseek(f, (long)(n - 1), SEEK_SET) != 0 || fwrite(&buf[n - 1], 1, 1, f) != 1) {
        fprintf(stderr, "romsum: cannot write %s\n", argv[1]);
        fclose(f);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}
