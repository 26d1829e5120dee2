/* The marshaller: COBS(type | body | crc16 little-endian) then 0x00, written straight into the
 * caller's buffer in one pass, with no packet-sized staging buffer (the Uno has 2 KB of RAM). */
#include "rig_codec.h"

typedef struct {
    uint8_t *out;
    uint16_t cap;
    uint16_t pos;       /* next free byte */
    uint16_t code_at;   /* where the open block's code byte goes */
    uint8_t code;       /* 1 + the open block's data bytes */
    bool full;          /* out of room: the result is 0 */
} cobs_writer;

/* One packet byte; last is true for the packet's final byte (a full block then ends the
 * frame with no code byte after it, as the standard encoding has it). */
static void put(cobs_writer *w, uint8_t b, bool last)
{
    if (b != 0) {
        if (w->pos >= w->cap) {
            w->full = true;
            return;
        }
        w->out[w->pos++] = b;
        w->code++;
    }
    if (b == 0 || w->code == 0xFF) {
        w->out[w->code_at] = w->code;
        w->code = 1;
        if (b != 0 && last) {
            w->code_at = UINT16_MAX;    /* closed: nothing to write at the end */
            return;
        }
        if (w->pos >= w->cap) {
            w->full = true;
            return;
        }
        w->code_at = w->pos++;
    }
}

uint16_t rig_encode(uint8_t type, const uint8_t *body, uint16_t body_len, uint8_t *out,
                    uint16_t out_cap)
{
    if (body_len > RIG_MAX_BODY || out_cap < 2)
        return 0;
    cobs_writer w = {out, out_cap, 1, 0, 1, false};
    uint16_t crc = rig_crc16_update(0xFFFFu, type);
    put(&w, type, false);
    for (uint16_t i = 0; i < body_len && !w.full; i++) {
        crc = rig_crc16_update(crc, body[i]);
        put(&w, body[i], false);
    }
    if (!w.full)
        put(&w, (uint8_t)crc, false);
    if (!w.full)
        put(&w, (uint8_t)(crc >> 8), true);
    if (w.full)
        return 0;
    if (w.code_at != UINT16_MAX)
        w.out[w.code_at] = w.code;
    if (w.pos >= w.cap)
        return 0;
    w.out[w.pos++] = 0;
    return w.pos;
}
