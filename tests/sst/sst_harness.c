/* sst_harness: runs the SingleStepTests 80286 real-mode set on the vx86
 * interpreter and prints the pass rate per instruction form.
 * Usage: sst_harness [-v] [--isolate] [--strict] [--dir DIR] [FORM[:IDX]...]
 *   FORM matches a form ("F6.6") or a whole group ("F6"); IDX one test.
 *   --strict drops the table's flag/register masks, to see what they hide. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sst.h"
#include "sst_run.h"

#define FORM_TIME_LIMIT 120 /* seconds per form under --isolate (a form takes < 1 s) */

#ifndef SST_DEFAULT_DIR
#define SST_DEFAULT_DIR "../shared/sst-80286"
#endif

struct options {
    const char *dir;
    bool verbose, isolate;
    bool strict;   /* --strict: drop the table's flag/register masks */
    int report_fd; /* --isolate child: where to send the test count once loaded, or -1 */
    char **filters;
    int nfilters;
};

struct counts {
    long passed, total;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Forms in the data directory, sorted. */
static char **list_forms(const char *dir, int *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **v = NULL;
    int cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= 8 || strcmp(de->d_name + l - 8, ".json.gz"))
            continue;
        if (cnt == cap)
            v = realloc(v, (cap = cap ? cap * 2 : 512) * sizeof *v);
        v[cnt++] = strndup(de->d_name, l - 8);
    }
    closedir(d);
    qsort(v, cnt, sizeof *v, cmp_str);
    *n = cnt;
    return v;
}

/* Is test `idx` of `form` selected? idx -1 asks whether any test of the form is. */
static bool selected(const struct options *o, const char *form, int idx)
{
    if (!o->nfilters)
        return true;
    for (int i = 0; i < o->nfilters; i++) {
        const char *f = o->filters[i];
        const char *colon = strchr(f, ':');
        size_t n = colon ? (size_t)(colon - f) : strlen(f);
        if (strncasecmp(form, f, n) || (form[n] != 0 && form[n] != '.'))
            continue;
        if (idx < 0 || !colon || atoi(colon + 1) == idx)
            return true;
    }
    return false;
}

/* A readable name for the form: the mnemonic of its first well-formed test. */
static void form_name(const struct sst_form *f, char *buf, size_t cap)
{
    static const char *const skip[] = {"lock",  "rep", "repe", "repne", "repz",
                                       "repnz", "es",  "cs",   "ss",    "ds"};
    snprintf(buf, cap, "(bad)");
    for (int i = 0; i < f->ntests; i++) {
        const char *s = f->tests[i].name;
        if (!strncmp(s, "(bad)", 5))
            continue;
        for (;;) {
            size_t w = strcspn(s, " ");
            bool is_prefix = false;
            for (size_t k = 0; k < sizeof skip / sizeof *skip; k++)
                if (w == strlen(skip[k]) && !strncmp(s, skip[k], w))
                    is_prefix = true;
            if (!is_prefix || !s[w]) {
                snprintf(buf, cap, "%.*s", (int)w, s);
                return;
            }
            s += w + 1;
        }
    }
}

static void print_failure(const struct sst_form *f, const struct sst_test *t, const char *diff)
{
    printf("  FAIL %s #%d \"%s\" bytes", f->form, t->idx, t->name);
    for (int i = 0; i < t->nbytes; i++)
        printf(" %02x", t->bytes[i]);
    if (t->exc >= 0)
        printf(" (286 took int %d)", t->exc);
    printf("\n%s", diff);
}

/* Run one form; print its line; return its counts. */
static struct counts run_form(struct sst_machine *m, const struct options *o, const void *meta,
                              const char *form)
{
    struct counts c = {0, 0};
    struct sst_form f;
    if (sst_load_form(o->dir, form, meta, &f)) {
        printf("%-6s %-8s cannot load %s/%s.json.gz\n", form, "?", o->dir, form);
        c.total = 1;
        return c;
    }
    if (o->report_fd >= 0) {
        long n = 0;
        for (int i = 0; i < f.ntests; i++)
            n += selected(o, form, f.tests[i].idx);
        if (write(o->report_fd, &n, sizeof n) != sizeof n)
            _exit(3);
    }
    int row_hits[32] = {0};
    bool *failed = calloc(f.ntests ? f.ntests : 1, sizeof *failed);
    char diff[4096];
    for (int i = 0; i < f.ntests; i++) {
        const struct sst_test *t = &f.tests[i];
        if (!selected(o, form, t->idx))
            continue;
        struct sst_applied a;
        sst_applicable(form, t, &a);
        if (o->strict)
            a.ignore_flags = a.ignore_regs = 0;
        for (int r = 0; r < p6_difference_count && r < 32; r++)
            if (a.rows & (1u << r))
                row_hits[r]++;
        diff[0] = 0;
        c.total++;
        if (sst_run_test(m, &f, t, &a, diff, sizeof diff))
            c.passed++;
        else {
            failed[i] = true;
            if (o->verbose)
                print_failure(&f, t, diff);
        }
    }
    /* Tests clean up what they are expected to write; anything left over is a
     * store the 286 did not make. Find which test made it. */
    if (c.passed == c.total && sst_machine_dirty(m) >= 0) {
        sst_machine_wipe(m);
        for (int i = 0; i < f.ntests; i++) {
            const struct sst_test *t = &f.tests[i];
            if (!selected(o, form, t->idx))
                continue;
            struct sst_applied a;
            sst_applicable(form, t, &a);
            if (o->strict)
                a.ignore_flags = a.ignore_regs = 0;
            sst_run_test(m, &f, t, &a, diff, sizeof diff);
            long at = sst_machine_dirty(m);
            if (at >= 0) {
                snprintf(diff, sizeof diff, "  stray write: ram[%06lx] = %02x, not in final.ram\n",
                         at, m->ram[at]);
                c.passed--;
                failed[i] = true;
                if (o->verbose)
                    print_failure(&f, t, diff);
                sst_machine_wipe(m);
            }
        }
    }
    if (sst_machine_dirty(m) >= 0)
        sst_machine_wipe(m);

    char name[32];
    form_name(&f, name, sizeof name);
    printf("%-6s %-8s %4ld/%-4ld %s", form, name, c.passed, c.total,
           c.passed == c.total ? "ok" : "FAIL");
    if (c.passed != c.total && !o->verbose) {
        printf(" (e.g.");
        for (int i = 0, k = 0; i < f.ntests && k < 4; i++)
            if (failed[i]) {
                printf(" %s:%d", form, f.tests[i].idx);
                k++;
            }
        printf(")");
    }
    printf("\n");
    for (int r = 0; r < p6_difference_count && r < 32; r++)
        if (row_hits[r])
            printf("       %s: %s [%d test%s]\n",
                   p6_differences[r].vx86_gap ? "vx86 gap" : "P6 differs", p6_differences[r].reason,
                   row_hits[r], row_hits[r] == 1 ? "" : "s");
    fflush(stdout);
    free(failed);
    sst_free_form(&f);
    return c;
}

