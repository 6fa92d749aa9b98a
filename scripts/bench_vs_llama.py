#!/usr/bin/env python3
"""Candor vs llama.cpp's llama-server, side by side, on this machine.

Starts Candor (`target/release/candor serve`, temp SQLite database, bench
settings: limits lifted, 64 new tokens, greedy) and llama-server (same GGUF,
`-t 2`, `--parallel N`, restarted for every N), then for each N runs
`candor bench load` against both, interleaved, for a number of rounds, and
prints medians and ratios.

Before every timed run it waits until both servers are idle (Candor keeps
finishing replies of visitors a capped run left behind) and checks that both
cores are free: two 1-second busy loops must each get >= 0.9 CPU-seconds
(retried a few times; a run that goes ahead without free cores is marked).
Runs are capped (--max-secs, default 40) and followed by an idle pause
(--idle-secs), because this kind of VM throttles to about one core after
~50 s of full load on both.

`--same-length` makes both servers generate exactly --max-new-tokens per
reply (Candor's `[engine] ignore_end_of_turn`, llama-server's `ignore_eos`),
so aggregate tok/s compares like with like; without it each server stops
at the model's end of turn (natural lengths; the table reports tokens per
reply).

Before the load runs, `--single-rounds K` (default 3) interleaves K runs of
`candor bench` (one request: prefill of its ~435-token prompt, greedy
decode of up to 128 tokens) and `llama-bench -t 2 -p 512 -n 128` (built
beside llama-server) and reports medians side by side (0 skips them).

`--candor-settings defaults` runs Candor with the settings a shop runs
(`candor serve` defaults: 160 new tokens, sampling, `max_batch` 16, 64 MiB
of caches), lifting only the per-visitor `[limits]` (every simulated
visitor comes from one address here); llama-server still gets
`--max-new-tokens`.

Python 3 standard library only. Build first: `cargo build --release` and
`scripts/llama_server.sh` (this script calls the latter, which is idempotent).

Example: scripts/bench_vs_llama.py --ns 1,4,8 --rounds 2
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("candor", "llama")
STARTED = []  # every server process started, so any exit stops them


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ns", default="1,4,8,16,32", help="concurrent conversations per run, comma list")
    p.add_argument("--rounds", type=int, default=3, help="candor+llama pairs per N (order alternates)")
    p.add_argument("--max-secs", type=int, default=40, help="cap of one timed run (0 = no cap)")
    p.add_argument("--idle-secs", type=int, default=20, help="pause after every timed run")
    p.add_argument("--core-retries", type=int, default=30, help="core checks (10 s apart) before running anyway")
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--same-length", action="store_true",
                   help="both servers generate exactly --max-new-tokens per reply (ignore end of turn)")
    p.add_argument("--single-rounds", type=int, default=3,
                   help="interleaved single-request rounds (candor bench vs llama-bench); 0 skips")
    p.add_argument("--candor-settings", choices=["bench", "defaults"], default="bench",
                   help="bench: 64 new tokens, greedy, one batch for all N; defaults: `candor serve` defaults")
    p.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    p.add_argument("--candor-bin", default="target/release/candor")
    p.add_argument("--llama-bin", help="llama-server binary (default: built by scripts/llama_server.sh)")
    p.add_argument("--candor-port", type=int, default=18080)
    p.add_argument("--llama-port", type=int, default=18081)
    p.add_argument("--ctx-per-conversation", type=int, default=1024, help="llama -c = N times this")
    p.add_argument("--out", help="folder for results.jsonl, results.md and server logs")
    return p.parse_args()


# --- machine checks -----------------------------------------------------------

BUSY_LOOP = (
    "import time\n"
    "t0 = time.process_time(); end = time.monotonic() + 1.0\n"
    "while time.monotonic() < end: pass\n"
    "print(time.process_time() - t0)\n"
)


def core_check(retries):
    """Two 1-s busy loops; returns (ok, cpu seconds each got, tries used)."""
    cpu = []
    for attempt in range(1, retries + 1):
        procs = [
            subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        cpu = [round(float(p.communicate()[0]), 3) for p in procs]
        if all(c >= 0.9 for c in cpu):
            return True, cpu, attempt
        log(f"cores busy or throttled ({cpu} CPU-s of 1 s); waiting 10 s")
        time.sleep(10)
    return False, cpu, retries


def cpu_ticks(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def busy_ticks():
    """CPU ticks spent busy on all cores since boot (/proc/stat)."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_idle(pids, limit=600):
    """Waits until the servers use < 5% of a core over 1 s; returns seconds waited."""
    hz = os.sysconf("SC_CLK_TCK")
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = sum(cpu_ticks(p) for p in pids)
        time.sleep(1.0)
        if (sum(cpu_ticks(p) for p in pids) - before) / hz < 0.05:
            return round(time.monotonic() - started)
    log(f"servers still busy after {limit} s; going on")
    return limit


