/* The bare avr-gcc build's main: the same portable core as the Arduino sketch
 * (mark1_rig/mark1_rig.ino), without the Arduino core. */
#include <avr/interrupt.h>

#include "rig_core.h"

int main(void)
{
    sei();
    rig_setup();
    for (;;)
        rig_poll();
}
