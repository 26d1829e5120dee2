/* The HAL (rig_hal.h) for the ATmega328P and ATmega2560, with avr-libc's register names only,
 * so one file serves both the bare avr-gcc build (firmware/avr/main.c) and the Arduino IDE.
 * Under the Arduino core, init() has already set the timers and the ADC for its own use, so
 * everything used here is configured again from scratch; millis() is not used. Timer0 (the
 * Arduino's millis) is left alone. The whole file is empty on other compilers. */
#if defined(__AVR__)

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/wdt.h>
#include <string.h>
#include <util/atomic.h>

#include "rig_board.h"
#include "rig_hal.h"

#ifndef F_CPU
#error "rig_hal_avr.c: F_CPU is not set (16000000UL on the Uno and Mega)"
#endif

/* ---- pins: a port letter from rig_board.h to its PINx; DDRx and PORTx follow it ------------- */

static inline __attribute__((always_inline)) volatile uint8_t *pin_reg(char port)
{
    switch (port) {
#ifdef PINA
    case 'A': return &PINA;
#endif
#ifdef PINB
    case 'B': return &PINB;
#endif
#ifdef PINC
    case 'C': return &PINC;
#endif
#ifdef PIND
    case 'D': return &PIND;
#endif
#ifdef PINL
    case 'L': return &PINL;
#endif
    default: return &PINB;
    }
}
/* On both chips DDRx is at PINx + 1 and PORTx at PINx + 2. */
#define PIN_OF(p) (pin_reg(p)[0])
#define DDR_OF(p) (pin_reg(p)[1])
#define PORT_OF(p) (pin_reg(p)[2])

#define SELECT_MASK ((uint8_t)(0x0Fu << RIG_SELECT_BIT0))
#define BUTTON_MASK ((uint8_t)(((1u << RIG_BUTTONS) - 1u) << RIG_BUTTON_BIT0))
#define BANK_MASK ((uint8_t)(((1u << RIG_BANKS) - 1u) << RIG_BANK_BIT0))
#define SR_LATCH _BV(RIG_SR_LATCH_BIT)
#define SR_DATA _BV(RIG_SR_DATA_BIT)
#define SR_CLOCK _BV(RIG_SR_CLOCK_BIT)

/* ---- the microsecond clock: Timer1, prescaler 8, counting up with an overflow interrupt ------ */

#if F_CPU == 16000000UL
#define T1_SHIFT 1              /* 2 ticks a microsecond */
#elif F_CPU == 8000000UL
#define T1_SHIFT 0
#else
#error "rig_hal_avr.c: the microsecond clock needs F_CPU of 8 or 16 MHz"
#endif
#define T1_OVF_US (65536UL >> T1_SHIFT)

static volatile uint32_t t1_base_us;    /* microseconds at the last overflow, wrapping */

ISR(TIMER1_OVF_vect)
{
    t1_base_us += T1_OVF_US;
}

uint32_t hal_micros(void)
{
    uint32_t base;
    uint16_t t;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        t = TCNT1;
        base = t1_base_us;
        /* An overflow that happened since interrupts were disabled is not in base yet. */
        if ((TIFR1 & _BV(TOV1)) && t < 0x8000u)
            base += T1_OVF_US;
    }
    return base + (t >> T1_SHIFT);
}

/* ---- serial: interrupt-driven rings ------------------------------------------------------- */

#if defined(__AVR_ATmega2560__)
/* A 20 x 20 frame is 812 B on the wire; with the 64 B reply reserve it fits, and when the next
 * one is written up to 147 B (13 ms at 115200 baud) are still queued, so the wire never idles.
 * Not more: every queued byte delays a PONG (1024 B: at most 89 ms at 115200 baud). */
#define TX_SIZE 1024u
#define RX_SIZE 64u
#define UART_RX_VECT USART0_RX_vect
#define UART_UDRE_VECT USART0_UDRE_vect
#else
#define TX_SIZE 256u            /* an 8 x 8 frame is 137 B on the wire */
#define RX_SIZE 32u
#define UART_RX_VECT USART_RX_vect
#define UART_UDRE_VECT USART_UDRE_vect
#endif
#if (TX_SIZE & (TX_SIZE - 1u)) || (RX_SIZE & (RX_SIZE - 1u)) || RX_SIZE > 256u
#error "rig_hal_avr.c: ring sizes must be powers of two (RX at most 256)"
#endif

