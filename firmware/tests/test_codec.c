/* Unit tests of the rig codec (firmware/mark1_rig/rig_crc16.c, rig_cobs.c, rig_codec.c,
 * rig_marshal.c), run by `make -C firmware test` under AddressSanitizer and UBSan.
 *
 * Usage: test_codec VECTORS-FILE
 *
 * Every line of the vectors file (the one tests/test_protocol.py reads for the Python codec) is
 * checked, then: seeded garbage (a million bytes: no crash, the buffer stays within its cap,
 * the counters add up to the frames the stream holds), every single-bit error in every vector
 * packet, every vector frame cut short at every byte, oversize frames followed by a good one,
 * random round trips, and writes that must stay inside the caller's buffer. No framework: each
 * failed check prints one line; the exit status is 1 if any failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig_codec.h"

static unsigned long checks, failures;

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        checks++;                                                                         \
        if (!(cond)) {                                                                    \
            failures++;                                                                   \
            if (failures <= 50) {                                                         \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                      \
                fprintf(stderr, __VA_ARGS__);                                             \
                fputc('\n', stderr);                                                      \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* ---- a decoder that records what it delivers ---------------------------------------------- */

typedef struct {
    unsigned long packets;
    unsigned long drops[7];         /* by RIG_DROP_* */
    uint8_t type;
    uint8_t body[RIG_MAX_BODY];
    uint16_t len;
    uint8_t last_drop;
} sink;

static void on_packet(void *ctx, uint8_t type, const uint8_t *body, uint16_t len)
{
    sink *s = ctx;
    s->packets++;
    s->type = type;
    s->len = len;
    if (len <= RIG_MAX_BODY)
        memcpy(s->body, body, len);
}

static void on_drop(void *ctx, uint8_t reason)
{
    sink *s = ctx;
    if (reason >= 1 && reason <= 6)
        s->drops[reason]++;
    else
        s->drops[0]++;      /* a reason outside the table: a failure below */
    s->last_drop = reason;
}

static unsigned long total_drops(const sink *s)
{
    unsigned long n = 0;
    for (int i = 0; i < 7; i++)
        n += s->drops[i];
    return n;
}

/* The parser's counts and the callbacks' must agree. */
static void check_stats_agree(const rig_decoder *d, const sink *s, const char *where)
{
    CHECK(d->stats.packets == s->packets, "%s: stats.packets %lu, callbacks %lu", where,
          (unsigned long)d->stats.packets, s->packets);
    CHECK(d->stats.oversize == (uint16_t)s->drops[RIG_DROP_OVERSIZE], "%s: oversize", where);
    CHECK(d->stats.cobs == (uint16_t)s->drops[RIG_DROP_COBS], "%s: cobs", where);
    CHECK(d->stats.shortened == (uint16_t)s->drops[RIG_DROP_SHORT], "%s: short", where);
    CHECK(d->stats.crc == (uint16_t)s->drops[RIG_DROP_CRC], "%s: crc", where);
    CHECK(d->stats.unknown_type == (uint16_t)s->drops[RIG_DROP_UNKNOWN_TYPE], "%s: unknown_type", where);
    CHECK(d->stats.length == (uint16_t)s->drops[RIG_DROP_LENGTH], "%s: length", where);
    CHECK(s->drops[0] == 0, "%s: a drop reason outside 1-6", where);
}

static uint8_t rx_buf[RIG_MAX_ENCODED];
static rig_decoder dec;
static sink snk;

static void fresh_decoder(uint16_t cap)
{
    memset(&snk, 0, sizeof snk);
    rig_decoder_init(&dec, rx_buf, cap, on_packet, on_drop, &snk);
}

static void feed(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rig_decoder_feed(&dec, p[i]);
        if (dec.len > dec.cap)
            CHECK(0, "buffer holds %u bytes, cap %u", dec.len, dec.cap);
    }
}

/* ---- the vectors file --------------------------------------------------------------------- */

#define LINE_MAX_CHARS 16384
#define BYTES_MAX 4096

