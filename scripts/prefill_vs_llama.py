#!/usr/bin/env python3
"""Single-request prompt processing (prefill): Candor vs llama.cpp.

The same ~435-token customer-service prompt (`candor bench --print-workload`)
is processed by `candor bench` (own forward pass and candle-transformers'
model, Q8_0 weights) and by llama-server (same GGUF, `-t 2`, one slot, prompt
cache off), alternately, for a number of rounds; before every timed run both
cores must be free (two 1-s busy loops each get >= 0.9 CPU-s). Prints the
medians and the ratio. Python 3 standard library only.

Example: scripts/prefill_vs_llama.py --rounds 5
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSY_LOOP = (
    "import time\n"
    "t0 = time.process_time(); end = time.monotonic() + 1.0\n"
    "while time.monotonic() < end: pass\n"
    "print(time.process_time() - t0)\n"
)


def cores_free(retries=30):
    for _ in range(retries):
        procs = [
            subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        cpu = [float(p.communicate()[0]) for p in procs]
        if min(cpu) >= 0.9:
            return True, cpu
        time.sleep(10)
    return False, cpu


def candor_prefill(binary, model, implementation):
    out = subprocess.run(
        [binary, "bench", "--model", model, "--runs", "3", "--max-new-tokens", "1",
         "--implementation", implementation],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    match = re.search(r"median: prefill ([0-9.]+) tok/s", out)
    tokens = re.search(r"prompt (\d+) tokens", out)
    return float(match.group(1)), int(tokens.group(1))


def llama_prefill(port, messages):
    rates, tokens = [], 0
    for _ in range(3):
        body = json.dumps({
            "messages": messages, "max_tokens": 1, "temperature": 0, "cache_prompt": False,
        }).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            timings = json.load(response)["timings"]
        rates.append(timings["prompt_per_second"])
        tokens = timings["prompt_n"]
    return statistics.median(rates), tokens


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    p.add_argument("--candor-bin", default=str(ROOT / "target/release/candor"))
    p.add_argument("--port", type=int, default=18082)
    args = p.parse_args()
    llama_bin = subprocess.run(
        [str(ROOT / "scripts/llama_server.sh")], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip().splitlines()[-1]
    messages = json.loads(subprocess.run(
        [args.candor_bin, "bench", "--print-workload"], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout)
    server = subprocess.Popen(
        [llama_bin, "-m", str(ROOT / args.model), "-t", "2", "-tb", "2", "--parallel", "1",
         "-c", "2048", "--host", "127.0.0.1", "--port", str(args.port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    results = {"own": [], "upstream": [], "llama": []}
    tokens = {}
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/health", timeout=2)
                break
            except OSError:
                time.sleep(1)
        llama_prefill(args.port, messages)  # warm-up
        for round_ in range(args.rounds):
            order = ["own", "llama", "upstream"] if round_ % 2 == 0 else ["llama", "upstream", "own"]
            for name in order:
                ok, cpu = cores_free()
                if name == "llama":
                    rate, n = llama_prefill(args.port, messages)
                else:
                    rate, n = candor_prefill(args.candor_bin, args.model, name)
                tokens[name] = n
                results[name].append(rate)
                flag = "" if ok else f" (cores NOT free: {cpu})"
                print(f"round {round_ + 1} {name}: {rate:.1f} tok/s on {n} tokens{flag}", flush=True)
                time.sleep(5)
    finally:
        server.terminate()
    llama = statistics.median(results["llama"])
    print()
    print("| prefill, one request | prompt tokens | median tok/s | vs llama.cpp |")
    print("|---|---:|---:|---:|")
    for name, label in [("own", "Candor (own forward, Q8_0)"),
                        ("upstream", "candle-transformers llama (Q8_0)"),
                        ("llama", "llama.cpp llama-server (Q4_1 as stored)")]:
        value = statistics.median(results[name])
        print(f"| {label} | {tokens[name]} | {value:.1f} | {value / llama:.2f}x |")


if __name__ == "__main__":
    main()
