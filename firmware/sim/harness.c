/* The simavr harness: runs the rig's real AVR build in simavr, with the board around it.
 *
 *   mark1-rig-sim-<variant> [--stamps] FIRMWARE.elf
 *
 * One binary per board variant (uno, mega, mega-16x16): it is compiled with rig_board.h for that
 * board, so it knows the pins and the grid. It simulates what is soldered to the chip:
 *   - UART0 as a pseudo-terminal (a host program opens it like a USB serial port);
 *   - the CD74HC4067 multiplexers: whenever the select or bank-enable pins change, every ADC
 *     channel is set to the light of the cell now selected on it (millivolts);
 *   - the 74HC595 of the answer lamps (shift on clock rising edge, outputs on latch rising edge);
 *   - the status LED and the teacher buttons (a pressed button pulls its pin to ground);
 * and it runs simulated time no faster than wall time, so baud rates and frame rates are real.
 *
 * The control language (control/control.c, which the native emulator in firmware/host speaks too):
 *   stdout, line 1: the pty's path. Then one line per event: `lamps 0xHH` when the latched lamp
 *     state changes, `led 0|1` when the status LED changes, `reset` when the board restarts
 *     (watchdog or the `reset` command).
 *   stdin, one command per line:
 *     light V0 .. V(n-1)        n = rows * cols millivolts 0-5000, row-major (before the first:
 *                               every cell 500 mV)
 *     press NAME MS [BOUNCES]   LEFT, RIGHT or TRAIN held down MS ms of simulated time, after
 *                               BOUNCES 1 ms down/up pulses
 *     reset                     external reset, as the DTR line of a USB adapter does
 *     quit                      (end of input also quits, so the harness dies with its parent)
 *   A bad command: one line on stderr starting `? `, and the harness goes on.
 *
 * --stamps (for benchmarks/rig_bench.py's latency figures; the default language is unchanged):
 *   every event line ends in ` @SIM_US MONO_US`, the simulated microseconds since power-up and
 *   CLOCK_MONOTONIC in microseconds (Python's time.monotonic) when it happened, and two more
 *   events come: `light @.. ..` when a light command is applied, and `frame N @.. ..` when the
 *   first byte of FRAME number N leaves the UART. So a delay can be split into the board's own
 *   part (simulated time) and the host's and the pipes' (wall time).
 *
 * Why not simavr's uart_pty part: it always replaces the symlink /tmp/simavr-uart0 (parallel
 * simulations would fight over it), prints on stdout (line 1 must be the path) and shares its
 * fifos between two threads. The bridge here is polled from the simulation loop, one thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"
#include "sim_irq.h"

#include "control.h"
#include "rig_board.h"

#if RIG_BOARD == RIG_BOARD_ATMEGA328P
#define SIM_MCU "atmega328p"
#define SIM_ELF_ARCH 5               /* e_flags & EF_AVR_MACH: avr5 */
#else
#define SIM_MCU "atmega2560"
#define SIM_ELF_ARCH 6               /* avr6 */
#endif
#define SIM_FREQ 16000000UL          /* the Uno's and the Mega's crystal */
#define SIM_MV_MAX 5000
#define SIM_MV_DEFAULT 500

/* MCUSR, the reset-cause register: I/O 0x34 (data 0x54) on both chips. A simavr 1.6 reset
 * zeroes it with all I/O and sets only the watchdog's flag (WDRF), so the harness sets PORF at
 * power-up and EXTRF on the `reset` command, as the chip does. */
#define SIM_MCUSR 0x54
#define SIM_PORF 0x01
#define SIM_EXTRF 0x02

/* Simulation slices, in cycles: buttons and UART input are served every TICK, the pty, stdin
 * and the wall clock every IO (a pty round trip then costs at most about 0.25 ms). */
#define SIM_TICK_CYCLES 512ULL                      /* 32 us */
#define SIM_IO_CYCLES (SIM_FREQ / 4000)             /* 250 us */
#define SIM_MAX_LAG_NS 100000000LL                  /* behind wall time by more: forget it */

