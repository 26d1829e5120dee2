/* The firmware's own version, kept apart from the protocol's (rig_protocol.h). */
#ifndef RIG_VERSION_H
#define RIG_VERSION_H
#define RIG_FW_MAJOR 0
#define RIG_FW_MINOR 1
#define RIG_FW_PATCH 0
#endif
