/* The rig's portable logic (see rig_core.h and firmware/PROTOCOL.md). One static state, set up
 * by rig_setup() after every reset, and rig_poll(), one pass of the main loop that only ever
 * polls: nothing here waits for the ADC, the wire or the EEPROM. */
#include <string.h>

#include "rig_board.h"
#include "rig_codec.h"
#include "rig_core.h"
#include "rig_hal.h"
#include "rig_protocol.h"
#include "rig_version.h"

#ifndef F_CPU
#define F_CPU 16000000UL    /* the host builds emulate a 16 MHz board */
#endif

/* The frame's CRC a byte at a time, between conversions. On the AVR, avr-libc's inline-assembly
 * step of the same polynomial (0x1021, MSB first; CCITT-FALSE is it with 0xFFFF to start) costs
 * a fraction of a function call per byte; elsewhere the codec's. */
#if defined(__AVR__)
#include <util/crc16.h>
#define crc_step(crc, b) _crc_xmodem_update((crc), (b))
#else
#define crc_step(crc, b) rig_crc16_update((crc), (b))
#endif

#ifdef RIG_NATIVE
#define RIG_HELLO_BOARD RIG_BOARD_NATIVE
#else
#define RIG_HELLO_BOARD RIG_BOARD
#endif

#define N RIG_CELLS
#define GRID_BODY (RIG_GRID_HEADER + 2u * N)        /* FRAME and CAL_DATA bodies */
#define GRID_PACKET (1u + GRID_BODY + 2u)
#define GRID_WIRE RIG_WIRE_MAX(GRID_BODY)
#define PKT_VALUES (1u + RIG_GRID_HEADER)           /* first value's offset in a packet */
/* Room a FRAME leaves in the transmit buffer for replies: a HELLO or STATS is 29 bytes on the
 * wire, a PONG 13, an ERROR or BUTTON 8, so a frame never crowds out an answer to the host: a
 * PONG still fits behind the five ERRORs a burst of bad frames can cause. (The Uno's 256-byte
 * ring holds an 8 x 8 frame, 137 bytes, and this; the Mega's 1024 bytes a 20 x 20 one, 812.) */
#define TX_RESERVE 64u
#define SMALL_WIRE RIG_WIRE_MAX(RIG_LEN_HELLO)      /* the longest fixed-size message */
#define HOST_QUIET_US 3000000UL                     /* LED: host heard from "recently" */
#define BLINK_US 1000000UL
#define BUTTON_SAMPLE_US 1000UL
/* Frame bytes CRC'd and COBS-encoded after a conversion starts, while the ADC works (about
 * 1,100 cycles, 70 us on the AVR: longer than a 52 us conversion, so the AVR HAL runs the scan
 * by interrupt and the ADC does not wait for the encoding). */
#define FIN_CHUNK 16u
/* Transmit-buffer bytes still to go when a frame's encoding may start: what the wire sends
 * while the finisher encodes it, at 85 us a chunk (about 70 us of encoding: on a wire-bound
 * grid the scan waits then, scan_due, and the finisher has FIN_PASS_CHUNKS a pass; scan-bound,
 * a chunk a conversion, and the transmit buffer's room is what holds the encoding back).
 * Encoding starts no earlier, so that a frame does not wait in the buffer (the Mega's 1024
 * bytes hold most of a 16 x 16 frame besides the one going out), and no later, so that the
 * wire does not idle. (It was 128 us a chunk and one reply more, 29 bytes, when a conversion
 * took 104 us: each byte of lead is a byte-time, 94 us at 115200 baud in simavr, added to
 * light-to-lamp.) */
#define FIN_CHUNK_US 85UL
#define FIN_PASS_CHUNKS 4u
#define FIN_LEAD ((uint16_t)((GRID_WIRE + FIN_CHUNK - 1u) / FIN_CHUNK * FIN_CHUNK_US \
                             * (RIG_BAUD / 10UL) / 1000000UL))
#define EE_CHUNK 16u            /* EEPROM bytes compared per pass (reads are fast, writes slow) */

/* The EEPROM block: header, dark[n], bright[n] (u16, little-endian), CRC-16 over all before
 * it. rows and cols are in the header so that a firmware for another grid sees a bad block
 * instead of misreading a calibration. */
#define EE_MAGIC0 'M'
#define EE_MAGIC1 '1'
#define EE_LAYOUT 1
#define EE_H_FLAGS 5
#define EE_H_ID 6
#define EE_HDR 10               /* magic(2) layout(1) rows(1) cols(1) flags(1) board_id(4) */
#define EE_DARK EE_HDR
#define EE_BRIGHT (EE_HDR + 2u * N)
#define EE_CRC (EE_HDR + 4u * N)
#define EE_LEN (EE_CRC + 2u)
#define EE_REGION_NONE 0

