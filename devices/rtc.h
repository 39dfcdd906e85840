/* The MC146818 real-time clock and its 128 bytes of CMOS RAM (Motorola
 * MC146818A datasheet) at ports 0x70 (index; bit 7 = NMI mask) and 0x71
 * (data), interrupting on IRQ 8. Time advances with the virtual clock from a
 * start time, so deterministic runs see deterministic time. */
#ifndef VX86_RTC_H
#define VX86_RTC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "devices/irq.h"

struct machine;
struct rtc;

/* Start time for rtc_create(): use the host's clock at creation. */
#define RTC_BASE_HOST ((time_t)-1)

/* `base` is the RTC's time when it is created (a time_t, or RTC_BASE_HOST);
 * `localtime` shows it in the host's local time zone (QEMU -rtc base=localtime),
 * otherwise in UTC. Registers ports 0x70/0x71 and a reset handler. CMOS bytes
 * 0x0E-0x7F start as zero except the century (0x32); the board fills in the
 * rest with rtc_cmos_set(). */
struct rtc *rtc_create(struct machine *m, struct irq_line irq8, time_t base, bool localtime);
void rtc_destroy(struct rtc *r);

/* CMOS RAM (indices 0x0E-0x7F are plain storage; 0x00-0x0D are the clock's
 * registers, read/written as through port 0x71). */
void rtc_cmos_set(struct rtc *r, int idx, uint8_t value);
uint8_t rtc_cmos_get(struct rtc *r, int idx);
/* Bit 7 of the last write to port 0x70: NMIs are masked when set. */
bool rtc_nmi_masked(const struct rtc *r);
/* The clock's current time as seconds since 1970 in its own time scale
 * (local time if created with localtime): what the guest reads, as a number. */
int64_t rtc_time(struct rtc *r);

/* The state table registered with the machine (for snapshot tests). */
struct vmstate;
const struct vmstate *rtc_vmstate(void);

#endif
