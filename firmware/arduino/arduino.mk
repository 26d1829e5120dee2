# `make -C firmware arduino-check`: the sketch folder built the way the Arduino IDE builds it,
# against the real Arduino AVR core (Debian's arduino-core-avr: the core's sources and its
# "standard", "eightanaloginputs" and "mega" variants), for the Uno, the Nano, the Mega and the
# Mega with a 16 x 16 grid, each linked to an .elf. The avr-gcc build (`make firmware`) never
# sees the Arduino core; this proves that the same folder, opened in the IDE, compiles and
# links there too (no clash with the core's interrupt handlers or names, no host-only file in
# the folder, a program that fits).
#
# What the IDE does (arduino-builder / arduino-cli with platform.txt of the AVR core 1.8):
#   - copies the sketch folder into the build folder (quoted #includes resolve there);
#   - turns the .ino files (the main one first, then the others by name) into one .ino.cpp
#     with `#include <Arduino.h>` on top, and compiles it as C++ (avr-g++, gnu++11);
#   - compiles every .c of the folder as C (avr-gcc, gnu11), .cpp as C++, .S as assembler,
#     all with -mmcu, -DF_CPU, -DARDUINO=<IDE version>, -DARDUINO_<board>, -DARDUINO_ARCH_AVR
#     and -I for the core and the board's variant, and LTO;
#   - archives the core into core.a and links with --gc-sections;
#   - refuses a program larger than the board's flash (boards.txt upload.maximum_size) or
#     globals larger than its RAM (upload.maximum_data_size); here, as for `make firmware`, the
#     globals must leave ARDUINO_STACK_MIN bytes of RAM for the stack (the core's own globals,
#     millis() and the like, come on top of the firmware's in this build).
# Left out: the IDE also writes prototypes for functions the .ino defines; the sketch's .ino
# only defines setup() and loop(), which Arduino.h declares. Warnings: the IDE's default shows
# none; here the sketch's own files get -Wall -Wextra -Werror (the core keeps -w).
#
# Everything lands in $(BUILD)/arduino/<board>/ (the core's objects, core.a, the copied sketch,
# mark1_rig.ino.elf and .hex). tests/test_arduino_build.py runs the Uno's and the Mega's .elf in
# the simavr harness: built this way, with the core's init() and main(), the firmware answers.

