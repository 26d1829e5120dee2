/* The rig protocol's constants: the one header both the firmware and its host tests include.
 * The description is firmware/PROTOCOL.md; hardware/protocol.py holds the same numbers and
 * tests/test_protocol.py checks that the two agree. No Arduino header here. */
#ifndef RIG_PROTOCOL_H
#define RIG_PROTOCOL_H

/* The protocol's version, kept apart from the firmware's (rig_version.h):
 * a new major number is an incompatible change. */
#define RIG_PROTO_MAJOR 1
#define RIG_PROTO_MINOR 0

/* Sizes, in bytes. A packet is type | body | crc16 (little-endian). */
#define RIG_MAX_CELLS 400           /* 20 x 20, the Mark I's retina */
#define RIG_MAX_SIDE 20
#define RIG_MAX_BODY (4 + 2 * RIG_MAX_CELLS)          /* FRAME, CAL_DATA: 804 */
#define RIG_MAX_PACKET (1 + RIG_MAX_BODY + 2)          /* 807 */
#define RIG_MIN_PACKET 3
#define RIG_COBS_MAX(n) ((n) + (n) / 254 + 1)           /* COBS bytes for n packet bytes */
#define RIG_MAX_ENCODED RIG_COBS_MAX(RIG_MAX_PACKET)    /* 811, without the 0x00 */
#define RIG_MAX_HOST_PACKET 16      /* host -> board packets are at most this long */
/* Wire bytes of a packet with a body of b bytes, delimiter included. */
#define RIG_WIRE_MAX(b) (RIG_COBS_MAX(1 + (b) + 2) + 1)

/* Board -> host */
#define RIG_MSG_HELLO 0x01
#define RIG_MSG_FRAME 0x02
#define RIG_MSG_BUTTON 0x03
#define RIG_MSG_PONG 0x04
#define RIG_MSG_CAL_DATA 0x05
#define RIG_MSG_ERROR 0x06
#define RIG_MSG_STATS 0x07
/* Host -> board */
#define RIG_MSG_HELLO_REQ 0x41
#define RIG_MSG_LAMPS 0x42
#define RIG_MSG_PING 0x43
#define RIG_MSG_CAL_CAPTURE 0x44
#define RIG_MSG_CAL_READ 0x45
#define RIG_MSG_STREAM 0x46
#define RIG_MSG_STATS_REQ 0x47

/* Fixed body lengths (FRAME and CAL_DATA: 4 + 2 * rows * cols). */
#define RIG_LEN_HELLO 24
#define RIG_LEN_BUTTON 3
#define RIG_LEN_PONG 8
#define RIG_LEN_ERROR 3
#define RIG_LEN_STATS 24
#define RIG_LEN_HELLO_REQ 0
#define RIG_LEN_LAMPS 1
#define RIG_LEN_PING 4
#define RIG_LEN_CAL_CAPTURE 1
#define RIG_LEN_CAL_READ 1
#define RIG_LEN_STREAM 1
#define RIG_LEN_STATS_REQ 0
#define RIG_GRID_HEADER 4           /* frame_no/which+valid, rows, cols */

/* HELLO.board */
#define RIG_BOARD_ATMEGA328P 1
#define RIG_BOARD_ATMEGA2560 2
#define RIG_BOARD_NATIVE 3

/* HELLO.flags */
#define RIG_FLAG_DARK_STORED 0x01
#define RIG_FLAG_BRIGHT_STORED 0x02
#define RIG_FLAG_WATCHDOG_RESET 0x04

/* BUTTON.button */
#define RIG_BUTTON_LEFT 0
#define RIG_BUTTON_RIGHT 1
#define RIG_BUTTON_TRAIN 2
#define RIG_BUTTONS 3
#define RIG_DEBOUNCE_MS 20

/* CAL_*.which */
#define RIG_CAL_DARK 0
#define RIG_CAL_BRIGHT 1
#define RIG_CAL_SCANS 8             /* scans averaged by CAL_CAPTURE */

#define RIG_LAMPS 8                 /* answer lamps: the 8 R-units */

/* ERROR.code */
#define RIG_ERR_RX_CRC 1
#define RIG_ERR_RX_LENGTH 2
#define RIG_ERR_RX_UNKNOWN 3
#define RIG_ERR_RX_OVERSIZE 4
#define RIG_ERR_BAD_ARGUMENT 5
#define RIG_ERR_WATCHDOG 6
#define RIG_ERR_EEPROM 7

/* Drop reasons counted by the decoder (rig_codec.h). */
#define RIG_DROP_OVERSIZE 1
#define RIG_DROP_COBS 2
#define RIG_DROP_SHORT 3
#define RIG_DROP_CRC 4
#define RIG_DROP_UNKNOWN_TYPE 5
#define RIG_DROP_LENGTH 6

#endif
