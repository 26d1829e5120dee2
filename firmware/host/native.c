/* The native rig emulator: the rig's portable core (rig_core.c) on this computer, speaking the
 * protocol over a pseudo-terminal, for people without a board.
 *
 *   mark1-rig-native [--grid 8x8|16x16|20x20] [--eeprom FILE]
 *
 * The ADC converts in 13 ADC clocks (250 kHz: 16 MHz / rig_board.h's prescaler 64) and the
 * transmit ring drains at 115200 / 10 bytes a second, as on an Arduino, so frame rates are a real
 * board's. The board's clock keeps up with the wall clock in 1 ms batches (a sleep in between),
 * so it costs little CPU. HELLO says board 3 (native).
 * EEPROM lives in FILE (kept across runs; created if missing) or, by default, in memory.
 *
 * The control language, firmware/control/control.c, shared with the simavr harness:
 *   stdout, line 1: the pty's path. Then `lamps 0xHH` when the latched lamps change, `led 0|1`
 *     when the status LED changes, `reset` when the board restarts (watchdog or `reset`).
 *   stdin, one command per line: `light V0 .. V(n-1)` (millivolts 0-5000, row-major; 500 mV
 *     until the first), `press LEFT|RIGHT|TRAIN MS [BOUNCES]`, `reset`, `quit`. End of input
 *     quits too. A bad command: one line on stderr starting `? `, and the emulator goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "native.h"
#include "rig_protocol.h"

#define OUT_CAP 8192            /* bytes the wire has sent but the pty has not yet taken */
/* The board runs in batches: each wake-up runs it, pass after pass on its own clock, up to the
 * wall clock, then sleeps BATCH_NS. A pass costs the board PASS_NS; one that only waited moves
 * its clock on to what it waits for (the ADC, the settle time), at most IDLE_STEP_NS, so that
 * the buttons are still sampled every millisecond. */
#define BATCH_NS 1000000u
#define PASS_NS 5000u
#define IDLE_STEP_NS 100000u

static const native_variant *V;
static int pty_master = -1;
static int pty_open;
static uint8_t out_buf[OUT_CAP];
static size_t out_head, out_len;
static uint8_t in_buf[HOST_RX_SIZE];
static size_t in_len;

static void on_lamps(uint8_t mask) { control_event("lamps 0x%02x", mask); }
static void on_led(bool on) { control_event("led %d", on ? 1 : 0); }

static void board_reset(bool by_watchdog)
{
    control_event("reset");
    host_reset(by_watchdog);
    V->setup();
}

/* ---- the wire <-> the pty ----------------------------------------------------------------- */

static void wire_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    /* Nobody listening, or a reader that stopped reading: the bytes are lost, as on a wire. */
    for (size_t i = 0; i < len && pty_open && out_len < OUT_CAP; i++)
        out_buf[(out_head + out_len++) % OUT_CAP] = data[i];
}

static void pty_service(void)
{
    struct pollfd p = {.fd = pty_master, .events = POLLIN | POLLOUT};
    if (poll(&p, 1, 0) < 0)
        return;
    /* The host's bytes first, even when it has closed the port since: what it wrote before
     * closing reaches the board, as over a cable (a LAMPS just before the close was lost). */
    if (in_len) {
        size_t n = host_rx_push(in_buf, in_len);
        memmove(in_buf, in_buf + n, in_len - n);
        in_len -= n;
    }
    if ((p.revents & POLLIN) && in_len == 0) {
        ssize_t n = read(pty_master, in_buf, sizeof in_buf);
        if (n > 0) {
            size_t k = host_rx_push(in_buf, (size_t)n);
            memmove(in_buf, in_buf + k, (size_t)n - k);
            in_len = (size_t)n - k;
        }
    }
    /* POLLHUP while no process holds the slave open: the board's bytes written then would
     * reach the next opener stale, so they are dropped instead (as the simavr harness does). */
    pty_open = !(p.revents & POLLHUP);
    if (!pty_open) {
        out_len = 0;
        return;
    }
    while (out_len && (p.revents & POLLOUT)) {
        size_t chunk = out_head + out_len > OUT_CAP ? OUT_CAP - out_head : out_len;
        ssize_t n = write(pty_master, out_buf + out_head, chunk);
        if (n <= 0)
            break;              /* the reader's buffer is full: again next pass */
        out_head = (out_head + (size_t)n) % OUT_CAP;
        out_len -= (size_t)n;
    }
}

