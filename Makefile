# barriergym — `make test` installs what the tests need on a fresh Debian
# machine (the viewer's X11/GL headers and Xvfb; Slurm and munge for the
# test that submits a sweep to a real single-node Slurm), then vets and
# tests.

APT_PACKAGES := libgl1-mesa-dev libgl1-mesa-dri libxcursor-dev libxi-dev libxinerama-dev \
                libxrandr-dev libxxf86vm-dev libxkbcommon-dev xvfb xauth slurm-wlm munge
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GO ?= go

.PHONY: test deps vet build bench fuzz

# BARRIERGYM_SLURM=1 lets TestSlurmArrayJob start Slurm's daemons (as
# root; it skips otherwise) and stop them by PID when it ends.
test: deps vet
	BARRIERGYM_SLURM=1 xvfb-run -a $(GO) test -timeout 9m ./...

# deps installs the Debian packages that are missing (apt-get update first).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(GO) mod download

vet:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

build:
	$(GO) build ./...

# bench prints the QP layer's speed table (one core).
bench:
	$(GO) run ./cmd/barriergym bench qp

# fuzz runs every fuzz target (a parser of outside input, or the solver)
# for FUZZTIME each; the seed corpora also run in every `go test`.
FUZZTIME ?= 60s
FUZZMINIMIZETIME ?= 5s
FUZZ_TARGETS := qplayer:FuzzSolve qplayer:FuzzSolveMagnitudes qplayer/qpjson:FuzzRun configs:FuzzParse scenarios:FuzzParseStart \
                scenarios/robot2d:FuzzReadCSV policy:FuzzLoadCheckpoint
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn (./$$pkg) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./$$pkg || exit 1; \
	done