static const char *reason_names[7] = {"?", "oversize", "cobs", "short", "crc", "unknown_type", "length"};

static int reason_of(const char *name)
{
    for (int i = 1; i < 7; i++)
        if (strcmp(name, reason_names[i]) == 0)
            return i;
    return -1;
}

/* Parses hex ('-' is empty) into out; returns the byte count or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
    if (strcmp(s, "-") == 0)
        return 0;
    size_t n = strlen(s);
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (long)(n / 2);
}

/* The packet vectors, kept for the stream tests that follow. */
#define MAX_PACKETS 64
static struct {
    uint8_t type;
    uint8_t body[RIG_MAX_BODY];
    uint16_t body_len;
    uint8_t wire[RIG_MAX_ENCODED + 1];
    uint16_t wire_len;
} packets[MAX_PACKETS];
static int n_packets;

static void vector_crc(const uint8_t *data, long n, const char *want_s, int line)
{
    unsigned want;
    if (sscanf(want_s, "%x", &want) != 1) {
        CHECK(0, "line %d: bad crc field", line);
        return;
    }
    uint16_t got = rig_crc16(data, (uint16_t)n);
    CHECK(got == want, "line %d: crc %04x, want %04x", line, got, want);
    uint16_t c = 0xFFFF;
    for (long i = 0; i < n; i++)
        c = rig_crc16_update(c, data[i]);
    CHECK(c == want, "line %d: byte-at-a-time crc %04x, want %04x", line, c, want);
}

static void vector_cobs(const uint8_t *dec_b, long nd, const uint8_t *enc_b, long ne, int line)
{
    static uint8_t out[BYTES_MAX + 8];
    memset(out, 0xAA, sizeof out);
    uint16_t n = rig_cobs_encode(dec_b, (uint16_t)nd, out, (uint16_t)ne);
    CHECK(n == ne && memcmp(out, enc_b, (size_t)ne) == 0, "line %d: cobs encode gives %u bytes, want %ld",
          line, n, ne);
    CHECK(out[ne] == 0xAA, "line %d: cobs encode wrote past its cap", line);
    CHECK(n <= RIG_COBS_MAX(nd), "line %d: longer than RIG_COBS_MAX", line);
    CHECK(rig_cobs_encode(dec_b, (uint16_t)nd, out, (uint16_t)(ne - 1)) == 0,
          "line %d: cobs encode with one byte too few must give 0", line);
    int32_t m = rig_cobs_decode(enc_b, (uint16_t)ne, out);
    CHECK(m == nd && memcmp(out, dec_b, (size_t)nd) == 0, "line %d: cobs decode gives %ld bytes, want %ld",
          line, (long)m, nd);
    memcpy(out, enc_b, (size_t)ne);     /* in place, as the parser does it */
    m = rig_cobs_decode(out, (uint16_t)ne, out);
    CHECK(m == nd && memcmp(out, dec_b, (size_t)nd) == 0, "line %d: in-place cobs decode", line);
}

static void vector_packet(uint8_t type, const uint8_t *body, long nb, const uint8_t *wire, long nw, int line)
{
    static uint8_t out[BYTES_MAX + 8];
    memset(out, 0xAA, sizeof out);
    uint16_t n = rig_encode(type, body, (uint16_t)nb, out, (uint16_t)nw);
    CHECK(n == nw && memcmp(out, wire, (size_t)nw) == 0, "line %d: rig_encode gives %u bytes, want %ld", line,
          n, nw);
    CHECK(out[nw] == 0xAA, "line %d: rig_encode wrote past its cap", line);
    CHECK(n <= RIG_WIRE_MAX(nb), "line %d: longer than RIG_WIRE_MAX", line);
    CHECK(rig_encode(type, body, (uint16_t)nb, out, (uint16_t)(nw - 1)) == 0,
          "line %d: rig_encode with one byte too few must give 0", line);
    CHECK(rig_body_ok(type, body, (uint16_t)nb), "line %d: rig_body_ok refuses a vector body", line);

    fresh_decoder(RIG_MAX_ENCODED);
    feed(wire, (size_t)nw);
    CHECK(snk.packets == 1 && total_drops(&snk) == 0, "line %d: decoding gives %lu packets, %lu drops", line,
          snk.packets, total_drops(&snk));
    CHECK(snk.type == type && snk.len == nb && memcmp(snk.body, body, (size_t)nb) == 0,
          "line %d: decoded type or body differs", line);
    check_stats_agree(&dec, &snk, "packet vector");

    if (n_packets < MAX_PACKETS && nw <= RIG_MAX_ENCODED + 1) {
        packets[n_packets].type = type;
        memcpy(packets[n_packets].body, body, (size_t)nb);
        packets[n_packets].body_len = (uint16_t)nb;
        memcpy(packets[n_packets].wire, wire, (size_t)nw);
        packets[n_packets].wire_len = (uint16_t)nw;
        n_packets++;
    }
}