#define SIM_TX_CAP 1024              /* board -> pty bytes not yet taken by the pty (an adapter's
                                      * buffer: a reader that stops reading loses bytes) */
#define SIM_RX_CAP 4096              /* pty -> board bytes not yet taken by the UART */
#define SIM_PRESS_CAP 512            /* queued button edges */
#define SIM_PRESS_GAP_MS 30          /* released time between two queued presses of a button */

static avr_t *avr;
static uint16_t light_mv[RIG_CELLS];
static uint8_t pins[26];             /* the last "all pins" value seen per port, 'A' = 0 */
static avr_irq_t *adc_irq[RIG_ADC_CHANNELS];
static uint32_t adc_mv[RIG_ADC_CHANNELS];
static uint8_t sr_shift, sr_latched; /* 74HC595: shift register, output latch */
static int led_on;
static void (*core_reset)(avr_t *);
static int reset_seen;
static int stamps;                   /* --stamps */

/* ---------------------------------------------------------------- output */
/* --stamps: the end of every event line (control_event prints the rest). */
static void stamp_suffix(FILE *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(out, " @%llu %lld", (unsigned long long)(avr->cycle / (SIM_FREQ / 1000000)),
            (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
}

/* simavr logs everything to stdout when it has no avr (ELF loading): only its warnings and
 * errors are wanted, and on stderr, which is not the event stream. */
static void quiet_logger(avr_t *a, const int level, const char *fmt, va_list ap)
{
    if (level <= LOG_WARNING && (!a || a->log >= level)) {
        fputs("simavr: ", stderr);
        vfprintf(stderr, fmt, ap);
    }
}

/* ---------------------------------------------------------------- multiplexers */
static uint8_t port_pins(char port) { return pins[port - 'A']; }

/* Every ADC channel gets the cell its multiplexer now selects in the enabled bank. With no bank
 * enabled the inputs float (read here as 0 mV); two enabled banks short their outputs together,
 * which averages them: a firmware that forgets to disable one sees wrong values, as on a bench. */
static void mux_update(void)
{
    uint8_t sel = (uint8_t)((port_pins(RIG_SELECT_PORT) >> RIG_SELECT_BIT0) & 0x0F);
    for (int ch = 0; ch < RIG_ADC_CHANNELS; ch++) {
        uint32_t sum = 0, enabled = 0;
        for (int b = 0; b < RIG_BANKS; b++) {
#if RIG_BANK_PORT != 0
            if ((port_pins(RIG_BANK_PORT) >> (RIG_BANK_BIT0 + b)) & 1)
                continue;            /* EN is active low */
#endif
            int mux = b * RIG_ADC_CHANNELS + ch;
            if (mux >= RIG_MUXES)
                continue;            /* no multiplexer on this channel in this bank */
            int cell = mux * RIG_MUX_CHANNELS + sel;
            enabled++;
            if (cell < RIG_CELLS)    /* an unwired multiplexer input reads 0 mV */
                sum += light_mv[cell];
        }
        uint32_t mv = enabled ? sum / enabled : 0;
        if (mv != adc_mv[ch]) {
            adc_mv[ch] = mv;
            avr_raise_irq(adc_irq[ch], mv);
        }
    }
}

/* The ADC's data registers are read through these wrappers, for what simavr cannot feed
 * through its input IRQs:
 *   - sample and hold: a real ADC takes its input 1.5 ADC clocks after a conversion starts
 *     (13.5 for the first one after enabling) and converts that; simavr 1.6 takes the input
 *     when ADCL is read, 13 clocks later, so a firmware that switched the multiplexer during a
 *     conversion would read the new cell here and the old one on a board;
 *   - simavr 1.6 (Debian 12's) keeps input values for ADC0-7 only (fixed upstream in 1.7,
 *     commit "Fix ADCs>7"): the ATmega2560's ADC8-15 would read whatever lies after that array;
 *   - an input no multiplexer drives (the Uno's A4-A7) floats, and reads noise;
 *   - the 1.1 V bandgap reads a little noisy on a real chip, not always the same count.
 * The firmware draws its random board id from the last two; without them every simulated
 * board would draw the same id. Each is done by lending the value to ADC0's slot (or the
 * bandgap's millivolts to the mux entry) for the one call to simavr's own conversion. */
static avr_adc_t *adc;
static avr_io_read_t adcl_read, adch_read;
static void *adcl_param;
static uint64_t noise_state;
static avr_adc_mux_t sample_mux;     /* the input of the conversion running */
static uint32_t sample_mv;
static int sample_held;

static uint32_t noise(uint32_t below)
{
    noise_state ^= noise_state << 13;    /* xorshift64: plenty for electrical noise */
    noise_state ^= noise_state >> 7;
    noise_state ^= noise_state << 17;
    return (uint32_t)(noise_state % below);
}

static avr_cycle_count_t adc_sample(avr_t *a, avr_cycle_count_t when, void *param)
{
    (void)a;
    (void)when;
    (void)param;
    if (sample_mux.kind == ADC_MUX_SINGLE && sample_mux.src < 16) {
        sample_mv = sample_mux.src >= RIG_ADC_CHANNELS ? noise(SIM_MV_MAX + 1)  /* floating */
                                                       : adc_mv[sample_mux.src];
        sample_held = 1;
    }
    return 0;
}

/* simavr raises OUT_TRIGGER as a conversion starts, with ADMUX as it is then. */
static void on_adc_start(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)value;
    (void)param;
    sample_mux = adc->muxmode[avr_regbit_get_array(avr, adc->mux, ARRAY_SIZE(adc->mux))];
    sample_held = 0;
    uint8_t adps = avr_regbit_get_array(avr, adc->adps, ARRAY_SIZE(adc->adps));
    avr_cycle_count_t clock = 1u << (adps ? adps : 1);      /* CPU cycles per ADC clock */
    avr_cycle_timer_cancel(avr, adc_sample, NULL);
    avr_cycle_timer_register(avr, (adc->first ? 27 : 3) * clock / 2, adc_sample, NULL);
}

static uint8_t wrapped_adcl(avr_t *a, avr_io_addr_t addr, void *param)
{
    uint8_t muxi = avr_regbit_get_array(a, adc->mux, ARRAY_SIZE(adc->mux));
    avr_adc_mux_t mode = adc->muxmode[muxi];
    if (adc->read_status)
        return adcl_read(a, addr, param);
    avr_adc_mux_t lent = mode;
    uint16_t adc0 = adc->adc_values[0];
    if (sample_held) {
        lent.kind = ADC_MUX_SINGLE;
        lent.src = 0;
        adc->adc_values[0] = (uint16_t)sample_mv;
    } else if (mode.kind == ADC_MUX_REF && mode.src > 20) {
        lent.src = mode.src - 10 + noise(21);   /* +-10 mV, about 2 counts */
    } else {
        return adcl_read(a, addr, param);
    }
    sample_held = 0;
    adc->muxmode[muxi] = lent;
    uint8_t v = adcl_read(a, addr, param);
    adc->muxmode[muxi] = mode;
    adc->adc_values[0] = adc0;
    return v;
}

/* simavr converts on the first read of either half; ADCH first would bypass the wrapper. */
static uint8_t wrapped_adch(avr_t *a, avr_io_addr_t addr, void *param)
{
    if (!adc->read_status)
        wrapped_adcl(a, adc->r_adcl, adcl_param);
    return adch_read(a, addr, param);
}

static void adc_wrap(void)
{
    for (avr_io_t *io = avr->io_port; io; io = io->next)
        if (io->kind && !strcmp(io->kind, "adc"))
            adc = (avr_adc_t *)io;
    if (!adc) {
        fprintf(stderr, "mark1-rig-sim: this simavr's %s has no ADC\n", SIM_MCU);
        exit(2);
    }
    if (getrandom(&noise_state, sizeof noise_state, 0) != sizeof noise_state || !noise_state)
        noise_state = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^ 0x9E3779B97F4A7C15ULL;
    avr_io_addr_t l = AVR_DATA_TO_IO(adc->r_adcl), h = AVR_DATA_TO_IO(adc->r_adch);
    adcl_read = avr->io[l].r.c;
    adcl_param = avr->io[l].r.param;
    adch_read = avr->io[h].r.c;
    avr->io[l].r.c = wrapped_adcl;
    avr->io[h].r.c = wrapped_adch;
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER),
                            on_adc_start, NULL);
}

