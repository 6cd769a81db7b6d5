# Tandem — build, run and test. `make help` lists the targets.

# Use the Go toolchain at /usr/local/go when `go` is not on PATH.
ifeq ($(shell command -v go 2>/dev/null),)
export PATH := /usr/local/go/bin:$(PATH)
endif

GO ?= go
BINARIES := $(wildcard agent technician signaling turnrelay)
FUZZTIME ?= 20s
DATA ?= ./data

.DEFAULT_GOAL := help
.PHONY: help build run test bench fuzz clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build each binary that exists into bin/
	@mkdir -p bin
	@if [ -n "$(BINARIES)" ]; then $(GO) build -o bin/ $(addprefix ./,$(BINARIES)); fi

run: build ## run the signaling server (and its embedded relay) with default settings
	./bin/signaling -data $(DATA)

test: ## install test dependencies, vet, and run every test with the race detector
	./scripts/install-deps.sh
	$(GO) mod download
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

bench: ## run the benchmarks (and scripts/bench-relay.sh when present)
	@pkgs=$$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | \
		while read -r p; do \
			if $(GO) test -list '^Benchmark' "$$p" 2>/dev/null | grep -q '^Benchmark'; then echo "$$p"; fi; \
		done); \
	if [ -n "$$pkgs" ]; then $(GO) test -run '^$$' -bench . -benchmem $$pkgs; else echo "no benchmarks"; fi
	@if [ -x scripts/bench-relay.sh ]; then ./scripts/bench-relay.sh; fi

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@set -e; for p in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' "$$p" 2>/dev/null | grep '^Fuzz' || true); do \
			echo "== $$p $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) "$$p"; \
		done; \
	done

clean: ## remove build output and the test cache
	rm -rf bin
	$(GO) clean -testcache
