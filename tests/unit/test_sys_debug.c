/* Debug features through the real run loop (cpu_run) with raw instructions in
 * RAM: single step (TF, DR6.BS, the MOV SS/POP SS shadow), instruction
 * breakpoints (fault, RF), data and I/O breakpoints (traps), DR6
 * accumulation; plus HLT. Real mode: #DB goes through the IVT to a handler
 * that is a lone HLT, so cpu_run stops there and the pushed frame tells
 * where the exception was taken. */
#include "test_sys_util.h"

#define HANDLER 0x7000u /* vector 1 handler: hlt */
#define STACK 0x7c00u
#define DR7_L(n) (1u << ((n) * 2))
#define DR7_RWLEN(n, rw, len) (((uint32_t)(rw) | (uint32_t)(len) << 2) << (16 + (n) * 4))

static struct st *setup(const uint8_t *code, size_t n)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    memcpy(t->ram + ST_CODE, code, n);
    t->ram[HANDLER] = 0xf4;                   /* hlt */
    memmap_write(t->mem, 1 * 4, HANDLER, 4);  /* IVT[1] = 0000:7000 */
    cpu->idtr = (struct dtr){.base = 0, .limit = 0x3ff};
    cpu->gpr[R_ESP] = STACK;
    return t;
}
#define SETUP(...)                                                                       \
    ({                                                                                   \
        static const uint8_t code_[] = {__VA_ARGS__};                                    \
        setup(code_, sizeof code_);                                                      \
    })

/* After #DB reached the handler: the IP, FLAGS it pushed. */
static bool in_handler(struct st *t) { return t->cpu->eip == HANDLER + 1; }
static uint16_t pushed_ip(struct st *t) { return (uint16_t)memmap_read(t->mem, STACK - 6, 2); }
static uint16_t pushed_flags(struct st *t) { return (uint16_t)memmap_read(t->mem, STACK - 2, 2); }

START_TEST(single_step_traps_after_each_instruction)
{
    struct st *t = SETUP(0xb8, 0x01, 0x00,  /* 8000 mov ax, 1 */
                         0xbb, 0x02, 0x00); /* 8003 mov bx, 2 */
    struct cpu *cpu = t->cpu;
    cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert(in_handler(t));
    ck_assert_uint_eq(pushed_ip(t), 0x8003); /* a trap: the next instruction */
    ck_assert(pushed_flags(t) & EF_TF);
    ck_assert(!(cpu->eflags & EF_TF));       /* handler runs without TF */
    ck_assert_uint_eq(cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(cpu->dr[6] & 0xe00f, 0x4000); /* BS only */
    st_destroy(t);
}
END_TEST

/* TF set by POPF takes effect after the instruction that follows POPF. */
START_TEST(single_step_starts_after_popf)
{
    struct st *t = SETUP(0x9d,              /* 8000 popf (pops TF) */
                         0xb8, 0x01, 0x00,  /* 8001 mov ax, 1 */
                         0xbb, 0x02, 0x00); /* 8004 mov bx, 2 */
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_ESP] = STACK - 2;
    memmap_write(t->mem, STACK - 2, EF_TF | EF_FIXED1, 2);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8004);
    ck_assert_uint_eq(cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0);
    st_destroy(t);
}
END_TEST

/* SDM Vol. 3A 6.8.3: no single-step trap right after MOV SS or POP SS; the
 * next instruction traps instead. STI does not hold the trap back. */
START_TEST(single_step_mov_ss_shadow)
{
    static const uint8_t movss[] = {0x8e, 0xd0,        /* 8000 mov ss, ax */
                                    0xbb, 0x02, 0x00,  /* 8002 mov bx, 2 */
                                    0xb9, 0x03, 0x00}; /* 8005 mov cx, 3 */
    struct st *t = setup(movss, sizeof movss);
    t->cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(t->cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8005);
    ck_assert_uint_eq(t->cpu->gpr[R_EBX], 2);
    ck_assert_uint_eq(t->cpu->gpr[R_ECX], 0);
    st_destroy(t);

    static const uint8_t popss[] = {0x17,              /* 8000 pop ss */
                                    0xbb, 0x02, 0x00}; /* 8001 mov bx, 2 */
    t = setup(popss, sizeof popss);
    t->cpu->gpr[R_ESP] = STACK - 2;
    t->cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(t->cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8004);
    ck_assert_uint_eq(t->cpu->gpr[R_EBX], 2);
    st_destroy(t);

    static const uint8_t sti[] = {0xfb,              /* 8000 sti */
                                  0xbb, 0x02, 0x00}; /* 8001 mov bx, 2 */
    t = setup(sti, sizeof sti);
    t->cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(t->cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8001);
    ck_assert_uint_eq(t->cpu->gpr[R_EBX], 0);
    st_destroy(t);
}
END_TEST