/* ---------------------------------------------------------------- pins */
/* Called with a port's "all pins" value (outputs as driven, inputs as read) whenever one of
 * them changes. */
static void port_changed(char port, uint8_t value)
{
    uint8_t old = pins[port - 'A'];
    uint8_t rose = (uint8_t)(value & ~old);
    uint8_t changed = (uint8_t)(value ^ old);
    pins[port - 'A'] = value;

    int mux_dirty = port == RIG_SELECT_PORT && (changed & (0x0F << RIG_SELECT_BIT0));
#if RIG_BANK_PORT != 0
    if (port == RIG_BANK_PORT && (changed & (((1 << RIG_BANKS) - 1) << RIG_BANK_BIT0)))
        mux_dirty = 1;
#endif
    if (mux_dirty)
        mux_update();

    if (port == RIG_SR_PORT) {
        if (rose & (1 << RIG_SR_CLOCK_BIT))   /* Q0 takes the data pin, Qn takes Qn-1 */
            sr_shift = (uint8_t)((sr_shift << 1) | ((value >> RIG_SR_DATA_BIT) & 1));
        if ((rose & (1 << RIG_SR_LATCH_BIT)) && sr_latched != sr_shift) {
            sr_latched = sr_shift;
            control_event("lamps 0x%02x", sr_latched);
        }
    }
    if (port == RIG_LED_PORT && (changed & (1 << RIG_LED_BIT))) {
        led_on = (value >> RIG_LED_BIT) & 1;
        control_event("led %d", led_on);
    }
}

