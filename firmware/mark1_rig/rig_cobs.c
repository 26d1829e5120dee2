/* Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999), the standard form: a block of
 * 254 non-zero bytes is code 0xFF with no implied zero, and no code byte follows a final full
 * block. Bounds are checked on every write and read: these run on bytes from the wire. */
#include "rig_codec.h"

uint16_t rig_cobs_encode(const uint8_t *in, uint16_t len, uint8_t *out, uint16_t out_cap)
{
    if (out_cap == 0)
        return 0;
    uint16_t code_at = 0;   /* where the open block's code byte goes */
    uint16_t pos = 1;       /* next free byte of out */
    uint8_t code = 1;       /* 1 + the open block's data bytes */
    for (uint16_t i = 0; i < len; i++) {
        uint8_t b = in[i];
        if (b != 0) {
            if (pos >= out_cap)
                return 0;
            out[pos++] = b;
            code++;
        }
        if (b == 0 || code == 0xFF) {
            out[code_at] = code;
            code = 1;
            if (b != 0 && i + 1 == len)
                return pos; /* a final full block: no code byte after it */
            if (pos >= out_cap)
                return 0;
            code_at = pos++;
        }
    }
    out[code_at] = code;
    return pos;
}

int32_t rig_cobs_decode(const uint8_t *in, uint16_t len, uint8_t *out)
{
    /* Writing never overtakes reading (each block's code byte is read before its data is
     * copied one place to the left), so out may be in. */
    uint16_t i = 0;
    uint16_t o = 0;
    while (i < len) {
        uint8_t code = in[i];
        if (code == 0 || (uint32_t)i + code > len)
            return -1;
        uint16_t end = (uint16_t)(i + code);
        for (i++; i < end; i++)
            out[o++] = in[i];
        if (code != 0xFF && i < len)
            out[o++] = 0;
    }
    return o;
}