enum { PH_BEGIN, PH_SETTLE, PH_CONVERT, PH_HOLD };
#define NO_CH 0xFFu
enum { OUT_NONE, OUT_FILLING, OUT_FRAME, OUT_CAL };
enum { FIN_NONE, FIN_FRAME, FIN_CAL };     /* what the finisher is encoding */
enum { CAL_IDLE, CAL_ARMED, CAL_CAPTURING, CAL_STORE_WAIT, CAL_STORING, CAL_READING, CAL_REPLY,
       CAL_SENDING };

static struct {
    /* Scanning: cur is the packet being filled; fin_buf a complete one (frame_ready) waiting
     * for the finisher, or being encoded by it into out. */
    uint8_t pkt[2][GRID_PACKET];
    uint8_t cur;
    uint8_t phase;
    uint8_t bank, sel, ch, next_ch;
    uint16_t cell;              /* the cell being converted */
    uint32_t t_select;
    uint32_t scan_t0, scan_us;  /* when this scan began; how long the last one took */
    bool cal_in_scan;
    bool frame_ready;
    bool fin_waited;            /* the frame to send waited for transmit room (counted once) */
    uint16_t tx_cap;            /* the transmit buffer's size: hal_tx_free() when empty */
    uint8_t fin_state, fin_buf, fin_code;
    const uint8_t *fin_body;
    uint16_t fin_pos, fin_crc, fin_out, fin_code_pos;
    /* The next big message, COBS-encoded, waiting for room in the transmit buffer. */
    uint8_t out[GRID_WIRE];
    uint16_t out_len;
    uint8_t out_kind;
    bool out_waited;
    /* Calibration: the CAL_DATA body; during a capture its values hold the running sums
     * (8 scans of 10-bit counts fit a u16). */
    uint8_t cal[GRID_BODY];
    uint8_t cal_state, cal_which, cal_scans, cal_req_capture, cal_req_read;
    uint16_t cal_pos;
    /* EEPROM: the header as it is being written, and a job writing one byte per pass. */
    uint8_t ee_hdr[EE_HDR];
    uint8_t flags_stored;       /* calibration flags of the last complete write */
    bool ee_job;
    uint8_t ee_region;
    uint16_t ee_addr, ee_crc;
    /* From the host */
    rig_decoder dec;
    uint8_t rx_buf[RIG_COBS_MAX(RIG_MAX_HOST_PACKET)];
    uint16_t rx_board_types;    /* board-to-host types sent to the board: answered as unknown */
    uint16_t err_count[RIG_ERR_EEPROM + 1];
    /* Buttons */
    uint32_t btn_next;
    uint8_t btn_run[RIG_BUTTONS];
    uint16_t btn_count[RIG_BUTTONS];
    uint8_t btn_unsent;
    /* Lamps, LED, host */
    uint8_t lamps;
    bool streaming, led, blink, host_heard, wd_reset;
    uint32_t last_host_us, blink_t;
    uint32_t loop_max_us, pass_start;
    bool passes_timed;
    rig_counters c;
} S;

/* ---- sending ------------------------------------------------------------------------------ */

static bool send_small(uint8_t type, const uint8_t *body, uint8_t len)
{
    uint8_t buf[SMALL_WIRE];
    uint16_t n = rig_encode(type, body, len, buf, sizeof buf);
    if (n == 0 || hal_tx_free() < n)
        return false;
    hal_tx_write(buf, n);
    return true;
}

/* A reply that does not fit now is dropped, not queued: the host asks again. */
static void reply(uint8_t type, const uint8_t *body, uint8_t len)
{
    if (!send_small(type, body, len))
        S.c.tx_dropped++;
}

static void report_error(uint8_t code)
{
    uint8_t body[RIG_LEN_ERROR];
    S.err_count[code]++;
    body[0] = code;
    rig_put_u16(body + 1, S.err_count[code]);
    reply(RIG_MSG_ERROR, body, sizeof body);
}

static uint8_t hello_flags(void)
{
    return (uint8_t)(S.flags_stored | (S.wd_reset ? RIG_FLAG_WATCHDOG_RESET : 0));
}

static void send_hello(void)
{
    uint8_t b[RIG_LEN_HELLO];
    b[0] = RIG_PROTO_MAJOR;
    b[1] = RIG_PROTO_MINOR;
    b[2] = RIG_FW_MAJOR;
    b[3] = RIG_FW_MINOR;
    b[4] = RIG_FW_PATCH;
    b[5] = RIG_HELLO_BOARD;
    b[6] = RIG_ROWS;
    b[7] = RIG_COLS;
    b[8] = RIG_ADC_BITS;
    b[9] = hello_flags();
    rig_put_u32(b + 10, rig_get_u32(S.ee_hdr + EE_H_ID));
    rig_put_u32(b + 14, (uint32_t)RIG_BAUD);
    rig_put_u16(b + 18, (uint16_t)(F_CPU / RIG_ADC_PRESCALER / 1000u));
    rig_put_u16(b + 20, RIG_SETTLE_US);
    rig_put_u16(b + 22, RIG_SETTLES_PER_FRAME);
    reply(RIG_MSG_HELLO, b, sizeof b);
}

