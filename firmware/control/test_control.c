/* Unit tests of the rig's control language (control/control.c), run by `make -C firmware test`
 * under AddressSanitizer and UBSan.
 *
 * The expected messages are written out here by hand, as hardware/simulate.py and a person at a
 * terminal see them: a changed word in control.c fails this test. Good commands must reach the
 * right callback with the right values; bad ones must reach none and say exactly one `? ` line.
 * The line reader is fed through a pipe: lines split across reads, an over-long line, `quit`
 * before more lines, end of input. No framework: each failed check prints one line; the exit
 * status is 1 if any failed. */
#define _POSIX_C_SOURCE 200809L      /* pipe(), fileno(), ftruncate() under -std=c99 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"

static unsigned long checks, failures;

static void check(bool ok, int line, const char *fmt, ...)
{
    checks++;
    if (ok)
        return;
    failures++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, line);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
#define CHECK(cond, ...) check((cond), __LINE__, __VA_ARGS__)

/* ---- what the callbacks were given -------------------------------------------------------- */

static struct {
    unsigned lights, presses, resets;
    uint16_t mv[RIG_MAX_CELLS];
    unsigned n;
    unsigned button, ms, bounces;
    bool queue_full;                 /* what press() answers */
} rec;

static void rec_light(const uint16_t *mv, unsigned n)
{
    rec.lights++;
    rec.n = n;
    memcpy(rec.mv, mv, n * sizeof mv[0]);    /* ASan: n past the caller's array fails here */
}

static bool rec_press(unsigned button, unsigned ms, unsigned bounces)
{
    rec.presses++;
    rec.button = button;
    rec.ms = ms;
    rec.bounces = bounces;
    return !rec.queue_full;
}

static void rec_reset(void) { rec.resets++; }

/* The harness's 8 x 8 (Uno) and the native emulator's 20 x 20, each as its program fills it. */
static const control_ops uno = {
    .cells = 64, .grid_name = "8 x 8", .mv_max = 5000,
    .set_light = rec_light, .press = rec_press, .reset = rec_reset,
};
static const control_ops native20 = {
    .cells = 400, .grid_name = "20x20", .mv_max = 5000,
    .set_light = rec_light, .press = rec_press, .reset = rec_reset,
};

/* ---- the printers' files ------------------------------------------------------------------ */

static FILE *events, *complaints;

/* Everything written to f since the last call (then f is emptied). */
static const char *taken(FILE *f)
{
    static char buf[4096];
    fflush(f);
    long len = ftell(f);
    rewind(f);
    size_t n = len > 0 ? fread(buf, 1, len < (long)sizeof buf - 1 ? (size_t)len : sizeof buf - 1, f) : 0;
    buf[n] = 0;
    rewind(f);
    if (ftruncate(fileno(f), 0) != 0)
        perror("ftruncate");
    return buf;
}

static void start(const control_ops *ops)
{
    memset(&rec, 0, sizeof rec);
    control_init(ops, events, complaints);
    taken(events);
    taken(complaints);
}

static control_status run(const char *text)
{
    static char line[CONTROL_LINE_CAP];
    snprintf(line, sizeof line, "%s", text);
    return control_command(line);
}

/* `light` followed by n values: first, then first + step, ... */
static const char *light_line(unsigned n, unsigned first, unsigned step)
{
    static char line[CONTROL_LINE_CAP];
    size_t len = (size_t)snprintf(line, sizeof line, "light");
    for (unsigned i = 0; i < n && len < sizeof line - 8; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, " %u", first + i * step);
    return line;
}