/* --isolate: a form that crashes the emulator (abort in a module not yet
 * written, or a segfault) is reported and counted as failed. */
static struct counts run_form_isolated(const struct options *o, const void *meta, const char *form)
{
    struct counts c = {0, 1};
    long total = 1;
    int fd[2];
    fflush(stdout);
    if (pipe(fd))
        return c;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        setvbuf(stdout, NULL, _IOLBF, 0); /* keep what was printed if we die */
        alarm(FORM_TIME_LIMIT);           /* an emulator hang fails this form only */
        struct options co = *o;
        co.report_fd = fd[1];
        struct sst_machine *m = sst_machine_create();
        struct counts r = run_form(m, &co, meta, form);
        fflush(stdout);
        if (write(fd[1], &r, sizeof r) != sizeof r)
            _exit(3);
        _exit(0);
    }
    close(fd[1]);
    bool got_total = read(fd[0], &total, sizeof total) == sizeof total;
    bool got_counts = got_total && read(fd[0], &c, sizeof c) == sizeof c;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!got_counts || !WIFEXITED(st) || WEXITSTATUS(st)) {
        c.passed = 0;
        c.total = got_total ? total : 1;
        printf("%-6s %-8s %4d/%-4ld CRASHED (%s %d%s)\n", form, "?", 0, c.total,
               WIFSIGNALED(st) ? "signal" : "exit status",
               WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
               WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? ", time limit" : "");
        fflush(stdout);
    }
    return c;
}

int main(int argc, char **argv)
{
    struct options o = {.dir = getenv("VX86_SST_DIR") ? getenv("VX86_SST_DIR") : SST_DEFAULT_DIR,
                        .report_fd = -1};
    o.filters = calloc(argc, sizeof *o.filters);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            o.verbose = true;
        else if (!strcmp(argv[i], "--strict"))
            o.strict = true;
        else if (!strcmp(argv[i], "--isolate"))
            o.isolate = true;
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            o.dir = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [-v] [--isolate] [--strict] [--dir DIR] [FORM[:IDX]...]\n",
                    argv[0]);
            return 2;
        } else
            o.filters[o.nfilters++] = argv[i];
    }

    int nforms = 0;
    char **forms = list_forms(o.dir, &nforms);
    if (!forms || !nforms) {
        fprintf(stderr, "sst_harness: no *.json.gz in %s (set VX86_SST_DIR or --dir)\n", o.dir);
        return 1;
    }
    void *meta = sst_load_metadata(o.dir);
    if (!meta)
        fprintf(stderr, "sst_harness: no metadata.json in %s: no flag masks\n", o.dir);

    struct sst_machine *m = o.isolate ? NULL : sst_machine_create();
    struct counts all = {0, 0};
    int forms_run = 0, forms_ok = 0;
    printf("form   name      passed/total\n");
    for (int i = 0; i < nforms; i++) {
        if (!selected(&o, forms[i], -1))
            continue;
        struct counts c =
            o.isolate ? run_form_isolated(&o, meta, forms[i]) : run_form(m, &o, meta, forms[i]);
        all.passed += c.passed;
        all.total += c.total;
        forms_run++;
        forms_ok += c.passed == c.total;
    }
    printf("total: %ld/%ld tests passed (%.2f%%), %d/%d forms fully passing\n", all.passed,
           all.total, all.total ? 100.0 * all.passed / all.total : 0.0, forms_ok, forms_run);
    printf("%ld passed, %ld failed\n", all.passed, all.total - all.passed);
    if (m)
        sst_machine_destroy(m);
    sst_free_metadata(meta);
    for (int i = 0; i < nforms; i++)
        free(forms[i]);
    free(forms);
    free(o.filters);
    return forms_run && all.passed == all.total ? 0 : 1;
}
