/* The Mark I perceptron's sensor rig: the Arduino IDE's entry point. Everything else is in the
 * portable C files of this folder (the IDE compiles all of them); see firmware/PROTOCOL.md.
 *
 * Choosing the board: Tools > Board > "Arduino Uno" (or Nano: ATmega328P, an 8 x 8 grid) or
 * "Arduino Mega or Mega 2560" (ATmega2560, a 20 x 20 grid). The grid, the pins and the
 * multiplexer layout follow from the chip, in rig_board.h.
 *
 * A 16 x 16 grid on the Mega: add the line
 *     #define RIG_GRID_16
 * at the top of rig_board.h (the IDE has no per-sketch compiler flags), or build with avr-gcc:
 *     make -C firmware avr      (build/firmware/mark1-rig-atmega2560-16x16.hex)
 *
 * The serial speed is 115200 baud (RIG_BAUD in rig_board.h). The sketch does not use the
 * Arduino Serial object, millis() or analogRead(): the HAL in rig_hal_avr.c drives the
 * registers itself, so nothing here may use them either. */
#include "rig_core.h"

void setup()
{
    rig_setup();
}

void loop()
{
    rig_poll();
}