static uint16_t sat16(uint32_t v) { return v > 0xFFFFu ? 0xFFFFu : (uint16_t)v; }

static void send_stats(void)
{
    const rig_decoder_stats *d = &S.dec.stats;
    uint8_t b[RIG_LEN_STATS];
    rig_put_u32(b + 0, S.c.frames);
    rig_put_u32(b + 4, S.c.frames_waited);
    rig_put_u32(b + 8, d->packets - S.rx_board_types);
    rig_put_u16(b + 12, d->crc);
    rig_put_u16(b + 14, (uint16_t)(d->cobs + d->shortened + d->length));
    rig_put_u16(b + 16, (uint16_t)(d->unknown_type + S.rx_board_types));
    rig_put_u16(b + 18, d->oversize);
    rig_put_u16(b + 20, S.c.tx_dropped);
    rig_put_u16(b + 22, sat16(S.loop_max_us));
    S.loop_max_us = 0;
    reply(RIG_MSG_STATS, b, sizeof b);
}

/* ---- EEPROM ------------------------------------------------------------------------------- */

static uint32_t mix32(uint32_t h)
{
    /* MurmurHash3's finaliser: every input bit reaches every output bit. */
    h ^= h >> 16;
    h *= 0x85EBCA6BUL;
    h ^= h >> 13;
    h *= 0xC2B2AE35UL;
    h ^= h >> 16;
    return h;
}

/* A new board id: four rounds of id = mix32(id ^ entropy ^ i * 0x9E3779B9), starting from the
 * old block's id, then drawn again while it is 0 or 0xFFFFFFFF (the test_core's guard test
 * inverts exactly this to force those draws). */
static uint32_t new_board_id(uint32_t seed)
{
    uint32_t id = seed;
    for (uint8_t i = 0; i < 4; i++)
        id = mix32(id ^ hal_entropy() ^ (uint32_t)i * 0x9E3779B9UL);
    while (id == 0 || id == 0xFFFFFFFFUL)       /* both look like blank or cleared EEPROM */
        id = mix32(id ^ hal_entropy() ^ 0x5BD1E995UL);
    return id;
}

static uint8_t ee_desired(uint16_t a)
{
    if (a < EE_HDR)
        return S.ee_hdr[a];
    if (S.ee_region != EE_REGION_NONE) {
        uint16_t base = S.ee_region == 1 + RIG_CAL_DARK ? EE_DARK : EE_BRIGHT;
        if (a >= base && a < base + 2u * N)
            return S.cal[RIG_GRID_HEADER + (a - base)];
    }
    return hal_eeprom_read(a);
}

/* Rewrites the block as S.ee_hdr and the region say: walks it in address order, computing the
 * CRC as it goes, writing only the bytes that differ, one per pass. */
static void ee_start(uint8_t region)
{
    S.ee_job = true;
    S.ee_region = region;
    S.ee_addr = 0;
    S.ee_crc = 0xFFFFu;
}

static void ee_step(void)
{
    if (!S.ee_job || hal_eeprom_busy())
        return;
    for (uint8_t k = 0; k < EE_CHUNK; k++) {
        uint16_t a = S.ee_addr;
        uint8_t want;
        if (a == EE_LEN) {
            S.ee_job = false;
            S.flags_stored = S.ee_hdr[EE_H_FLAGS];
            return;
        }
        if (a < EE_CRC) {
            want = ee_desired(a);
            S.ee_crc = rig_crc16_update(S.ee_crc, want);
        } else {
            want = a == EE_CRC ? (uint8_t)S.ee_crc : (uint8_t)(S.ee_crc >> 8);
        }
        S.ee_addr++;
        if (hal_eeprom_read(a) != want) {
            hal_eeprom_write(a, want);
            return;
        }
    }
}

