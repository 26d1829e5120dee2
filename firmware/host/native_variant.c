/* One grid of the native emulator: compiled once per grid, with the board's defines
 * (RIG_BOARD_UNO for 8 x 8; RIG_BOARD_MEGA, with RIG_GRID_16 for 16 x 16) and RIG_CORE_SUFFIX
 * naming this grid's copy of the core. */
#include "native.h"
#include "rig_board.h"

#define NATIVE_NAME RIG_CORE_CAT(native, RIG_CORE_SUFFIX)
#define STR2(x) #x
#define STR(x) STR2(x)

const native_variant NATIVE_NAME = {
    .name = STR(RIG_ROWS) "x" STR(RIG_COLS),
    .setup = rig_setup,
    .poll = rig_poll,
    .counters = rig_counters_get,
    .cfg = {
        .rows = RIG_ROWS,
        .cols = RIG_COLS,
        .adc_channels = RIG_ADC_CHANNELS,
        .banks = RIG_BANKS,
        .baud = RIG_BAUD,
        /* The AVR HAL's transmit rings and EEPROM sizes for the same board. */
        .tx_size = RIG_CELLS <= 64 ? 256 : 1024,
        .eeprom_size = RIG_CELLS <= 64 ? 1024 : 4096,
        .settle_us = RIG_SETTLE_US,
        .adc_clock_hz = 16000000UL / RIG_ADC_PRESCALER,     /* a 16 MHz board, as HELLO says */
    },
};
