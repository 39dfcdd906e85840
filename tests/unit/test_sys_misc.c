/* INVD/WBINVD, RSM, and the absent x87/MMX/SSE units: #NM with CR0.EM/TS,
 * otherwise #UD logged under -d unimp. */
#include <stdarg.h>
#include <stdio.h>

#include "test_sys_util.h"

static char last_cat[16];
static char last_msg[256];
static int log_calls;

static void capture_log(void *opaque, const char *cat, const char *fmt, ...)
{
    (void)opaque;
    va_list ap;
    va_start(ap, fmt);
    snprintf(last_cat, sizeof last_cat, "%s", cat);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    log_calls++;
}

START_TEST(invd_wbinvd_privilege)
{
    struct st *t = st_create();
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x08), ST_OK); /* invd, real mode */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x09), ST_OK); /* wbinvd */
    ck_assert_uint_eq(t->cpu->eip, ST_CODE + 4);
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x08), ST_OK);
    st_pmode(t, 2);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x08), EXC_GP);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x09), EXC_GP);
    ck_assert_uint_eq(t->cpu->exc_error, 0);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x09), EXC_GP);
    st_destroy(t);
}
END_TEST

START_TEST(rsm_is_ud)
{
    struct st *t = st_create();
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0xaa), EXC_UD);
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0xaa), EXC_UD);
    st_destroy(t);
}
END_TEST

START_TEST(x87_escape_nm_or_ud)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    cpu->hooks.log = capture_log;
    cpu->log_mask = CPU_LOG_UNIMP;
    st_pmode(t, 3); /* no privilege involved */
    cpu->cr0 &= ~(CR0_EM | CR0_TS | CR0_MP);
    log_calls = 0;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xe8), ST_OK); /* fld1: the x87 exists (cpu/fpu_*.c) */
    ck_assert_int_eq(log_calls, 0);
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xd1), EXC_UD); /* reserved x87 encoding */
    ck_assert_int_eq(log_calls, 1);
    ck_assert_str_eq(last_cat, "unimp");
    ck_assert_msg(strstr(last_msg, "d9") != NULL, "log names the opcode: %s", last_msg);
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(ST_EXEC(t, 0xdd, 0x03), EXC_NM); /* fld qword [ebx] */
    ck_assert_int_eq(log_calls, 1);
    cpu->cr0 &= ~CR0_TS;
    cpu->cr0 |= CR0_EM;
    for (int op = 0xd8; op <= 0xdf; op++) {
        uint8_t b[2] = {(uint8_t)op, 0xc1};
        ck_assert_int_eq(st_exec(t, b, 2), EXC_NM);
    }
    /* No log when the category is off. */
    cpu->cr0 &= ~CR0_EM;
    cpu->log_mask = 0;
    ck_assert_int_eq(ST_EXEC(t, 0xd9, 0xd1), EXC_UD); /* reserved x87 encoding */
    ck_assert_int_eq(log_calls, 1);
    st_destroy(t);
}
END_TEST

START_TEST(simd_is_ud)
{
    /* MMX/SSE exist now (cpu/simd_exec.c): only their availability rules
     * give #UD/#NM (SDM Vol. 3A 13.x; the full tests are test_sse_insn.c). */
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x6f, 0xc1), -1);     /* movq mm0, mm1 */
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x28, 0xc1), EXC_UD); /* movaps: CR4.OSFXSR clear */
    cpu->cr4 |= CR4_OSFXSR;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x28, 0xc1), -1);
    cpu->cr0 |= CR0_EM;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x77), EXC_UD);       /* emms with EM */
    cpu->cr0 = (cpu->cr0 & ~CR0_EM) | CR0_TS;
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0x77), EXC_NM);
    ck_assert_int_eq(ST_EXEC(t, 0x0f, 0xae, 0x03), EXC_NM); /* fxsave [ebx] */
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_misc", invd_wbinvd_privilege, rsm_is_ud, x87_escape_nm_or_ud, simd_is_ud)
