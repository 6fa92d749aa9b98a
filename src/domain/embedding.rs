//! A sentence embedding: 384 unit-length floats from all-MiniLM-L6-v2.

/// Dimensions of an all-MiniLM-L6-v2 sentence embedding.
pub const DIMS: usize = 384;

/// An L2-normalised sentence embedding. Built only by the embedder or by
/// decoding a stored vector of the right length, so the dot product of two
/// embeddings is their cosine similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    /// Wraps a vector, normalising it; `None` for a wrong length or a zero
    /// or non-finite vector.
    pub(crate) fn from_vec(mut values: Vec<f32>) -> Option<Self> {
        if values.len() != DIMS || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm <= f32::EPSILON {
            return None;
        }
        values.iter_mut().for_each(|v| *v /= norm);
        Some(Self(values))
    }

    /// The values.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Cosine similarity, in -1..=1.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        dot(&self.0, &other.0)
    }

    /// The stored form: `f32` little-endian, 4 bytes per dimension.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads the stored form; `None` when it is not a valid embedding.
    pub fn from_le_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != DIMS * 4 {
            return None;
        }
        let values = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Self::from_vec(values)
    }
}

/// Dot product of two equally long slices (written so the compiler
/// vectorises it: four independent accumulators).
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for i in 0..8 {
            acc[i] += ca[i] * cb[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Embedding {
        let mut v = vec![0.0; DIMS];
        v[i] = 2.0;
        Embedding::from_vec(v).expect("valid")
    }

    #[test]
    fn embeddings_are_normalised_and_round_trip_through_bytes() {
        let e = unit(3);
        assert_eq!(e.as_slice()[3], 1.0);
        let bytes = e.to_le_bytes();
        assert_eq!(bytes.len(), DIMS * 4);
        assert_eq!(Embedding::from_le_bytes(&bytes), Some(e.clone()));
        assert_eq!(e.cosine(&e), 1.0);
        assert_eq!(e.cosine(&unit(4)), 0.0);
    }

    #[test]
    fn malformed_vectors_are_refused() {
        assert!(Embedding::from_vec(vec![1.0; 3]).is_none());
        assert!(Embedding::from_vec(vec![0.0; DIMS]).is_none());
        assert!(Embedding::from_vec(vec![f32::NAN; DIMS]).is_none());
        assert!(Embedding::from_le_bytes(&[0u8; 12]).is_none());
    }

    #[test]
    fn dot_matches_the_naive_sum() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
    }
}