/* No trap after an instruction that faulted: the fault is delivered and
 * the handler starts without a pending single step. */
START_TEST(single_step_not_after_fault)
{
    struct st *t = SETUP(0x0f, 0x0b); /* 8000 ud2 */
    struct cpu *cpu = t->cpu;
    memmap_write(t->mem, 6 * 4, HANDLER + 0x10, 4); /* IVT[6] -> 0000:7010: hlt */
    t->ram[HANDLER + 0x10] = 0xf4;
    cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, HANDLER + 0x11); /* in the #UD handler, not #DB */
    ck_assert_uint_eq(pushed_ip(t), 0x8000);
    ck_assert(!(cpu->dr[6] & 0x4000));
    st_destroy(t);
}
END_TEST

START_TEST(instruction_breakpoint_fault_and_rf)
{
    struct st *t = SETUP(0xb8, 0x01, 0x00,  /* 8000 mov ax, 1 */
                         0xbb, 0x02, 0x00,  /* 8003 mov bx, 2 */
                         0xf4);             /* 8006 hlt */
    struct cpu *cpu = t->cpu;
    cpu->dr[2] = 0x8003;
    cpu->dr[7] = 0x400 | DR7_L(2) | DR7_RWLEN(2, 0, 0);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert(in_handler(t));
    ck_assert_uint_eq(pushed_ip(t), 0x8003); /* a fault: before the instruction */
    ck_assert_uint_eq(cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 0x4);
    /* Resume at the breakpoint with RF set: it executes once without a
     * fault and RF is cleared after it. */
    cpu->seg[SEG_CS].sel = 0;
    cpu->seg[SEG_CS].base = 0;
    cpu->eip = 0x8003;
    cpu->gpr[R_ESP] = STACK;
    cpu->eflags |= EF_RF;
    cpu->halted = false;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, 0x8007); /* stopped at the program's own hlt */
    ck_assert_uint_eq(cpu->gpr[R_EBX], 2);
    ck_assert(!(cpu->eflags & EF_RF));
    /* A disabled breakpoint (L/G clear) or a data-type one does not fault. */
    cpu->eip = 0x8003;
    cpu->halted = false;
    cpu->gpr[R_EBX] = 0;
    cpu->dr[7] = 0x400 | DR7_L(1) | DR7_RWLEN(2, 0, 0) | DR7_RWLEN(1, 3, 0);
    cpu->dr[1] = 0x8003;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, 0x8007);
    st_destroy(t);
}
END_TEST

START_TEST(data_breakpoint_write_trap)
{
    struct st *t = SETUP(0xa0, 0x00, 0x06,  /* 8000 mov al, [0x600] */
                         0xa2, 0x01, 0x06,  /* 8003 mov [0x601], al */
                         0xbb, 0x02, 0x00); /* 8006 mov bx, 2 */
    struct cpu *cpu = t->cpu;
    t->ram[0x600] = 0x5a;
    cpu->dr[1] = 0x600;
    cpu->dr[7] = 0x400 | DR7_L(1) | DR7_RWLEN(1, 1, 1); /* write, 2 bytes */
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8006); /* trap after the write */
    ck_assert_uint_eq(t->ram[0x601], 0x5a);  /* which completed */
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(cpu->dr[6] & 0xe00f, 0x2);
    st_destroy(t);
}
END_TEST

START_TEST(data_breakpoint_read_write_and_alignment)
{
    struct st *t = SETUP(0xa1, 0x06, 0x06,  /* 8000 mov ax, [0x606] */
                         0xa0, 0x03, 0x06,  /* 8003 mov al, [0x603] */
                         0xbb, 0x02, 0x00); /* 8006 mov bx, 2 */
    struct cpu *cpu = t->cpu;
    /* DR0: 4 bytes at 0x601 -> aligned to 0x600..0x603 (the low bits are
     * ignored). DR3: r/w 1 byte at 0x605 (not touched by [0x606] word). */
    cpu->dr[0] = 0x601;
    cpu->dr[3] = 0x605;
    cpu->dr[7] = 0x400 | DR7_L(0) | DR7_RWLEN(0, 3, 3) | DR7_L(3) | DR7_RWLEN(3, 3, 0);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8006);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 0x1);
    st_destroy(t);
}
END_TEST

/* Single step and a data breakpoint on the same instruction: one #DB with
 * BS and Bn; an older BS stays set in DR6 (never cleared by the CPU). */