static void vector_drop(int reason, const uint8_t *wire, long nw, int line)
{
    fresh_decoder(RIG_MAX_ENCODED);
    feed(wire, (size_t)nw);
    CHECK(snk.packets == 0, "line %d: a bad frame was accepted", line);
    CHECK(total_drops(&snk) == 1 && snk.drops[reason] == 1, "line %d: dropped as %s, want %s", line,
          reason_names[snk.last_drop < 7 ? snk.last_drop : 0], reason_names[reason]);
    CHECK(dec.len == 0 && !dec.overflowed, "line %d: the parser is not back at the start of a frame", line);
    check_stats_agree(&dec, &snk, "drop vector");
}

static uint32_t rng_state;
static uint32_t rng(void)       /* xorshift32 (Marsaglia 2003): seeded, the same on every run */
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void run_garbage(uint32_t seed, unsigned zero_in, unsigned long n_bytes, const char *where);

static void vector_stream(const char *seed_s, const char *zero_s, const char *n_s, const char *counts, int line)
{
    unsigned long want[7];
    unsigned long packets;
    unsigned long seed = strtoul(seed_s, NULL, 10), zero_in = strtoul(zero_s, NULL, 10);
    unsigned long n = strtoul(n_s, NULL, 10);
    if (sscanf(counts, "packets=%lu,oversize=%lu,cobs=%lu,short=%lu,crc=%lu,unknown_type=%lu,length=%lu",
               &packets, &want[1], &want[2], &want[3], &want[4], &want[5], &want[6]) != 7) {
        CHECK(0, "line %d: bad stream counts", line);
        return;
    }
    char where[32];
    snprintf(where, sizeof where, "line %d", line);
    run_garbage((uint32_t)seed, (unsigned)zero_in, n, where);
    CHECK(snk.packets == packets, "line %d: %lu packets, want %lu", line, snk.packets, packets);
    for (int r = 1; r < 7; r++)
        CHECK(snk.drops[r] == want[r], "line %d: %lu %s, want %lu", line, snk.drops[r], reason_names[r], want[r]);
}