static void on_port(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    port_changed((char)(intptr_t)param, (uint8_t)value);
}

static void watch_port(char port)
{
    avr_irq_t *irq = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), IOPORT_IRQ_PIN_ALL);
    if (!irq) {
        fprintf(stderr, "mark1-rig-sim: %s has no port %c: rig_board.h and the chip disagree\n",
                SIM_MCU, port);
        exit(2);
    }
    avr_irq_register_notify(irq, on_port, (void *)(intptr_t)port);
}

/* At start and after a reset every I/O register is 0 (all pins inputs, nothing driven) without
 * simavr raising a pin change: bring the board's parts up to date, and give the ADC its inputs
 * again. The 74HC595 is another chip and keeps its outputs until the firmware shifts new ones. */
static void board_sync(void)
{
    const char ports[] = {RIG_SELECT_PORT, RIG_SR_PORT, RIG_LED_PORT,
#if RIG_BANK_PORT != 0
                          RIG_BANK_PORT,
#endif
    };
    for (size_t i = 0; i < sizeof ports; i++) {
        avr_ioport_state_t st;
        if (avr_ioctl(avr, AVR_IOCTL_IOPORT_GETSTATE(ports[i]), &st) == 0)
            port_changed(ports[i], (uint8_t)((st.pin & ~st.ddr) | (st.port & st.ddr)));
    }
    for (int ch = 0; ch < RIG_ADC_CHANNELS; ch++)
        adc_mv[ch] = UINT32_MAX;     /* differs from any value: every channel is raised */
    mux_update();
}

/* ---------------------------------------------------------------- buttons */
static struct press_edge { uint64_t at; uint8_t button, down; } edges[SIM_PRESS_CAP];
static int n_edges;
static uint64_t button_busy_until[RIG_BUTTONS];
static uint8_t buttons_held;         /* bits: pins pulled to ground now */

static uint64_t ms_cycles(uint64_t ms) { return ms * (SIM_FREQ / 1000); }

