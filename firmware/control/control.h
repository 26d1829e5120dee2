/* The rig's control language: the one implementation that the simavr harness (sim/harness.c)
 * and the native rig emulator (host/native.c) both speak, so that hardware/simulate.py can drive
 * either without knowing which.
 *
 *   stdout: one line per event (`lamps 0xHH`, `led 0|1`, `reset`, ...), written with
 *     control_event() so that every line is flushed whole.
 *   stdin, one command per line, read by control_read():
 *     light V0 .. V(n-1)        n = the grid's cells, millivolts 0..mv_max, row-major
 *     press NAME MS [BOUNCES]   LEFT, RIGHT or TRAIN, held MS 1-60000 ms after BOUNCES 0-50
 *     reset                     external reset
 *     quit                      (end of input quits too)
 *   A refused command: one line on stderr starting `? ` (control_complain()), and the program
 *   goes on.
 *
 * The program supplies what the commands do through a control_ops table. Host-only (stdio,
 * POSIX read): this folder is not the Arduino sketch's. One instance per process: the printers
 * are called from deep inside the simulations, where no context pointer reaches.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rig_protocol.h"

#define CONTROL_LINE_CAP 16384       /* a control line: 400 values of up to 5 characters fit */
#define CONTROL_PRESS_MS_MAX 60000u
#define CONTROL_BOUNCES_MAX 50u

typedef struct {
    unsigned cells;                  /* values a `light` takes: rows * cols, at most RIG_MAX_CELLS */
    const char *grid_name;           /* as the messages say it: "8 x 8" (harness), "8x8" (native) */
    unsigned mv_max;                 /* the largest millivolt value a `light` accepts */
    /* light: n == cells values, each 0..mv_max */
    void (*set_light)(const uint16_t *mv, unsigned n);
    /* press: button 0..RIG_BUTTONS-1 (LEFT, RIGHT, TRAIN); false when the queue is full */
    bool (*press)(unsigned button, unsigned ms, unsigned bounces);
    void (*reset)(void);
} control_ops;

typedef enum { CONTROL_GO_ON, CONTROL_QUIT } control_status;

extern const char *const control_button_names[RIG_BUTTONS];

/* Sets the commands' table and where events and complaints go (NULL: stdout, stderr); forgets
 * any part-read line. */
void control_init(const control_ops *ops, FILE *events, FILE *complaints);

/* A function that ends every event line before its newline (the harness's --stamps), or NULL. */
void control_stamp(void (*suffix)(FILE *out));

void control_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void control_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A decimal whole number 0..max, digits only: 0 and *out set, or -1. */
int control_uint(const char *s, unsigned max, unsigned *out);

/* One command line (without its newline; modified in place). */
control_status control_command(char *line);

/* Reads what fd has (one read) and runs each whole line in it; a line longer than
 * CONTROL_LINE_CAP - 1 characters is refused whole. CONTROL_QUIT on `quit` (the lines after it
 * are not run) or at end of input: the caller exits. */
control_status control_read(int fd);

#endif