static int read_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "test_codec: cannot open %s\n", path);
        return -1;
    }
    static char text[LINE_MAX_CHARS];
    static uint8_t a[BYTES_MAX], b[BYTES_MAX];
    int line = 0, n_crc = 0, n_cobs = 0, n_drop = 0, n_stream = 0;
    int seen_type[256] = {0}, seen_reason[7] = {0};
    while (fgets(text, sizeof text, f)) {
        line++;
        size_t len = strlen(text);
        if (len == sizeof text - 1 && text[len - 1] != '\n') {
            CHECK(0, "line %d: longer than %d characters", line, LINE_MAX_CHARS);
            break;
        }
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
        if (len == 0 || text[0] == '#')
            continue;
        char *field[6] = {0};
        int nf = 0;
        for (char *tok = strtok(text, " "); tok && nf < 6; tok = strtok(NULL, " "))
            field[nf++] = tok;
        if (strcmp(field[0], "crc") == 0 && nf == 3) {
            long n = parse_hex(field[1], a, sizeof a);
            CHECK(n >= 0, "line %d: bad hex", line);
            if (n >= 0)
                vector_crc(a, n, field[2], line);
            n_crc++;
        } else if (strcmp(field[0], "cobs") == 0 && nf == 3) {
            long nd = parse_hex(field[1], a, sizeof a), ne = parse_hex(field[2], b, sizeof b);
            CHECK(nd >= 0 && ne > 0, "line %d: bad hex", line);
            if (nd >= 0 && ne > 0)
                vector_cobs(a, nd, b, ne, line);
            n_cobs++;
        } else if (strcmp(field[0], "packet") == 0 && nf == 6) {
            unsigned type;
            long nb = parse_hex(field[3], a, sizeof a), nw = parse_hex(field[4], b, sizeof b);
            CHECK(sscanf(field[2], "%x", &type) == 1 && type < 256 && nb >= 0 && nw > 0, "line %d: bad field",
                  line);
            if (type < 256 && nb >= 0 && nw > 0) {
                vector_packet((uint8_t)type, a, nb, b, nw, line);
                seen_type[type]++;
            }
        } else if (strcmp(field[0], "drop") == 0 && nf == 3) {
            int reason = reason_of(field[1]);
            long nw = parse_hex(field[2], b, sizeof b);
            CHECK(reason > 0 && nw > 0, "line %d: bad drop line", line);
            if (reason > 0 && nw > 0) {
                vector_drop(reason, b, nw, line);
                seen_reason[reason]++;
            }
            n_drop++;
        } else if (strcmp(field[0], "stream") == 0 && nf == 5) {
            vector_stream(field[1], field[2], field[3], field[4], line);
            n_stream++;
        } else {
            CHECK(0, "line %d: not a vector line (kind %s, %d fields)", line, field[0], nf);
        }
    }
    fclose(f);
    /* A file cut short must not pass: every kind, every type and every reason is there. */
    static const uint8_t types[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47};
    for (size_t i = 0; i < sizeof types; i++)
        CHECK(seen_type[types[i]] > 0, "no packet vector of type 0x%02x", types[i]);
    for (int r = 1; r < 7; r++)
        CHECK(seen_reason[r] > 0, "no drop vector for %s", reason_names[r]);
    CHECK(n_crc >= 5 && n_cobs >= 12 && n_drop >= 6 && n_stream >= 1,
          "too few vectors: %d crc, %d cobs, %d drop, %d stream", n_crc, n_cobs, n_drop, n_stream);
    printf("vectors: %d crc, %d cobs, %d packet, %d drop, %d stream lines\n", n_crc, n_cobs, n_packets, n_drop,
           n_stream);
    return 0;
}

/* ---- streams ------------------------------------------------------------------------------ */

/* Seeded garbage through a fresh decoder (the vectors file's "stream" lines say how the bytes
 * are drawn); the expected number of verdicts comes from the stream's own runs between zeros,
 * counted here apart from the parser. */
static void run_garbage(uint32_t seed, unsigned zero_in, unsigned long n_bytes, const char *where)
{
    rng_state = seed;
    fresh_decoder(RIG_MAX_ENCODED);
    unsigned long run = 0, frames = 0, oversize = 0;
    for (unsigned long i = 0; i < n_bytes; i++) {
        uint8_t byte = (uint8_t)rng();
        if (zero_in)
            byte = rng() % zero_in == 0 ? 0 : (byte ? byte : 0x80);
        rig_decoder_feed(&dec, byte);
        if (dec.len > dec.cap)
            CHECK(0, "%s: buffer holds %u bytes", where, dec.len);
        if (byte) {
            if (++run == RIG_MAX_ENCODED + 1ul)
                oversize++;
        } else {
            if (run > 0 && run <= RIG_MAX_ENCODED)
                frames++;
            run = 0;
        }
    }
    check_stats_agree(&dec, &snk, where);
    CHECK(snk.drops[RIG_DROP_OVERSIZE] == oversize, "%s: %lu oversize, want %lu", where,
          snk.drops[RIG_DROP_OVERSIZE], oversize);
    CHECK(snk.packets + total_drops(&snk) - snk.drops[RIG_DROP_OVERSIZE] == frames,
          "%s: %lu packets + drops, want %lu frames", where,
          snk.packets + total_drops(&snk) - snk.drops[RIG_DROP_OVERSIZE], frames);
}

