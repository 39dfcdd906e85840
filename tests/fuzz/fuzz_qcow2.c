/* libFuzzer target for the qcow2 parser: header, extensions, L1/L2 and
 * refcount tables, compressed clusters, allocation on write, check. */
#include "tests/fuzz/fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_image_once(&blk_driver_qcow2, data, size);
    return 0;
}