static void button_set(int b, int down)
{
    uint8_t bit = (uint8_t)(1 << (RIG_BUTTON_BIT0 + b));
    buttons_held = down ? (buttons_held | bit) : (buttons_held & ~bit);
    /* simavr re-applies a port's pull-ups on every write to it (the lamps share a port with the
     * buttons on the Uno), which would undo a raised 0: held pins are declared "external" with
     * value 0, which it applies instead. */
    avr_ioport_external_t ext = {.name = RIG_BUTTON_PORT, .mask = buttons_held, .value = 0};
    avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL(RIG_BUTTON_PORT), &ext);
    uint32_t level = 0;
    if (!down) {                     /* released: high through the pull-up, if it is on */
        avr_ioport_state_t st;
        if (avr_ioctl(avr, AVR_IOCTL_IOPORT_GETSTATE(RIG_BUTTON_PORT), &st) == 0)
            level = ((st.port & ~st.ddr) & bit) ? 1 : 0;
    }
    avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(RIG_BUTTON_PORT),
                                RIG_BUTTON_BIT0 + b), level);
}

static int press(int b, unsigned ms, unsigned bounces)
{
    if (n_edges + 2 * (int)bounces + 2 > SIM_PRESS_CAP)
        return -1;
    uint64_t t = avr->cycle;
    if (button_busy_until[b] && button_busy_until[b] + ms_cycles(SIM_PRESS_GAP_MS) > t)
        t = button_busy_until[b] + ms_cycles(SIM_PRESS_GAP_MS);
    for (unsigned i = 0; i < bounces; i++) {   /* contact bounce: 1 ms closed, 1 ms open */
        edges[n_edges++] = (struct press_edge){t, (uint8_t)b, 1};
        edges[n_edges++] = (struct press_edge){t + ms_cycles(1), (uint8_t)b, 0};
        t += ms_cycles(2);
    }
    edges[n_edges++] = (struct press_edge){t, (uint8_t)b, 1};
    edges[n_edges++] = (struct press_edge){t + ms_cycles(ms), (uint8_t)b, 0};
    button_busy_until[b] = t + ms_cycles(ms);
    return 0;
}

/* Edges are queued in time order per button; buttons do not interact, so applying the due
 * ones in queue order is right. */
static void buttons_due(void)
{
    int kept = 0;
    for (int i = 0; i < n_edges; i++) {
        if (edges[i].at <= avr->cycle)
            button_set(edges[i].button, edges[i].down);
        else
            edges[kept++] = edges[i];
    }
    n_edges = kept;
}

/* ---------------------------------------------------------------- UART <-> pty */
static int pty_master = -1;
static char pty_name[128];
static int pty_open;                 /* someone holds the slave side open */
static uint8_t tx_ring[SIM_TX_CAP], rx_ring[SIM_RX_CAP];
static unsigned tx_head, tx_len, rx_head, rx_len;
static avr_irq_t *uart_in;
static int uart_xon;

/* --stamps: the first three bytes of each packet the board sends, COBS-decoded as they leave
 * the UART (type and frame_no), so that a FRAME's first byte can be stamped with its number. */
static struct { int armed, in_pkt, n; uint8_t code, left, hdr[3]; } stamp_rx;

static void stamp_push(uint8_t b)
{
    if (stamp_rx.n >= 3)
        return;
    stamp_rx.hdr[stamp_rx.n++] = b;
    if (stamp_rx.n == 3 && stamp_rx.hdr[0] == RIG_MSG_FRAME)
        control_event("frame %u", (unsigned)(stamp_rx.hdr[1] | stamp_rx.hdr[2] << 8));
}