static uint8_t tx_buf[TX_SIZE];
static volatile uint16_t tx_head, tx_tail;     /* head: main writes; tail: the interrupt */
static uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head, rx_tail;      /* head: the interrupt; tail: main */

ISR(UART_UDRE_VECT)
{
    uint16_t t = tx_tail;
    UDR0 = tx_buf[t];
    t = (t + 1u) & (TX_SIZE - 1u);
    tx_tail = t;
    if (t == tx_head)
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
}

ISR(UART_RX_VECT)
{
    uint8_t b = UDR0;
    uint8_t next = (uint8_t)((rx_head + 1u) & (RX_SIZE - 1u));
    if (next != rx_tail) {      /* full: the byte is lost, and the host's CRC notices */
        rx_buf[rx_head] = b;
        rx_head = next;
    }
}

uint16_t hal_tx_free(void)
{
    uint16_t tail;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { tail = tx_tail; }
    return (uint16_t)(TX_SIZE - 1u - ((tx_head - tail) & (TX_SIZE - 1u)));
}

void hal_tx_write(const uint8_t *data, uint16_t len)
{
    uint16_t head = tx_head;
    uint16_t first = TX_SIZE - head;
    if (first > len)
        first = len;
    memcpy(tx_buf + head, data, first);
    memcpy(tx_buf, data + first, len - first);
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        tx_head = (head + len) & (TX_SIZE - 1u);
        if (len)
            UCSR0B |= _BV(UDRIE0);
    }
}

int16_t hal_rx_read(void)
{
    uint8_t t = rx_tail;
    if (t == rx_head)
        return -1;
    uint8_t b = rx_buf[t];
    rx_tail = (uint8_t)((t + 1u) & (RX_SIZE - 1u));
    return b;
}

/* ---- ADC ---------------------------------------------------------------------------------- */

/* ADPS2:0 = log2(prescaler): 110 for 64, 111 for 128 (datasheet, ADCSRA). */
#if RIG_ADC_PRESCALER == 64
#define ADC_ON (_BV(ADEN) | _BV(ADPS2) | _BV(ADPS1))
#elif RIG_ADC_PRESCALER == 128
#define ADC_ON (_BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0))
#else
#error "rig_hal_avr.c: the ADC prescaler must be 64 or 128 (rig_board.h)"
#endif
/* HELLO's adc_clock_khz is F_CPU / RIG_ADC_PRESCALER: the bits set must be that prescaler. */
#if (1 << (ADC_ON & 7)) != RIG_ADC_PRESCALER
#error "rig_hal_avr.c: ADC_ON's ADPS bits do not give RIG_ADC_PRESCALER"
#endif

/* The scan runs ahead of the main loop, by interrupt. When a conversion ends, the ADC
 * interrupt keeps its result and starts the next channel that has a cell at this select
 * position; after a position's last one it switches the multiplexers to the next position,
 * waits the settle time and starts that position's channel 0, into the other of two result
 * buffers, as long as the core is on the position just finished (so the hardware is at most one
 * position ahead and never overwrites a result the core has not read). Polled from the main
 * loop instead, a conversion ended on average 10 us (170 cycles) before the loop noticed and
 * started the next, and a select change waited for whatever the loop was doing: a fifth on top
 * of the 52 us conversions. The core sees the same one-at-a-time interface: it selects each
 * position and starts its channels 0, 1, ... in order (rig_core.c), and hal_mux_select and
 * hal_adc_start adopt what the interrupt has already done; busy and result are those of the
 * channel it asked for. Anything else (a scan's first position, another order) is done when
 * asked, after the conversion in flight. */
/* Positions are numbered from the scan's first; position k's results go to buffer k % POS_BUF.
 * The hardware may run POS_BUF - 1 positions ahead of the core: enough for the core's bursts
 * of frame encoding (the encoder's chunks are longer than a conversion). */