static void test_garbage(uint32_t seed, unsigned zero_in)
{
    run_garbage(seed, zero_in, 1000000ul, "garbage");
    printf("garbage seed %u (1 in %u zero): packets %lu, oversize %lu, cobs %lu, short %lu, crc %lu, "
           "unknown_type %lu, length %lu\n",
           seed, zero_in ? zero_in : 256, snk.packets, snk.drops[RIG_DROP_OVERSIZE], snk.drops[RIG_DROP_COBS],
           snk.drops[RIG_DROP_SHORT], snk.drops[RIG_DROP_CRC], snk.drops[RIG_DROP_UNKNOWN_TYPE],
           snk.drops[RIG_DROP_LENGTH]);
}

/* Packets with a good CRC but a random type (any of 256) and a random body length: the verdict
 * each must get is worked out here from PROTOCOL.md's table, apart from rig_body_length. */
static int table_length(uint8_t type)
{
    switch (type) {
    case 0x01: case 0x07: return 24;
    case 0x03: case 0x06: return 3;
    case 0x04: return 8;
    case 0x43: return 4;
    case 0x42: case 0x44: case 0x45: case 0x46: return 1;
    case 0x41: case 0x47: return 0;
    case 0x02: case 0x05: return -1;
    default: return -2;
    }
}

static void test_random_packets(void)
{
    static uint8_t pk[RIG_MAX_PACKET], enc[RIG_MAX_ENCODED + 1];
    unsigned long want[7] = {0}, want_packets = 0;
    rng_state = 4242;
    fresh_decoder(RIG_MAX_ENCODED);
    for (int i = 0; i < 200000; i++) {
        uint8_t type = (uint8_t)(rng() % 3 ? (rng() % 2 ? 0x01 : 0x41) + rng() % 8 : rng());
        uint16_t len = (uint16_t)(rng() % 4 ? rng() % 30 : rng() % (RIG_MAX_BODY + 1));
        pk[0] = type;
        for (uint16_t j = 0; j < len; j++)
            pk[1 + j] = (uint8_t)rng();
        int fixed = table_length(type);
        if (fixed == -1 && len >= 4 && rng() % 2) {
            /* a grid that agrees with its length half the time */
            uint8_t rows = (uint8_t)(rng() % 22), cols = (uint8_t)(rng() % 22);
            pk[3] = rows;
            pk[4] = cols;
            if (rng() % 2 && rows >= 1 && cols >= 1 && 4u + 2u * rows * cols <= RIG_MAX_BODY)
                len = (uint16_t)(4 + 2 * rows * cols);
        }
        rig_put_u16(pk + 1 + len, rig_crc16(pk, (uint16_t)(1 + len)));
        uint16_t e = rig_cobs_encode(pk, (uint16_t)(len + 3), enc, sizeof enc - 1);
        enc[e] = 0;
        if (fixed == -2)
            want[RIG_DROP_UNKNOWN_TYPE]++;
        else if (fixed >= 0 ? len == fixed
                            : len >= 4 && pk[3] >= 1 && pk[3] <= 20 && pk[4] >= 1 && pk[4] <= 20 &&
                                  len == 4 + 2 * pk[3] * pk[4])
            want_packets++;
        else
            want[RIG_DROP_LENGTH]++;
        feed(enc, e + 1u);
    }
    check_stats_agree(&dec, &snk, "random packets");
    CHECK(snk.packets == want_packets && snk.drops[RIG_DROP_UNKNOWN_TYPE] == want[RIG_DROP_UNKNOWN_TYPE] &&
              snk.drops[RIG_DROP_LENGTH] == want[RIG_DROP_LENGTH] &&
              total_drops(&snk) == want[RIG_DROP_UNKNOWN_TYPE] + want[RIG_DROP_LENGTH],
          "random packets: %lu accepted, %lu unknown, %lu length; want %lu, %lu, %lu", snk.packets,
          snk.drops[RIG_DROP_UNKNOWN_TYPE], snk.drops[RIG_DROP_LENGTH], want_packets,
          want[RIG_DROP_UNKNOWN_TYPE], want[RIG_DROP_LENGTH]);
    printf("random packets: %lu accepted, %lu unknown_type, %lu length\n", snk.packets,
           snk.drops[RIG_DROP_UNKNOWN_TYPE], snk.drops[RIG_DROP_LENGTH]);
}

