/* The native rig emulator's grids: one copy of the portable core per grid, linked into one
 * program (native_variant.c is compiled once per grid with RIG_CORE_SUFFIX set). */
#ifndef NATIVE_H
#define NATIVE_H

#include "rig_core.h"
#include "rig_hal_host.h"

typedef struct {
    const char *name;               /* "8x8", "16x16", "20x20" */
    void (*setup)(void);
    void (*poll)(void);
    const rig_counters *(*counters)(void);
    host_config cfg;                /* the layout of rig_board.h for that grid */
} native_variant;

extern const native_variant native_g8x8, native_g16x16, native_g20x20;

#endif
