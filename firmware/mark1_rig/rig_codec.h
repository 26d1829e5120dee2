/* The rig protocol's codec: CRC-16, COBS, a byte-at-a-time parser and a marshaller.
 * Portable C99 with no Arduino header, so it builds and is tested on the host too.
 * See firmware/PROTOCOL.md. */
#ifndef RIG_CODEC_H
#define RIG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): binascii.crc_hqx(data, 0xFFFF). */
uint16_t rig_crc16(const uint8_t *data, uint16_t len);
uint16_t rig_crc16_update(uint16_t crc, uint8_t byte);

/* COBS-encode len bytes into out (no delimiter); returns the bytes written, or 0 when out_cap
 * is too small. len 0 encodes as one byte 0x01. */
uint16_t rig_cobs_encode(const uint8_t *in, uint16_t len, uint8_t *out, uint16_t out_cap);
/* COBS-decode len bytes (without the delimiter) into out, which may be in. Returns the decoded
 * length, or -1 when a code byte is 0 or points past the end. */
int32_t rig_cobs_decode(const uint8_t *in, uint16_t len, uint8_t *out);

/* The body length a type must have: >= 0 for a fixed length, -1 for a grid message
 * (FRAME, CAL_DATA: 4 + 2 * rows * cols, checked by rig_body_ok), -2 for an unknown type. */
int16_t rig_body_length(uint8_t type);
/* True when body (len bytes) is a valid length for type, grids included. */
bool rig_body_ok(uint8_t type, const uint8_t *body, uint16_t len);

/* Marshaller: writes COBS(type | body | crc) followed by 0x00 into out. Returns the bytes
 * written, or 0 (and writes nothing useful) when out_cap is too small or body_len is over
 * RIG_MAX_BODY. */
uint16_t rig_encode(uint8_t type, const uint8_t *body, uint16_t body_len, uint8_t *out,
                    uint16_t out_cap);

/* Parser, fed one byte at a time into a buffer the caller owns (cap bytes: the longest COBS
 * frame it accepts, without the delimiter). At each 0x00 the frame is decoded in place; a good
 * packet goes to on_packet, a bad one is counted and goes to on_drop (which may be NULL). */
typedef void (*rig_packet_fn)(void *ctx, uint8_t type, const uint8_t *body, uint16_t len);
typedef void (*rig_drop_fn)(void *ctx, uint8_t reason);   /* reason: RIG_DROP_* */

typedef struct {
    uint32_t packets;       /* accepted */
    uint16_t oversize;
    uint16_t cobs;
    uint16_t shortened;     /* fewer than 3 bytes */
    uint16_t crc;
    uint16_t unknown_type;
    uint16_t length;
} rig_decoder_stats;

typedef struct {
    uint8_t *buf;
    uint16_t cap;
    uint16_t len;
    bool overflowed;        /* discarding until the next 0x00 */
    rig_packet_fn on_packet;
    rig_drop_fn on_drop;
    void *ctx;
    rig_decoder_stats stats;
} rig_decoder;

void rig_decoder_init(rig_decoder *d, uint8_t *buf, uint16_t cap, rig_packet_fn on_packet,
                      rig_drop_fn on_drop, void *ctx);
void rig_decoder_feed(rig_decoder *d, uint8_t byte);

/* Little-endian field helpers for bodies. */
static inline void rig_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void rig_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint16_t rig_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | ((uint16_t)p[1] << 8)); }
static inline uint32_t rig_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#ifdef __cplusplus
}
#endif
#endif
