/* The host HAL (rig_hal.h on a computer) and the controls its users have over the "board".
 * The board's clock moves only when its user moves it: the core unit tests (test_core.c) step
 * by step, the native emulator (native.c) in batches that keep up with the wall clock. The
 * ADC converts in 13 ADC clocks and the transmit ring drains at baud / 10
 * bytes a second, as on the AVR, so timing-dependent behaviour is the board's. */
#ifndef RIG_HAL_HOST_H
#define RIG_HAL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rig_hal.h"

#define HOST_TX_MAX 4096u
#define HOST_RX_SIZE 64u
#define HOST_EEPROM_MAX 4096u
#define HOST_EEPROM_WRITE_US 3400u     /* an ATmega's EEPROM erase + write */
#define HOST_WATCHDOG_US 500000u
#define HOST_MV_MAX 5000u
#define HOST_DARK_MV 500u
#define HOST_PRESS_GAP_MS 30u          /* released time between two queued presses of a button */

typedef struct {
    uint8_t rows, cols;
    uint8_t adc_channels;              /* multiplexer layout, as in rig_board.h */
    uint8_t banks;
    uint32_t baud;
    uint16_t tx_size;                  /* the transmit ring, at most HOST_TX_MAX */
    uint16_t eeprom_size;              /* at most HOST_EEPROM_MAX */
    uint16_t settle_us;                /* converting sooner after a switch reads the old cell */
    uint32_t adc_clock_hz;             /* a conversion takes 13 of its clocks */
} host_config;

/* What a test can look at afterwards. */
typedef struct {
    uint32_t selects, conversions;
    uint32_t settle_violations;        /* conversions started before the settle time was up */
    uint32_t adc_misuse;               /* started while busy, or a result read while busy */
    uint32_t tx_overruns;              /* hal_tx_write beyond hal_tx_free() */
    uint32_t eeprom_writes;
    uint32_t eeprom_busy_writes;       /* a write started while the last one ran */
    uint32_t eeprom_busy_reads;
    uint32_t watchdog_kicks;
} host_counts;

/* One record per multiplexer switch and per conversion start, for the scan-order tests. */
typedef struct { uint64_t t_ns; uint8_t kind; uint8_t a, b; } host_log_entry;   /* kind 'S' or 'C' */
#define HOST_LOG_MAX 4096u

/* Called on a change of the lamps' latch or the LED (the emulator prints them). */
typedef void (*host_lamps_fn)(uint8_t mask);
typedef void (*host_led_fn)(bool on);

void host_configure(const host_config *cfg);
/* A reset, as the board sees it: rings emptied, ADC idle; EEPROM, light and clock kept. */
void host_reset(bool by_watchdog);
uint64_t host_now_ns(void);
void host_advance_us(uint32_t us);     /* fake clock only */
void host_advance_ns(uint64_t ns);

void host_set_light_mv(const uint16_t *mv);     /* rows * cols values, row-major */
/* Queues a press: BOUNCES 1 ms down / 1 ms up pulses, then down for MS ms. False when full. */
bool host_press(uint8_t button, uint32_t ms, uint32_t bounces);

/* Moves the bytes whose transmission time is over from the ring to sink (the wire). */
void host_tx_drain(void (*sink)(void *ctx, const uint8_t *data, size_t len), void *ctx);
size_t host_tx_pending(void);
/* Puts received bytes in the RX ring; returns how many fitted. */
size_t host_rx_push(const uint8_t *data, size_t len);

uint8_t *host_eeprom(void);            /* the EEPROM's bytes, eeprom_size of them */
/* Replaces hal_entropy's source (NULL: the clock and process id again). */
void host_set_entropy(uint32_t (*fn)(void));
void host_eeprom_attach_fd(int fd);    /* each write also goes to this file (-1: none) */
bool host_watchdog_expired(void);      /* started and not kicked for HOST_WATCHDOG_US */

void host_on_lamps(host_lamps_fn fn);
void host_on_led(host_led_fn fn);
uint8_t host_lamps_latched(void);
bool host_led_state(void);

const host_counts *host_get_counts(void);
void host_clear_counts(void);
const host_log_entry *host_log(size_t *n);
void host_log_clear(void);
/* True when the last rig_poll() pass only waited (nothing to start): the emulator may move
 * the clock on to host_busy_until_ns() at once. */
bool host_pass_idle(void);
void host_pass_begin(void);
/* The ADC, settle or nothing: when the core's next action is due (ns, host_now_ns scale). */
uint64_t host_busy_until_ns(void);

#endif
