/* The host HAL: a simulated board for the core unit tests and the native rig emulator. See
 * rig_hal_host.h. Everything is static and bounded, as on the AVR. */
#define _POSIX_C_SOURCE 200809L
#include "rig_hal_host.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rig_protocol.h"

#define ADC_CLOCKS_PER_CONVERSION 13u
#define CONVERSION_NS (ADC_CLOCKS_PER_CONVERSION * (1000000000u / cfg.adc_clock_hz))
#define PRESS_MAX 16u                           /* queued presses per button */

static host_config cfg;
static host_counts counts;

/* The board's clock: moved only by host_advance_*, by the tests step by step and by the
 * emulator in step with the wall clock. */
static uint64_t fake_ns;

/* grid and ADC */
static uint16_t light_mv[RIG_MAX_CELLS];
static uint8_t sel_bank, sel_channel, prev_bank, prev_channel;
static uint64_t select_ns;
static bool adc_running;
static uint64_t adc_done_ns;
static uint16_t adc_value;

/* serial */
static uint8_t tx_ring[HOST_TX_MAX];
static size_t tx_head, tx_tail;
static uint64_t line_ns;                        /* when the wire finishes its current byte */
/* Bytes the wire has sent (their time is over) and host_tx_drain has not yet handed on: the
 * ring gives them up as the board's clock passes, as a UART's does, not only when the emulator
 * drains the wire (every millisecond of wall time) -- the board decides by the room it sees. */
static uint8_t sent[HOST_TX_MAX];
static size_t sent_len;
static uint8_t rx_ring[HOST_RX_SIZE];
static size_t rx_head, rx_tail;

/* EEPROM */
static uint8_t eeprom[HOST_EEPROM_MAX];
static uint64_t eeprom_done_ns;
static int eeprom_fd = -1;

/* buttons: per button, queued [down, up) intervals in ns */
typedef struct { uint64_t down, up; } press_iv;
static press_iv presses[RIG_BUTTONS][PRESS_MAX];
static size_t n_presses[RIG_BUTTONS];

/* lamps, LED, watchdog, reset cause */
static uint8_t lamps_latched;
static bool led_on;
static host_lamps_fn lamps_fn;
static host_led_fn led_fn;
static bool wd_started, wd_reset;
static uint64_t wd_kick_ns;

/* pass bookkeeping for the emulator's sleeping, and the log for tests */
static bool acted;
static uint64_t busy_until_ns;
static host_log_entry log_buf[HOST_LOG_MAX];
static size_t log_n;

static void log_add(uint8_t kind, uint8_t a, uint8_t b)
{
    if (log_n < HOST_LOG_MAX)
        log_buf[log_n++] = (host_log_entry){host_now_ns(), kind, a, b};
}

uint64_t host_now_ns(void)
{
    return fake_ns;
}

void host_advance_us(uint32_t us)
{
    fake_ns += (uint64_t)us * 1000u;
}

void host_advance_ns(uint64_t ns)
{
    fake_ns += ns;
}

void host_configure(const host_config *c)
{
    cfg = *c;
    if (cfg.tx_size == 0 || cfg.tx_size > HOST_TX_MAX)
        cfg.tx_size = HOST_TX_MAX;
    if (cfg.eeprom_size == 0 || cfg.eeprom_size > HOST_EEPROM_MAX)
        cfg.eeprom_size = HOST_EEPROM_MAX;
    fake_ns = 0;
    eeprom_done_ns = 0;
    for (size_t i = 0; i < RIG_MAX_CELLS; i++)
        light_mv[i] = HOST_DARK_MV;
    memset(eeprom, 0xFF, sizeof eeprom);       /* erased, as a new chip */
    memset(&counts, 0, sizeof counts);
    memset(n_presses, 0, sizeof n_presses);
    lamps_latched = 0;
    led_on = false;
    log_n = 0;
    host_reset(false);
}

void host_reset(bool by_watchdog)
{
    tx_head = tx_tail = 0;
    sent_len = 0;
    rx_head = rx_tail = 0;
    line_ns = 0;
    adc_running = false;
    sel_bank = sel_channel = prev_bank = prev_channel = 0;
    select_ns = 0;
    wd_started = false;
    wd_reset = by_watchdog;
    busy_until_ns = 0;
}

/* ---- the HAL ------------------------------------------------------------------------------ */

void hal_init(void)
{
}

uint32_t hal_micros(void)
{
    return (uint32_t)(host_now_ns() / 1000u);
}