#define POS_BUF 4u
#define BUF(k) ((uint8_t)((k) & (POS_BUF - 1u)))
static volatile uint16_t adc_val[POS_BUF][RIG_ADC_CHANNELS];
static volatile uint8_t adc_done[POS_BUF];   /* channels below this have their result, in order */
static volatile uint8_t pos_bank[POS_BUF], pos_sel[POS_BUF];   /* each buffer's position */
static volatile uint8_t hw_ch;        /* the channel converting now */
static volatile uint16_t *volatile hw_dst;   /* where its result goes */
static volatile uint8_t *volatile hw_done;   /* adc_done[] of its position */
static volatile bool hw_busy;         /* a conversion runs */
static volatile bool hw_switched;     /* the multiplexers are at the next position already */
static volatile uint8_t hw_k, hw_bank, hw_sel, hw_last;  /* the hardware's position */
static volatile uint8_t core_k;       /* the core's position number */
static uint8_t adc_want;              /* the channel the core converts */

/* A select position's last ADC channel with a cell: (bank * RIG_ADC_CHANNELS + ch) * 16 + sel
 * < RIG_CELLS, as rig_core.c's next channel. */
static inline __attribute__((always_inline)) uint8_t last_channel(uint8_t bank, uint8_t sel)
{
    uint16_t muxes = (uint16_t)((RIG_CELLS - 1u - sel) / RIG_MUX_CHANNELS + 1u);  /* with a cell here */
    uint16_t first = (uint16_t)bank * RIG_ADC_CHANNELS;
    uint16_t here = muxes > first ? (uint16_t)(muxes - first) : 1u;
    return (uint8_t)((here < RIG_ADC_CHANNELS ? here : RIG_ADC_CHANNELS) - 1u);
}

static inline __attribute__((always_inline)) void adc_go(uint8_t ch)
{
    ADMUX = (uint8_t)(_BV(REFS0) | (ch & 7u));                /* AVcc reference */
#ifdef MUX5
    if (ch & 8u)
        ADCSRB |= _BV(MUX5);
    else
        ADCSRB &= (uint8_t)~_BV(MUX5);
#endif
    /* ADIF written 1 clears a flag left by hal_entropy's polled conversions. */
    ADCSRA = ADC_ON | _BV(ADIE) | _BV(ADIF) | _BV(ADSC);
    hw_ch = ch;
    hw_busy = true;
}

/* Interrupts off: the results of hw_k's position (at the hardware's bank and select) go to
 * its buffer from channel ch on. */
static inline __attribute__((always_inline)) void hw_into(uint8_t ch)
{
    uint8_t b = BUF(hw_k);
    hw_dst = &adc_val[b][ch];
    hw_done = &adc_done[b];
    adc_done[b] = ch;
    pos_bank[b] = hw_bank;
    pos_sel[b] = hw_sel;
}

/* The hardware may start a position after its own: its buffer is not one the core reads. */
static inline __attribute__((always_inline)) bool may_run_ahead(void)
{
    return (uint8_t)(hw_k - core_k) < POS_BUF - 1u;
}

/* Interrupts off (the interrupt, or an atomic block): the multiplexers to (bank, sel). */
static inline __attribute__((always_inline)) void mux_switch(uint8_t bank, uint8_t sel)
{
#if RIG_BANK_PORT
    /* Every bank off, the select lines moved, then the chosen bank on (EN is active low), so
     * no two multiplexers ever drive one ADC input. */
    PORT_OF(RIG_BANK_PORT) |= BANK_MASK;
#else
    (void)bank;
#endif
    PORT_OF(RIG_SELECT_PORT) =
        (uint8_t)((PORT_OF(RIG_SELECT_PORT) & ~SELECT_MASK) | ((sel & 0x0Fu) << RIG_SELECT_BIT0));
#if RIG_BANK_PORT
    PORT_OF(RIG_BANK_PORT) &= (uint8_t)~_BV(RIG_BANK_BIT0 + bank);
#endif
    hw_bank = bank;
    hw_sel = sel;
    hw_last = last_channel(bank, sel);
}

/* The select position after the hardware's, as rig_core.c's next_select; false after the
 * scan's last (the core begins the next scan). */
static inline __attribute__((always_inline)) bool next_position(uint8_t *bank, uint8_t *sel)
{
    uint8_t b = hw_bank, s = hw_sel;
    do {
        if (++s == RIG_MUX_CHANNELS) {
            s = 0;
            if (++b == RIG_BANKS)
                return false;
        }
    } while (((uint16_t)b * RIG_ADC_CHANNELS) * RIG_MUX_CHANNELS + s >= RIG_CELLS);
    *bank = b;
    *sel = s;
    return true;
}