static void stamp_byte(uint8_t b)
{
    if (b == 0) {                    /* a delimiter: the next byte starts a packet */
        stamp_rx.armed = 1;
        stamp_rx.in_pkt = 0;
        stamp_rx.n = 0;
        return;
    }
    if (stamp_rx.armed) {            /* the packet's first COBS code byte */
        stamp_rx.armed = 0;
        stamp_rx.in_pkt = 1;
        stamp_rx.code = b;
        stamp_rx.left = (uint8_t)(b - 1);
        return;
    }
    if (!stamp_rx.in_pkt || stamp_rx.n >= 3)
        return;
    if (stamp_rx.left == 0) {        /* a code byte: the run before it ended in a zero */
        if (stamp_rx.code != 0xFF)
            stamp_push(0);
        stamp_rx.code = b;
        stamp_rx.left = (uint8_t)(b - 1);
    } else {
        stamp_push(b);
        stamp_rx.left--;
    }
}

static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (stamps)
        stamp_byte((uint8_t)value);
    /* Nobody listening, or a reader that stopped reading: the bytes are lost, as on a wire. */
    if (!pty_open || tx_len == SIM_TX_CAP)
        return;
    tx_ring[(tx_head + tx_len++) % SIM_TX_CAP] = (uint8_t)value;
}

static void on_uart_xon(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)value;
    (void)param;
    uart_xon = 1;
}

static void on_uart_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (value)
        uart_xon = 0;
}

/* Hand received bytes to the UART while its input fifo has room; simavr then delivers them
 * to the firmware one byte-time apart, as the wire would. */
static void uart_feed(void)
{
    while (uart_xon && rx_len) {
        uint8_t b = rx_ring[rx_head];
        rx_head = (rx_head + 1) % SIM_RX_CAP;
        rx_len--;
        avr_raise_irq(uart_in, b);
    }
}

static void pty_read(void)
{
    while (rx_len < SIM_RX_CAP) {
        unsigned tail = (rx_head + rx_len) % SIM_RX_CAP;
        unsigned room = tail >= rx_head ? SIM_RX_CAP - tail : rx_head - tail;
        if (room > SIM_RX_CAP - rx_len)
            room = SIM_RX_CAP - rx_len;
        ssize_t n = read(pty_master, rx_ring + tail, room);
        if (n <= 0)
            return;                  /* EAGAIN, or EIO: the slave was closed */
        rx_len += (unsigned)n;
    }
}

static void pty_write(void)
{
    while (tx_len) {
        unsigned chunk = tx_head + tx_len > SIM_TX_CAP ? SIM_TX_CAP - tx_head : tx_len;
        ssize_t n = write(pty_master, tx_ring + tx_head, chunk);
        if (n <= 0)
            return;                  /* the reader's buffer is full: try again next time */
        tx_head = (tx_head + (unsigned)n) % SIM_TX_CAP;
        tx_len -= (unsigned)n;
    }
}

/* The master reports POLLHUP while no process holds the slave open (Linux); bytes written then
 * would wait in the pty and reach the next opener stale, so they are dropped instead. */
static void pty_service(void)
{
    struct pollfd p = {.fd = pty_master, .events = POLLIN | POLLOUT};
    if (poll(&p, 1, 0) < 0)
        return;
    pty_open = !(p.revents & POLLHUP);
    if (!pty_open) {
        tx_len = 0;
        return;
    }
    if (p.revents & POLLIN)
        pty_read();
    if (p.revents & POLLOUT)
        pty_write();
}

static void pty_start(void)
{
    int slave;
    if (openpty(&pty_master, &slave, NULL, NULL, NULL) < 0) {
        fprintf(stderr, "mark1-rig-sim: cannot make a pty: %s\n", strerror(errno));
        exit(2);
    }
    /* Raw bytes both ways (a host program sets its own modes when it opens the slave). */
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    if (ttyname_r(slave, pty_name, sizeof pty_name) != 0) {
        fprintf(stderr, "mark1-rig-sim: cannot name the pty: %s\n", strerror(errno));
        exit(2);
    }
    close(slave);
    fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);

    uint32_t flags = 0;              /* no "console" echo of the UART on stdout */
    avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~AVR_UART_FLAG_STDIO;
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                            on_uart_out, NULL);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
                            on_uart_xon, NULL);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
                            on_uart_xoff, NULL);
}

