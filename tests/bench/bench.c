/* vx86_bench: run a benchmark ROM in-process and print guest MIPS
 * (instructions retired / host seconds of machine_run, wall clock and CPU
 * time: on a loaded host only the latter means much). Not a ctest.
 * usage: vx86_bench ROM [MAX_INSNS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bios/rom.h"
#include "devices/machine.h"

static double now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
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
    double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    int status = machine_run(m);
    double t = now(CLOCK_MONOTONIC) - t0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    unsigned long long n = (unsigned long long)machine_icount(m);
    printf("instructions %llu seconds %.3f MIPS %.1f (exit status %d) cpu-seconds %.3f "
           "cpu-MIPS %.1f\n",
           n, t, n / t / 1e6, status, c, n / c / 1e6);
    machine_destroy(m);
    return 0;
}
