#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` (the remote-engine end-to-end test and the
# side-by-side benchmark) and `llama-bench`, and prints llama-server's path
# (last line of stdout; progress goes to stderr).
#
# The llama.cpp sources come from the PyPI source distribution of
# llama-cpp-python (which vendors llama.cpp), fetched with pip. Nothing of
# llama.cpp is committed: everything lives in
#   ${CANDOR_CACHE:-$HOME/.cache/candor}/llama-cpp
# Idempotent: an existing build made with the same ISA flags is reused;
# `--rebuild` builds again.
#
# ISA flags: never GGML_NATIVE. A native build on a CPU that reports AMX inside
# a VM that does not enable it crashes in `ggml_backend_amx_mul_mat`. The
# script reads the flags /proc/cpuinfo reports, turns on the matching
# GGML_AVX*/FMA/F16C/BMI2 options, keeps every GGML_AMX_* option OFF, and
# prints the list it used. CANDOR_LLAMA_ISA="AVX AVX2 FMA" overrides the
# detection (e.g. to build for an older CPU than the build machine).
#
# Needs: python3 with pip, cmake (>= 3.14), a C/C++ compiler (g++), make.
# On Debian: apt-get install cmake g++ make
set -euo pipefail

VERSION="0.3.36"
CACHE="${CANDOR_CACHE:-$HOME/.cache/candor}/llama-cpp"
SRC="$CACHE/llama_cpp_python-$VERSION"
BUILD="$CACHE/build-$VERSION"
BIN="$BUILD/bin/llama-server"
BENCH="$BUILD/bin/llama-bench"
STAMP="$BUILD/candor-isa-flags"

log() { echo "llama_server.sh: $*" >&2; }

# The ggml x86 options this script may turn on, each with the /proc/cpuinfo
# flag(s) that must all be present for it.
isa_from_cpuinfo() {
    local flags
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
    has sse4_2 && echo SSE42
    has avx && echo AVX
    has avx2 && echo AVX2
    has fma && echo FMA
    has f16c && echo F16C
    has bmi2 && echo BMI2
    has avx_vnni && echo AVX_VNNI
    has avx512f && echo AVX512
    has avx512f avx512_vbmi && echo AVX512_VBMI
    has avx512f avx512_vnni && echo AVX512_VNNI
    has avx512f avx512_bf16 && echo AVX512_BF16
    # AMX (amx_tile/amx_int8/amx_bf16) is deliberately never turned on.
    return 0
}

if [[ -n "${CANDOR_LLAMA_ISA:-}" ]]; then
    read -r -a ISA <<<"$CANDOR_LLAMA_ISA"
    ISA_SOURCE="CANDOR_LLAMA_ISA"
else
    mapfile -t ISA < <(isa_from_cpuinfo)
    ISA_SOURCE="/proc/cpuinfo"
fi
ALL_ISA=(SSE42 AVX AVX2 FMA F16C BMI2 AVX_VNNI AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16)
ISA_ARGS=(-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
for opt in "${ALL_ISA[@]}"; do
    on=OFF
    for want in "${ISA[@]}"; do [[ "$want" == "$opt" ]] && on=ON; done
    ISA_ARGS+=("-DGGML_$opt=$on")
done
ISA_LINE="ISA flags from $ISA_SOURCE: ${ISA[*]:-none}; GGML_NATIVE=OFF; AMX off"
if grep -qw 'amx_tile' /proc/cpuinfo 2>/dev/null; then
    ISA_LINE="$ISA_LINE (the CPU reports AMX; it stays off)"
fi
log "$ISA_LINE"

if [[ "${1:-}" == "--rebuild" ]]; then
    rm -rf "$BUILD"
fi

if [[ -x "$BIN" && -x "$BENCH" && -f "$STAMP" && "$(cat "$STAMP")" == "${ISA_ARGS[*]}" ]]; then
    log "already built with these flags: $BUILD/bin"
    echo "$BIN"
    exit 0
fi
if [[ -d "$BUILD" ]]; then
    log "existing build has other flags (or none recorded); rebuilding"
    rm -rf "$BUILD"
fi

missing=()
for tool in python3 cmake g++ make tar; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    log "missing tools: ${missing[*]}"
    log "on Debian/Ubuntu: apt-get install cmake g++ make  (python3 and pip for the download)"
    exit 1
fi

mkdir -p "$CACHE"
if [[ ! -d "$SRC/vendor/llama.cpp" ]]; then
    archive="$(ls "$CACHE"/llama_cpp_python-"$VERSION".tar.gz 2>/dev/null || true)"
    if [[ -z "$archive" ]]; then
        log "downloading llama-cpp-python==$VERSION (source distribution) from PyPI"
        # --no-binary for this package only: its build requirements (cmake,
        # ninja, scikit-build-core) come as wheels, so pip's metadata step
        # does not compile cmake from source.
        python3 -m pip download --quiet --no-deps --no-binary llama-cpp-python \
            --dest "$CACHE" "llama-cpp-python==$VERSION" >&2
        archive="$CACHE/llama_cpp_python-$VERSION.tar.gz"
    fi
    if [[ ! -f "$archive" ]]; then
        log "expected $archive after pip download; found: $(ls "$CACHE")"
        exit 1
    fi
    log "extracting $(basename "$archive")"
    tar -xzf "$archive" -C "$CACHE"
fi

LLAMA="$SRC/vendor/llama.cpp"
if [[ ! -f "$LLAMA/CMakeLists.txt" ]]; then
    log "no llama.cpp sources at $LLAMA"
    exit 1
fi

log "configuring (Release, explicit ISA flags, no network: no TLS, no prebuilt web UI)"
cmake -S "$LLAMA" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    "${ISA_ARGS[@]}" \
    -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_UI=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_SERVER=ON \
    -DBUILD_SHARED_LIBS=OFF >&2
jobs="${CANDOR_BUILD_JOBS:-2}"
log "building llama-server and llama-bench with -j$jobs (several minutes on 2 cores)"
started=$SECONDS
cmake --build "$BUILD" --config Release --target llama-server llama-bench -j"$jobs" >&2

for bin in "$BIN" "$BENCH"; do
    if [[ ! -x "$bin" ]]; then
        log "build finished but $bin is missing"
        exit 1
    fi
done
echo "${ISA_ARGS[*]}" >"$STAMP"
log "built in $((SECONDS - started)) s: $BIN and $BENCH"
log "$ISA_LINE"
echo "$BIN"
