/* The rig's portable logic: scan scheduling, frames, the host's messages, buttons, lamps, the
 * status LED, the EEPROM block and the watchdog. It talks to the board only through rig_hal.h,
 * includes no Arduino header and allocates nothing, so the same file runs on the AVR chips,
 * in the host unit tests and in the native rig emulator. See firmware/PROTOCOL.md.
 *
 * Status LED: a slow blink (1 s on, 1 s off) while no good packet has come from the host for
 * 3 s (the board runs, nobody talks to it); steady on while the host has talked within 3 s.
 *
 * STATS.loop_max_us is the longest time from one rig_poll() pass to the next since the last
 * STATS (or reset), interrupts included, so a host can watch it per interval; it saturates at
 * 65535. (In the native emulator the board's clock jumps over waits: the figure means little.)
 *
 * Frames: the grid is scanned without pause; a FRAME carries the newest complete scan (one that
 * could not be sent yet is replaced by the next, counted in scans_replaced), and is encoded only
 * when the transmit buffer is about to run dry, so a change of light reaches the host after at
 * most one frame that was already on its way, never behind a queue of older scans.
 *
 * A CAL_DATA reply is as long as a FRAME: unlike the short replies it is never dropped, it
 * waits for room in the transmit buffer like a frame, ahead of the next frame. BUTTON events
 * that do not fit wait too (one per button, carrying the running count); only the short
 * replies (HELLO, PONG, ERROR, STATS) are dropped and counted as tx_dropped. */
#ifndef RIG_CORE_H
#define RIG_CORE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The native emulator links one core per grid into one program: it compiles this file with
 * RIG_CORE_SUFFIX set (e.g. g8x8) and so renames the public functions. */
#ifdef RIG_CORE_SUFFIX
#define RIG_CORE_CAT2(a, b) a##_##b
#define RIG_CORE_CAT(a, b) RIG_CORE_CAT2(a, b)
#define rig_setup RIG_CORE_CAT(rig_setup, RIG_CORE_SUFFIX)
#define rig_poll RIG_CORE_CAT(rig_poll, RIG_CORE_SUFFIX)
#define rig_counters_get RIG_CORE_CAT(rig_counters_get, RIG_CORE_SUFFIX)
#endif

void rig_setup(void);   /* after every reset: hardware, EEPROM block, HELLO, the watchdog */
void rig_poll(void);    /* one pass of the main loop; never blocks */

/* What the core counts, for its tests and the emulator (the host sees them in STATS/HELLO). */
typedef struct {
    uint32_t frames;            /* FRAMEs sent */
    uint32_t frames_waited;     /* FRAMEs that had to wait for room in the transmit buffer */
    uint32_t scans;             /* complete scans, sent or not */
    uint32_t scans_replaced;    /* complete scans replaced by a newer one before being sent */
    uint16_t tx_dropped;        /* replies that did not fit and were dropped */
    uint16_t loop_max_us;
    uint32_t board_id;
    uint8_t flags;              /* HELLO.flags */
    bool eeprom_idle;           /* no EEPROM write job in progress */
    bool streaming;
    uint8_t lamps;
    bool led;
} rig_counters;

const rig_counters *rig_counters_get(void);

#ifdef __cplusplus
}
#endif
#endif
