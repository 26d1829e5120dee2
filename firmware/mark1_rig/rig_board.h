/* The rig's board: grid size, pins and multiplexer layout, in one place.
 *
 * The firmware, the simavr harness (firmware/sim), the native emulator (firmware/host) and the
 * wiring diagram (hardware/wiring.py reads this file) all take the layout from here, and the
 * host learns the grid from the HELLO message. To build for another grid or other pins, edit
 * this file only.
 *
 * Photocells reach the ADC through CD74HC4067 16-channel analog multiplexers. All multiplexers
 * share the four select lines S0-S3. Multiplexer m's common pin goes to ADC channel
 * (m % RIG_ADC_CHANNELS); with more multiplexers than ADC channels they are arranged in banks of
 * RIG_ADC_CHANNELS, and bank b's enable pins (EN, active low) are tied to bank pin b, so only
 * one bank drives the ADC inputs at a time. Cell (row, col), row-major index i = row * cols +
 * col, is multiplexer m = i / 16, channel i % 16: bank = m / RIG_ADC_CHANNELS.
 *
 * The 8 answer lamps hang on a 74HC595 shift register (three pins: data, clock, latch), lamp i
 * on output Qi. The teacher buttons close to ground (internal pull-ups on). A pin is given as
 * its AVR port letter and bit; the Arduino pin number is in the comment.
 */
#ifndef RIG_BOARD_H
#define RIG_BOARD_H

#include "rig_protocol.h"

#if defined(__AVR_ATmega2560__) || defined(RIG_BOARD_MEGA)
/* ---- Arduino Mega 2560 ------------------------------------------------------------------- */
#define RIG_BOARD RIG_BOARD_ATMEGA2560
#define RIG_BOARD_NAME "mega"
#ifdef RIG_GRID_16
#define RIG_ROWS 16
#define RIG_COLS 16
#else
#define RIG_ROWS 20
#define RIG_COLS 20
#endif
#define RIG_ADC_CHANNELS 16          /* A0-A15 */
#define RIG_BANK_PORT 'L'            /* bank b's enable: PL4 + b (D45, D44), active low */
#define RIG_BANK_BIT0 4
#define RIG_SELECT_PORT 'L'          /* S0-S3: PL0-PL3 (D49, D48, D47, D46) */
#define RIG_SELECT_BIT0 0
#define RIG_BUTTON_PORT 'A'          /* LEFT, RIGHT, TRAIN: PA0-PA2 (D22, D23, D24) */
#define RIG_BUTTON_BIT0 0
#define RIG_SR_PORT 'A'              /* 74HC595: latch PA3 (D25), data PA4 (D26), clock PA5 (D27) */
#define RIG_SR_LATCH_BIT 3
#define RIG_SR_DATA_BIT 4
#define RIG_SR_CLOCK_BIT 5
#define RIG_LED_PORT 'B'             /* status LED: PB7 (D13, the on-board LED) */
#define RIG_LED_BIT 7

#elif defined(__AVR_ATmega328P__) || defined(RIG_BOARD_UNO)
/* ---- Arduino Uno / Nano ------------------------------------------------------------------ */
#define RIG_BOARD RIG_BOARD_ATMEGA328P
#define RIG_BOARD_NAME "uno"
#define RIG_ROWS 8
#define RIG_COLS 8
#define RIG_ADC_CHANNELS 4           /* A0-A3 */
#define RIG_BANK_PORT 0              /* one bank: EN tied to ground */
#define RIG_BANK_BIT0 0
#define RIG_SELECT_PORT 'B'          /* S0-S3: PB0-PB3 (D8, D9, D10, D11) */
#define RIG_SELECT_BIT0 0
#define RIG_BUTTON_PORT 'D'          /* LEFT, RIGHT, TRAIN: PD2-PD4 (D2, D3, D4) */
#define RIG_BUTTON_BIT0 2
#define RIG_SR_PORT 'D'              /* 74HC595: latch PD5 (D5), data PD6 (D6), clock PD7 (D7) */
#define RIG_SR_LATCH_BIT 5
#define RIG_SR_DATA_BIT 6
#define RIG_SR_CLOCK_BIT 7
#define RIG_LED_PORT 'B'             /* status LED: PB5 (D13, the on-board LED) */
#define RIG_LED_BIT 5

#else
#error "rig_board.h: unknown board: build for atmega328p or atmega2560, or define RIG_BOARD_UNO or RIG_BOARD_MEGA"
#endif

#define RIG_CELLS (RIG_ROWS * RIG_COLS)
#define RIG_MUX_CHANNELS 16          /* CD74HC4067 */
#define RIG_MUXES ((RIG_CELLS + RIG_MUX_CHANNELS - 1) / RIG_MUX_CHANNELS)
#define RIG_BANKS ((RIG_MUXES + RIG_ADC_CHANNELS - 1) / RIG_ADC_CHANNELS)
/* Select-line (and bank) changes per scan: each one is followed by the settle time. */
#define RIG_SETTLES_PER_FRAME (RIG_BANKS * RIG_MUX_CHANNELS)

#define RIG_SETTLE_US 20             /* after each multiplexer switch, before converting */
#define RIG_ADC_BITS 10
/* ADC clock = F_CPU / prescaler: 64 or 128 (rig_hal_avr.c). 16 MHz / 64 = 250 kHz: a conversion
 * (13 ADC clocks) takes 52 us, the 8 x 8 scan 3.6 ms, the 20 x 20 one 21.4 ms, half what 128
 * (125 kHz, Arduino's choice) takes. The datasheet promises the full 10 bits only at 50-200 kHz;
 * above that about 9.5 effective bits, which costs nothing here: the host thresholds each cell
 * into a binary S-unit, far coarser than the last bit. 128 gives the full 10 bits back. */
#define RIG_ADC_PRESCALER 64
#ifndef RIG_BAUD
#define RIG_BAUD 115200UL
#endif

#if RIG_CELLS > RIG_MAX_CELLS || RIG_ROWS > RIG_MAX_SIDE || RIG_COLS > RIG_MAX_SIDE
#error "rig_board.h: the grid is larger than the protocol allows (20 x 20)"
#endif
#if RIG_MUXES > RIG_ADC_CHANNELS && RIG_BANK_PORT == 0
#error "rig_board.h: more multiplexers than ADC channels needs bank enable pins"
#endif

#endif
