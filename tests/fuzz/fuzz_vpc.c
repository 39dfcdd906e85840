/* libFuzzer target for the VHD parser: footer and its copy, dynamic header,
 * BAT, sector bitmaps, parent locators of differencing disks, allocation on
 * write, check. Parent files are only ever opened read-only. */
#include "tests/fuzz/fuzz_image.h" /* first: it defines _GNU_SOURCE */

#include "devices/block/file_io.h"
#include "devices/block/vpc_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Give every footer/header the fuzzer made a correct checksum, so that
 * mutations get past the checksum into the tables behind it. */
static void fix_checksums(uint8_t *d, size_t size)
{
    size_t foot[2] = {0, size - VPC_FOOTER_SIZE};
    for (int i = 0; i < 2; i++) {
        uint8_t *f = d + foot[i];
        if (memcmp(f, "conectix", 8))
            continue;
        blk_put_be32(f + VPC_F_CHECKSUM, vpc_checksum(f, VPC_FOOTER_SIZE, VPC_F_CHECKSUM));
        uint64_t h = blk_be64(f + VPC_F_DATA_OFFSET);
        if (h <= size - VPC_HEADER_SIZE && size >= VPC_HEADER_SIZE && !memcmp(d + h, "cxsparse", 8))
            blk_put_be32(d + h + VPC_H_CHECKSUM,
                         vpc_checksum(d + h, VPC_HEADER_SIZE, VPC_H_CHECKSUM));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= VPC_FOOTER_SIZE && (size & 1) == 0) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        fix_checksums(copy, size);
        fuzz_image_once(&blk_driver_vpc, copy, size);
        free(copy);
        return 0;
    }
    fuzz_image_once(&blk_driver_vpc, data, size);
    return 0;
}
