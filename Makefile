# Two commands from a fresh clone: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Debian packages the tests need (Xvfb: a real X server for the window tests; a C compiler,
# avr-gcc and simavr for the rig's firmware, its unit tests and the simulated board; Debian's
# Arduino core, to build the sketch as the Arduino IDE does). The one list; tests/conftest.py's
# require_program() names the package a missing program comes from.
SYSTEM_PACKAGES := xvfb xdotool gcc libc6-dev make pkg-config \
	gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev arduino-core-avr

.PHONY: demo test lint bench fidelity tune mutation venv clean system-packages firmware firmware-test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# numba's kernels compiled now, into its cache, so no batch run waits for the compiler
	$(PY) -c 'from simulator.kernels import warm_up; warm_up()'
	@touch $(STAMP)

venv: $(STAMP)

# Installs what is missing when run as root (apt-get update only then); otherwise prints the
# command to run and goes on: the tests that need a package then skip, loudly (fail under CI).
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "*** missing system packages:$$missing (no apt-get here: install them by hand; their tests will skip)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing system packages:$$missing"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; } || \
		echo "*** could not install$$missing; the tests that need them will skip (fail under CI)"; \
	else \
		echo "*** missing system packages:$$missing; the tests that need them will skip. Run:"; \
		echo "    sudo apt-get install -y$$missing"; \
	fi

demo: $(STAMP)
	$(VENV)/bin/mark1 demo

# The linter first: it takes a second and its complaints are cheaper to read than a failed test.
lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) system-packages lint firmware-test
	$(PY) -m pytest

# The rig's firmware for both boards (build/firmware/mark1-rig-<chip>*.hex and .elf).
firmware: system-packages
	$(MAKE) --no-print-directory -C firmware all

# The firmware's own unit tests in C, built for this computer.
firmware-test: system-packages
	$(MAKE) --no-print-directory -C firmware test

# The machine and the kiosk (bench.py), the rig protocol's Python decoder, and the simulated
# rig's frame rates against the wire/ADC limit (needs the firmware packages, as make test does).
bench: $(STAMP) system-packages
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/protocol_bench.py
	$(PY) benchmarks/rig_bench.py

# Remakes docs/FIDELITY.md: every published figure beside ours over seeds 0-19 (8-10 min).
fidelity: $(STAMP)
	nice -n 19 $(PY) benchmarks/fidelity.py --jobs 2 --out docs/FIDELITY.md

# The settings search behind it, on seeds 1000-1009 only (about an hour on two busy cores):
# every setting tried, per seed, the one chosen and why, in benchmarks/tune.log.
tune: $(STAMP)
	nice -n 19 $(PY) benchmarks/tune.py --jobs 2

# Mutation testing of the core (docs/TESTING.md, remade by the run; not part of `make test`):
# plausible bugs put one at a time into a copy of the last commit under build/mutation/, and
# the module's tests run against each. MODULE=simulator/statefile.py for one module, JOBS=2 for
# two mutants at once, WORKTREE=1 to copy the files as they are now instead of the last commit,
# SURVIVORS=1 to run again only the mutants that survived the module's stored run.
MUTATION_STAMP := $(VENV)/.mutation-installed
$(MUTATION_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	@touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	nice -n 19 $(PY) mutation/run.py $(if $(MODULE),--module $(MODULE)) $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(WORKTREE),--worktree) $(if $(SURVIVORS),--survivors)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
