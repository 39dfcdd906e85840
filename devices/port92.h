/* System Control Port A at 0x92 (PS/2 "fast A20 and reset"): bit 1 gates
 * A20, a 0 -> 1 transition of bit 0 resets the machine. */
#ifndef VX86_PORT92_H
#define VX86_PORT92_H

#include <stdint.h>

struct machine;
struct port92;

#define PORT92_PORT 0x92

struct port92 *port92_create(struct machine *m, uint16_t port);
void port92_destroy(struct port92 *p);
void port92_reset(void *opaque);
struct vmstate;
const struct vmstate *port92_vmstate(void);

#endif