static inline __attribute__((always_inline)) void wait_ticks(uint16_t ticks)
{
    uint16_t t0 = TCNT1;
    while ((uint16_t)(TCNT1 - t0) <= ticks) {
    }
}

/* The ADC holds its input 1.5 ADC clocks after a conversion starts, which is at the ADC clock's
 * next edge after ADSC is set: 2.5 ADC clocks at most, 10 us at 250 kHz. From then on the
 * multiplexers may move on: the next position settles while this conversion finishes. */
#define HOLD_US ((5UL * RIG_ADC_PRESCALER / 2UL) / (F_CPU / 1000000UL) + 1UL)
#if 13UL * RIG_ADC_PRESCALER / (F_CPU / 1000000UL) < HOLD_US + RIG_SETTLE_US
#error "rig_hal_avr.c: a conversion is too short to settle the next position behind it"
#endif

/* Interrupts off, a position's last conversion just started, the core on that position (so
 * the next one's results go to the other buffer): the multiplexers move on to the next
 * position once the input is held, and its channel 0 starts when this conversion ends. */
static inline __attribute__((always_inline)) void switch_early(void)
{
    uint8_t bank, sel;
    if (!may_run_ahead() || hw_switched || !next_position(&bank, &sel))
        return;
    wait_ticks((uint16_t)(HOLD_US << T1_SHIFT));
    mux_switch(bank, sel);
    hw_switched = true;
}

/* Interrupts off, no conversion running: the hardware moves on to the position after its own,
 * if the scan has one, and converts its channel 0 once the settle time is over (20 us spent
 * here: rare, the hardware has mostly moved on behind the last conversion, switch_early). */
static inline __attribute__((always_inline)) void hw_advance(void)
{
    uint8_t bank, sel;
    if (!next_position(&bank, &sel))
        return;
    hw_k++;
    mux_switch(bank, sel);
    hw_into(0);
    wait_ticks((uint16_t)(RIG_SETTLE_US << T1_SHIFT));
    adc_go(0);
}

/* The next channel starts first (the result read before ADMUX changes: simavr converts when
 * ADC is read), then the result is put away: about 50 cycles from one conversion to the next. */
ISR(ADC_vect)
{
    uint16_t v = ADC;
    uint8_t ch = hw_ch;
    if (hw_switched) {
        /* The multiplexers have been at the next position since this conversion held its
         * input (over 40 us): its channel 0 now, then this result into the old buffer. */
        hw_switched = false;
        adc_go(0);
        *hw_dst = v;
        *hw_done = (uint8_t)(ch + 1u);
        hw_k++;
        hw_into(0);
        return;
    }
    bool more = ch < hw_last;
    if (more)
        adc_go((uint8_t)(ch + 1u));
    volatile uint16_t *d = hw_dst;
    *d = v;
    hw_dst = d + 1;
    *hw_done = (uint8_t)(ch + 1u);
    if (more) {
        if (ch + 1u == hw_last)
            switch_early();
        return;
    }
    hw_busy = false;
    if (may_run_ahead())
        hw_advance();
}

void hal_mux_select(uint8_t bank, uint8_t channel)
{
    for (;;) {
        ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
        {
            uint8_t next = BUF(core_k + 1u);
            if (hw_k != core_k && pos_bank[next] == bank && pos_sel[next] == channel) {
                core_k++;           /* the interrupt is there already: adopted */
                if (!hw_busy)
                    hw_advance();   /* it is idle, waiting for the core: on to the next */
                else if (hw_ch == hw_last)
                    switch_early(); /* its position's last conversion runs */
                return;
            }
            if (!hw_busy) {
                core_k = hw_k;      /* a position of its own: now, into the core's buffer */
                mux_switch(bank, channel);
                hw_into(0);
                return;
            }
        }
    }
}

void hal_adc_start(uint8_t adc_channel)
{
    adc_want = adc_channel;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        /* Not started by the interrupt (a position of the core's own): start it now. */
        if (hw_k == core_k && !hw_busy && adc_done[BUF(core_k)] <= adc_channel) {
            hw_into(adc_channel);
            adc_go(adc_channel);
            if (adc_channel == hw_last)
                switch_early();
        }
    }
}