/* At start-up (before the watchdog runs): reads and checks the whole block. */
static bool ee_load(void)
{
    uint16_t crc = 0xFFFFu;
    if (hal_eeprom_size() < EE_LEN)
        return false;
    for (uint16_t a = 0; a < EE_CRC; a++) {
        uint8_t v = hal_eeprom_read(a);
        crc = rig_crc16_update(crc, v);
        if (a < EE_HDR)
            S.ee_hdr[a] = v;
    }
    uint16_t stored = (uint16_t)(hal_eeprom_read(EE_CRC) | (hal_eeprom_read(EE_CRC + 1) << 8));
    uint32_t id = rig_get_u32(S.ee_hdr + EE_H_ID);
    return crc == stored && S.ee_hdr[0] == EE_MAGIC0 && S.ee_hdr[1] == EE_MAGIC1 &&
           S.ee_hdr[2] == EE_LAYOUT && S.ee_hdr[3] == RIG_ROWS && S.ee_hdr[4] == RIG_COLS &&
           (S.ee_hdr[EE_H_FLAGS] & ~(RIG_FLAG_DARK_STORED | RIG_FLAG_BRIGHT_STORED)) == 0 &&
           id != 0 && id != 0xFFFFFFFFUL;
}

/* ---- scanning ----------------------------------------------------------------------------- */

static uint16_t cell_of(uint8_t bank, uint8_t ch, uint8_t sel)
{
    return (uint16_t)(((uint16_t)bank * RIG_ADC_CHANNELS + ch) * RIG_MUX_CHANNELS + sel);
}

/* Moves bank/sel on to the next select position that has at least one cell; false at the end
 * of the scan. */
static bool next_select(void)
{
    for (;;) {
        if (++S.sel == RIG_MUX_CHANNELS) {
            S.sel = 0;
            if (++S.bank == RIG_BANKS)
                return false;
        }
        if (cell_of(S.bank, 0, S.sel) < N)
            return true;
    }
}

static void select_now(void)
{
    hal_mux_select(S.bank, S.sel);
    S.t_select = hal_micros();
    S.phase = PH_SETTLE;
}

static void scan_begin(void)
{
    uint8_t *p = S.pkt[S.cur];
    p[0] = RIG_MSG_FRAME;
    p[3] = RIG_ROWS;
    p[4] = RIG_COLS;
    if (S.cal_state == CAL_ARMED)
        S.cal_state = CAL_CAPTURING;
    S.cal_in_scan = S.cal_state == CAL_CAPTURING;
    S.bank = 0;
    S.sel = 0;
    select_now();
    S.scan_t0 = S.t_select;
}

static void cal_scan_done(void)
{
    if (++S.cal_scans < RIG_CAL_SCANS)
        return;
    for (uint16_t i = 0; i < N; i++) {
        uint8_t *v = S.cal + RIG_GRID_HEADER + 2u * i;
        rig_put_u16(v, (uint16_t)((rig_get_u16(v) + RIG_CAL_SCANS / 2) / RIG_CAL_SCANS));
    }
    S.cal_state = CAL_STORE_WAIT;
}

/* A scan is complete in pkt[cur]: hand it to the finisher if streaming (or hold it while the
 * finisher is busy); the next one begins when scan_due says. */
static void scan_complete(void)
{
    S.scan_us = hal_micros() - S.scan_t0;
    S.c.scans++;
    if (S.cal_in_scan)
        cal_scan_done();
    S.cal_in_scan = false;
    S.phase = PH_HOLD;
}

static void scan_release(void)
{
    /* PH_HOLD: the finished packet becomes the one to send. One waiting that the finisher has
     * not started on is older: it is replaced (its buffer is scanned into next), so a frame
     * always carries the newest complete scan and a light change never queues behind scans
     * taken before it. Only while the finisher reads the waiting packet does the scan hold. */
    if (S.streaming) {
        if (S.frame_ready && S.fin_state == FIN_FRAME)
            return;
        if (S.frame_ready)
            S.c.scans_replaced++;
        S.fin_buf = S.cur;
        S.cur ^= 1;
        S.frame_ready = true;
    }
    S.phase = PH_BEGIN;         /* the next scan begins when scan_due() says */
}

/* On a wire-bound grid the next scan begins just in time: so that it ends when the finisher
 * will take it, which is when the transmit buffer, the frame being encoded or waiting for room
 * and the complete scan waiting for the finisher have gone out down to FIN_LEAD bytes (at 10
 * bit-times a byte; simavr's 11 make it end a little early). Scanned back to back instead, a
 * light change waited on average half a scan more: for the scan that held it to end, and then
 * behind newer scans that only replaced each other. The last scan's length, a sixteenth and
 * SCAN_SLACK_US are allowed for the next one (the ADC is chained by interrupt and the finisher
 * works between scans, so one scan is as long as the next). Not streaming, or scan-bound, it
 * begins at once. */
