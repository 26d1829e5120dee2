# The codec's unit tests in C (tests/test_codec.c), run by `make test` through
# `make -C firmware test`, built for the host with the sanitizers on so that a read or write
# out of bounds, or undefined arithmetic, fails the run instead of passing by luck.

CODEC_SRC  := $(SKETCH)/rig_crc16.c $(SKETCH)/rig_cobs.c $(SKETCH)/rig_codec.c $(SKETCH)/rig_marshal.c
CODEC_TEST := $(BUILD)/host/test_codec
SANITIZE   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: codec-test codec-size
test: codec-test

codec-test: $(CODEC_TEST)
	$(CODEC_TEST) protocol-vectors.txt

$(CODEC_TEST): tests/test_codec.c $(CODEC_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SANITIZE) tests/test_codec.c $(CODEC_SRC) -o $@

# What the codec costs in an Uno's flash: each object built as the firmware builds it.
CODEC_AVR_OBJ := $(patsubst $(SKETCH)/%.c,$(BUILD)/codec-atmega328p/%.o,$(CODEC_SRC))
$(BUILD)/codec-atmega328p/%.o: $(SKETCH)/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(AVR_CC) -std=c99 -mmcu=atmega328p -DF_CPU=$(F_CPU) -Os -Wall -Wextra -Werror -I$(SKETCH) -c $< -o $@
codec-size: $(CODEC_AVR_OBJ)
	$(AVR_SIZE) $^