/* A bad command: exactly `said` on stderr, no callback, and the program goes on. */
static void refused(const char *cmd, const char *said)
{
    unsigned before = rec.lights + rec.presses + rec.resets;
    control_status st = run(cmd);
    const char *got = taken(complaints);
    CHECK(st == CONTROL_GO_ON, "'%.60s': quit", cmd);
    CHECK(!strcmp(got, said), "'%.60s': said '%s', want '%s'", cmd, got, said);
    CHECK(rec.lights + rec.presses + rec.resets == before, "'%.60s': a callback ran", cmd);
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void test_light(void)
{
    start(&uno);
    /* 64 values, 0 to 5000 in steps of 78 (the last is 63 * 78 = 4914), then a 5000 at the end */
    run(light_line(64, 0, 78));
    CHECK(rec.lights == 1 && rec.n == 64, "light 64: %u calls, n %u", rec.lights, rec.n);
    CHECK(rec.mv[0] == 0 && rec.mv[1] == 78 && rec.mv[63] == 4914, "light 64: %u %u %u", rec.mv[0],
          rec.mv[1], rec.mv[63]);
    CHECK(!strcmp(taken(complaints), ""), "light 64 complained");

    /* tabs and a CRLF's \r separate too; the largest value is 5000 */
    char line[1024] = "light";
    for (int i = 0; i < 64; i++)
        strcat(line, i == 63 ? "\t5000\r" : "\t7");
    run(line);
    CHECK(rec.lights == 2 && rec.n == 64 && rec.mv[0] == 7 && rec.mv[63] == 5000,
          "light with tabs: %u calls, last %u", rec.lights, rec.mv[63]);

    refused(light_line(257, 0, 1), "? light: more than 64 values (the grid is 8 x 8)\n");
    refused(light_line(65, 0, 1), "? light: more than 64 values (the grid is 8 x 8)\n");
    refused(light_line(63, 0, 1), "? light: 63 values, the 8 x 8 grid needs 64\n");
    refused("light", "? light: 0 values, the 8 x 8 grid needs 64\n");
    refused("light 0 0 0 5001", "? light: value 3 is '5001': give millivolts 0-5000\n");
    refused("light -1", "? light: value 0 is '-1': give millivolts 0-5000\n");
    refused("light 1 +2", "? light: value 1 is '+2': give millivolts 0-5000\n");
    refused("light 1 2 12a", "? light: value 2 is '12a': give millivolts 0-5000\n");
    refused("light 0x10", "? light: value 0 is '0x10': give millivolts 0-5000\n");
    refused("light 2.5", "? light: value 0 is '2.5': give millivolts 0-5000\n");
    /* past unsigned long: strtoul's ERANGE; the value is cut to 20 characters in the message */
    refused("light 123456789012345678901234567890",
            "? light: value 0 is '12345678901234567890': give millivolts 0-5000\n");

    start(&native20);
    run(light_line(400, 5000, 0));
    CHECK(rec.lights == 1 && rec.n == 400 && rec.mv[399] == 5000, "light 400: %u calls, n %u",
          rec.lights, rec.n);
    refused(light_line(401, 0, 0), "? light: more than 400 values (the grid is 20x20)\n");
    refused(light_line(64, 0, 0), "? light: 64 values, the 20x20 grid needs 400\n");
}

#define PRESS_USAGE "? press: give 'press LEFT|RIGHT|TRAIN MS [BOUNCES]' (MS 1-60000, BOUNCES 0-50)\n"

static void test_press(void)
{
    start(&uno);
    run("press LEFT 50");
    CHECK(rec.presses == 1 && rec.button == 0 && rec.ms == 50 && rec.bounces == 0,
          "press LEFT 50: %u calls, button %u ms %u bounces %u", rec.presses, rec.button, rec.ms,
          rec.bounces);
    run("press RIGHT 1 3");
    CHECK(rec.presses == 2 && rec.button == 1 && rec.ms == 1 && rec.bounces == 3,
          "press RIGHT 1 3: button %u ms %u bounces %u", rec.button, rec.ms, rec.bounces);
    run("  press\tTRAIN 60000 50\r");
    CHECK(rec.presses == 3 && rec.button == 2 && rec.ms == 60000 && rec.bounces == 50,
          "press TRAIN 60000 50: button %u ms %u bounces %u", rec.button, rec.ms, rec.bounces);
    CHECK(!strcmp(taken(complaints), ""), "good presses complained");

    refused("press MIDDLE 50", PRESS_USAGE);
    refused("press left 50", PRESS_USAGE);
    refused("press LEFT 0", PRESS_USAGE);
    refused("press LEFT 60001", PRESS_USAGE);
    refused("press LEFT 50 51", PRESS_USAGE);
    refused("press LEFT -5", PRESS_USAGE);
    refused("press LEFT 5ms", PRESS_USAGE);
    refused("press LEFT 50 2 now", PRESS_USAGE);
    refused("press LEFT", PRESS_USAGE);
    refused("press", PRESS_USAGE);

    rec.queue_full = true;
    run("press LEFT 50");
    CHECK(rec.presses == 4, "a press to a full queue was not offered: %u", rec.presses);
    const char *got = taken(complaints);
    CHECK(!strcmp(got, "? press: too many presses queued; wait for some to end\n"),
          "full queue said '%s'", got);
}

static void test_words(void)
{
    start(&uno);
    CHECK(run("reset") == CONTROL_GO_ON && rec.resets == 1, "reset: %u", rec.resets);
    CHECK(run("reset\r") == CONTROL_GO_ON && rec.resets == 2, "reset CR: %u", rec.resets);
    refused("reset now", "? unknown command 'reset': light, press, reset or quit\n");
    refused("lamps 3", "? unknown command 'lamps': light, press, reset or quit\n");
    refused("Light 1", "? unknown command 'Light': light, press, reset or quit\n");
    refused("abcdefghijabcdefghijabcdefghijabcdefghijXYZ",
            "? unknown command 'abcdefghijabcdefghijabcdefghijabcdefghij': light, press, reset or quit\n");
    refused("", "");
    refused(" \t\r ", "");
    CHECK(run("quit") == CONTROL_QUIT, "quit did not quit");
    CHECK(run("  quit now") == CONTROL_QUIT, "quit with a word after it did not quit");
    CHECK(!strcmp(taken(complaints), "") && !strcmp(taken(events), ""), "words printed something");
}

static void stamp_suffix(FILE *out) { fputs(" @12 34", out); }

static void test_printers(void)
{
    start(&uno);
    control_event("lamps 0x%02x", 0x0f);
    control_event("reset");
    const char *got = taken(events);
    CHECK(!strcmp(got, "lamps 0x0f\nreset\n"), "events '%s'", got);
    control_stamp(stamp_suffix);
    control_event("led %d", 1);
    got = taken(events);
    CHECK(!strcmp(got, "led 1 @12 34\n"), "stamped event '%s'", got);
    control_stamp(NULL);
    control_complain("x %u", 5u);
    got = taken(complaints);
    CHECK(!strcmp(got, "? x 5\n"), "complaint '%s'", got);
    CHECK(!strcmp(taken(events), ""), "a complaint reached the events");

    unsigned v = 99;
    CHECK(control_uint("0", 0, &v) == 0 && v == 0, "uint 0");
    CHECK(control_uint("007", 7, &v) == 0 && v == 7, "uint 007");
    CHECK(control_uint("8", 7, &v) == -1 && v == 7, "uint 8 > 7 taken");
    CHECK(control_uint(NULL, 7, &v) == -1, "uint NULL taken");
    CHECK(control_uint("", 7, &v) == -1, "uint '' taken");
    CHECK(control_uint(" 1", 7, &v) == -1, "uint ' 1' taken");
}

/* ---- the line reader, through a pipe ------------------------------------------------------ */

static int pipe_r, pipe_w;

static void open_pipe(void)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    pipe_r = fds[0];
    pipe_w = fds[1];
    fcntl(pipe_r, F_SETFL, fcntl(pipe_r, F_GETFL) | O_NONBLOCK);
}