#define SCAN_SLACK_US 250UL
static bool scan_due(void)
{
    if (!S.streaming)
        return true;
    uint16_t pending = (uint16_t)(S.tx_cap - hal_tx_free());
    if (S.out_kind == OUT_FILLING)
        pending += GRID_WIRE;
    else if (S.out_kind != OUT_NONE)
        pending += S.out_len;
    if (S.frame_ready && S.fin_state != FIN_FRAME)
        pending += GRID_WIRE;
    if (pending <= FIN_LEAD)
        return true;
    uint32_t wait_us = (uint32_t)(pending - FIN_LEAD) * (10000000UL / RIG_BAUD);
    return wait_us <= S.scan_us + S.scan_us / 16u + SCAN_SLACK_US;
}

/* The conversion of cell S.cell on ADC channel ch starts; the next channel of the same select
 * position (if it has a cell) is worked out now, so that when this conversion ends the next one
 * starts without any arithmetic in between. Cells on one select position are 16 apart. */
static void convert(uint8_t ch, uint16_t cell)
{
    hal_adc_start(ch);
    S.ch = ch;
    S.cell = cell;
    S.next_ch = (ch + 1u < RIG_ADC_CHANNELS && cell + RIG_MUX_CHANNELS < N) ? (uint8_t)(ch + 1u) : NO_CH;
}

/* A conversion has ended (phase PH_CONVERT, ADC idle): the next one starts first, then the
 * value is booked. True when a conversion was started. */
static bool convert_done(void)
{
    uint16_t v = hal_adc_result();
    uint16_t cell = S.cell;
    bool started = false, done = false;
    if (S.next_ch != NO_CH) {
        convert(S.next_ch, (uint16_t)(cell + RIG_MUX_CHANNELS));
        started = true;
    } else if (next_select()) {
        select_now();
    } else {
        done = true;
    }
    rig_put_u16(S.pkt[S.cur] + PKT_VALUES + 2u * cell, v);
    if (S.cal_in_scan) {
        uint8_t *sum = S.cal + RIG_GRID_HEADER + 2u * cell;
        rig_put_u16(sum, (uint16_t)(rig_get_u16(sum) + v));
    }
    if (done)
        scan_complete();
    return started;
}

/* One step of the scan outside a running conversion; true when it started one. */
static bool scan_other(void)
{
    switch (S.phase) {
    case PH_BEGIN:
        if (scan_due())
            scan_begin();
        return false;
    case PH_HOLD:
        scan_release();
        return false;
    case PH_SETTLE:
        /* More than RIG_SETTLE_US whole microseconds: both readings are truncated, so only
         * then has the full settle time surely passed. */
        if ((uint32_t)(hal_micros() - S.t_select) <= RIG_SETTLE_US)
            return false;
        S.phase = PH_CONVERT;
        convert(0, cell_of(S.bank, 0, S.sel));
        return true;
    default:
        return false;
    }
}

/* The finisher: CRC and COBS together, FIN_CHUNK bytes at a time, straight into out (once out
 * is free), so that no pass ever encodes a whole grid message: FRAMEs, and CAL_DATA (which goes
 * first). The packet is type | body (GRID_BODY bytes) | crc. The COBS is the standard one
 * (PROTOCOL.md): a run of 254 non-zero bytes is code 0xFF with no implied zero, and a final
 * full run gets no extra code byte. */
static void fin_start(uint8_t what, const uint8_t *body)
{
    S.fin_state = what;
    S.fin_body = body;
    S.out_kind = OUT_FILLING;
    S.fin_pos = 0;
    S.fin_crc = 0xFFFFu;
    S.fin_code_pos = 0;
    S.fin_out = 1;
    S.fin_code = 1;
}

