/* The rig's control language (see control.h): printers, the command parser, the line reader. */
#define _POSIX_C_SOURCE 200809L      /* read(), strtok_r() under -std=c99 */
#include "control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const control_button_names[RIG_BUTTONS] = {"LEFT", "RIGHT", "TRAIN"};

static const control_ops *ops;
static FILE *events_out, *complaints_out;
static void (*stamp)(FILE *out);
static char line[CONTROL_LINE_CAP];
static size_t line_len;
static bool line_overflow;

void control_init(const control_ops *table, FILE *events, FILE *complaints)
{
    ops = table;
    events_out = events ? events : stdout;
    complaints_out = complaints ? complaints : stderr;
    line_len = 0;
    line_overflow = false;
}

void control_stamp(void (*suffix)(FILE *out)) { stamp = suffix; }

void control_event(const char *fmt, ...)
{
    FILE *f = events_out ? events_out : stdout;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    if (stamp)
        stamp(f);
    fputc('\n', f);
    fflush(f);                       /* a reader waits for whole lines, at once */
}

void control_complain(const char *fmt, ...)
{
    FILE *f = complaints_out ? complaints_out : stderr;
    va_list ap;
    fputs("? ", f);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);                       /* stderr is unbuffered; a test's file is not */
}

int control_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    /* strtoul alone would take "-1" (as ULONG_MAX), " 7" and "+7" */
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static const char *const SEP = " \t\r";  /* \r: a terminal user's or a Windows script's CRLF */

static void light(char **save)
{
    uint16_t mv[RIG_MAX_CELLS];
    unsigned n = 0, cells = ops->cells <= RIG_MAX_CELLS ? ops->cells : RIG_MAX_CELLS;
    char *v;
    while ((v = strtok_r(NULL, SEP, save))) {
        unsigned x;
        if (n == cells) {
            control_complain("light: more than %u values (the grid is %s)", cells, ops->grid_name);
            return;
        }
        if (control_uint(v, ops->mv_max, &x)) {
            control_complain("light: value %u is '%.20s': give millivolts 0-%u", n, v, ops->mv_max);
            return;
        }
        mv[n++] = (uint16_t)x;
    }
    if (n != cells) {
        control_complain("light: %u values, the %s grid needs %u", n, ops->grid_name, cells);
        return;
    }
    ops->set_light(mv, n);
}

static void press(char **save)
{
    char *name = strtok_r(NULL, SEP, save);
    char *ms = strtok_r(NULL, SEP, save);
    char *bounces = strtok_r(NULL, SEP, save);
    int b = -1;
    unsigned hold, nb = 0;
    for (int i = 0; name && i < RIG_BUTTONS; i++)
        if (!strcmp(name, control_button_names[i]))
            b = i;
    if (b < 0 || control_uint(ms, CONTROL_PRESS_MS_MAX, &hold) || hold == 0 ||
        (bounces && control_uint(bounces, CONTROL_BOUNCES_MAX, &nb)) || strtok_r(NULL, SEP, save)) {
        control_complain("press: give 'press LEFT|RIGHT|TRAIN MS [BOUNCES]' (MS 1-%u, BOUNCES 0-%u)",
                         CONTROL_PRESS_MS_MAX, CONTROL_BOUNCES_MAX);
        return;
    }
    if (!ops->press((unsigned)b, hold, nb))
        control_complain("press: too many presses queued; wait for some to end");
}

control_status control_command(char *text)
{
    char *save = NULL;
    char *word = strtok_r(text, SEP, &save);
    if (!word)
        return CONTROL_GO_ON;        /* blank line */
    if (!strcmp(word, "light"))
        light(&save);
    else if (!strcmp(word, "press"))
        press(&save);
    else if (!strcmp(word, "reset") && !strtok_r(NULL, SEP, &save))
        ops->reset();
    else if (!strcmp(word, "quit"))
        return CONTROL_QUIT;
    else
        control_complain("unknown command '%.40s': light, press, reset or quit", word);
    return CONTROL_GO_ON;
}

control_status control_read(int fd)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0)
        return CONTROL_QUIT;         /* end of input: the controlling program is gone */
    if (n < 0)
        return CONTROL_GO_ON;        /* EAGAIN, EINTR: again when poll says so */
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (line_len < CONTROL_LINE_CAP - 1)
                line[line_len++] = buf[i];
            else
                line_overflow = true;
            continue;
        }
        line[line_len] = 0;
        bool overflow = line_overflow;
        line_len = 0;
        line_overflow = false;
        if (overflow)
            control_complain("line longer than %d characters: ignored", CONTROL_LINE_CAP - 1);
        else if (control_command(line) == CONTROL_QUIT)
            return CONTROL_QUIT;
    }
    return CONTROL_GO_ON;
}
