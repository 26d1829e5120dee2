# Host builds of the portable core (included by firmware/Makefile):
#   $(BUILD)/host/mark1-rig-native      the native rig emulator (host/native.c): the core on a pty,
#                                       --grid 8x8|16x16|20x20, one copy of the core per grid
#   $(BUILD)/host/test_core-<grid>      the core's unit tests (host/test_core.c), one per grid
#                                       layout (Uno 8 x 8; Mega 16 x 16 and 20 x 20, two banks)
# `make test` runs the unit tests (core-test), with the sanitizers on, as the codec's are.

HOST_DIR      := $(BUILD)/host
HOST_CODEC    := $(filter-out $(SKETCH)/rig_core.c $(SKETCH)/rig_hal_avr.c,$(PORTABLE_SRC))
HOST_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_INC      := -Ihost
NATIVE_INC    := -Icontrol          # the control language, shared with the simavr harness
NATIVE        := $(HOST_DIR)/mark1-rig-native
HOST_DEPS     := $(HEADERS) $(wildcard host/*.h) host/host.mk

# grid name -> the board defines of rig_board.h
GRID_DEFS_8x8   := -DRIG_BOARD_UNO
GRID_DEFS_16x16 := -DRIG_BOARD_MEGA -DRIG_GRID_16
GRID_DEFS_20x20 := -DRIG_BOARD_MEGA
HOST_GRIDS      := 8x8 16x16 20x20
CORE_TESTS      := $(foreach g,$(HOST_GRIDS),$(HOST_DIR)/test_core-$(g))

.PHONY: host core-test
all: host
host: $(NATIVE) $(CORE_TESTS)
test: core-test

core-test: $(CORE_TESTS)
	@for t in $(CORE_TESTS); do $$t || exit 1; done

# The emulator: the core and its grid descriptor compiled once per grid, suffixed.
$(HOST_DIR)/native-core-%.o: $(SKETCH)/rig_core.c $(HOST_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) $(GRID_DEFS_$*) -DRIG_NATIVE -DRIG_CORE_SUFFIX=g$* -c -o $@ $<
$(HOST_DIR)/native-variant-%.o: host/native_variant.c $(HOST_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) $(GRID_DEFS_$*) -DRIG_NATIVE -DRIG_CORE_SUFFIX=g$* -c -o $@ $<
$(NATIVE): host/native.c host/rig_hal_host.c control/control.c control/control.h $(HOST_CODEC) $(HOST_DEPS) \
		$(foreach g,$(HOST_GRIDS),$(HOST_DIR)/native-core-$(g).o $(HOST_DIR)/native-variant-$(g).o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_INC) $(NATIVE_INC) -o $@ host/native.c host/rig_hal_host.c \
		control/control.c $(HOST_CODEC) \
		$(foreach g,$(HOST_GRIDS),$(HOST_DIR)/native-core-$(g).o $(HOST_DIR)/native-variant-$(g).o)

$(HOST_DIR)/test_core-%: host/test_core.c $(SKETCH)/rig_core.c host/rig_hal_host.c $(HOST_CODEC) $(HOST_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SANITIZE) $(HOST_INC) $(GRID_DEFS_$*) -o $@ \
		host/test_core.c $(SKETCH)/rig_core.c host/rig_hal_host.c $(HOST_CODEC)