/* ---------------------------------------------------------------- resets */
static void on_core_reset(avr_t *a)
{
    if (core_reset)
        core_reset(a);
    /* The reset zeroed every PIN register behind the pins' IRQs, which still hold their old
     * levels and drop a raise of the same level: the firmware's first pull-up write after the
     * reset would not reach the PIN register (buttons would read pressed), nor a driven level
     * equal to the old one reach the parts. Marked unused, each IRQ passes its next raise. */
    for (char port = 'A'; port <= 'L'; port++)
        for (int i = 0; i <= IOPORT_IRQ_PIN_ALL; i++) {
            avr_irq_t *irq = avr_io_getirq(a, AVR_IOCTL_IOPORT_GETIRQ(port), i);
            if (irq)
                irq->flags |= IRQ_FLAG_INIT;
        }
    sample_held = 0;                 /* the reset cancelled the conversion and its timer */
    control_event("reset");          /* now, before the restarted firmware's first pin event */
    reset_seen = 1;                  /* the parts are synced from the loop, once the I/O is reset */
}

static void external_reset(void)
{
    avr_reset(avr);
    avr->data[SIM_MCUSR] = SIM_EXTRF;
}

/* ---------------------------------------------------------------- commands */
/* The language is control/control.c's; what its commands do to this board: */
static void set_light(const uint16_t *mv, unsigned n)
{
    memcpy(light_mv, mv, n * sizeof mv[0]);     /* n == RIG_CELLS: control_ops.cells */
    mux_update();
    if (stamps)
        control_event("light");
}

static bool press_queued(unsigned button, unsigned ms, unsigned bounces)
{
    return press((int)button, ms, bounces) == 0;
}

static char grid_name[24];           /* "8 x 8", as the messages say it */
static const control_ops control = {
    .cells = RIG_CELLS, .grid_name = grid_name, .mv_max = SIM_MV_MAX,
    .set_light = set_light, .press = press_queued, .reset = external_reset,
};

/* ---------------------------------------------------------------- time */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t wall0;
static uint64_t cycle0;

/* The pty and stdin; and if the simulation is ahead of wall time, wait (for input, or until
 * wall time catches up). */
static void io_tick(void)
{
    pty_service();
    int64_t sim = (int64_t)((avr->cycle - cycle0) * 1000 / (SIM_FREQ / 1000000));
    int64_t ahead = sim - (now_ns() - wall0);
    if (ahead < -SIM_MAX_LAG_NS)     /* a busy machine: run on from now, do not race */
        wall0 = now_ns() - sim;
    struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                          {.fd = pty_master, .events = POLLIN}};
    int n = pty_open && rx_len < SIM_RX_CAP ? 2 : 1;
    if (ahead > 50000000LL)          /* never sleeps long: stdin and the pty wait meanwhile */
        ahead = 50000000LL;
    struct timespec wait = {0, ahead > 0 ? (long)ahead : 0};
    if (ppoll(p, (nfds_t)n, &wait, NULL) > 0) {
        if (p[0].revents && control_read(STDIN_FILENO) == CONTROL_QUIT)
            exit(0);                 /* `quit` or end of input; no uart_pty to stop: the pty
                                      * closes with the process */
        if (n == 2 && (p[1].revents & POLLIN))
            pty_read();
    }
}

/* ---------------------------------------------------------------- main */
static void no_sleep(avr_t *a, avr_cycle_count_t how_long)
{
    (void)a;
    (void)how_long;
}

/* The ELF has no MCU section (the Arduino IDE's builds have none either), so the chip is this
 * binary's; the ELF header's architecture says whether the file was built for it. */
