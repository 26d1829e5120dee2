/* What the portable rig logic (rig_core.c) needs from a board. Implemented for the AVR chips
 * in rig_hal_avr.c (registers only, so the same file serves the Arduino IDE and avr-gcc
 * builds) and for the computer in firmware/host/rig_hal_host.c (the native emulator and the
 * host unit tests). Nothing here may block: rig_core polls. */
#ifndef RIG_HAL_H
#define RIG_HAL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void hal_init(void);                 /* pins, ADC, UART at RIG_BAUD, the microsecond clock */
uint32_t hal_micros(void);           /* free-running microseconds, wrapping */

/* Photocells: select a bank (0 .. RIG_BANKS-1) and a multiplexer channel (0-15) ... */
void hal_mux_select(uint8_t bank, uint8_t channel);
/* ... then convert ADC channels one at a time. */
void hal_adc_start(uint8_t adc_channel);
bool hal_adc_busy(void);
uint16_t hal_adc_result(void);       /* 0 .. 2^RIG_ADC_BITS - 1 */

void hal_lamps(uint8_t mask);        /* bit i: answer lamp i (shifted out to the 74HC595) */
uint8_t hal_buttons_down(void);      /* bit i: button i reads pressed now (not debounced) */
void hal_status_led(bool on);

/* Serial: a transmit ring buffer drained by an interrupt, never waited on. */
uint16_t hal_tx_free(void);          /* bytes that fit now */
void hal_tx_write(const uint8_t *data, uint16_t len);   /* len <= hal_tx_free() */
int16_t hal_rx_read(void);           /* next received byte, or -1 */

/* EEPROM, one byte at a time: a write takes milliseconds on the AVR, so it is started and
 * polled, never waited for. */
uint16_t hal_eeprom_size(void);
uint8_t hal_eeprom_read(uint16_t addr);
bool hal_eeprom_busy(void);
void hal_eeprom_write(uint16_t addr, uint8_t value);    /* only when !hal_eeprom_busy() */

void hal_watchdog_start(void);       /* about 0.5 s */
void hal_watchdog_kick(void);
bool hal_reset_was_watchdog(void);   /* the cause of the last reset */
uint32_t hal_entropy(void);          /* a few unpredictable bits (ADC noise, timer jitter) */

#ifdef __cplusplus
}
#endif
#endif