static void fin_chunk(void)
{
    if (S.fin_state == FIN_NONE) {
        if (S.out_kind != OUT_NONE)
            return;
        if (S.cal_state == CAL_REPLY) {
            S.cal[0] = S.cal_which;
            S.cal[2] = RIG_ROWS;
            S.cal[3] = RIG_COLS;
            S.cal_state = CAL_SENDING;
            fin_start(FIN_CAL, S.cal);
        } else if (S.frame_ready) {
            /* A frame is encoded only once the transmit buffer has room for the longest one and
             * the reply reserve, and holds no more than FIN_LEAD bytes, so that it goes out as
             * soon as it is encoded and right behind the one before: encoded earlier, it would
             * wait in out (or in the buffer) while newer scans are taken (the newest one is
             * encoded instead, see scan_release). Room only grows until tx_step writes it. */
            uint16_t free = hal_tx_free();
            if (free < GRID_WIRE + TX_RESERVE || (uint16_t)(S.tx_cap - free) > FIN_LEAD) {
                if (!S.fin_waited) {
                    S.fin_waited = true;
                    S.c.frames_waited++;
                }
                return;
            }
            /* frame_no: the frames sent before this one (none is waiting: out was free). */
            uint8_t *body = S.pkt[S.fin_buf] + 1;
            rig_put_u16(body, (uint16_t)S.c.frames);
            fin_start(FIN_FRAME, body);
        } else {
            return;
        }
    }
    const uint8_t *body = S.fin_body;
    uint8_t type = S.fin_state == FIN_CAL ? RIG_MSG_CAL_DATA : RIG_MSG_FRAME;
    uint16_t i = S.fin_pos, o = S.fin_out, code_pos = S.fin_code_pos, crc = S.fin_crc;
    uint8_t code = S.fin_code;
    uint16_t end = i + FIN_CHUNK;
    if (end > GRID_PACKET)
        end = GRID_PACKET;
    for (; i < end; i++) {
        uint8_t b;
        if (i < GRID_PACKET - 2u) {
            b = i ? body[i - 1u] : type;
            crc = crc_step(crc, b);
        } else {
            b = i == GRID_PACKET - 2u ? (uint8_t)crc : (uint8_t)(crc >> 8);   /* little-endian */
        }
        if (b == 0) {
            S.out[code_pos] = code;
            code_pos = o++;
            code = 1;
        } else {
            S.out[o++] = b;
            if (++code == 0xFF && i + 1u < GRID_PACKET) {
                S.out[code_pos] = code;
                code_pos = o++;
                code = 1;
            }
        }
    }
    S.fin_pos = i;
    S.fin_out = o;
    S.fin_code_pos = code_pos;
    S.fin_crc = crc;
    S.fin_code = code;
    if (i < GRID_PACKET)
        return;
    S.out[code_pos] = code;
    S.out[o++] = 0;
    S.out_len = o;
    S.out_waited = S.fin_waited;    /* a frame that waited already is counted once */
    S.fin_waited = false;
    if (S.fin_state == FIN_CAL) {
        S.out_kind = OUT_CAL;
        S.cal_state = CAL_IDLE;
    } else {
        S.out_kind = OUT_FRAME;
        S.frame_ready = false;
    }
    S.fin_state = FIN_NONE;
}

/* ---- calibration -------------------------------------------------------------------------- */

static void cal_step(void)
{
    switch (S.cal_state) {
    case CAL_IDLE:
        if (S.cal_req_capture) {
            S.cal_which = (S.cal_req_capture & 1u) ? RIG_CAL_DARK : RIG_CAL_BRIGHT;
            S.cal_req_capture &= (uint8_t)~(1u << S.cal_which);
            memset(S.cal, 0, sizeof S.cal);
            S.cal_scans = 0;
            S.cal_state = CAL_ARMED;    /* counts from the next scan that starts */
        } else if (S.cal_req_read && !S.ee_job) {
            S.cal_which = (S.cal_req_read & 1u) ? RIG_CAL_DARK : RIG_CAL_BRIGHT;
            S.cal_req_read &= (uint8_t)~(1u << S.cal_which);
            S.cal[1] = (S.flags_stored >> S.cal_which) & 1u;
            S.cal_pos = 0;
            S.cal_state = CAL_READING;
        }
        return;
    case CAL_STORE_WAIT:
        if (S.ee_job)
            return;
        S.ee_hdr[EE_H_FLAGS] |= (uint8_t)(1u << S.cal_which);
        ee_start((uint8_t)(1u + S.cal_which));
        S.cal[1] = 1;
        S.cal_state = CAL_STORING;
        return;
    case CAL_STORING:
        if (!S.ee_job)
            S.cal_state = CAL_REPLY;
        return;
    case CAL_READING: {
        /* From EEPROM a chunk per pass; zeros when nothing is stored. */
        uint16_t base = S.cal_which == RIG_CAL_DARK ? EE_DARK : EE_BRIGHT;
        uint16_t end = S.cal_pos + 2u * EE_CHUNK;
        if (end > 2u * N)
            end = 2u * N;
        for (uint16_t i = S.cal_pos; i < end; i++)
            S.cal[RIG_GRID_HEADER + i] = S.cal[1] ? hal_eeprom_read((uint16_t)(base + i)) : 0;
        S.cal_pos = end;
        if (end == 2u * N)
            S.cal_state = CAL_REPLY;
        return;
    }
    case CAL_REPLY:
    case CAL_SENDING:
        /* CAL_DATA is as long as a frame: the finisher (fin_chunk) encodes it, ahead of the
         * next frame, and moves the state on. */
        return;
    default:
        return;     /* ARMED, CAPTURING: the scan moves them on */
    }
}

/* ---- the host's messages ------------------------------------------------------------------ */

static bool which_ok(const uint8_t *body)
{
    if (body[0] <= RIG_CAL_BRIGHT)
        return true;
    report_error(RIG_ERR_BAD_ARGUMENT);
    return false;
}