START_TEST(single_step_and_data_breakpoint_together)
{
    struct st *t = SETUP(0xa2, 0x00, 0x06,  /* 8000 mov [0x600], al */
                         0xbb, 0x02, 0x00); /* 8003 mov bx, 2 */
    struct cpu *cpu = t->cpu;
    cpu->dr[0] = 0x600;
    cpu->dr[7] = 0x400 | DR7_L(0) | DR7_RWLEN(0, 1, 0);
    cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8003);
    ck_assert_uint_eq(cpu->dr[6] & 0xe00f, 0x4001);
    /* Now a data breakpoint alone: B0 reported again, BS from before kept. */
    cpu->eip = 0x8000;
    cpu->gpr[R_ESP] = STACK;
    cpu->halted = false;
    cpu->eflags &= ~EF_TF;
    cpu->dr[0] = 0x700;
    cpu->dr[1] = 0x600;
    cpu->dr[7] = 0x400 | DR7_L(1) | DR7_RWLEN(1, 1, 0) | DR7_L(0) | DR7_RWLEN(0, 1, 0);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->dr[6] & 0xe00f, 0x4002);
    st_destroy(t);
}
END_TEST

START_TEST(io_breakpoint_needs_cr4_de)
{
    struct st *t = SETUP(0xe6, 0x80,        /* 8000 out 0x80, al */
                         0xbb, 0x02, 0x00,  /* 8002 mov bx, 2 */
                         0xf4);             /* 8005 hlt */
    struct cpu *cpu = t->cpu;
    cpu->dr[2] = 0x80;
    cpu->dr[7] = 0x400 | DR7_L(2) | DR7_RWLEN(2, 2, 0);
    /* Without CR4.DE, R/W = 10 is not an I/O breakpoint. */
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, 0x8006);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 2);
    cpu->cr4 |= CR4_DE;
    cpu->eip = 0x8000;
    cpu->halted = false;
    cpu->gpr[R_EBX] = 0;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert(in_handler(t));
    ck_assert_uint_eq(pushed_ip(t), 0x8002);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 0x4);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 0);
    st_destroy(t);
}
END_TEST

/* The data breakpoint hit by POP SS is reported after the next instruction. */
START_TEST(data_breakpoint_deferred_by_pop_ss)
{
    struct st *t = SETUP(0x17,              /* 8000 pop ss */
                         0xbb, 0x02, 0x00,  /* 8001 mov bx, 2 */
                         0xb9, 0x03, 0x00); /* 8004 mov cx, 3 */
    struct cpu *cpu = t->cpu;
    cpu->gpr[R_ESP] = STACK - 2;
    cpu->dr[0] = STACK - 2;
    cpu->dr[7] = 0x400 | DR7_L(0) | DR7_RWLEN(0, 3, 1);
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(pushed_ip(t), 0x8004);
    ck_assert_uint_eq(cpu->gpr[R_EBX], 2);
    ck_assert_uint_eq(cpu->gpr[R_ECX], 0);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 0x1);
    st_destroy(t);
}
END_TEST

/* A task switch to a TSS with the T bit leaves DR6.BT pending (cpu/task.c);
 * the #DB trap reports it in DR6 next to the breakpoint bits. */
START_TEST(task_switch_bt_reported)
{
    struct st *t = SETUP(0xbb, 0x02, 0x00,  /* 8000 mov bx, 2 */
                         0xb9, 0x03, 0x00); /* 8003 mov cx, 3 */
    struct cpu *cpu = t->cpu;
    cpu->pending_dr6 = 0x8000; /* as left by the task switch */
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert(in_handler(t));
    ck_assert_uint_eq(pushed_ip(t), 0x8003);
    ck_assert_uint_eq(cpu->dr[6] & 0xe00f, 0x8000);
    ck_assert_uint_eq(cpu->pending_dr6, 0);
    st_destroy(t);
}
END_TEST

START_TEST(hlt_halts_cpl0_only)
{
    struct st *t = SETUP(0xf4, 0x90); /* 8000 hlt; nop */
    struct cpu *cpu = t->cpu;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert(cpu->halted);
    ck_assert_uint_eq(cpu->eip, 0x8001);
    st_pmode(t, 3);
    cpu->halted = false;
    ck_assert_int_eq(ST_EXEC(t, 0xf4), EXC_GP);
    ck_assert(!cpu->halted);
    st_v86(t);
    ck_assert_int_eq(ST_EXEC(t, 0xf4), EXC_GP);
    st_pmode(t, 0);
    ck_assert_int_eq(ST_EXEC(t, 0xf4), ST_OK);
    ck_assert(cpu->halted);
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_debug", single_step_traps_after_each_instruction, single_step_starts_after_popf,
        single_step_mov_ss_shadow, single_step_not_after_fault,
        instruction_breakpoint_fault_and_rf, data_breakpoint_write_trap,
        data_breakpoint_read_write_and_alignment, single_step_and_data_breakpoint_together,
        io_breakpoint_needs_cr4_de, data_breakpoint_deferred_by_pop_ss, task_switch_bt_reported,
        hlt_halts_cpl0_only)
