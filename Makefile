# Tandem — build, run and test. `make help` lists the targets.

# Use the Go toolchain at /usr/local/go when `go` is not on PATH.
ifeq ($(shell command -v go 2>/dev/null),)
export PATH := /usr/local/go/bin:$(PATH)
endif
# go.mod names the toolchain (a patched Go release); let the go command fetch
# it from the module proxy even where the environment says GOTOOLCHAIN=local.
export GOTOOLCHAIN := auto

GO ?= go
BINARIES := $(wildcard agent technician signaling turnrelay)
FUZZTIME ?= 20s
DATA ?= ./data

.DEFAULT_GOAL := help
.PHONY: help build-deps build run install test vulncheck bench fuzz clean windows-deps agent-windows

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build-deps: ## install the Debian packages building needs (not the test stack; no-op when present)
	./scripts/install-deps.sh build

# windows-deps: the mingw-w64 toolchain, nasm and wine64 (as root), then
# libvpx and libyuv for mingw from Debian's sources, cached under
# ~/.cache/tandem/mingw (about 4 min the first time here, then 0.4 s).
windows-deps: ## Windows cross toolchain and Wine, then libvpx/libyuv for mingw (cached)
	./scripts/install-deps.sh windows
	./scripts/build-mingw-deps.sh

# agent-windows: agent.exe for Windows x86-64, cross-built with mingw-w64
# against the static libvpx/libyuv of windows-deps; it imports only DLLs every
# Windows 10/11 has (-H windowsgui: no console window for the customer).
agent-windows: ## cross-build bin/agent.exe for Windows x86-64 (needs windows-deps)
	@mkdir -p bin
	eval "$$(./scripts/build-mingw-deps.sh --print-env)" && \
		GOOS=windows GOARCH=amd64 CGO_ENABLED=1 $(GO) build -ldflags '-s -w -H windowsgui' -o bin/agent.exe ./agent

build: build-deps ## build each binary that exists into bin/
	@mkdir -p bin
	@# CGO_ENABLED=1: without a C compiler Go would quietly build without cgo.
	@if [ -n "$(BINARIES)" ]; then CGO_ENABLED=1 $(GO) build -o bin/ $(addprefix ./,$(BINARIES)); fi

# RUN_FLAGS: more signaling flags for `make run` (tests move its ports).
# bin/agent and bin/agent.exe (make agent-windows), once built, are offered: signaling takes them from next to itself.
run: build ## run the signaling server (and its embedded relay) with default settings
	./bin/signaling -data $(DATA) $(RUN_FLAGS)

# make install: binaries, systemd units (deploy/), their environment files
# (kept when present) and the tandem system user's sysusers.d entry. DESTDIR
# stages the tree elsewhere; PREFIX moves the binaries (units follow).
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system
SYSUSERSDIR ?= $(SYSCONFDIR)/sysusers.d
install: build ## install binaries, systemd units and config (PREFIX=/usr/local, DESTDIR)
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" UNITDIR="$(UNITDIR)" \
		SYSUSERSDIR="$(SYSUSERSDIR)" ./scripts/install.sh

test: ## install test dependencies, vet, and run every test with the race detector
	./scripts/install-deps.sh
	@# Before the tests, not inside them: internal/media/vpx's TestWine needs it,
	@# and a first build competing with the other packages would slow them.
	$(MAKE) windows-deps
	npm --prefix internal/testkit/e2e/web ci --no-audit --no-fund
	$(GO) mod download
	$(GO) vet ./...
	@# The packages with Windows code, vetted as the Windows agent builds them
	@# (their other tests are Linux-only: X11, namespaces, PostgreSQL).
	eval "$$(./scripts/build-mingw-deps.sh --print-env)" && GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
		$(GO) vet $$(find . -name '*_windows.go' -not -path '*/testdata/*' | xargs -n1 dirname | sort -u)
	./scripts/vulncheck.sh
	@# e2e takes 13 min on a quiet machine; 45 min bounds a hang, not a slow run
	@# (a loaded machine once took 30).
	$(GO) test -race -count=1 -timeout 45m $$($(GO) list ./... | grep -v /internal/testkit/netlab)
	# The namespace lab measures which ICE path wins a race; it runs alone so
	# that the other packages' CPU load does not decide it.
	$(GO) test -race -count=1 -timeout 10m ./internal/testkit/netlab

vulncheck: ## govulncheck against a local, pinned copy of the Go vulnerability database
	./scripts/vulncheck.sh

# Packages (and fuzz targets) are found by their test files' declarations,
# which is much cheaper than compiling every test binary to list them.
BENCH_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^func Benchmark' .)))
FUZZ_TARGETS = $(shell grep -r --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func /:/')

bench: ## run the benchmarks (and scripts/bench-relay.sh when present)
	@if [ -n "$(BENCH_PKGS)" ]; then $(GO) test -run '^$$' -bench . -benchmem $(BENCH_PKGS); else echo "no benchmarks"; fi
	@if [ -x scripts/bench-relay.sh ]; then ./scripts/bench-relay.sh; fi

.PHONY: bench-loss
bench-loss: ## the video loss matrix in the namespace lab (root; about 10 minutes; prints a table)
	./scripts/bench-loss.sh

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		dir=$$(dirname "$${t%%:*}"); name=$${t##*:}; \
		echo "== $$dir $$name"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) "./$$dir"; \
	done

clean: ## remove build output and the test cache
	rm -rf bin
	$(GO) clean -testcache
