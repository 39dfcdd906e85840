/* The 8237A pair driven through its ports with no CPU: address/count with
 * the byte flip-flop, page registers (0x80 stays the POST latch), modes
 * (write/read/verify, increment/decrement, autoinit), masks, the request
 * and status registers, master clear, the cascade, transfers into guest
 * RAM on 8- and 16-bit channels, DREQ service and a state round trip. */
#include <check.h>
#include <string.h>

#include "devices/dma8237.h"
#include "devices/vmstate.h"
#include "timers_test_util.h"

struct rig {
    struct machine *m;
    struct dma8237 *d;
    uint8_t *ram;
};

static void rig_make(struct rig *g)
{
    g->m = tu_machine();
    g->d = dma_create(g->m);
    ck_assert_ptr_nonnull(g->d);
    g->ram = machine_ram(g->m);
}

static void rig_free(struct rig *g)
{
    machine_destroy(g->m);
    dma_destroy(g->d);
}

/* Program an 8-bit channel (0-3) as a BIOS does. */
static void setup8(struct rig *g, int ch, uint32_t addr, uint16_t count, uint8_t mode)
{
    static const uint8_t page[4] = {0x87, 0x83, 0x81, 0x82};
    tu_out(g->m, 0x0a, (uint8_t)(4 | ch));
    tu_out(g->m, 0x0c, 0);
    tu_out(g->m, (uint16_t)(ch * 2), (uint8_t)addr);
    tu_out(g->m, (uint16_t)(ch * 2), (uint8_t)(addr >> 8));
    tu_out(g->m, (uint16_t)(ch * 2 + 1), (uint8_t)count);
    tu_out(g->m, (uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
    tu_out(g->m, 0x0b, (uint8_t)(mode | ch));
    tu_out(g->m, page[ch], (uint8_t)(addr >> 16));
}

/* SeaBIOS dma_setup(): master clears, channel 4 cascade unmasked. */
static void bios_init(struct rig *g)
{
    tu_out(g->m, 0x0d, 0);
    tu_out(g->m, 0xda, 0);
    tu_out(g->m, 0xd6, 0xc0);
    tu_out(g->m, 0xd4, 0x00);
}

START_TEST(registers)
{
    struct rig g;
    rig_make(&g);
    /* Address and count: low then high through the flip-flop. */
    tu_out(g.m, 0x0c, 0);
    tu_out(g.m, 0x04, 0x34);
    tu_out(g.m, 0x04, 0x12);
    tu_out(g.m, 0x05, 0xff);
    tu_out(g.m, 0x05, 0x01);
    tu_out(g.m, 0x0c, 0);
    ck_assert_uint_eq(tu_in(g.m, 0x04), 0x34);
    ck_assert_uint_eq(tu_in(g.m, 0x04), 0x12);
    ck_assert_uint_eq(tu_in(g.m, 0x05), 0xff);
    ck_assert_uint_eq(tu_in(g.m, 0x05), 0x01);
    /* The flip-flop is shared: a lone low-byte read leaves it on high. */
    ck_assert_uint_eq(tu_in(g.m, 0x04), 0x34);
    ck_assert_uint_eq(tu_in(g.m, 0x05), 0x01);
    /* DMA2 registers are at even ports 0xC0 + 2n (channel 5 = 0xC4/0xC6). */
    tu_out(g.m, 0xd8, 0);
    tu_out(g.m, 0xc4, 0xcd);
    tu_out(g.m, 0xc4, 0xab);
    tu_out(g.m, 0xd8, 0);
    ck_assert_uint_eq(tu_in(g.m, 0xc4), 0xcd);
    ck_assert_uint_eq(tu_in(g.m, 0xc4), 0xab);
    /* Page registers read back; 0x80 is still the POST latch. */
    tu_out(g.m, 0x81, 0x05);
    tu_out(g.m, 0x8f, 0x77);
    tu_out(g.m, 0x80, 0x42);
    ck_assert_uint_eq(tu_in(g.m, 0x81), 0x05);
    ck_assert_uint_eq(tu_in(g.m, 0x8f), 0x77);
    ck_assert_uint_eq(tu_in(g.m, 0x80), 0x42);
    ck_assert_int_eq(machine_post_code(g.m), 0x42);
    /* Masks: all masked after reset; clear, single, all. */
    ck_assert(dma_masked(g.d, 2));
    tu_out(g.m, 0x0e, 0);
    ck_assert(!dma_masked(g.d, 0) && !dma_masked(g.d, 3));
    ck_assert_uint_eq(tu_in(g.m, 0x0f) & 0x0f, 0);
    tu_out(g.m, 0x0a, 0x06);
    ck_assert(dma_masked(g.d, 2) && !dma_masked(g.d, 1));
    tu_out(g.m, 0x0f, 0x09);
    ck_assert(dma_masked(g.d, 0) && dma_masked(g.d, 3) && !dma_masked(g.d, 2));
    ck_assert_uint_eq(tu_in(g.m, 0x0f) & 0x0f, 0x09);
    /* Request register: software request bits in the status register. */
    tu_out(g.m, 0x09, 0x05);
    ck_assert_uint_eq(tu_in(g.m, 0x08), 0x20);
    tu_out(g.m, 0x09, 0x01);
    ck_assert_uint_eq(tu_in(g.m, 0x08), 0x00);
    /* Master clear masks everything and clears the flip-flop. */
    tu_in(g.m, 0x04);
    tu_out(g.m, 0x0d, 0);
    ck_assert(dma_masked(g.d, 2) && dma_masked(g.d, 0));
    ck_assert_uint_eq(tu_in(g.m, 0x04), 0x34);
    rig_free(&g);
}
END_TEST

START_TEST(transfer_8bit)
{
    struct rig g;
    rig_make(&g);
    bios_init(&g);
    /* Write transfer (device -> memory) of 10 bytes at 0x1FFF8 (page 1). */
    memset(g.ram + 0x1fff0, 0xee, 32);
    setup8(&g, 2, 0x1fff8, 9, 0x46); /* single, increment, write, ch2 */
    tu_out(g.m, 0x0a, 0x02);
    uint8_t src[16];
    for (int i = 0; i < 16; i++)
        src[i] = (uint8_t)(0xa0 + i);
    /* Only 10 bytes (count + 1) move; the address wraps inside the page. */
    ck_assert_uint_eq(dma_remaining(g.d, 2), 10);
    size_t n = dma_transfer(g.d, 2, src, 16, true);
    ck_assert_uint_eq(n, 10);
    ck_assert(dma_tc_reached(g.d, 2));
    ck_assert_mem_eq(g.ram + 0x1fff8, src, 8);
    ck_assert_uint_eq(g.ram[0x10000], 0xa8); /* wrapped to 0x10000, not 0x20000 */
    ck_assert_uint_eq(g.ram[0x10001], 0xa9);
    ck_assert_uint_eq(g.ram[0x1fff7], 0xee);
    /* TC: status bit 2 (cleared by the read), channel masked (no autoinit). */
    ck_assert(dma_masked(g.d, 2));
    ck_assert_uint_eq(tu_in(g.m, 0x08) & 0x0f, 0x04);
    ck_assert_uint_eq(tu_in(g.m, 0x08) & 0x0f, 0x00);
    /* Current count reads 0xFFFF after TC. */
    tu_out(g.m, 0x0c, 0);
    ck_assert_uint_eq(tu_in(g.m, 0x05), 0xff);
    ck_assert_uint_eq(tu_in(g.m, 0x05), 0xff);

    /* Read transfer (memory -> device), decrementing. */
    for (int i = 0; i < 4; i++)
        g.ram[0x5000 + i] = (uint8_t)(0x10 + i);
    setup8(&g, 1, 0x5003, 3, 0x68); /* single, decrement, read */
    tu_out(g.m, 0x0a, 0x01);
    uint8_t dst[8] = {0};
    ck_assert_uint_eq(dma_transfer(g.d, 1, dst, 8, false), 4);
    ck_assert_uint_eq(dst[0], 0x13);
    ck_assert_uint_eq(dst[3], 0x10);

    /* Verify: the count runs, memory is untouched. */
    setup8(&g, 3, 0x6000, 1, 0x40);
    tu_out(g.m, 0x0a, 0x03);
    g.ram[0x6000] = 0x55;
    uint8_t v[2] = {1, 2};
    ck_assert_uint_eq(dma_transfer(g.d, 3, v, 2, true), 2);
    ck_assert_uint_eq(g.ram[0x6000], 0x55);
    ck_assert(dma_tc_reached(g.d, 3));

    /* Autoinit: at TC the base registers reload and the channel stays
     * unmasked. */
    setup8(&g, 0, 0x7000, 1, 0x54); /* autoinit, write */
    tu_out(g.m, 0x0a, 0x00);
    uint8_t a[3] = {7, 8, 9};
    ck_assert_uint_eq(dma_transfer(g.d, 0, a, 3, true), 2);
    ck_assert(!dma_masked(g.d, 0));
    ck_assert_uint_eq(dma_remaining(g.d, 0), 2);
    ck_assert_uint_eq(dma_transfer(g.d, 0, a + 2, 1, true), 1);
    ck_assert_uint_eq(g.ram[0x7000], 9);
    ck_assert_uint_eq(g.ram[0x7001], 8);
    ck_assert(!dma_tc_reached(g.d, 0));
    rig_free(&g);
}
END_TEST

START_TEST(transfer_16bit)
{
    struct rig g;
    rig_make(&g);
    bios_init(&g);
    /* Channel 5: word address 0x8000 in page 0x03 -> byte 0x20000 | 0x10000.
     * Page bit 0 is ignored on 16-bit channels. */
    tu_out(g.m, 0xd4, 0x05);
    tu_out(g.m, 0xd8, 0);
    tu_out(g.m, 0xc4, 0x00);
    tu_out(g.m, 0xc4, 0x80);
    tu_out(g.m, 0xc6, 0x01); /* 2 words */
    tu_out(g.m, 0xc6, 0x00);
    tu_out(g.m, 0xd6, 0x45); /* single, increment, write, ch 5 */
    tu_out(g.m, 0x8b, 0x03);
    tu_out(g.m, 0xd4, 0x01);
    uint8_t src[6] = {1, 2, 3, 4, 5, 6};
    ck_assert_uint_eq(dma_remaining(g.d, 5), 4);
    ck_assert_uint_eq(dma_transfer(g.d, 5, src, 6, true), 4);
    ck_assert_mem_eq(g.ram + 0x30000, src, 4);
    ck_assert_uint_eq(tu_in(g.m, 0xd0) & 0x0f, 0x02); /* DMA2 status: ch 5 TC */
    rig_free(&g);
}
END_TEST

struct dev {
    struct dma8237 *d;
    int calls;
    uint8_t data[4];
};

static void dev_handler(void *opaque, int ch)
{
    struct dev *v = opaque;
    v->calls++;
    dma_transfer(v->d, ch, v->data, sizeof v->data, true);
    if (dma_tc_reached(v->d, ch))
        dma_release_dreq(v->d, ch);
}

START_TEST(dreq_service)
{
    struct rig g;
    rig_make(&g);
    struct dev v = {.d = g.d, .data = {0xde, 0xad, 0xbe, 0xef}};
    dma_register_channel(g.d, 2, dev_handler, &v);
    tu_out(g.m, 0x0d, 0);
    tu_out(g.m, 0xda, 0); /* DMA2 cleared: cascade channel 4 masked */
    setup8(&g, 2, 0x9000, 3, 0x46);
    dma_hold_dreq(g.d, 2);
    ck_assert_int_eq(v.calls, 0);                     /* masked */
    ck_assert_uint_eq(tu_in(g.m, 0x08) & 0xf0, 0x40); /* DREQ 2 shows in status */
    tu_out(g.m, 0x0a, 0x02);
    ck_assert_int_eq(v.calls, 0); /* DMA1 has no bus while channel 4 is masked */
    tu_out(g.m, 0xd4, 0x00);
    ck_assert_int_eq(v.calls, 0); /* ... nor while it is not in cascade mode */
    tu_out(g.m, 0xd6, 0xc0);
    tu_out(g.m, 0xd4, 0x00);
    ck_assert_int_eq(v.calls, 1);
    ck_assert_mem_eq(g.ram + 0x9000, v.data, 4);
    ck_assert_uint_eq(tu_in(g.m, 0x08), 0x04); /* TC, DREQ released */
    /* A disabled controller (command bit 2) does not serve requests. */
    setup8(&g, 2, 0x9100, 3, 0x46);
    tu_out(g.m, 0x08, 0x04);
    tu_out(g.m, 0x0a, 0x02);
    dma_hold_dreq(g.d, 2);
    ck_assert_int_eq(v.calls, 1);
    tu_out(g.m, 0x08, 0x00);
    ck_assert_int_eq(v.calls, 2);
    ck_assert_mem_eq(g.ram + 0x9100, v.data, 4);
    rig_free(&g);
}
END_TEST

START_TEST(state_round_trip)
{
    struct rig a, b;
    rig_make(&a);
    rig_make(&b);
    bios_init(&a);
    setup8(&a, 2, 0x4000, 7, 0x46);
    tu_out(a.m, 0x0a, 0x02);
    uint8_t x[3] = {1, 2, 3};
    dma_transfer(a.d, 2, x, 3, true);
    tu_out(a.m, 0x04, 0x99); /* flip-flop now on the high byte */
    uint8_t buf[1024];
    size_t n = vmstate_save(dma_vmstate(), a.d, buf, sizeof buf);
    ck_assert_uint_le(n, sizeof buf);
    ck_assert_int_eq(vmstate_load(dma_vmstate(), b.d, buf, n), 0);
    ck_assert_uint_eq(tu_in(b.m, 0x81), 0x00);
    ck_assert_uint_eq(dma_remaining(b.d, 2), dma_remaining(a.d, 2));
    /* Both continue identically. */
    uint8_t y[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    ck_assert_uint_eq(dma_transfer(a.d, 2, y, 8, true), dma_transfer(b.d, 2, y, 8, true));
    ck_assert_mem_eq(a.ram + 0x9900, b.ram + 0x9900, 16);
    ck_assert_uint_eq(tu_in(a.m, 0x08), tu_in(b.m, 0x08));
    rig_free(&a);
    rig_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dma8237");
    TCase *tc = tcase_create("dma");
    tcase_add_test(tc, registers);
    tcase_add_test(tc, transfer_8bit);
    tcase_add_test(tc, transfer_16bit);
    tcase_add_test(tc, dreq_service);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
