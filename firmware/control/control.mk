# The control language's unit test (control/test_control.c), run by `make test`: the parser and
# the line reader that the simavr harness and the native emulator share, with the sanitizers on.

CONTROL_TEST := $(BUILD)/host/test_control
CONTROL_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: control-test
test: control-test

control-test: $(CONTROL_TEST)
	$(CONTROL_TEST)

$(CONTROL_TEST): control/test_control.c control/control.c control/control.h $(HEADERS) control/control.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CONTROL_SANITIZE) -Icontrol -o $@ control/test_control.c control/control.c