static void check_elf(const char *path)
{
    unsigned char h[52];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mark1-rig-sim: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t got = fread(h, 1, sizeof h, f);
    fclose(f);
    if (got < sizeof h || memcmp(h, "\x7f" "ELF", 4) || h[4] != 1 || (h[18] | h[19] << 8) != 83) {
        fprintf(stderr, "mark1-rig-sim: %s is not an AVR ELF file: give the .elf of an avr-gcc "
                        "build\n", path);
        exit(2);
    }
    unsigned arch = (h[36] | (unsigned)h[37] << 8) & 0x7F;
    if (arch != SIM_ELF_ARCH) {
        fprintf(stderr, "mark1-rig-sim: %s was built for avr%u, this harness runs %s (avr%d): give "
                        "the %s build\n", path, arch, SIM_MCU, SIM_ELF_ARCH, RIG_BOARD_NAME);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--stamps")) {
        stamps = 1;
        argv++;
        argc--;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s [--stamps] FIRMWARE.elf   (%s, %d x %d grid; control lines on "
                        "stdin, see firmware/sim/harness.c)\n", argv[0], SIM_MCU, RIG_ROWS,
                RIG_COLS);
        return 2;
    }
    check_elf(argv[1]);
    snprintf(grid_name, sizeof grid_name, "%d x %d", RIG_ROWS, RIG_COLS);
    control_init(&control, NULL, NULL);
    if (stamps)
        control_stamp(stamp_suffix);
    setvbuf(stdout, NULL, _IOFBF, 4096);
    avr_global_logger_set(quiet_logger);

    /* simavr prints notes on stdout while building the chip ("skipping PORTA ..."): stdout is
     * the event stream, so it goes to /dev/null until the pty's path is printed. */
    fflush(stdout);
    int saved_stdout = dup(STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);

    elf_firmware_t fw;
    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(argv[1], &fw) != 0) {
        fprintf(stderr, "mark1-rig-sim: cannot load %s\n", argv[1]);
        return 2;
    }
    snprintf(fw.mmcu, sizeof fw.mmcu, "%s", SIM_MCU);
    fw.frequency = SIM_FREQ;
    avr = avr_make_mcu_by_name(fw.mmcu);
    if (!avr) {
        fprintf(stderr, "mark1-rig-sim: this simavr does not know the %s\n", SIM_MCU);
        return 2;
    }
    avr_init(avr);
    avr->log = LOG_WARNING;
    avr_load_firmware(avr, &fw);
    avr->frequency = SIM_FREQ;
    avr->vcc = avr->avcc = avr->aref = 5000;   /* millivolts; the ADC scales by them */
    /* The loop below keeps simulated time to wall time, sleeping included: simavr's own sleep
     * would stall the pty and stdin while the chip sleeps. */
    avr->sleep = no_sleep;
    core_reset = avr->reset;
    avr->reset = on_core_reset;
    avr->data[SIM_MCUSR] = SIM_PORF;

    for (int ch = 0; ch < RIG_ADC_CHANNELS; ch++)
        adc_irq[ch] = avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + ch);
    for (int i = 0; i < RIG_CELLS; i++)
        light_mv[i] = SIM_MV_DEFAULT;
    watch_port(RIG_SELECT_PORT);
    watch_port(RIG_SR_PORT);
    watch_port(RIG_LED_PORT);
#if RIG_BANK_PORT != 0
    watch_port(RIG_BANK_PORT);
#endif
    adc_wrap();
    board_sync();
    pty_start();

    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);
    close(saved_stdout);
    close(devnull);
    printf("%s\n", pty_name);       /* line 1: the path alone, stamps or not */
    fflush(stdout);

    wall0 = now_ns();
    cycle0 = avr->cycle;
    uint64_t next_tick = 0, next_io = 0;
    for (;;) {
        int state = avr_run(avr);
        if (state == cpu_Done || state == cpu_Crashed) {
            fprintf(stderr, "mark1-rig-sim: the firmware %s at pc 0x%05x\n",
                    state == cpu_Done ? "stopped (sleep with interrupts off)" : "crashed",
                    (unsigned)avr->pc);
            return 3;
        }
        if (avr->cycle < next_tick)
            continue;
        next_tick = avr->cycle + SIM_TICK_CYCLES;
        if (reset_seen) {
            reset_seen = 0;
            board_sync();
        }
        buttons_due();
        uart_feed();
        if (avr->cycle >= next_io) {
            next_io = avr->cycle + SIM_IO_CYCLES;
            io_tick();
        }
    }
}