static int same_packet(int k)
{
    return snk.type == packets[k].type && snk.len == packets[k].body_len &&
           memcmp(snk.body, packets[k].body, packets[k].body_len) == 0;
}

/* After any garbage and a 0x00, the next good frame is decoded. */
static void test_resync_after_garbage(void)
{
    static uint8_t junk[2000];
    rng_state = 12345;
    fresh_decoder(RIG_MAX_ENCODED);
    for (int round = 0; round < 5000; round++) {
        unsigned n = rng() % sizeof junk;
        for (unsigned i = 0; i < n; i++)
            junk[i] = (uint8_t)rng();
        feed(junk, n);
        rig_decoder_feed(&dec, 0);
        int k = (int)(rng() % (uint32_t)n_packets);
        unsigned long before = snk.packets;
        feed(packets[k].wire, packets[k].wire_len);
        CHECK(snk.packets == before + 1 && same_packet(k), "resync round %d: the good frame was lost", round);
    }
    check_stats_agree(&dec, &snk, "resync");
}

/* Oversize runs of several lengths, each followed by a good frame; a frame of exactly the cap is
 * not oversize. */
static void test_oversize_then_good(void)
{
    static uint8_t junk[RIG_MAX_ENCODED + 100];
    memset(junk, 0x5A, sizeof junk);
    for (unsigned extra = 0; extra < 100; extra++) {
        for (int k = 0; k < n_packets; k++) {
            fresh_decoder(RIG_MAX_ENCODED);
            feed(junk, RIG_MAX_ENCODED + extra);
            unsigned long want_oversize = extra > 0;
            CHECK(snk.drops[RIG_DROP_OVERSIZE] == want_oversize, "%u extra bytes: oversize %lu", extra,
                  snk.drops[RIG_DROP_OVERSIZE]);
            rig_decoder_feed(&dec, 0);
            feed(packets[k].wire, packets[k].wire_len);
            CHECK(snk.packets == 1 && same_packet(k), "%u extra bytes: the next frame (vector %d) was lost",
                  extra, k);
            CHECK(snk.drops[RIG_DROP_OVERSIZE] == want_oversize && total_drops(&snk) == 1,
                  "%u extra bytes: %lu drops", extra, total_drops(&snk));
        }
    }
    /* The board's small receive buffer: host packets fit, a board's FRAME does not. */
    const uint16_t small = RIG_COBS_MAX(RIG_MAX_HOST_PACKET);
    for (int k = 0; k < n_packets; k++) {
        fresh_decoder(small);
        feed(packets[k].wire, packets[k].wire_len);
        int fits = packets[k].wire_len - 1 <= small;
        CHECK(snk.packets == (unsigned long)fits && snk.drops[RIG_DROP_OVERSIZE] == (unsigned long)!fits,
              "cap %u, vector %d of %u bytes: %lu packets", small, k, packets[k].wire_len, snk.packets);
        if (packets[k].type >= 0x41)
            CHECK(fits, "host packet vector %d does not fit the board's buffer", k);
    }
}

/* Every vector frame cut after each of its bytes and ended by a 0x00 is dropped (never taken as
 * a packet); the whole frame after it is decoded. */
