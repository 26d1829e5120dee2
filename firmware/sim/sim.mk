# The simavr harness (sim/harness.c), one binary per board variant, each compiled with
# rig_board.h for its board so that it knows the pins and the grid:
#   $(BUILD)/sim/mark1-rig-sim-uno         ATmega328P, 8 x 8    (runs mark1-rig-atmega328p*.elf)
#   $(BUILD)/sim/mark1-rig-sim-mega        ATmega2560, 20 x 20  (mark1-rig-atmega2560.elf)
#   $(BUILD)/sim/mark1-rig-sim-mega-16x16  ATmega2560, 16 x 16  (mark1-rig-atmega2560-16x16.elf)
# Needs Debian's libsimavr-dev, libsimavrparts1, libelf-dev and pkg-config (the top-level
# Makefile's SYSTEM_PACKAGES).

SIM_DIR      := $(BUILD)/sim
SIM_PACKAGES := simavr simavrparts
SIM_APT      := apt-get install gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev pkg-config
# simavr's headers are not -Wextra clean: included as system headers, so -Werror stays on ours.
SIM_CFLAGS   = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(SIM_PACKAGES) 2>/dev/null))
SIM_LIBS     = $(shell pkg-config --libs $(SIM_PACKAGES) 2>/dev/null) -lpthread -lutil -lelf
SIM_BINS     := $(SIM_DIR)/mark1-rig-sim-uno $(SIM_DIR)/mark1-rig-sim-mega \
                $(SIM_DIR)/mark1-rig-sim-mega-16x16
# the control language (stdin commands, event lines) is control/control.c, shared with the
# native emulator
SIM_DEPS     := $(HEADERS) control/control.c control/control.h sim/sim.mk

.PHONY: sim sim-check
all: sim
sim: $(SIM_BINS)

# One line naming the packages, instead of a page of compiler errors, when simavr is missing.
sim-check:
	@pkg-config --exists $(SIM_PACKAGES) 2>/dev/null || { \
		echo "firmware/sim: simavr's development files are missing: $(SIM_APT)" >&2; exit 1; }

$(SIM_DIR):
	mkdir -p $@

$(SIM_DIR)/mark1-rig-sim-uno: sim/harness.c $(SIM_DEPS) | sim-check $(SIM_DIR)
	$(HOST_CC) $(HOST_CFLAGS) $(SIM_CFLAGS) -Icontrol -DRIG_BOARD_UNO -o $@ $< control/control.c $(SIM_LIBS)

$(SIM_DIR)/mark1-rig-sim-mega: sim/harness.c $(SIM_DEPS) | sim-check $(SIM_DIR)
	$(HOST_CC) $(HOST_CFLAGS) $(SIM_CFLAGS) -Icontrol -DRIG_BOARD_MEGA -o $@ $< control/control.c $(SIM_LIBS)

$(SIM_DIR)/mark1-rig-sim-mega-16x16: sim/harness.c $(SIM_DEPS) | sim-check $(SIM_DIR)
	$(HOST_CC) $(HOST_CFLAGS) $(SIM_CFLAGS) -Icontrol -DRIG_BOARD_MEGA -DRIG_GRID_16 -o $@ $< control/control.c $(SIM_LIBS)
