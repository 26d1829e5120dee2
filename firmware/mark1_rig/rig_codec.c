/* The byte-at-a-time parser and the body-length table (PROTOCOL.md, "Messages" and "Dropping
 * and resynchronising"). The parser holds at most one frame, in a buffer the caller owns. */
#include "rig_codec.h"

int16_t rig_body_length(uint8_t type)
{
    switch (type) {
    case RIG_MSG_HELLO: return RIG_LEN_HELLO;
    case RIG_MSG_FRAME: return -1;
    case RIG_MSG_BUTTON: return RIG_LEN_BUTTON;
    case RIG_MSG_PONG: return RIG_LEN_PONG;
    case RIG_MSG_CAL_DATA: return -1;
    case RIG_MSG_ERROR: return RIG_LEN_ERROR;
    case RIG_MSG_STATS: return RIG_LEN_STATS;
    case RIG_MSG_HELLO_REQ: return RIG_LEN_HELLO_REQ;
    case RIG_MSG_LAMPS: return RIG_LEN_LAMPS;
    case RIG_MSG_PING: return RIG_LEN_PING;
    case RIG_MSG_CAL_CAPTURE: return RIG_LEN_CAL_CAPTURE;
    case RIG_MSG_CAL_READ: return RIG_LEN_CAL_READ;
    case RIG_MSG_STREAM: return RIG_LEN_STREAM;
    case RIG_MSG_STATS_REQ: return RIG_LEN_STATS_REQ;
    default: return -2;
    }
}

bool rig_body_ok(uint8_t type, const uint8_t *body, uint16_t len)
{
    int16_t want = rig_body_length(type);
    if (want >= 0)
        return len == (uint16_t)want;
    if (want != -1 || len < RIG_GRID_HEADER)
        return false;
    /* A grid message carries its own rows and cols, so its length is checked without state. */
    uint8_t rows = body[2];
    uint8_t cols = body[3];
    if (rows < 1 || rows > RIG_MAX_SIDE || cols < 1 || cols > RIG_MAX_SIDE)
        return false;
    return len == RIG_GRID_HEADER + 2u * rows * cols;
}

void rig_decoder_init(rig_decoder *d, uint8_t *buf, uint16_t cap, rig_packet_fn on_packet,
                      rig_drop_fn on_drop, void *ctx)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
    d->overflowed = false;
    d->on_packet = on_packet;
    d->on_drop = on_drop;
    d->ctx = ctx;
    d->stats = (rig_decoder_stats){0};
}

static void drop(rig_decoder *d, uint8_t reason)
{
    /* Counters wrap (unsigned arithmetic): a board that runs for weeks keeps counting. */
    switch (reason) {
    case RIG_DROP_OVERSIZE: d->stats.oversize++; break;
    case RIG_DROP_COBS: d->stats.cobs++; break;
    case RIG_DROP_SHORT: d->stats.shortened++; break;
    case RIG_DROP_CRC: d->stats.crc++; break;
    case RIG_DROP_UNKNOWN_TYPE: d->stats.unknown_type++; break;
    default: d->stats.length++; break;
    }
    if (d->on_drop)
        d->on_drop(d->ctx, reason);
}

static void end_frame(rig_decoder *d)
{
    int32_t n = rig_cobs_decode(d->buf, d->len, d->buf);
    if (n < 0) {
        drop(d, RIG_DROP_COBS);
        return;
    }
    if (n < RIG_MIN_PACKET) {
        drop(d, RIG_DROP_SHORT);
        return;
    }
    uint16_t body_len = (uint16_t)(n - RIG_MIN_PACKET);
    uint16_t crc = rig_get_u16(d->buf + n - 2);
    if (rig_crc16(d->buf, (uint16_t)(n - 2)) != crc) {
        drop(d, RIG_DROP_CRC);
        return;
    }
    uint8_t type = d->buf[0];
    if (rig_body_length(type) == -2) {
        drop(d, RIG_DROP_UNKNOWN_TYPE);
        return;
    }
    if (!rig_body_ok(type, d->buf + 1, body_len)) {
        drop(d, RIG_DROP_LENGTH);
        return;
    }
    d->stats.packets++;
    if (d->on_packet)
        d->on_packet(d->ctx, type, d->buf + 1, body_len);
}

void rig_decoder_feed(rig_decoder *d, uint8_t byte)
{
    if (byte != 0) {
        if (d->overflowed)
            return;
        if (d->len >= d->cap) {
            /* Counted once, when the limit is passed; the rest is discarded up to the 0x00. */
            d->overflowed = true;
            d->len = 0;
            drop(d, RIG_DROP_OVERSIZE);
            return;
        }
        d->buf[d->len++] = byte;
        return;
    }
    if (d->overflowed) {
        d->overflowed = false;
        return;
    }
    if (d->len == 0)
        return;     /* an empty frame: a sender's "forget any half frame", not counted */
    end_frame(d);
    d->len = 0;
}
