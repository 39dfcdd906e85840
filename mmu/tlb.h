/* Software TLB: caches linear -> physical translations per 4 KiB page, with
 * separate permission bits for read, write and execute at user/supervisor.
 * Owned by mmu/tlb.c; the layout may change with the translator's needs. */
#ifndef VX86_TLB_H
#define VX86_TLB_H

#include <stdint.h>

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)

struct tlb_entry {
    uint32_t lin_page;  /* linear address >> 12, or TLB_INVALID */
    uint32_t phys_page; /* physical address >> 12 (physical < 4 GiB on P6 without PAE >4G) */
    uint8_t *host;      /* host pointer to the page when it is plain RAM, else NULL */
    uint32_t perms;     /* TLB_* permission bits */
};

struct tlb {
    struct tlb_entry e[TLB_SIZE];
};

#endif