static void pty_start(void)
{
    pty_master = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty_master < 0 || grantpt(pty_master) < 0 || unlockpt(pty_master) < 0) {
        fprintf(stderr, "mark1-rig-native: cannot make a pty: %s\n", strerror(errno));
        exit(2);
    }
    const char *name = ptsname(pty_master);
    int slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (slave < 0) {
        fprintf(stderr, "mark1-rig-native: cannot open the pty's slave: %s\n", strerror(errno));
        exit(2);
    }
    /* Raw bytes both ways: no echo (the board would read its own frames back), no line
     * editing, no CR/LF translation. A host program sets its own modes when it opens it. */
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    close(slave);
    fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
    control_event("%s", name);
}

/* ---- commands (the language is control/control.c's) --------------------------------------- */

static void set_light(const uint16_t *mv, unsigned n)
{
    (void)n;                    /* always the grid's cells: control_ops.cells */
    host_set_light_mv(mv);
}

static bool press(unsigned button, unsigned ms, unsigned bounces)
{
    return host_press((uint8_t)button, ms, bounces);
}

static void external_reset(void) { board_reset(false); }

static control_ops control = {
    .mv_max = HOST_MV_MAX, .set_light = set_light, .press = press, .reset = external_reset,
};

/* ---- set-up and the loop ------------------------------------------------------------------ */

static void eeprom_open(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        fprintf(stderr, "mark1-rig-native: cannot open the EEPROM file %s: %s\n", path,
                strerror(errno));
        exit(2);
    }
    uint8_t *ee = host_eeprom();
    ssize_t n = pread(fd, ee, V->cfg.eeprom_size, 0);
    if (n < 0)
        n = 0;
    /* A new or short file: the rest reads as erased EEPROM, and the file gets its full size. */
    memset(ee + n, 0xFF, V->cfg.eeprom_size - (size_t)n);
    if (pwrite(fd, ee, V->cfg.eeprom_size, 0) != (ssize_t)V->cfg.eeprom_size) {
        fprintf(stderr, "mark1-rig-native: cannot write the EEPROM file %s\n", path);
        exit(2);
    }
    host_eeprom_attach_fd(fd);
}

static void usage(FILE *f)
{
    fputs("usage: mark1-rig-native [--grid 8x8|16x16|20x20] [--eeprom FILE]\n", f);
}

int main(int argc, char **argv)
{
    const native_variant *variants[] = {&native_g8x8, &native_g16x16, &native_g20x20};
    const char *eeprom_path = NULL;
    V = &native_g8x8;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--grid") && i + 1 < argc) {
            const char *g = argv[++i];
            V = NULL;
            for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++)
                if (!strcmp(g, variants[k]->name))
                    V = variants[k];
            if (!V) {
                fprintf(stderr, "mark1-rig-native: --grid %s: give 8x8, 16x16 or 20x20\n", g);
                return 2;
            }
        } else if (!strcmp(argv[i], "--eeprom") && i + 1 < argc) {
            eeprom_path = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    host_configure(&V->cfg);
    control.cells = (unsigned)V->cfg.rows * V->cfg.cols;
    control.grid_name = V->name;
    control_init(&control, NULL, NULL);
    /* The batches are 1 ms apart: the kernel's default 50 us timer slack would make them
     * uneven (it would not slow the board, whose clock follows the wall clock). */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    if (eeprom_path)
        eeprom_open(eeprom_path);
    host_on_lamps(on_lamps);
    host_on_led(on_led);
    pty_start();
    V->setup();

    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        uint64_t wall = (uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
                        (uint64_t)t0.tv_nsec;
        while (host_now_ns() < wall) {
            host_pass_begin();
            V->poll();
            if (host_watchdog_expired())
                board_reset(true);
            uint64_t now = host_now_ns();
            uint64_t step = PASS_NS;
            if (host_pass_idle()) {
                uint64_t until = host_busy_until_ns();
                step = until > now ? until - now : IDLE_STEP_NS;
                if (step > IDLE_STEP_NS)
                    step = IDLE_STEP_NS;
                if (step < PASS_NS)
                    step = PASS_NS;
            }
            host_advance_ns(step);
        }
        host_tx_drain(wire_sink, NULL);
        pty_service();
        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = pty_master, .events = POLLIN}};
        struct timespec ts = {0, BATCH_NS};
        /* A closed slave reports POLLHUP at once: then only stdin can wake the sleep. The
         * host's bytes wake it early, so that an answer does not wait for the batch. */
        int n = ppoll(fds, pty_open ? 2 : 1, &ts, NULL);
        if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP)) &&
            control_read(STDIN_FILENO) == CONTROL_QUIT)
            return 0;           /* `quit`, or the end of input: the controlling program is gone */
    }
}