static void put(const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(pipe_w, s, len);
        if (n <= 0) {
            perror("write");
            exit(2);
        }
        s += n;
        len -= (size_t)n;
    }
}

/* Reads while the pipe has bytes, as the programs' poll loops do; the last status. A reader that
 * never quits at end of input would read forever: 64 reads (of up to 4096 bytes, for at most
 * 16 KB here) is the limit. */
static control_status drain(void)
{
    control_status st = CONTROL_GO_ON;
    struct pollfd p = {.fd = pipe_r, .events = POLLIN};
    for (int reads = 0; st == CONTROL_GO_ON && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP));
         reads++) {
        if (reads == 64) {
            CHECK(0, "the reader still reads after 64 reads");
            break;
        }
        st = control_read(pipe_r);
    }
    return st;
}

static void test_reader(void)
{
    static char big[CONTROL_LINE_CAP + 16];
    start(&uno);
    open_pipe();

    put("reset\nres", 9);            /* a line cut between two reads */
    CHECK(drain() == CONTROL_GO_ON && rec.resets == 1, "first reset: %u", rec.resets);
    put("et\n\n", 4);
    CHECK(drain() == CONTROL_GO_ON && rec.resets == 2, "split reset: %u", rec.resets);

    /* the longest line taken: 16383 characters, `reset` and spaces */
    memset(big, ' ', CONTROL_LINE_CAP - 1);
    memcpy(big, "reset", 5);
    big[CONTROL_LINE_CAP - 1] = '\n';
    put(big, CONTROL_LINE_CAP);
    CHECK(drain() == CONTROL_GO_ON && rec.resets == 3, "16383-character line: %u resets", rec.resets);
    CHECK(!strcmp(taken(complaints), ""), "16383-character line refused");

    /* one more character: refused whole (not run cut short), and the next line is read anew */
    memset(big, ' ', CONTROL_LINE_CAP);
    memcpy(big, "reset", 5);
    big[CONTROL_LINE_CAP] = '\n';
    put(big, CONTROL_LINE_CAP + 1);
    put("reset\n", 6);
    CHECK(drain() == CONTROL_GO_ON, "over-long line quit");
    const char *got = taken(complaints);
    CHECK(!strcmp(got, "? line longer than 16383 characters: ignored\n"), "over-long line said '%s'", got);
    CHECK(rec.resets == 4, "over-long line: %u resets, want 4 (only the line after it)", rec.resets);

    /* a bad command among good ones: one complaint, the others run */
    put("reset\nfoo\nreset\n", 16);
    CHECK(drain() == CONTROL_GO_ON && rec.resets == 6, "around foo: %u resets", rec.resets);
    got = taken(complaints);
    CHECK(!strcmp(got, "? unknown command 'foo': light, press, reset or quit\n"), "foo said '%s'", got);

    /* quit: what follows it in the same read is not run */
    put("quit\nreset\n", 11);
    CHECK(drain() == CONTROL_QUIT, "quit did not quit");
    CHECK(rec.resets == 6, "a line after quit ran: %u resets", rec.resets);
    close(pipe_r);
    close(pipe_w);

    /* end of input quits; a last line without its newline is not run */
    start(&uno);
    open_pipe();
    put("reset\nreset", 11);
    close(pipe_w);
    CHECK(drain() == CONTROL_QUIT, "end of input did not quit");
    CHECK(rec.resets == 1, "end of input: %u resets, want 1", rec.resets);
    CHECK(!strcmp(taken(complaints), ""), "end of input complained");
    close(pipe_r);

    /* control_init forgets a part-read line */
    start(&uno);
    open_pipe();
    put("res", 3);
    drain();
    control_init(&uno, events, complaints);
    put("et\n", 3);
    drain();
    got = taken(complaints);
    CHECK(rec.resets == 0 && !strcmp(got, "? unknown command 'et': light, press, reset or quit\n"),
          "after init: %u resets, said '%s'", rec.resets, got);
    close(pipe_r);
    close(pipe_w);
}

int main(void)
{
    events = tmpfile();
    complaints = tmpfile();
    if (!events || !complaints) {
        perror("tmpfile");
        return 2;
    }
    test_light();
    test_press();
    test_words();
    test_printers();
    test_reader();
    printf("control tests: %lu checks, %lu failures\n", checks, failures);
    return failures ? 1 : 0;
}
