/* Benchmark guest program: a CPU-bound mix of integer hashing, sorting and
 * double-precision arithmetic, built with gcc -m32 -static -O2 and run in
 * the Linux guest by tests/bench/suite.sh. It prints a checksum of every
 * result so that a run is also a correctness check: the suite compares it
 * with the checksum the same binary prints natively on the host.
 * Only +, -, *, / and sqrt touch doubles (correctly rounded on every x87),
 * so the checksum does not depend on how an emulator does fsin or fyl2x.
 * usage: cpumix [ROUNDS] (default 1); prints "cpumix rounds N checksum X
 * seconds S". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH_BYTES (256u << 10)
#define SORT_COUNT 50000u
#define MAT_N 48u
#define BODIES 16u

static uint32_t rng_state = 2463534242u;

static uint32_t xorshift32(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t double_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* FNV-1a and a multiply-rotate hash over a pseudo-random buffer. */
static uint64_t bench_hash(uint8_t *buf) {
    for (uint32_t i = 0; i < HASH_BYTES; i += 4) {
        uint32_t r = xorshift32();
        memcpy(buf + i, &r, 4);
    }
    uint32_t fnv = 2166136261u, mr = 0;
    for (uint32_t pass = 0; pass < 4; pass++) {
        for (uint32_t i = 0; i < HASH_BYTES; i++) {
            fnv = (fnv ^ buf[i]) * 16777619u;
            mr = ((mr << 5) | (mr >> 27)) * 0x01000193u + buf[i] + pass;
        }
    }
    return ((uint64_t)fnv << 32) | mr;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts one array with the C library's qsort and a copy with an insertion-
 * sorted merge sort of our own, and checks that they agree. */
static void merge_sort(uint32_t *a, uint32_t *tmp, uint32_t n) {
    if (n <= 16) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t v = a[i], j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    uint32_t h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static uint64_t bench_sort(uint32_t *a, uint32_t *b, uint32_t *tmp) {
    for (uint32_t i = 0; i < SORT_COUNT; i++)
        a[i] = b[i] = xorshift32();
    qsort(a, SORT_COUNT, sizeof *a, cmp_u32);
    merge_sort(b, tmp, SORT_COUNT);
    uint64_t h = 0;
    for (uint32_t i = 0; i < SORT_COUNT; i++) {
        if (a[i] != b[i]) {
            fprintf(stderr, "cpumix: the two sorts disagree at %u\n", i);
            exit(1);
        }
        h = mix64(h, a[i] * (uint64_t)(i + 1));
    }
    return h;
}

/* A dense matrix product and a few steps of a gravitational n-body
 * integration (sqrt and division). */
static uint64_t bench_float(double *ma, double *mb, double *mc) {
    for (uint32_t i = 0; i < MAT_N * MAT_N; i++) {
        ma[i] = (double)(xorshift32() % 2001) / 1000.0 - 1.0;
        mb[i] = (double)(xorshift32() % 2001) / 997.0 - 1.0;
    }
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            double s = 0;
            for (uint32_t k = 0; k < MAT_N; k++)
                s += ma[i * MAT_N + k] * mb[k * MAT_N + j];
            mc[i * MAT_N + j] = s;
        }
    uint64_t h = 0;
    for (uint32_t i = 0; i < MAT_N * MAT_N; i++)
        h = mix64(h, double_bits(mc[i]));

    double pos[BODIES][3], vel[BODIES][3], mass[BODIES];
    for (uint32_t i = 0; i < BODIES; i++) {
        for (int d = 0; d < 3; d++) {
            pos[i][d] = (double)(xorshift32() % 10000) / 100.0;
            vel[i][d] = (double)(xorshift32() % 200) / 1000.0 - 0.1;
        }
        mass[i] = 1.0 + (double)(xorshift32() % 100) / 10.0;
    }
    for (int step = 0; step < 200; step++) {
        for (uint32_t i = 0; i < BODIES; i++)
            for (uint32_t j = 0; j < BODIES; j++) {
                if (i == j)
                    continue;
                double dx = pos[j][0] - pos[i][0], dy = pos[j][1] - pos[i][1],
                       dz = pos[j][2] - pos[i][2];
                double r2 = dx * dx + dy * dy + dz * dz + 0.01;
                double f = mass[j] / (r2 * sqrt(r2)) * 0.001;
                vel[i][0] += dx * f;
                vel[i][1] += dy * f;
                vel[i][2] += dz * f;
            }
        for (uint32_t i = 0; i < BODIES; i++)
            for (int d = 0; d < 3; d++)
                pos[i][d] += vel[i][d] * 0.01;
    }
    for (uint32_t i = 0; i < BODIES; i++)
        for (int d = 0; d < 3; d++)
            h = mix64(h, double_bits(pos[i][d]));
    return h;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    char *end = NULL;
    long rounds = argc > 1 ? strtol(argv[1], &end, 10) : 1;
    if (argc > 2 || (end && *end) || rounds < 1 || rounds > 100000) {
        fprintf(stderr, "usage: cpumix [ROUNDS] (1 to 100000)\n");
        return 1;
    }
    uint8_t *buf = malloc(HASH_BYTES);
    uint32_t *a = malloc(3 * SORT_COUNT * sizeof *a);
    double *m = malloc(3 * MAT_N * MAT_N * sizeof *m);
    if (!buf || !a || !m) {
        fprintf(stderr, "cpumix: out of memory\n");
        return 1;
    }
    double t0 = now();
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        sum = mix64(sum, bench_hash(buf));
        sum = mix64(sum, bench_sort(a, a + SORT_COUNT, a + 2 * SORT_COUNT));
        sum = mix64(sum, bench_float(m, m + MAT_N * MAT_N, m + 2 * MAT_N * MAT_N));
    }
    printf("cpumix rounds %ld checksum %016llx seconds %.3f\n", rounds, (unsigned long long)sum,
           now() - t0);
    return 0;
}