static void on_packet(void *ctx, uint8_t type, const uint8_t *body, uint16_t len)
{
    (void)ctx;
    (void)len;      /* the decoder checked it against the type */
    S.host_heard = true;
    S.last_host_us = hal_micros();
    switch (type) {
    case RIG_MSG_HELLO_REQ:
        send_hello();
        break;
    case RIG_MSG_LAMPS:
        S.lamps = body[0];
        hal_lamps(S.lamps);
        break;
    case RIG_MSG_PING: {
        uint8_t b[RIG_LEN_PONG];
        memcpy(b, body, 4);
        rig_put_u32(b + 4, hal_micros());
        reply(RIG_MSG_PONG, b, sizeof b);
        break;
    }
    case RIG_MSG_CAL_CAPTURE:
        if (which_ok(body))
            S.cal_req_capture |= (uint8_t)(1u << body[0]);
        break;
    case RIG_MSG_CAL_READ:
        if (which_ok(body))
            S.cal_req_read |= (uint8_t)(1u << body[0]);
        break;
    case RIG_MSG_STREAM:
        if (body[0] > 1) {
            report_error(RIG_ERR_BAD_ARGUMENT);
            break;
        }
        S.streaming = body[0] != 0;
        if (!S.streaming) {
            /* Frames not yet on the wire go: frame_no counts only frames sent. */
            S.frame_ready = false;
            if (S.fin_state == FIN_FRAME) {
                S.fin_state = FIN_NONE;
                S.out_kind = OUT_NONE;
            }
            if (S.out_kind == OUT_FRAME)
                S.out_kind = OUT_NONE;
        }
        break;
    case RIG_MSG_STATS_REQ:
        send_stats();
        break;
    default:
        /* A board-to-host message sent to the board: well formed, but not for us. */
        S.rx_board_types++;
        report_error(RIG_ERR_RX_UNKNOWN);
        break;
    }
}

static void on_drop(void *ctx, uint8_t reason)
{
    (void)ctx;
    switch (reason) {
    case RIG_DROP_CRC: report_error(RIG_ERR_RX_CRC); break;
    case RIG_DROP_UNKNOWN_TYPE: report_error(RIG_ERR_RX_UNKNOWN); break;
    case RIG_DROP_OVERSIZE: report_error(RIG_ERR_RX_OVERSIZE); break;
    default: report_error(RIG_ERR_RX_LENGTH); break;
    }
}

static void rx_step(void)
{
    /* A bounded number per pass keeps the pass short whatever the host sends. */
    for (uint8_t i = 0; i < 16; i++) {
        int16_t b = hal_rx_read();
        if (b < 0)
            return;
        rig_decoder_feed(&S.dec, (uint8_t)b);
    }
}

/* ---- buttons, output, LED ----------------------------------------------------------------- */

/* Every millisecond: the buttons are sampled and the LED follows the host. */
static void ms_tick(uint32_t now)
{
    if ((int32_t)(now - S.btn_next) < 0)
        return;
    S.btn_next += BUTTON_SAMPLE_US;
    if ((int32_t)(now - S.btn_next) >= 0)       /* the loop was late: sample on from now */
        S.btn_next = now + BUTTON_SAMPLE_US;
    uint8_t down = hal_buttons_down();
    for (uint8_t b = 0; b < RIG_BUTTONS; b++) {
        if (!(down & (1u << b))) {
            S.btn_run[b] = 0;
        } else if (S.btn_run[b] < RIG_DEBOUNCE_MS && ++S.btn_run[b] == RIG_DEBOUNCE_MS) {
            /* Accepted once, after 20 steady samples; held longer it stays one press. */
            S.btn_count[b]++;
            S.btn_unsent |= (uint8_t)(1u << b);
        }
    }

    if (S.host_heard && (uint32_t)(now - S.last_host_us) >= HOST_QUIET_US)
        S.host_heard = false;
    if ((uint32_t)(now - S.blink_t) >= BLINK_US) {
        S.blink_t += BLINK_US;
        S.blink = !S.blink;
    }
    bool on = S.host_heard || S.blink;
    if (on != S.led) {
        S.led = on;
        hal_status_led(on);
    }
}

static void tx_step(void)
{
    /* Button events are not replies: one that does not fit waits, carrying the running
     * count, so a press is never lost. */
    for (uint8_t b = 0; b < RIG_BUTTONS && S.btn_unsent; b++) {
        if (!(S.btn_unsent & (1u << b)))
            continue;
        uint8_t body[RIG_LEN_BUTTON];
        body[0] = b;
        rig_put_u16(body + 1, S.btn_count[b]);
        if (send_small(RIG_MSG_BUTTON, body, sizeof body))
            S.btn_unsent &= (uint8_t)~(1u << b);
    }
    if (S.out_kind != OUT_FRAME && S.out_kind != OUT_CAL)
        return;
    uint16_t need = S.out_len + (S.out_kind == OUT_FRAME ? TX_RESERVE : 0u);
    if (hal_tx_free() < need) {
        if (S.out_kind == OUT_FRAME && !S.out_waited) {
            S.out_waited = true;
            S.c.frames_waited++;
        }
        return;
    }
    hal_tx_write(S.out, S.out_len);
    if (S.out_kind == OUT_FRAME)
        S.c.frames++;
    S.out_kind = OUT_NONE;
}