static void test_truncated(void)
{
    unsigned long cuts = 0;
    for (int k = 0; k < n_packets; k++) {
        for (uint16_t cut = 1; cut < packets[k].wire_len - 1; cut++) {
            fresh_decoder(RIG_MAX_ENCODED);
            feed(packets[k].wire, cut);
            rig_decoder_feed(&dec, 0);
            CHECK(snk.packets == 0 && total_drops(&snk) == 1, "vector %d cut at %u: %lu packets, %lu drops", k,
                  cut, snk.packets, total_drops(&snk));
            feed(packets[k].wire, packets[k].wire_len);
            CHECK(snk.packets == 1 && same_packet(k), "vector %d cut at %u: the whole frame after it was lost",
                  k, cut);
            cuts++;
        }
    }
    printf("truncated: %lu cuts\n", cuts);
}

/* Every single-bit error in every vector packet (type, body or CRC), COBS-encoded again so the
 * framing is intact: always a crc drop (CRC-16 catches every single-bit error). */
static void test_bit_errors(void)
{
    static uint8_t pk[RIG_MAX_PACKET], enc[RIG_MAX_ENCODED + 1];
    unsigned long flips = 0;
    for (int k = 0; k < n_packets; k++) {
        uint16_t n = (uint16_t)(packets[k].body_len + 3);
        pk[0] = packets[k].type;
        memcpy(pk + 1, packets[k].body, packets[k].body_len);
        rig_put_u16(pk + n - 2, rig_crc16(pk, (uint16_t)(n - 2)));
        for (uint16_t bit = 0; bit < n * 8u; bit++) {
            pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            uint16_t e = rig_cobs_encode(pk, n, enc, sizeof enc - 1);
            pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECK(e > 0, "vector %d: cobs encode failed", k);
            enc[e] = 0;
            fresh_decoder(RIG_MAX_ENCODED);
            feed(enc, e + 1u);
            CHECK(snk.packets == 0 && snk.drops[RIG_DROP_CRC] == 1, "vector %d, bit %u flipped: not a crc drop",
                  k, bit);
            flips++;
        }
    }
    printf("bit errors: %lu flips\n", flips);
}

/* All the vector frames back to back, fed whole: every one decoded, in order. */
static void test_stream_of_vectors(void)
{
    fresh_decoder(RIG_MAX_ENCODED);
    for (int rep = 0; rep < 3; rep++) {
        for (int k = 0; k < n_packets; k++) {
            feed(packets[k].wire, packets[k].wire_len);
            CHECK(snk.packets == (unsigned long)(rep * n_packets + k + 1) && same_packet(k),
                  "stream: vector %d not decoded in turn", k);
        }
    }
    CHECK(total_drops(&snk) == 0, "stream: %lu drops", total_drops(&snk));
}

