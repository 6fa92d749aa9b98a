//! Rotary position embeddings, GGUF llama convention: adjacent pairs
//! `(x[2i], x[2i+1])` of each head rotate together (llama.cpp permutes the
//! query and key weights at conversion so that this matches the original).

/// Cosine and sine tables, grown on demand.
pub(crate) struct Rope {
    half: usize,
    inv_freq: Vec<f32>,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl Rope {
    pub(crate) fn new(rope_dim: usize, base: f32) -> Self {
        let half = rope_dim / 2;
        let inv_freq = (0..half)
            .map(|i| 1.0 / base.powf(2.0 * i as f32 / rope_dim as f32))
            .collect();
        Self {
            half,
            inv_freq,
            cos: Vec::new(),
            sin: Vec::new(),
        }
    }

    /// Makes positions `0..positions` available.
    pub(crate) fn ensure(&mut self, positions: usize) {
        let have = self.cos.len() / self.half.max(1);
        for pos in have..positions {
            for &f in &self.inv_freq {
                let angle = pos as f32 * f;
                self.cos.push(angle.cos());
                self.sin.push(angle.sin());
            }
        }
    }

    /// Rotates every head of one token (`row` holds `heads * head_dim`
    /// values) at position `pos`; positions must have been `ensure`d.
    pub(crate) fn apply(&self, row: &mut [f32], head_dim: usize, pos: usize) {
        let cos = &self.cos[pos * self.half..(pos + 1) * self.half];
        let sin = &self.sin[pos * self.half..(pos + 1) * self.half];
        for head in row.chunks_exact_mut(head_dim) {
            for (i, pair) in head[..2 * self.half].chunks_exact_mut(2).enumerate() {
                let (x0, x1) = (pair[0], pair[1]);
                pair[0] = x0 * cos[i] - x1 * sin[i];
                pair[1] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_zero_is_the_identity_and_rotation_keeps_the_norm() {
        let mut rope = Rope::new(4, 10_000.0);
        rope.ensure(8);
        let mut row = vec![1.0, 2.0, 3.0, 4.0];
        rope.apply(&mut row, 4, 0);
        assert_eq!(row, vec![1.0, 2.0, 3.0, 4.0]);
        rope.apply(&mut row, 4, 7);
        let norm: f32 = row.iter().map(|x| x * x).sum();
        assert!((norm - 30.0).abs() < 1e-4, "norm {norm}");
        assert_ne!(row, vec![1.0, 2.0, 3.0, 4.0]);
    }
}