bool hal_adc_busy(void)
{
    return adc_done[BUF(core_k)] <= adc_want;
}

uint16_t hal_adc_result(void)
{
    return adc_val[BUF(core_k)][adc_want];      /* the interrupt is done with it */
}

/* ---- multiplexers, lamps, buttons, LED ---------------------------------------------------- */

void hal_lamps(uint8_t mask)
{
    /* 74HC595: a rising clock edge shifts DS in, a rising latch edge shows the register on
     * Q0-Q7. Lamp 7 goes first, so that after eight clocks lamp i sits on Qi. */
    PORT_OF(RIG_SR_PORT) &= (uint8_t)~(SR_LATCH | SR_CLOCK);
    for (int8_t i = 7; i >= 0; i--) {
        if (mask & (1u << i))
            PORT_OF(RIG_SR_PORT) |= SR_DATA;
        else
            PORT_OF(RIG_SR_PORT) &= (uint8_t)~SR_DATA;
        PORT_OF(RIG_SR_PORT) |= SR_CLOCK;
        PORT_OF(RIG_SR_PORT) &= (uint8_t)~SR_CLOCK;
    }
    PORT_OF(RIG_SR_PORT) |= SR_LATCH;
}

uint8_t hal_buttons_down(void)
{
    /* Buttons close to ground against the pull-ups: a 0 is "down". */
    return (uint8_t)((~PIN_OF(RIG_BUTTON_PORT) & BUTTON_MASK) >> RIG_BUTTON_BIT0);
}

void hal_status_led(bool on)
{
    /* Atomic: on the Uno the LED shares port B with the select lines the ADC interrupt moves. */
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        if (on)
            PORT_OF(RIG_LED_PORT) |= _BV(RIG_LED_BIT);
        else
            PORT_OF(RIG_LED_PORT) &= (uint8_t)~_BV(RIG_LED_BIT);
    }
}

/* ---- EEPROM: started and polled, never waited for ----------------------------------------- */

uint16_t hal_eeprom_size(void)
{
    return (uint16_t)(E2END + 1u);
}

bool hal_eeprom_busy(void)
{
    return (EECR & _BV(EEPE)) != 0;
}

uint8_t hal_eeprom_read(uint16_t addr)
{
    /* A read during a write returns garbage; the core asks only when idle, and this bounded
     * wait (one write, ~3.4 ms) covers a caller that does not. */
    while (EECR & _BV(EEPE)) {
    }
    EEAR = addr;
    EECR |= _BV(EERE);
    return EEDR;
}

void hal_eeprom_write(uint16_t addr, uint8_t value)
{
    EEAR = addr;
    EEDR = value;
    /* EEPE must follow EEMPE within four cycles: no interrupt in between. EEPM = 0: erase and
     * write in one operation. */
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        EECR = _BV(EEMPE);
        EECR |= _BV(EEPE);
    }
}

/* ---- watchdog and reset cause ------------------------------------------------------------- */

/* MCUSR must be read and the watchdog stopped before main(): after a watchdog reset the
 * watchdog stays on with its shortest timeout and would reset the chip again during start-up
 * (avr-libc FAQ). .noinit keeps the C start-up from clearing the copy. */
static uint8_t reset_cause __attribute__((section(".noinit")));

void rig_hal_early_reset_cause(void) __attribute__((naked, used, section(".init3")));
void rig_hal_early_reset_cause(void)
{
    uint8_t cause = MCUSR;
#if defined(__AVR_ATmega328P__)
    if (cause == 0) {
        /* Optiboot (the Uno's bootloader, version 5 on) clears MCUSR and hands its value over
         * in r2. Older ones leave r2 undefined: only a value that can be an MCUSR (flags in
         * bits 0-3) is believed. The Mega's stk500v2 bootloader clears MCUSR and hands nothing
         * over, so there a watchdog reset behind a bootloader goes unreported. */
        uint8_t r2;
        __asm__ __volatile__("mov %0, r2" : "=r"(r2));
        if ((r2 & 0xF0u) == 0)
            cause = r2;
    }
#endif
    reset_cause = cause;
    MCUSR = 0;
    wdt_disable();
}

void hal_watchdog_start(void)
{
    wdt_enable(WDTO_500MS);
}