/* Random packets of every type through rig_encode and back; random bytes through COBS and back. */
static void test_round_trips(void)
{
    static const uint8_t types[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47};
    static uint8_t body[RIG_MAX_BODY], wire[RIG_MAX_ENCODED + 16], data[1200], enc[1300], back[1300];
    rng_state = 777;
    fresh_decoder(RIG_MAX_ENCODED);
    for (int i = 0; i < 20000; i++) {
        uint8_t type = types[rng() % sizeof types];
        uint16_t len;
        int16_t fixed = rig_body_length(type);
        if (fixed >= 0) {
            len = (uint16_t)fixed;
        } else {
            uint8_t rows = (uint8_t)(1 + rng() % RIG_MAX_SIDE), cols = (uint8_t)(1 + rng() % RIG_MAX_SIDE);
            len = (uint16_t)(RIG_GRID_HEADER + 2u * rows * cols);
            body[2] = rows;
            body[3] = cols;
        }
        unsigned zeros = 1 + rng() % 4;     /* some bodies zero-heavy, some with no zero at all */
        for (uint16_t j = 0; j < len; j++) {
            if (fixed < 0 && (j == 2 || j == 3))
                continue;
            uint8_t v = (uint8_t)rng();
            body[j] = zeros == 4 ? (uint8_t)(v | 1) : (rng() % zeros == 0 ? 0 : v);
        }
        uint16_t n = rig_encode(type, body, len, wire, sizeof wire);
        CHECK(n > 0 && n <= RIG_WIRE_MAX(len), "round trip %d: rig_encode gave %u", i, n);
        /* The one-pass marshaller against the plain COBS encoder the vectors pin down. */
        data[0] = type;
        memcpy(data + 1, body, len);
        rig_put_u16(data + 1 + len, rig_crc16(data, (uint16_t)(1 + len)));
        uint16_t e = rig_cobs_encode(data, (uint16_t)(len + 3), enc, sizeof enc);
        CHECK(e + 1u == n && memcmp(enc, wire, e) == 0 && wire[e] == 0,
              "round trip %d: rig_encode differs from rig_cobs_encode", i);
        unsigned long before = snk.packets;
        feed(wire, n);
        CHECK(snk.packets == before + 1 && snk.type == type && snk.len == len && memcmp(snk.body, body, len) == 0,
              "round trip %d (type 0x%02x, %u bytes) differs", i, type, len);
    }
    CHECK(total_drops(&snk) == 0, "round trips: %lu drops", total_drops(&snk));
    for (int i = 0; i < 20000; i++) {
        uint16_t len = (uint16_t)(rng() % sizeof data);
        unsigned zeros = rng() % 5;
        for (uint16_t j = 0; j < len; j++)
            data[j] = zeros == 0 ? (uint8_t)(rng() | 1) : (rng() % (zeros * 60) == 0 ? 0 : (uint8_t)rng());
        memset(enc, 0xAA, sizeof enc);
        uint32_t worst = (uint32_t)RIG_COBS_MAX(len);
        uint16_t cap = (uint16_t)(rng() % 2 ? worst : rng() % (worst + 1));
        uint16_t e = rig_cobs_encode(data, len, enc, cap);
        CHECK(enc[cap] == 0xAA, "cobs: wrote past cap %u", cap);
        if (e == 0) {
            CHECK(cap < RIG_COBS_MAX(len), "cobs: refused with the full worst-case room");
            continue;
        }
        CHECK(memchr(enc, 0, e) == NULL, "cobs: a zero in the encoding");
        int32_t d = rig_cobs_decode(enc, e, back);
        CHECK(d == len && memcmp(back, data, len) == 0, "cobs round trip of %u bytes", len);
    }
    /* Refusals: a body over the protocol's limit, and buffers too small (nothing written past). */
    CHECK(rig_encode(0x02, body, RIG_MAX_BODY + 1, wire, sizeof wire) == 0, "an 805-byte body was encoded");
    for (uint16_t cap = 0; cap < 12; cap++) {
        memset(wire, 0xAA, sizeof wire);
        uint16_t n = rig_encode(0x43, (const uint8_t *)"\x07\0\0\0", 4, wire, cap);
        CHECK(wire[cap] == 0xAA, "rig_encode wrote past cap %u", cap);
        CHECK(cap >= 9 ? n == 9 : n == 0, "rig_encode with cap %u gave %u", cap, n);
    }
    CHECK(rig_cobs_decode((const uint8_t *)"", 0, back) == 0, "decoding nothing gives nothing");
}

static void test_body_length_table(void)
{
    for (int t = 0; t < 256; t++) {
        int16_t n = rig_body_length((uint8_t)t);
        int known = (t >= 0x01 && t <= 0x07) || (t >= 0x41 && t <= 0x47);
        CHECK(known ? n >= -1 : n == -2, "type 0x%02x: rig_body_length %d", t, n);
    }
    CHECK(rig_body_length(RIG_MSG_FRAME) == -1 && rig_body_length(RIG_MSG_CAL_DATA) == -1, "grid types");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_codec VECTORS-FILE\n");
        return 2;
    }
    if (read_vectors(argv[1]) != 0)
        return 1;
    CHECK(n_packets >= 14, "only %d packet vectors", n_packets);
    test_body_length_table();
    test_stream_of_vectors();
    test_truncated();
    test_bit_errors();
    test_oversize_then_good();
    test_resync_after_garbage();
    test_round_trips();
    test_random_packets();
    test_garbage(1, 0);
    test_garbage(2, 8);
    test_garbage(3, 300);   /* zeros rarer than chance: long frames, many oversize */
    printf("codec tests: %lu checks, %lu failures\n", checks, failures);
    return failures ? 1 : 0;
}
