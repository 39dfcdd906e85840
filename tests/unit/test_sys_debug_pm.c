/* Debug exceptions in 32-bit protected mode through the IDT (cpu_run): the RF
 * image pushed for general-detect faults and instruction breakpoints, and a
 * handler that resumes over an instruction breakpoint with RF. */
#include "test_sys_util.h"

#define IDT 0x2000u
#define HANDLER 0x7000u
#define STACK 0x7c00u
#define COUNTER 0x600u
#define DR7_L(n) (1u << ((n) * 2))

static void idt_gate(struct st *t, int vector, uint32_t offset)
{
    uint32_t lo = (0x08u << 16) | (offset & 0xffff);
    uint32_t hi = (offset & 0xffff0000u) | 0x8e00; /* present 32-bit interrupt gate, DPL 0 */
    memmap_write(t->mem, IDT + vector * 8, ((uint64_t)hi << 32) | lo, 8);
}

static struct st *setup(const uint8_t *code, size_t n, const uint8_t *handler, size_t hn)
{
    struct st *t = st_create();
    struct cpu *cpu = t->cpu;
    st_pmode(t, 0);
    memcpy(t->ram + ST_CODE, code, n);
    memcpy(t->ram + HANDLER, handler, hn);
    cpu->idtr = (struct dtr){.base = IDT, .limit = 0x7ff};
    idt_gate(t, 1, HANDLER);
    cpu->gpr[R_ESP] = STACK;
    return t;
}

static uint32_t frame(struct st *t, int i) /* 0 EIP, 1 CS, 2 EFLAGS */
{
    return (uint32_t)memmap_read(t->mem, STACK - 12 + 4 * i, 4);
}

START_TEST(general_detect_pushes_rf)
{
    static const uint8_t code[] = {0x0f, 0x21, 0xc0}; /* 8000 mov eax, dr0 */
    static const uint8_t hlt[] = {0xf4};
    struct st *t = setup(code, sizeof code, hlt, sizeof hlt);
    struct cpu *cpu = t->cpu;
    cpu->dr[7] = 0x400 | 0x2000; /* GD */
    cpu->dr[0] = 0x1234;
    cpu->gpr[R_EAX] = 0;
    ck_assert_int_eq(cpu_run(cpu, 10), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, HANDLER + 1);
    ck_assert_uint_eq(frame(t, 0), ST_CODE); /* a fault */
    ck_assert_uint_eq(frame(t, 1), 0x08);
    ck_assert(frame(t, 2) & EF_RF);          /* fault-class: RF = 1 in the image */
    ck_assert(!(cpu->eflags & EF_RF));
    ck_assert(cpu->dr[6] & 0x2000);
    ck_assert(!(cpu->dr[7] & 0x2000));
    ck_assert_uint_eq(cpu->gpr[R_EAX], 0);
    st_destroy(t);
}
END_TEST

/* The handler counts its runs, sets RF in the pushed EFLAGS and IRETs: the
 * breakpointed instruction then runs once and the program reaches its HLT. */
START_TEST(instruction_breakpoint_resume_with_rf)
{
    static const uint8_t code[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00, /* 8000 mov eax, 1 */
        0xbb, 0x02, 0x00, 0x00, 0x00, /* 8005 mov ebx, 2 */
        0xf4,                         /* 800a hlt */
    };
    static const uint8_t handler[] = {
        0xff, 0x05, 0x00, 0x06, 0x00, 0x00,                   /* inc dword [0x600] */
        0x8b, 0x44, 0x24, 0x08,                               /* mov eax, [esp+8] */
        0xa3, 0x04, 0x06, 0x00, 0x00,                         /* mov [0x604], eax */
        0x81, 0x4c, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00,       /* or dword [esp+8], 0x10000 */
        0xcf,                                                 /* iretd */
    };
    struct st *t = setup(code, sizeof code, handler, sizeof handler);
    struct cpu *cpu = t->cpu;
    cpu->dr[3] = ST_CODE + 5;
    cpu->dr[7] = 0x400 | DR7_L(3); /* R/W 00, LEN 00: execution */
    ck_assert_int_eq(cpu_run(cpu, 100), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, ST_CODE + 0xb);
    ck_assert_uint_eq(memmap_read(t->mem, COUNTER, 4), 1);
    ck_assert(!(memmap_read(t->mem, COUNTER + 4, 4) & EF_RF)); /* pushed RF = 0 */
    ck_assert_uint_eq(cpu->gpr[R_EBX], 2);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 0x8);
    ck_assert(!(cpu->eflags & EF_RF)); /* cleared after the instruction */
    st_destroy(t);
}
END_TEST

/* Single step with TF: every instruction of the program traps once; the
 * handler (which runs with TF clear) counts, and IRETD restores TF. */
START_TEST(single_step_counts_instructions)
{
    static const uint8_t code[] = {
        0xb9, 0x03, 0x00, 0x00, 0x00, /* 8000 mov ecx, 3 */
        0x49,                         /* 8005 dec ecx */
        0x75, 0xfd,                   /* 8006 jnz 8005 */
        0x9c,                         /* 8008 pushfd */
        0x81, 0x24, 0x24, 0xff, 0xfe, 0xff, 0xff, /* 8009 and dword [esp], ~TF */
        0x9d,                         /* 8010 popfd (traps: TF was set before it) */
        0xf4,                         /* 8011 hlt */
    };
    static const uint8_t handler[] = {
        0xff, 0x05, 0x00, 0x06, 0x00, 0x00, /* inc dword [0x600] */
        0xcf,                               /* iretd */
    };
    struct st *t = setup(code, sizeof code, handler, sizeof handler);
    struct cpu *cpu = t->cpu;
    cpu->eflags |= EF_TF;
    ck_assert_int_eq(cpu_run(cpu, 1000), CPU_EXIT_HALT);
    ck_assert_uint_eq(cpu->eip, ST_CODE + 0x12);
    /* mov, 3 x (dec, jnz), pushfd, and, popfd = 10 traps */
    ck_assert_uint_eq(memmap_read(t->mem, COUNTER, 4), 10);
    ck_assert(cpu->dr[6] & 0x4000);
    st_destroy(t);
}
END_TEST

ST_MAIN("sys_debug_pm", general_detect_pushes_rf, instruction_breakpoint_resume_with_rf,
        single_step_counts_instructions)