static uint16_t cell_counts(uint8_t bank, uint8_t channel, uint8_t adc_channel)
{
    uint32_t cell = ((uint32_t)bank * cfg.adc_channels + adc_channel) * 16u + channel;
    if (bank >= cfg.banks || adc_channel >= cfg.adc_channels || cell >= (uint32_t)cfg.rows * cfg.cols)
        return 0;       /* nothing on that input: it reads as ground here */
    /* The AVR's ADC: Vin * 1024 / Vref, at most 1023. */
    uint32_t v = (uint32_t)light_mv[cell] * 1024u / HOST_MV_MAX;
    return (uint16_t)(v > 1023u ? 1023u : v);
}

void hal_mux_select(uint8_t bank, uint8_t channel)
{
    prev_bank = sel_bank;
    prev_channel = sel_channel;
    sel_bank = bank;
    sel_channel = channel;
    select_ns = host_now_ns();
    counts.selects++;
    acted = true;
    busy_until_ns = select_ns + (uint64_t)cfg.settle_us * 1000u;
    log_add('S', bank, channel);
}

void hal_adc_start(uint8_t adc_channel)
{
    uint64_t now = host_now_ns();
    if (adc_running && now < adc_done_ns)
        counts.adc_misuse++;
    counts.conversions++;
    /* Before the settle time is up the input still shows the cell selected before. */
    if (now < select_ns + (uint64_t)cfg.settle_us * 1000u) {
        counts.settle_violations++;
        adc_value = cell_counts(prev_bank, prev_channel, adc_channel);
    } else {
        adc_value = cell_counts(sel_bank, sel_channel, adc_channel);
    }
    adc_running = true;
    adc_done_ns = now + CONVERSION_NS;
    busy_until_ns = adc_done_ns;
    acted = true;
    log_add('C', adc_channel, 0);
}

bool hal_adc_busy(void)
{
    return adc_running && host_now_ns() < adc_done_ns;
}

uint16_t hal_adc_result(void)
{
    if (hal_adc_busy())
        counts.adc_misuse++;
    adc_running = false;
    acted = true;
    return adc_value;
}

void hal_lamps(uint8_t mask)
{
    acted = true;
    if (mask != lamps_latched) {
        lamps_latched = mask;
        if (lamps_fn)
            lamps_fn(mask);
    }
}

uint8_t hal_buttons_down(void)
{
    uint64_t now = host_now_ns();
    uint8_t down = 0;
    for (uint8_t b = 0; b < RIG_BUTTONS; b++) {
        /* Intervals are queued in time order: drop the finished ones from the front. */
        size_t k = 0;
        while (k < n_presses[b] && presses[b][k].up <= now)
            k++;
        if (k) {
            memmove(presses[b], presses[b] + k, (n_presses[b] - k) * sizeof presses[b][0]);
            n_presses[b] -= k;
        }
        for (size_t i = 0; i < n_presses[b]; i++)
            if (presses[b][i].down <= now && now < presses[b][i].up)
                down |= (uint8_t)(1u << b);
    }
    return down;
}

void hal_status_led(bool on)
{
    if (on != led_on) {
        led_on = on;
        if (led_fn)
            led_fn(on);
    }
}

/* Moves the bytes whose transmission time is over from the ring to sent[]. */
static void tx_advance(void)
{
    uint64_t now = host_now_ns();
    uint64_t byte_ns = 10000000000ull / cfg.baud;       /* 8N1: 10 bit times */
    while (tx_head != tx_tail && line_ns + byte_ns <= now && sent_len < sizeof sent) {
        line_ns += byte_ns;
        sent[sent_len++] = tx_ring[tx_tail];
        tx_tail = (tx_tail + 1u) % cfg.tx_size;
    }
}

uint16_t hal_tx_free(void)
{
    tx_advance();
    size_t used = (tx_head + cfg.tx_size - tx_tail) % cfg.tx_size;
    return (uint16_t)(cfg.tx_size - 1u - used);
}

void hal_tx_write(const uint8_t *data, uint16_t len)
{
    if (len > hal_tx_free()) {
        counts.tx_overruns++;
        return;
    }
    uint64_t now = host_now_ns();
    if (tx_head == tx_tail && line_ns < now)
        line_ns = now;              /* the wire was idle: this byte starts now */
    for (uint16_t i = 0; i < len; i++) {
        tx_ring[tx_head] = data[i];
        tx_head = (tx_head + 1u) % cfg.tx_size;
    }
    acted = true;
}

int16_t hal_rx_read(void)
{
    if (rx_head == rx_tail)
        return -1;
    uint8_t b = rx_ring[rx_tail];
    rx_tail = (rx_tail + 1u) % HOST_RX_SIZE;
    acted = true;
    return b;
}

uint16_t hal_eeprom_size(void)
{
    return cfg.eeprom_size;
}

