/* The image format drivers vx86 knows, and format probing. */
#include <string.h>

#include "devices/block/blockdev.h"

static const struct blockdev_driver *const blk_drivers[] = {
    &blk_driver_raw,
    &blk_driver_qcow2,
    &blk_driver_vmdk,
    &blk_driver_vpc,
};

#define NDRIVERS (sizeof(blk_drivers) / sizeof(blk_drivers[0]))

const struct blockdev_driver *blk_find_driver(const char *name)
{
    for (size_t i = 0; i < NDRIVERS; i++)
        if (!strcmp(blk_drivers[i]->name, name))
            return blk_drivers[i];
    return NULL;
}

/* Highest score wins; raw answers 1, so it is the fallback. A tie keeps the
 * driver listed first. */
const struct blockdev_driver *blk_probe(const uint8_t *header, size_t len, const char *filename)
{
    const struct blockdev_driver *best = &blk_driver_raw;
    int best_score = 0;
    for (size_t i = 0; i < NDRIVERS; i++) {
        const struct blockdev_driver *d = blk_drivers[i];
        if (!d->probe)
            continue;
        int s = d->probe(header, len, filename);
        if (s > best_score) {
            best = d;
            best_score = s;
        }
    }
    return best;
}
