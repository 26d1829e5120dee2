/* CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR;
 * the CRC Python's binascii.crc_hqx(data, 0xFFFF) computes. See PROTOCOL.md, "Framing". */
#include "rig_codec.h"

uint16_t rig_crc16_update(uint16_t crc, uint8_t byte)
{
    /* The byte-at-a-time form of the bitwise shift register (no table: it would cost 512 B of
     * the Uno's 32 KB flash, and this runs in about 20 AVR cycles, not the ~100 of the 8-step
     * loop, which matters at 811 bytes a frame). Derivation: Williams, "A painless guide to
     * CRC error detection algorithms"; the same expression as avr-libc's
     * _crc_ccitt_update documentation gives for the non-reflected polynomial. */
    crc = (uint16_t)((crc >> 8) | (crc << 8));
    crc ^= byte;
    crc ^= (uint16_t)((crc & 0xFFu) >> 4);
    crc ^= (uint16_t)(crc << 12);
    crc ^= (uint16_t)((crc & 0xFFu) << 5);
    return crc;
}

uint16_t rig_crc16(const uint8_t *data, uint16_t len)
{
    uint16_t crc = 0xFFFFu;
    for (uint16_t i = 0; i < len; i++)
        crc = rig_crc16_update(crc, data[i]);
    return crc;
}