void hal_watchdog_kick(void)
{
    wdt_reset();
}

bool hal_reset_was_watchdog(void)
{
    return (reset_cause & _BV(WDRF)) != 0;
}

uint32_t hal_entropy(void)
{
    /* The low bits of conversions of a channel no photocell uses (a floating pin on the Uno;
     * the 1.1 V bandgap on the Mega, whose 16 channels are all taken), mixed with Timer1 and
     * Timer0 read at each conversion's end: the timers drift against the ADC's noise. Called
     * only when a new board id is drawn (first start), so its wait (12 conversions, under
     * a millisecond) is acceptable. */
    uint32_t h = 0;
    for (uint8_t i = 0; i < 12; i++) {
#if RIG_ADC_CHANNELS < 8
        ADMUX = (uint8_t)(_BV(REFS0) | RIG_ADC_CHANNELS);
#else
        ADCSRB &= (uint8_t)~_BV(MUX5);
        ADMUX = (uint8_t)(_BV(REFS0) | 0x1Eu);             /* MUX5:0 = 011110: 1.1 V */
#endif
        ADCSRA = ADC_ON | _BV(ADSC);
        while (ADCSRA & _BV(ADSC)) {
        }
        h = (h << 5 | h >> 27) ^ ADC ^ ((uint32_t)TCNT1 << 11) ^ ((uint32_t)TCNT0 << 24);
    }
    return h;
}

/* ---- set-up ------------------------------------------------------------------------------- */

void hal_init(void)
{
    cli();
    /* Timer1: normal mode, clock / 8, overflow interrupt. */
    TCCR1A = 0;
    TCCR1B = 0;
    TCCR1C = 0;
    TCNT1 = 0;
    t1_base_us = 0;
    TIFR1 = _BV(TOV1);
    TIMSK1 = _BV(TOIE1);
    TCCR1B = _BV(CS11);

    /* UART0 8N1 with U2X. U2X before UBRR: simavr computes the baud rate when UBRR is
     * written. 115200 -> UBRR 16, 1000000 -> UBRR 1 at 16 MHz. */
    UCSR0B = 0;
    tx_head = tx_tail = 0;
    rx_head = rx_tail = 0;
    UCSR0A = _BV(U2X0);
    UBRR0 = (uint16_t)((F_CPU + 4UL * RIG_BAUD) / (8UL * RIG_BAUD) - 1UL);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);

    /* ADC: AVcc reference, clock / RIG_ADC_PRESCALER, no auto trigger; digital inputs off on the
     * photocell channels (less noise, less current). */
    ADCSRA = ADC_ON;
    hw_busy = hw_switched = false;
    hw_k = core_k = 0;
    hw_into(0);
#ifdef ADCSRB
    ADCSRB = 0;
#endif
    ADMUX = _BV(REFS0);
#if RIG_ADC_CHANNELS >= 8
    DIDR0 = 0xFF;
#ifdef DIDR2
    DIDR2 = (uint8_t)((1u << (RIG_ADC_CHANNELS - 8)) - 1u);
#endif
#else
    DIDR0 = (uint8_t)((1u << RIG_ADC_CHANNELS) - 1u);
#endif

    DDR_OF(RIG_SELECT_PORT) |= SELECT_MASK;
#if RIG_BANK_PORT
    PORT_OF(RIG_BANK_PORT) |= BANK_MASK;         /* all banks off until the first select */
    DDR_OF(RIG_BANK_PORT) |= BANK_MASK;
#endif
    PORT_OF(RIG_SR_PORT) &= (uint8_t)~(SR_LATCH | SR_DATA | SR_CLOCK);
    DDR_OF(RIG_SR_PORT) |= SR_LATCH | SR_DATA | SR_CLOCK;
    DDR_OF(RIG_BUTTON_PORT) &= (uint8_t)~BUTTON_MASK;
    PORT_OF(RIG_BUTTON_PORT) |= BUTTON_MASK;     /* pull-ups */
    PORT_OF(RIG_LED_PORT) &= (uint8_t)~_BV(RIG_LED_BIT);
    DDR_OF(RIG_LED_PORT) |= _BV(RIG_LED_BIT);
    EECR = 0;
    sei();
}

#endif /* __AVR__ */
