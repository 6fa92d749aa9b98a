#!/usr/bin/env python3
"""Reference sentence embeddings of all-MiniLM-L6-v2, computed independently of
Candor's Rust/candle code: the HF `tokenizers` library reads tokenizer.json and
a plain numpy BERT forward reads model.safetensors (float64), then mean pooling
over the attention mask and L2 normalisation, as sentence-transformers'
Pooling + Normalize modules do (max_seq_length 256).

Usage: python3 scripts/minilm_reference.py MODEL_DIR "sentence" ...
Needs numpy, tokenizers and safetensors (pip install numpy tokenizers safetensors).
Prints one JSON object: {"sentences": [...], "vectors": [[...384 floats], ...]}.
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

HEADS = 12
EPS = 1e-12


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def linear(x, t, name):
    return x @ t[name + ".weight"].T + t[name + ".bias"]


gelu_erf = np.vectorize(lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))))


def embed(t, ids):
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids]
    x = x + t["embeddings.position_embeddings.weight"][:n]
    x = x + t["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in t:
        p = f"encoder.layer.{layer}."
        q = linear(x, t, p + "attention.self.query")
        k = linear(x, t, p + "attention.self.key")
        v = linear(x, t, p + "attention.self.value")
        d = q.shape[-1] // HEADS
        split = lambda m: m.reshape(n, HEADS, d).transpose(1, 0, 2)
        q, k, v = split(q), split(k), split(v)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(n, HEADS * d)
        attn = linear(ctx, t, p + "attention.output.dense")
        x = layer_norm(x + attn, t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
        inter = gelu_erf(linear(x, t, p + "intermediate.dense"))
        out = linear(inter, t, p + "output.dense")
        x = layer_norm(x + out, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
        layer += 1
    pooled = x.mean(0)  # one unpadded sentence: every position is attended
    return pooled / np.linalg.norm(pooled)


def main():
    model_dir, sentences = sys.argv[1], sys.argv[2:]
    tensors = {k: v.astype(np.float64) for k, v in load_file(f"{model_dir}/model.safetensors").items()}
    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    vectors = []
    for sentence in sentences:
        ids = tokenizer.encode(sentence).ids
        vectors.append([round(float(v), 6) for v in embed(tensors, ids)])
    print(json.dumps({"sentences": sentences, "vectors": vectors}))


if __name__ == "__main__":
    main()
