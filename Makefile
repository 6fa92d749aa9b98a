# Common commands. `make run` and `make test` are the two set-up commands in the README.
.PHONY: run test model lint bench autobahn

model:
	python3 models/fetch_model.py

run: model
	cargo run --release -- serve --demo

test: model
	cargo test --release

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

bench: model
	cargo run --release -- bench

# RFC 6455 conformance (Autobahn fuzzingclient, cases 1-7 and 10); takes a few minutes, not part of `test`.
autobahn: model
	scripts/autobahn.sh
