#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` for the side-by-side benchmark and prints
# the binary's path (last line of stdout; progress goes to stderr).
#
# The llama.cpp sources come from the PyPI source distribution of
# llama-cpp-python (which vendors llama.cpp), fetched with pip. Nothing of
# llama.cpp is committed: everything lives in
#   ${CANDOR_CACHE:-$HOME/.cache/candor}/llama-cpp
# Idempotent: an existing binary is reused; `--rebuild` builds again.
#
# Needs: python3 with pip, cmake (>= 3.14), a C/C++ compiler (g++), make.
# On Debian: apt-get install cmake g++ make
set -euo pipefail

VERSION="0.3.36"
CACHE="${CANDOR_CACHE:-$HOME/.cache/candor}/llama-cpp"
SRC="$CACHE/llama_cpp_python-$VERSION"
BUILD="$CACHE/build-$VERSION"
BIN="$BUILD/bin/llama-server"

log() { echo "llama_server.sh: $*" >&2; }

if [[ "${1:-}" == "--rebuild" ]]; then
    rm -rf "$BUILD"
fi

if [[ -x "$BIN" ]]; then
    log "already built"
    echo "$BIN"
    exit 0
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
        python3 -m pip download --quiet --no-deps --no-binary :all: \
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

log "configuring (Release, native CPU, no curl, no tests or examples)"
cmake -S "$LLAMA" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON \
    -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_SERVER=ON \
    -DBUILD_SHARED_LIBS=OFF >&2
log "building llama-server with -j2 (several minutes on 2 cores)"
cmake --build "$BUILD" --config Release --target llama-server -j2 >&2

if [[ ! -x "$BIN" ]]; then
    log "build finished but $BIN is missing"
    exit 1
fi
echo "$BIN"
