/* libFuzzer target for the VMDK parsers: sparse extent header, embedded and
 * separate descriptors, GD/RGD/GTs, streamOptimized footer and compressed
 * grains, allocation on write, check. */
#include "tests/fuzz/fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A descriptor names extent files relative to the image, here
     * /proc/self/fd/: refuse '/' in a text descriptor so that a fuzzed name
     * can only reach this process's own descriptors, never a host file. */
    if (!(size >= 4 && !memcmp(data, "KDMV", 4)) && memchr(data, '/', size))
        return 0;
    fuzz_image_once(&blk_driver_vmdk, data, size);
    return 0;
}
