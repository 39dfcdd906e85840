/* The 8042 keyboard controller at ports 0x60 (data) and 0x64 (status and
 * command), with its PS/2 keyboard and mouse (ps2.h). It drives IRQ1 and
 * IRQ12, gates A20 and resets the machine through its output port. */
#ifndef VX86_I8042_H
#define VX86_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct machine;
struct i8042;
struct ps2_kbd;
struct ps2_mouse;

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64

/* Creates the controller and its keyboard and mouse, registers ports
 * 0x60/0x64, the reset handler and the state tables. */
struct i8042 *i8042_create(struct machine *m, struct irq_line kbd_irq, struct irq_line aux_irq);
void i8042_destroy(struct i8042 *c);
void i8042_reset(void *opaque);
/* The devices behind the controller, for host input (frontend, monitor). */
struct ps2_kbd *i8042_kbd(struct i8042 *c);
struct ps2_mouse *i8042_mouse(struct i8042 *c);
/* The controller's state table (the keyboard's and mouse's are in ps2.h). */
struct vmstate;
const struct vmstate *i8042_vmstate(void);

#endif
