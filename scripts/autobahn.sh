#!/usr/bin/env bash
# RFC 6455 conformance: runs the Autobahn test suite's fuzzingclient against
# Candor's WebSocket frame reader (GET /v1/conformance/echo) and fails when
# any case FAILED.
#
#   scripts/autobahn.sh            cases 1-7 and 10 (what CI-style checks expect)
#   scripts/autobahn.sh '5.*' 6.4.1  only these cases
#
# Builds candor (release), starts it on a free port with a temporary SQLite
# database and CANDOR_CONFORMANCE_ECHO=1, and writes the suite's reports to
# target/autobahn/reports/ (open index.html there for the details).
# Needs the model file (`make model`) and Python 2.7 under pyenv
# (AUTOBAHN_PYTHON overrides the interpreter); installs autobahntestsuite
# into it when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PYTHON2="${AUTOBAHN_PYTHON:-$HOME/.pyenv/versions/2.7.18/bin/python}"
WSTEST="$(dirname "$PYTHON2")/wstest"
MODEL="$ROOT/models/SmolLM2-135M-Instruct.Q4_1.gguf"
OUT="$ROOT/target/autobahn"
if [ "$#" -gt 0 ]; then
    CASES="$(printf '"%s",' "$@")"
    CASES="[${CASES%,}]"
else
    CASES='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"]'
fi

if [ ! -x "$PYTHON2" ]; then
    echo "autobahn: no Python 2.7 at $PYTHON2 (pyenv install 2.7.18, or set AUTOBAHN_PYTHON)" >&2
    exit 2
fi
if [ ! -x "$WSTEST" ]; then
    echo "autobahn: installing autobahntestsuite into $PYTHON2"
    "$PYTHON2" -m pip install --quiet autobahntestsuite
fi
if [ ! -f "$MODEL" ]; then
    echo "autobahn: $MODEL is missing; run 'make model' first" >&2
    exit 2
fi

cargo build --release

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

CANDOR_BIND=127.0.0.1:0 \
    CANDOR_DATABASE_URL="sqlite://$WORK/candor.db" \
    CANDOR_MODEL="$MODEL" \
    CANDOR_CONFORMANCE_ECHO=1 \
    RUST_LOG="${RUST_LOG:-warn}" \
    "$ROOT/target/release/candor" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

PORT=""
for _ in $(seq 1 240); do
    PORT="$(sed -n 's|^Candor is listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$WORK/server.log")"
    [ -n "$PORT" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "autobahn: candor did not start:" >&2
        cat "$WORK/server.log" >&2
        exit 2
    fi
    sleep 0.5
done
if [ -z "$PORT" ]; then
    echo "autobahn: candor did not start listening within 120 s" >&2
    exit 2
fi
echo "autobahn: candor is listening on port $PORT"

rm -rf "$OUT/reports"
mkdir -p "$OUT"
cat >"$OUT/fuzzingclient.json" <<JSON
{
  "outdir": "$OUT/reports",
  "servers": [
    {"agent": "candor", "url": "ws://127.0.0.1:$PORT/v1/conformance/echo"}
  ],
  "cases": $CASES,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON

echo "autobahn: running wstest -m fuzzingclient (log: target/autobahn/wstest.log)"
(cd "$OUT" && "$WSTEST" -m fuzzingclient -s fuzzingclient.json) >"$OUT/wstest.log" 2>&1 || {
    echo "autobahn: wstest failed:" >&2
    tail -n 30 "$OUT/wstest.log" >&2
    exit 2
}
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "autobahn: candor exited during the run:" >&2
    tail -n 30 "$WORK/server.log" >&2
    exit 2
fi

python3 - "$OUT/reports/index.json" <<'PY'
import json
import sys
from collections import Counter

with open(sys.argv[1]) as f:
    index = json.load(f)
cases = index["candor"]
order = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
key = lambda case: [int(p) for p in case.split(".")]
behaviour = Counter(c["behavior"] for c in cases.values())
closing = Counter(c["behaviorClose"] for c in cases.values())
print(f"Autobahn fuzzingclient: {len(cases)} cases")
for name in order + sorted(set(behaviour) - set(order)):
    print(f"  {name:<14} {behaviour.get(name, 0)}")
print("closing behaviour: " + ", ".join(f"{k} {v}" for k, v in sorted(closing.items())))
for kind in ["NON-STRICT", "FAILED"]:
    names = sorted((n for n, c in cases.items() if c["behavior"] == kind), key=key)
    if names:
        print(f"{kind}: " + " ".join(names))
failed = behaviour.get("FAILED", 0)
print("reports: target/autobahn/reports/index.html")
sys.exit(1 if failed else 0)
PY