ARDUINO_AVR      ?= /usr/share/arduino/hardware/arduino/avr
ARDUINO_VERSION  ?= 10819
ARDUINO_OUT      := $(BUILD)/arduino
ARDUINO_CORE_DIR := $(ARDUINO_AVR)/cores/arduino
ARDUINO_APT      := apt-get install arduino-core-avr gcc-avr avr-libc
ARDUINO_CORE_SRC := $(sort $(wildcard $(ARDUINO_CORE_DIR)/*.c $(ARDUINO_CORE_DIR)/*.cpp $(ARDUINO_CORE_DIR)/*.S))

ARDUINO_MAIN_INO := $(SKETCH)/$(SKETCH).ino
ARDUINO_INOS     := $(ARDUINO_MAIN_INO) $(sort $(filter-out $(ARDUINO_MAIN_INO),$(wildcard $(SKETCH)/*.ino)))
# The files the IDE compiles, and the headers they may include, as they are in the folder.
ARDUINO_SRC      := $(sort $(notdir $(wildcard $(SKETCH)/*.c $(SKETCH)/*.cpp $(SKETCH)/*.S)))
ARDUINO_HDR      := $(sort $(notdir $(wildcard $(SKETCH)/*.h)))

# platform.txt's flags (compiler.c.flags and so on), -MMD kept for the rebuild dependencies.
ARDUINO_C_FLAGS   := -c -g -Os -std=gnu11 -ffunction-sections -fdata-sections -MMD -flto -fno-fat-lto-objects
ARDUINO_CPP_FLAGS := -c -g -Os -std=gnu++11 -fpermissive -fno-exceptions -ffunction-sections \
                     -fdata-sections -fno-threadsafe-statics -Wno-error=narrowing -MMD -flto
ARDUINO_S_FLAGS   := -c -g -x assembler-with-cpp -flto -MMD
ARDUINO_ELF_FLAGS := -Os -g -flto -fuse-linker-plugin -Wl,--gc-sections
ARDUINO_CORE_WARN := -w
ARDUINO_OWN_WARN  := -Wall -Wextra -Werror
# Debian 12's gcc-avr 5.4 defines DECIMAL_DIG in float.h only for C99 and later C, not for C++,
# and the core's WString.cpp needs it (Arduino's own toolchain, gcc 7, defines it for both).
ARDUINO_DEBIAN_FIX := -DDECIMAL_DIG=__DECIMAL_DIG__

ARDUINO_STACK_MIN := 512
ARDUINO_BOARDS :=

# arduino_board(name, mcu, variant, ARDUINO_<board> macro, extra -D flags, flash max, RAM max)
# The extra flags go to every file, as arduino-cli's --build-property build.extra_flags=... would.
define arduino_board
ARDUINO_BOARDS += $(1)
$(1)_AD   := $(ARDUINO_OUT)/$(1)
$(1)_DEFS := -mmcu=$(2) -DF_CPU=16000000L -DARDUINO=$(ARDUINO_VERSION) -DARDUINO_$(4) -DARDUINO_ARCH_AVR $(5) \
             $(ARDUINO_DEBIAN_FIX)
$(1)_INC  := -I$(ARDUINO_CORE_DIR) -I$(ARDUINO_AVR)/variants/$(3)
$(1)_CORE_OBJ := $$(patsubst $(ARDUINO_CORE_DIR)/%,$$($(1)_AD)/core/%.o,$(ARDUINO_CORE_SRC))
$(1)_OWN_OBJ  := $$($(1)_AD)/sketch/$(SKETCH).ino.cpp.o $$(patsubst %,$$($(1)_AD)/sketch/%.o,$(ARDUINO_SRC))
$(1)_COPIES   := $$(patsubst %,$$($(1)_AD)/sketch/%,$(ARDUINO_SRC) $(ARDUINO_HDR))

.PHONY: arduino-check-$(1)
arduino-check-$(1): $$($(1)_AD)/$(SKETCH).ino.hex
	@flash=$$$$($(AVR_SIZE) -A $$($(1)_AD)/$(SKETCH).ino.elf | awk '/^\.(text|data|bootloader) /{s+=$$$$2} END{print s+0}'); \
	ram=$$$$($(AVR_SIZE) -A $$($(1)_AD)/$(SKETCH).ino.elf | awk '/^\.(data|bss|noinit) /{s+=$$$$2} END{print s+0}'); \
	echo "arduino-check $(1): compiled and linked against the Arduino core ($(3) variant, $(2)):" \
	     "program $$$$flash of $(6) bytes, globals $$$$ram of $(7) bytes"; \
	if [ $$$$flash -gt $(6) ]; then echo "arduino-check $(1): the program is too big for the board" >&2; exit 1; fi; \
	if [ $$$$(($(7) - ram)) -lt $(ARDUINO_STACK_MIN) ]; then \
		echo "arduino-check $(1): the globals leave less than $(ARDUINO_STACK_MIN) B of RAM for the stack" >&2; exit 1; fi

$$($(1)_AD)/$(SKETCH).ino.hex: $$($(1)_AD)/$(SKETCH).ino.elf
	$(AVR_OBJCOPY) -O ihex -R .eeprom $$< $$@

$$($(1)_AD)/$(SKETCH).ino.elf: $$($(1)_OWN_OBJ) $$($(1)_AD)/core/core.a
	$(AVR_CC) $(ARDUINO_ELF_FLAGS) -mmcu=$(2) -o $$@ $$($(1)_OWN_OBJ) $$($(1)_AD)/core/core.a -L$$($(1)_AD) -lm

$$($(1)_AD)/core/core.a: $$($(1)_CORE_OBJ)
	@rm -f $$@
	avr-gcc-ar rcs $$@ $$^

$$($(1)_AD)/core/%.c.o: $(ARDUINO_CORE_DIR)/%.c arduino/arduino.mk | arduino-core-present
	@mkdir -p $$(@D)
	$(AVR_CC) $(ARDUINO_C_FLAGS) $(ARDUINO_CORE_WARN) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@
$$($(1)_AD)/core/%.cpp.o: $(ARDUINO_CORE_DIR)/%.cpp arduino/arduino.mk | arduino-core-present
	@mkdir -p $$(@D)
	avr-g++ $(ARDUINO_CPP_FLAGS) $(ARDUINO_CORE_WARN) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@
$$($(1)_AD)/core/%.S.o: $(ARDUINO_CORE_DIR)/%.S arduino/arduino.mk | arduino-core-present
	@mkdir -p $$(@D)
	$(AVR_CC) $(ARDUINO_S_FLAGS) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@

# The sketch as the IDE sees it: a copy of the folder, and the .ino files made into one C++ file.
$$($(1)_COPIES): $$($(1)_AD)/sketch/%: $(SKETCH)/%
	@mkdir -p $$(@D)
	cp $$< $$@
$$($(1)_AD)/sketch/$(SKETCH).ino.cpp: $(ARDUINO_INOS) arduino/arduino.mk | arduino-sketch-present
	@mkdir -p $$(@D)
	{ echo '#include <Arduino.h>'; for f in $(ARDUINO_INOS); do \
		echo "#line 1 \"$$$$(cd $$$$(dirname $$$$f) && pwd)/$$$$(basename $$$$f)\""; cat $$$$f; done; } > $$@

$$($(1)_AD)/sketch/%.cpp.o: $$($(1)_AD)/sketch/%.cpp $$($(1)_COPIES) arduino/arduino.mk | arduino-core-present
	avr-g++ $(ARDUINO_CPP_FLAGS) $(ARDUINO_OWN_WARN) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@
$$($(1)_AD)/sketch/%.c.o: $$($(1)_AD)/sketch/%.c $$($(1)_COPIES) arduino/arduino.mk | arduino-core-present
	$(AVR_CC) $(ARDUINO_C_FLAGS) $(ARDUINO_OWN_WARN) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@
$$($(1)_AD)/sketch/%.S.o: $$($(1)_AD)/sketch/%.S $$($(1)_COPIES) arduino/arduino.mk | arduino-core-present
	$(AVR_CC) $(ARDUINO_S_FLAGS) $$($(1)_DEFS) $$($(1)_INC) $$< -o $$@
endef

# Flash and RAM limits from the core's boards.txt (the flash less the bootloader's room).
$(eval $(call arduino_board,uno,atmega328p,standard,AVR_UNO,,32256,2048))
$(eval $(call arduino_board,nano,atmega328p,eightanaloginputs,AVR_NANO,,30720,2048))
$(eval $(call arduino_board,mega,atmega2560,mega,AVR_MEGA2560,,253952,8192))
$(eval $(call arduino_board,mega-16x16,atmega2560,mega,AVR_MEGA2560,-DRIG_GRID_16,253952,8192))

.PHONY: arduino-check arduino-core-present arduino-sketch-present
arduino-check: $(addprefix arduino-check-,$(ARDUINO_BOARDS))

# One line naming the package, instead of a page of compiler errors, when the core is missing.
arduino-core-present:
	@test -f $(ARDUINO_CORE_DIR)/Arduino.h || { \
		echo "arduino-check: the Arduino AVR core is missing ($(ARDUINO_CORE_DIR)): $(ARDUINO_APT)" >&2; \
		exit 1; }
	@command -v avr-gcc-ar >/dev/null || { echo "arduino-check: avr-gcc is missing: $(ARDUINO_APT)" >&2; exit 1; }
arduino-sketch-present:
	@test -f $(ARDUINO_MAIN_INO) || { echo "arduino-check: $(ARDUINO_MAIN_INO) is missing" >&2; exit 1; }

-include $(wildcard $(ARDUINO_OUT)/*/core/*.d $(ARDUINO_OUT)/*/sketch/*.d)
