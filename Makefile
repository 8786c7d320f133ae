# Tessera — the two commands: `make run` and `make test`. Each installs what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test build bench tools rust-tools system-tools services fmt lint unit e2e clean-e2e

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CARGO_TERM_COLOR ?= never

CARGO_LEPTOS_VERSION := 0.3.10
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
TESSERA_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export TESSERA_TEST_POSTGRES_URL

## run: build the app and serve it on 127.0.0.1:3000 (first start prints the admin's password)
run: build
	./target/debug/tessera serve

## test: fmt, clippy, unit + integration tests on SQLite and PostgreSQL, then Playwright
test: tools system-tools services fmt lint unit e2e

## bench: verification vs raw ed25519-dalek; heartbeat, entitlements and seat checks vs /healthz; the list page at 1 M licenses; a sign-in flood; Stripe's webhook vs issuing by hand
bench:
	cargo bench -p tessera-license --bench verify
	cargo bench -p tessera-server --bench heartbeat
	cargo bench -p tessera-server --bench entitlements
	cargo bench -p tessera-server --bench events
	cargo bench -p tessera-server --bench license_list
	cargo bench -p tessera-server --bench login_flood
	cargo bench -p tessera-server --bench stripe_webhook

build: tools
	cargo leptos build

tools: rust-tools node_modules/.installed

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@cargo leptos --version 2>/dev/null | grep -q ' $(CARGO_LEPTOS_VERSION)$$' || \
		{ echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 20 minutes, once)"; \
		  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked; }
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$' || \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

# Tailwind v4, wasm-opt (npm binaryen, never Debian's) and Playwright, pinned in package.json.
# (`npm ci` trips over npm 11 dropping other platforms' optional packages from the lock.)
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --no-save
	@touch $@

system-tools:
	@bash scripts/system-tools.sh

services:
	@bash scripts/services.sh

fmt:
	cargo fmt --all --check

lint:
	cargo clippy --workspace --exclude tessera-frontend --all-targets -- -D warnings

unit:
	cargo test --workspace --exclude tessera-frontend

e2e: build
	cd end2end && npx playwright test
