/* vx86_bench: run a benchmark ROM in-process and print guest MIPS
 * (instructions retired / host seconds of machine_run). Not a ctest.
 * usage: vx86_bench ROM [MAX_INSNS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bios/rom.h"
#include "devices/machine.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s ROM [MAX_INSNS]\n", argv[0]);
        return 1;
    }
    char err[512];
    uint8_t *rom;
    size_t size;
    if (rom_load_file(argv[1], &rom, &size, err, sizeof err) < 0) {
        fprintf(stderr, "vx86_bench: %s\n", err);
        return 1;
    }
    struct machine_config cfg = {
        .ram_size = 32u << 20,
        .bios = rom,
        .bios_size = size,
        .no_reboot = true,
        .max_insns = argc > 2 ? strtoull(argv[2], NULL, 0) : 0,
    };
    struct machine *m = machine_create(&cfg, err, sizeof err);
    free(rom);
    if (!m) {
        fprintf(stderr, "vx86_bench: %s\n", err);
        return 1;
    }
    double t0 = now();
    int status = machine_run(m);
    double t = now() - t0;
    unsigned long long n = (unsigned long long)machine_icount(m);
    printf("instructions %llu seconds %.3f MIPS %.1f (exit status %d)\n", n, t, n / t / 1e6,
           status);
    machine_destroy(m);
    return 0;
}
