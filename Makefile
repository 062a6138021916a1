# The two commands of the README:
#   make run   — install what is missing, build, create the demo registry and show it
#   make test  — the same set-up, then every test
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_DIR ?= demo
DEMO_PERSONS ?= 100000
CMAKE_FLAGS ?=
LISTEN ?= 127.0.0.1:8080

.PHONY: all setup configure build web run test bench clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 || (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# The web front end (web/), built by Vite into web/dist when it is part of the tree.
web: setup
	@if [ -f web/package.json ]; then cd web && npm run --silent build; fi

# Ends with the server up on $(LISTEN) (Ctrl-C stops it), serving the API and the front end.
run: build web
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@$(BUILD_DIR)/muster --store sqlite:$(DEMO_DIR)/muster.db demo --persons $(DEMO_PERSONS) \
	    --credentials $(DEMO_DIR)/credentials.txt
	@scripts/demo-hints.sh $(BUILD_DIR)/muster sqlite:$(DEMO_DIR)/muster.db $(LISTEN) $(DEMO_DIR)/credentials.txt
	@exec $(BUILD_DIR)/muster --store sqlite:$(DEMO_DIR)/muster.db serve --listen $(LISTEN) \
	    --demo-logins $$( [ -f web/dist/index.html ] && echo --web web/dist )

test: build web
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 600

bench: build
	@bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(DEMO_DIR)