/* ---- the two entry points ----------------------------------------------------------------- */

void rig_setup(void)
{
    memset(&S, 0, sizeof S);
    hal_init();
    S.tx_cap = hal_tx_free();   /* nothing written yet */
    S.wd_reset = hal_reset_was_watchdog();
    S.streaming = true;
    S.lamps = 0;
    hal_lamps(0);
    hal_status_led(false);
    rig_decoder_init(&S.dec, S.rx_buf, sizeof S.rx_buf, on_packet, on_drop, NULL);

    bool ee_ok = ee_load();
    if (ee_ok) {
        S.flags_stored = S.ee_hdr[EE_H_FLAGS];
    } else {
        uint32_t seed = rig_get_u32(S.ee_hdr + EE_H_ID);
        S.ee_hdr[0] = EE_MAGIC0;
        S.ee_hdr[1] = EE_MAGIC1;
        S.ee_hdr[2] = EE_LAYOUT;
        S.ee_hdr[3] = RIG_ROWS;
        S.ee_hdr[4] = RIG_COLS;
        S.ee_hdr[EE_H_FLAGS] = 0;
        rig_put_u32(S.ee_hdr + EE_H_ID, new_board_id(seed));
        S.flags_stored = 0;
        /* Only the header and the CRC are written (12 bytes, ~40 ms): the calibration areas
         * keep whatever they hold, covered by the new CRC but unused while their flags are
         * clear, instead of 4n bytes of zeros that take seconds (3.4 ms a byte). */
        if (hal_eeprom_size() >= EE_LEN)
            ee_start(EE_REGION_NONE);
    }

    uint32_t now = hal_micros();
    S.btn_next = now + BUTTON_SAMPLE_US;
    S.blink_t = now;
    S.phase = PH_BEGIN;
    /* A reset can cut a frame in half on the wire: a 0x00 first ends it for the host (an empty
     * frame, ignored), so that HELLO is not lost in the host's resynchronisation. */
    static const uint8_t delimiter = 0;
    hal_tx_write(&delimiter, 1);
    send_hello();
    if (S.wd_reset)
        report_error(RIG_ERR_WATCHDOG);
    if (!ee_ok)
        report_error(RIG_ERR_EEPROM);
    hal_watchdog_start();
}

/* Between any two jobs of a pass: a look at the ADC cheap enough to do often; the finisher gets
 * its chunk right after a conversion starts, while the ADC works. Only while it works: when
 * the AVR HAL's interrupt has run ahead (the next conversion ended already), the scan catches
 * up first, so that a select change is not held up by a chunk for each conversion behind. */
#define SCAN()                                                          \
    do {                                                                \
        if ((S.phase == PH_CONVERT ? !hal_adc_busy() && convert_done()  \
                                   : scan_other()) && hal_adc_busy())   \
            fin_chunk();                                                \
    } while (0)

void rig_poll(void)
{
    /* One clock reading a pass: it also times the pass before (loop_max_us). */
    uint32_t now = hal_micros();
    SCAN();
    uint32_t dt = now - S.pass_start;
    S.pass_start = now;
    if (dt > S.loop_max_us && S.passes_timed)
        S.loop_max_us = dt;
    S.passes_timed = true;
    hal_watchdog_kick();
    /* The scan is stepped between the other jobs so that a finished conversion waits for at
     * most one short job before the next one starts: on the ADC-bound grids that wait is
     * what separates the frame rate from its limit. */
    SCAN();
    rx_step();
    SCAN();
    ms_tick(now);
    SCAN();
    tx_step();
    SCAN();
    cal_step();
    SCAN();
    ee_step();
    /* No conversion to overlap with: the scan waits, the finisher works. */
    for (uint8_t i = 0; i < FIN_PASS_CHUNKS && (S.phase == PH_HOLD || S.phase == PH_BEGIN); i++)
        fin_chunk();
    SCAN();
}

const rig_counters *rig_counters_get(void)
{
    S.c.loop_max_us = sat16(S.loop_max_us);
    S.c.board_id = rig_get_u32(S.ee_hdr + EE_H_ID);
    S.c.flags = hello_flags();
    S.c.eeprom_idle = !S.ee_job;
    S.c.streaming = S.streaming;
    S.c.lamps = S.lamps;
    S.c.led = S.led;
    return &S.c;
}
