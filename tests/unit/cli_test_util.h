/* Shared by the command-line tests: cli_parse() over a NULL-terminated list
 * of arguments (after "vx86"), its stdout and stderr caught in `out`/`err`.
 * Include after frontend/cli.c. */
#ifndef VX86_CLI_TEST_UTIL_H
#define VX86_CLI_TEST_UTIL_H

#include <stdio.h>

static char out[8192], err[8192];

static inline enum cli_result parse(struct cli_options *o, const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "vx86";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    FILE *fo = fmemopen(out, sizeof out, "w");
    FILE *fe = fmemopen(err, sizeof err, "w");
    enum cli_result r = cli_parse(argc, argv, o, fo, fe);
    fclose(fo);
    fclose(fe);
    return r;
}

#endif
