/* Ports no device claims: they read 0xFF and drop writes, as on a PC's ISA
 * bus, and each is logged once under -d unimp (bad guest programming). */
#ifndef VX86_UNCLAIMED_H
#define VX86_UNCLAIMED_H

struct machine;
struct unclaimed;

/* Takes the unclaimed bytes of machine_ioport(m) (ioport_set_unclaimed). */
struct unclaimed *unclaimed_create(struct machine *m);
/* Gives them back (0xFF, silent) and frees. NULL is fine. */
void unclaimed_destroy(struct unclaimed *u);

#endif