uint8_t hal_eeprom_read(uint16_t addr)
{
    if (hal_eeprom_busy())
        counts.eeprom_busy_reads++;
    return addr < cfg.eeprom_size ? eeprom[addr] : 0xFF;
}

bool hal_eeprom_busy(void)
{
    return host_now_ns() < eeprom_done_ns;
}

void hal_eeprom_write(uint16_t addr, uint8_t value)
{
    if (hal_eeprom_busy())
        counts.eeprom_busy_writes++;
    counts.eeprom_writes++;
    acted = true;
    eeprom_done_ns = host_now_ns() + (uint64_t)HOST_EEPROM_WRITE_US * 1000u;
    if (addr >= cfg.eeprom_size)
        return;
    eeprom[addr] = value;
    if (eeprom_fd >= 0 && pwrite(eeprom_fd, &value, 1, addr) != 1)
        eeprom_fd = -1;             /* the file went away: go on in memory */
}

void hal_watchdog_start(void)
{
    wd_started = true;
    wd_kick_ns = host_now_ns();
}

void hal_watchdog_kick(void)
{
    wd_kick_ns = host_now_ns();
    counts.watchdog_kicks++;
}

bool hal_reset_was_watchdog(void)
{
    return wd_reset;
}

static uint32_t (*entropy_fn)(void);

void host_set_entropy(uint32_t (*fn)(void))
{
    entropy_fn = fn;
}

uint32_t hal_entropy(void)
{
    if (entropy_fn)
        return entropy_fn();
    /* The wall clock's nanoseconds and the process id: different at every first start. With a
     * fake clock (tests) the same every run, which the tests rely on not at all. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint32_t)ts.tv_nsec ^ ((uint32_t)ts.tv_sec << 7) ^ ((uint32_t)getpid() << 16) ^
           (uint32_t)host_now_ns();
}

/* ---- the controls ------------------------------------------------------------------------- */

void host_set_light_mv(const uint16_t *mv)
{
    size_t n = (size_t)cfg.rows * cfg.cols;
    for (size_t i = 0; i < n; i++)
        light_mv[i] = mv[i] > HOST_MV_MAX ? HOST_MV_MAX : mv[i];
}

bool host_press(uint8_t button, uint32_t ms, uint32_t bounces)
{
    if (button >= RIG_BUTTONS || n_presses[button] + bounces + 1u > PRESS_MAX)
        return false;
    uint64_t t = host_now_ns();
    size_t n = n_presses[button];
    if (n && presses[button][n - 1].up + HOST_PRESS_GAP_MS * 1000000ull > t)
        t = presses[button][n - 1].up + HOST_PRESS_GAP_MS * 1000000ull;
    for (uint32_t i = 0; i < bounces; i++) {        /* contact bounce: 1 ms closed, 1 ms open */
        presses[button][n_presses[button]++] = (press_iv){t, t + 1000000u};
        t += 2000000u;
    }
    presses[button][n_presses[button]++] = (press_iv){t, t + (uint64_t)ms * 1000000u};
    return true;
}

void host_tx_drain(void (*sink)(void *ctx, const uint8_t *data, size_t len), void *ctx)
{
    do {
        tx_advance();
        if (sent_len)
            sink(ctx, sent, sent_len);
        sent_len = 0;
    } while (tx_head != tx_tail && line_ns + 10000000000ull / cfg.baud <= host_now_ns());
}

size_t host_tx_pending(void)
{
    return (tx_head + cfg.tx_size - tx_tail) % cfg.tx_size;
}

size_t host_rx_push(const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; i < len; i++) {
        size_t next = (rx_head + 1u) % HOST_RX_SIZE;
        if (next == rx_tail)
            break;
        rx_ring[rx_head] = data[i];
        rx_head = next;
    }
    return i;
}

uint8_t *host_eeprom(void) { return eeprom; }
void host_eeprom_attach_fd(int fd) { eeprom_fd = fd; }

bool host_watchdog_expired(void)
{
    return wd_started && host_now_ns() - wd_kick_ns > (uint64_t)HOST_WATCHDOG_US * 1000u;
}

void host_on_lamps(host_lamps_fn fn) { lamps_fn = fn; }
void host_on_led(host_led_fn fn) { led_fn = fn; }
uint8_t host_lamps_latched(void) { return lamps_latched; }
bool host_led_state(void) { return led_on; }
const host_counts *host_get_counts(void) { return &counts; }
void host_clear_counts(void) { memset(&counts, 0, sizeof counts); }

const host_log_entry *host_log(size_t *n)
{
    *n = log_n;
    return log_buf;
}

void host_log_clear(void) { log_n = 0; }
void host_pass_begin(void) { acted = false; }
bool host_pass_idle(void) { return !acted; }
uint64_t host_busy_until_ns(void) { return busy_until_ns; }