def machine_description():
    model, cores = platform.processor() or "?", os.cpu_count()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {cores} cores{mem}, Linux {platform.release()}"


# --- servers --------------------------------------------------------------------

def wait_http(url, what, proc, limit=180):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with code {proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{what} did not answer {url} within {limit} s")


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def candor_config(args, work, queue):
    # The [engine] and [limits] tables have no environment variables; the TOML
    # file sets them (see README, Configuration).
    db = work / "candor.db"
    text = f"""bind = "127.0.0.1:{args.candor_port}"
database_url = "sqlite://{db}"
model = "{ROOT / args.model}"
"""
    if args.candor_settings == "bench":
        text += f"""
[engine]
max_new_tokens = {args.max_new_tokens}
temperature = 0.0
top_p = 1.0
repeat_penalty = 1.0
queue_capacity = {queue}
max_generation_secs = 300
max_batch = {max(args.ns_max, 1)}
# The table in the README was measured with 128 MiB of conversation caches
# (the default, 64, keeps peak RSS under 400 MiB with 100 conversations).
cache_budget_mib = 128
"""
        if args.same_length:
            text += "ignore_end_of_turn = true\n"
    text += """
[limits]
connections_per_ip = 10000
messages_per_minute = 1000000
ip_messages_per_minute = 1000000
frames_per_minute = 1000000
ip_frames_per_minute = 1000000
ip_actions_per_minute = 1000000
"""
    path = work / "candor-bench.toml"
    path.write_text(text)
    return path


def start_candor(args, work, out, queue):
    config = candor_config(args, work, queue)
    env = dict(os.environ)
    env["CANDOR_ALLOWED_ORIGINS"] = f"http://127.0.0.1:{args.candor_port}"
    env.setdefault("RUST_LOG", "warn")
    logfile = open(out / "candor.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / args.candor_bin), "serve", "--config", str(config)],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )
    STARTED.append(proc)
    wait_http(f"http://127.0.0.1:{args.candor_port}/healthz", "candor", proc)
    return proc


def start_llama(args, llama_bin, n, out):
    cmd = [
        llama_bin, "-m", str(ROOT / args.model), "-t", "2", "-tb", "2",
        "--parallel", str(n), "-c", str(n * args.ctx_per_conversation),
        "--host", "127.0.0.1", "--port", str(args.llama_port),
    ]
    logfile = open(out / f"llama-n{n}.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
    STARTED.append(proc)
    wait_http(f"http://127.0.0.1:{args.llama_port}/health", "llama-server", proc)
    return proc, " ".join(cmd[1:])


# --- runs ---------------------------------------------------------------------

def load_run(args, target, n, extra, json_path=None, turns=3, cap=None):
    url = (
        f"ws://127.0.0.1:{args.candor_port}/v1/chat/ws"
        if target == "candor"
        else f"http://127.0.0.1:{args.llama_port}"
    )
    cmd = [
        str(ROOT / args.candor_bin), "bench", "load", "--target", target, "--url", url,
        "-n", str(n), "--turns", str(turns), "--max-new-tokens", str(args.max_new_tokens),
        "--model", args.model,
    ] + extra
    if args.same_length:
        cmd.append("--ignore-eos")
    if cap:
        cmd += ["--max-secs", str(cap)]
    if json_path:
        cmd += ["--json", str(json_path)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        log(f"  {line}")
    if result.returncode != 0:
        log(f"  load generator exited {result.returncode}: {result.stderr.strip()[-300:]}")


def timed_run(args, target, n, rnd, pids, results):
    waited = wait_idle(pids)
    ok, cpu, tries = core_check(args.core_retries)
    note = f"cores {'free' if ok else 'NOT free'} {cpu} after {tries} check(s), waited {waited} s for idle servers"
    log(f"N={n} round {rnd} {target}: {note}")
    raw = args.out / f"run-n{n}-r{rnd}-{target}.json"
    # CPU used during the run by anything but the two servers and the load
    # generator: another process competing for the cores makes the run suspect.
    hz = os.sysconf("SC_CLK_TCK")
    before = (busy_ticks(), sum(cpu_ticks(p) for p in pids), children_cpu(), time.monotonic())
    transcript = args.out / f"transcript-n{n}-r{rnd}-{target}.jsonl"
    tags = ["--tag", f"n={n} round={rnd}", "--transcript", str(transcript)]
    load_run(args, target, n, tags, raw, cap=args.max_secs or None)
    after = (busy_ticks(), sum(cpu_ticks(p) for p in pids), children_cpu(), time.monotonic())
    others = ((after[0] - before[0]) - (after[1] - before[1])) / hz - (after[2] - before[2])
    other_share = max(0.0, others) / ((after[3] - before[3]) * (os.cpu_count() or 1))
    log(f"  other processes used {other_share:.0%} of the machine during the run")
    if raw.exists():
        record = json.loads(raw.read_text().strip().splitlines()[-1])
        record.update({
            "round": rnd, "cores_free": ok, "core_cpu_secs": cpu, "idle_wait_secs": waited,
            "other_cpu_share": round(other_share, 3),
        })
        results.append(record)
        with open(args.out / "results.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
    time.sleep(args.idle_secs)


# --- single request --------------------------------------------------------------

def candor_single(args):
    """`candor bench` once (3 timed runs inside); returns (prefill, decode) medians."""
    # Exactly 128 tokens after the ~435-token prompt, as llama-bench's
    # tg128 (which ignores the end of turn too).
    cmd = [str(ROOT / args.candor_bin), "bench", "--model", args.model, "--runs", "3",
           "--ignore-end-of-turn"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).stdout
    for line in out.splitlines():
        log(f"  {line}")
        if line.startswith("median: prefill "):
            words = line.split()
            # Candor's decode follows its prompt: compared with both
            # llama-bench figures (empty context and 435 tokens).
            return float(words[2]), float(words[5]), float(words[5])
    return None, None, None


def llama_single(llama_bench):
    """`llama-bench -t 2 -p 512 -n 128 -d 0,435 -r 3`; returns (pp512, tg128,
    tg128 after 435 tokens of context: Candor's prompt length) tok/s."""
    cmd = [llama_bench, "-m", str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"), "-t", "2",
           "-p", "512", "-n", "128", "-d", "0,435", "-r", "3", "-o", "json"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    try:
        rows = json.loads(result.stdout)
    except json.JSONDecodeError:
        log(f"  llama-bench failed: {result.stderr.strip()[-300:]}")
        return None, None, None
    def rate(gen, depth):
        return next((r["avg_ts"] for r in rows
                     if bool(r.get("n_gen")) == gen and bool(r.get("n_prompt")) != gen
                     and r.get("n_depth", 0) == depth), None)
    pp, tg, tg_deep = rate(False, 0), rate(True, 0), rate(True, 435)
    log(f"  llama-bench: pp512 {pp} tok/s, tg128 {tg} tok/s, tg128 @ d435 {tg_deep} tok/s")
    return pp, tg, tg_deep


def single_requests(args, llama_bench):
    """Interleaved rounds on free cores; returns the markdown table."""
    runs = {"candor": [], "llama": []}
    for rnd in range(1, args.single_rounds + 1):
        order = TARGETS if rnd % 2 else TARGETS[::-1]
        for target in order:
            ok, cpu, tries = core_check(args.core_retries)
            log(f"single request round {rnd} {target}: cores {'free' if ok else 'NOT free'} {cpu}")
            pair = candor_single(args) if target == "candor" else llama_single(llama_bench)
            runs[target].append(pair + (ok,))
            time.sleep(args.idle_secs)

    def median_of(target, i):
        values = [r[i] for r in runs[target] if r[i] is not None]
        return statistics.median(values) if values else None

    c_pp, c_tg = median_of("candor", 0), median_of("candor", 1)
    l_pp, l_tg = median_of("llama", 0), median_of("llama", 1)
    l_deep = median_of("llama", 2)
    free = sum(r[3] for r in runs["candor"] + runs["llama"])
    total = len(runs["candor"]) + len(runs["llama"])
    return "\n".join([
        f"Single request, {args.single_rounds} interleaved round(s), cores free before {free}/{total} runs "
        "(Candor: `candor bench --ignore-end-of-turn`, median of 3 runs each, ~435-token prompt, greedy decode of 128 tokens; "
        "llama.cpp: `llama-bench -t 2 -p 512 -n 128 -d 0,435 -r 3`, mean of 3 each); medians over rounds:",
        "",
        "| | Candor tok/s | llama.cpp tok/s | Candor/llama |",
        "|---|---:|---:|---:|",
        f"| prefill (Candor prompt / pp512) | {fmt(c_pp, 1)} | {fmt(l_pp, 1)} | {ratio(c_pp, l_pp)} |",
        f"| decode (Candor 128 after its prompt / tg128) | {fmt(c_tg, 1)} | {fmt(l_tg, 1)} | {ratio(c_tg, l_tg)} |",
        f"| decode (Candor 128 after its prompt / tg128 @ d435) | {fmt(c_tg, 1)} | {fmt(l_deep, 1)} | {ratio(c_tg, l_deep)} |",
    ])


# --- table --------------------------------------------------------------------

def med(records, key, sub=None):
    values = [(r.get(key) or {}).get(sub) if sub else r.get(key) for r in records]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    return "n/a" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def max_share(shares):
    shares = [s for s in shares if s is not None]
    return f"{max(shares):.0%}" if shares else "n/a"


def table(results, ns):
    head = (
        "| N | tok/s Candor | tok/s llama | tok/s Candor/llama "
        "| TTFT p50 ms Candor | TTFT p50 ms llama | TTFT Candor/llama "
        "| TTFT p95 ms Candor | TTFT p95 ms llama "
        "| reply p50 ms Candor | reply p50 ms llama | reply Candor/llama "
        "| turns/s Candor | turns/s llama | tokens/reply C/L | errors C/L | cut C/L | runs C/L | cores free "
        "| max other CPU |"
    )
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for n in ns:
        c = [r for r in results if r["conversations"] == n and r["target"] == "candor"]
        l = [r for r in results if r["conversations"] == n and r["target"] == "llama"]
        if not c and not l:
            continue
        row = [
            str(n),
            fmt(med(c, "tokens_per_sec"), 1), fmt(med(l, "tokens_per_sec"), 1),
            ratio(med(c, "tokens_per_sec"), med(l, "tokens_per_sec")),
            fmt(med(c, "ttft_all_ms", "p50")), fmt(med(l, "ttft_all_ms", "p50")),
            ratio(med(c, "ttft_all_ms", "p50"), med(l, "ttft_all_ms", "p50")),
            fmt(med(c, "ttft_all_ms", "p95")), fmt(med(l, "ttft_all_ms", "p95")),
            fmt(med(c, "reply_ms", "p50")), fmt(med(l, "reply_ms", "p50")),
            ratio(med(c, "reply_ms", "p50"), med(l, "reply_ms", "p50")),
            fmt(med(c, "turns_per_sec"), 2), fmt(med(l, "turns_per_sec"), 2),
            f"{fmt(med(c, 'tokens_per_turn'), 1)}/{fmt(med(l, 'tokens_per_turn'), 1)}",
            f"{sum(r['errors'] for r in c)}/{sum(r['errors'] for r in l)}",
            f"{sum(r['cut_turns'] for r in c)}/{sum(r['cut_turns'] for r in l)}",
            f"{len(c)}/{len(l)}",
            f"{sum(r['cores_free'] for r in c + l)}/{len(c + l)}",
            max_share([r.get("other_cpu_share") for r in c + l]),
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def detail(results, ns):
    """First and follow-up turns separately (medians of the runs' p50): time
    to the first text shown, and time to the model's first token (Candor's
    output guard holds back what could still become something it must
    change; llama-server streams tokens as they come, so for it the two are
    the same), and Candor's hold itself (`held_ms`, all turns)."""
    lines = [
        "| N | first turn: text shown, Candor | llama | Candor/llama "
        "| first turn: model's first token, Candor | Candor/llama "
        "| follow-up: text shown, Candor | llama | Candor/llama "
        "| follow-up: model's first token, Candor | Candor/llama | held p50, Candor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in ns:
        c = [r for r in results if r["conversations"] == n and r["target"] == "candor"]
        l = [r for r in results if r["conversations"] == n and r["target"] == "llama"]
        if not c and not l:
            continue
        first_l = med(l, "ttft_first_ms", "p50")
        follow_l = med(l, "ttft_followup_ms", "p50")
        first_shown = med(c, "ttft_first_ms", "p50")
        first_token = med(c, "first_token_first_ms", "p50")
        follow_shown = med(c, "ttft_followup_ms", "p50")
        follow_token = med(c, "first_token_followup_ms", "p50")
        held = med(c, "held_ms", "p50")
        lines.append(
            f"| {n} | {fmt(first_shown)} | {fmt(first_l)} | {ratio(first_shown, first_l)} "
            f"| {fmt(first_token)} | {ratio(first_token, first_l)} "
            f"| {fmt(follow_shown)} | {fmt(follow_l)} | {ratio(follow_shown, follow_l)} "
            f"| {fmt(follow_token)} | {ratio(follow_token, follow_l)} | {fmt(held)} |"
        )
    return "\n".join(lines)


def main():
    args = parse_args()
    ns = [int(n) for n in args.ns.split(",") if n.strip()]
    args.ns_max = max(ns)
    os.chdir(ROOT)
    if not (ROOT / args.candor_bin).exists():
        sys.exit(f"{args.candor_bin} is missing: run `cargo build --release` first")
    if not (ROOT / args.model).exists():
        sys.exit(f"{args.model} is missing: run `make model`")
    if args.same_length and args.candor_settings != "bench":
        sys.exit("--same-length needs --candor-settings bench (a shop never ignores the end of turn)")
    args.isa_line = ""
    if args.llama_bin:
        llama_bin = args.llama_bin
    else:
        built = subprocess.run(
            [str(ROOT / "scripts/llama_server.sh")], check=True, capture_output=True, text=True
        )
        llama_bin = built.stdout.strip().splitlines()[-1]
        args.isa_line = next(
            (l.split(": ", 1)[1] for l in built.stderr.splitlines() if "ISA flags" in l), ""
        )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    args.out = Path(args.out or ROOT / "target" / "bench-vs-llama" / stamp)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="candor-bench-"))
    log(f"results and logs in {args.out}")

    llama_bench = str(Path(llama_bin).parent / "llama-bench")
    single = ""
    if args.single_rounds > 0:
        single = single_requests(args, llama_bench)
        log(single)
    args.single_table = single
    llama_version = subprocess.run([llama_bin, "--version"], capture_output=True, text=True)
    llama_version = (llama_version.stdout + llama_version.stderr).strip().replace("\n", "; ")
    results, llama_cmd, stopped_by = [], "", None
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    try:
        candor = start_candor(args, work, args.out, queue=max(ns) * 2)
        for n in ns:
            llama, llama_cmd = start_llama(args, llama_bin, n, args.out)
            pids = [candor.pid, llama.pid]
            log(f"N={n}: warming up both servers (one turn each, not measured)")
            for target in TARGETS:
                load_run(args, target, 1, [], turns=1)
            for rnd in range(1, args.rounds + 1):
                order = TARGETS if rnd % 2 else TARGETS[::-1]
                for target in order:
                    timed_run(args, target, n, rnd, pids, results)
                    # Kept current, so an interrupted comparison still has its table.
                    write_report(args, results, ns, llama_version, llama_cmd, "(partial)")
            stop(llama)
    except Interrupted as signal_name:
        stopped_by = f"(stopped by {signal_name}: only the runs finished before it)"
        log(stopped_by)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for proc in STARTED:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(write_report(args, results, ns, llama_version, llama_cmd, stopped_by))
    if stopped_by:
        sys.exit(1)


class Interrupted(Exception):
    """SIGTERM or SIGINT: stop the servers, print what was measured."""


def interrupt(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def write_report(args, results, ns, llama_version, llama_cmd, note=None):
    report = "\n".join([
        f"Machine: {machine_description()}",
        "Candor: target/release/candor (cargo --release, .cargo/config.toml target-cpu=native), "
        + (f"default weights setting, max_new_tokens={args.max_new_tokens}, greedy, repeat_penalty 1.0, SQLite"
           if args.candor_settings == "bench"
           else "`candor serve` defaults (only [limits] lifted), SQLite"),
        f"llama-server: {llama_version}; llama-cpp-python 0.3.36 vendored llama.cpp, Release, "
        f"{args.isa_line or 'ISA flags: see scripts/llama_server.sh'}; "
        f"flags {llama_cmd.replace(str(ROOT) + '/', '')} (N varies, -c = N x {args.ctx_per_conversation})",
        f"Runs: {args.rounds} round(s) per N, interleaved, capped at {args.max_secs or 'no'} s, "
        f"{args.idle_secs} s idle after each; medians over rounds. Ratios are Candor/llama: "
        "tok/s > 1 means Candor is faster; TTFT and reply > 1 mean Candor is slower.",
        ("Lengths: SAME (both servers generate exactly max_new_tokens per reply, end of turn ignored)"
         if args.same_length else "Lengths: natural (each server stops at the model's end of turn or the cap)"),
        *([note] if note else []),
        "",
        *([args.single_table, ""] if getattr(args, "single_table", "") else []),
        table(results, ns),
        "",
        detail(results, ns),
    ])
    (args.out / "results.md").write_text(report + "\n")
    return report


if __name__ == "__main__":
    main()
