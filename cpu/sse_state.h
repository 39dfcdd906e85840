/* SSE/SSE2 register state (SDM Vol. 1, 10.2). Owned by the SIMD code. */
#ifndef VX86_SSE_STATE_H
#define VX86_SSE_STATE_H

#include <stdint.h>

union xmm_reg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
};

struct sse_state {
    union xmm_reg xmm[8];
    uint32_t mxcsr; /* control/status; 0x1f80 after reset */
};

#endif
