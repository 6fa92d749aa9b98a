//! The kernels against each other and against candle: every instruction
//! set this CPU has against the scalar reference, and the scalar reference
//! against candle's dequantize-then-f32 product.

use std::borrow::Cow;

use candle_core::quantized::{GgmlDType, QStorage, QTensor};
use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::activation::QuantizedRows;
use super::blocks::{f16_at, nibble_block, BlockFormat, BLOCK};
use super::dispatch::{self, Isa};
use super::matvec::{product_with, QuantMatrix};

const FORMATS: [(BlockFormat, GgmlDType); 3] = [
    (BlockFormat::Q4_0, GgmlDType::Q4_0),
    (BlockFormat::Q4_1, GgmlDType::Q4_1),
    (BlockFormat::Q8_0, GgmlDType::Q8_0),
];

/// f16 scales worth testing: zero, a subnormal, tiny, typical, large,
/// negative.
const EDGE_SCALES: [f32; 7] = [0.0, 6.0e-8, 1.0e-4, 0.0123, 1.5, 300.0, -0.02];

/// Random blocks for `rows` x `cols`: random quant bytes (the whole byte
/// range, so nibbles 0 and 15 and Q8_0's -128 and 127 occur), scales drawn
/// from typical values and `EDGE_SCALES`; every eighth row is all-extreme
/// (every quant byte 0x00, 0xFF or 0x80).
fn random_blocks(rng: &mut StdRng, format: BlockFormat, rows: usize, cols: usize) -> Vec<u8> {
    let block_bytes = format.block_bytes();
    let mut bytes = vec![0u8; rows * cols / BLOCK * block_bytes];
    let header = if format == BlockFormat::Q4_1 { 4 } else { 2 };
    for (b, block) in bytes.chunks_exact_mut(block_bytes).enumerate() {
        let row = b / (cols / BLOCK);
        for at in (0..header).step_by(2) {
            let value = if rng.random_bool(0.3) {
                EDGE_SCALES[rng.random_range(0..EDGE_SCALES.len())]
            } else {
                rng.random_range(-0.05f32..0.05)
            };
            let bits = half::f16::from_f32(value).to_bits().to_le_bytes();
            block[at..at + 2].copy_from_slice(&bits);
        }
        let extreme = [0x00u8, 0xFF, 0x80][b % 3];
        for byte in &mut block[header..] {
            *byte = if row % 8 == 7 { extreme } else { rng.random() };
        }
    }
    bytes
}

/// Random input rows, with an all-zero block, a block of one large value
/// and blocks of mixed magnitudes.
fn random_input(rng: &mut StdRng, n: usize, cols: usize) -> Vec<f32> {
    let mut input: Vec<f32> = (0..n * cols)
        .map(|_| rng.random_range(-1.0f32..1.0) * 10f32.powi(rng.random_range(-3..2)))
        .collect();
    input[..BLOCK].fill(0.0);
    if input.len() >= 2 * BLOCK {
        input[BLOCK..2 * BLOCK].fill(0.0);
        input[BLOCK + 5] = -1.0e4;
    }
    input
}

/// Sum over blocks of the absolute values of the terms the kernel adds:
/// the scale for the rounding-order tolerance between instruction sets.
fn magnitude(format: BlockFormat, row: &[u8], acts: &QuantizedRows, r: usize) -> f32 {
    let act = acts.row(r);
    let mut total = 0f32;
    for (b, block) in row.chunks_exact(format.block_bytes()).enumerate() {
        let q8 = &act.quants[b * BLOCK..(b + 1) * BLOCK];
        let abs_q8: f32 = q8.iter().map(|&q| f32::from(q).abs()).sum();
        total += match format {
            BlockFormat::Q8_0 => (f16_at(block, 0) * act.scales[b]).abs() * 127.0 * abs_q8,
            _ => {
                let (d, offset, _) = nibble_block(format, block);
                (d * act.scales[b]).abs() * 15.0 * abs_q8 + (offset * act.scales[b]).abs() * abs_q8
            }
        };
    }
    total
}

#[test]
fn every_instruction_set_matches_the_scalar_kernel() {
    let mut rng = StdRng::seed_from_u64(7);
    let isas = dispatch::available();
    println!("instruction sets on this CPU: {isas:?}");
    for (format, _) in FORMATS {
        for (rows, cols, n) in [(40, 32, 1), (67, 576, 1), (33, 1536, 3)] {
            let bytes = random_blocks(&mut rng, format, rows, cols);
            let input = random_input(&mut rng, n, cols);
            let matrix = QuantMatrix {
                format,
                bytes: &bytes,
                rows,
                cols,
            };
            let reference = product_with(Isa::Scalar, &matrix, &input, n).expect("scalar");
            let acts = QuantizedRows::new(&input, cols);
            let row_bytes = bytes.len() / rows;
            for &isa in &isas {
                let got = product_with(isa, &matrix, &input, n).expect("isa");
                assert_eq!(got.len(), reference.len());
                for (i, (a, b)) in got.iter().zip(&reference).enumerate() {
                    let (r, j) = (i / rows, i % rows);
                    let row = &bytes[j * row_bytes..(j + 1) * row_bytes];
                    // Same integer sums; only the f32 summation order differs.
                    let tolerance = 1e-5 * magnitude(format, row, &acts, r);
                    assert!(
                        (a - b).abs() <= tolerance,
                        "{isa:?} {format:?} {rows}x{cols} n={n} [{r},{j}]: {a} vs {b} (tolerance {tolerance})"
                    );
                }
            }
        }
    }
}

#[test]
fn the_scalar_kernel_matches_candles_dequantized_f32_product() {
    let mut rng = StdRng::seed_from_u64(11);
    for (format, dtype) in FORMATS {
        let (rows, cols, n) = (48, 576, 2);
        let bytes = random_blocks(&mut rng, format, rows, cols);
        let input = random_input(&mut rng, n, cols);
        let storage =
            QStorage::from_data(Cow::Borrowed(&bytes), &Device::Cpu, dtype).expect("storage");
        let weights = QTensor::new(storage, (rows, cols))
            .expect("tensor")
            .dequantize(&Device::Cpu)
            .expect("dequantize");
        let x = Tensor::from_vec(input.clone(), (n, cols), &Device::Cpu).expect("input");
        let expected: Vec<f32> = x
            .matmul(&weights.t().expect("t"))
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1())
            .expect("candle product");
        let dense: Vec<f32> = weights
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .expect("dense");
        let matrix = QuantMatrix {
            format,
            bytes: &bytes,
            rows,
            cols,
        };
        let got = product_with(Isa::Scalar, &matrix, &input, n).expect("scalar");
        for r in 0..n {
            let x = &input[r * cols..(r + 1) * cols];
            for j in 0..rows {
                let w = &dense[j * cols..(j + 1) * cols];
                // Quantizing the input moves each value by at most half a
                // step (max |x| / 254 of its block); plus f32 rounding.
                let mut bound = 0f32;
                let mut size = 0f32;
                for (wb, xb) in w.chunks_exact(BLOCK).zip(x.chunks_exact(BLOCK)) {
                    let step = xb.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
                    bound += step * 0.5 * wb.iter().map(|v| v.abs()).sum::<f32>();
                    size += wb.iter().zip(xb).map(|(a, b)| (a * b).abs()).sum::<f32>();
                }
                let tolerance = bound * 1.001 + 1e-5 * size + 1e-6;
                let (a, b) = (got[r * rows + j], expected[r * rows + j]);
                assert!(
                    (a - b).abs() <= tolerance,
                    "{format:?} [{r},{j}]: kernel {a} vs candle {b} (tolerance {tolerance})"
                );
            }
        }
    }
}

#[test]
fn mismatched_sizes_are_an_error_not_a_panic() {
    let bytes = vec![0u8; 20 * 2];
    let matrix = QuantMatrix {
        format: BlockFormat::Q4_1,
        bytes: &bytes,
        rows: 2,
        cols: 32,
    };
    assert!(product_with(Isa::Scalar, &matrix, &[0.0; 31], 1).is_err());
    assert!(product_with(Isa::Scalar, &matrix, &[0.0; 64], 2).is_ok());
    let short = QuantMatrix { rows: 3, ..matrix };
    assert!(product_with(Isa::Scalar, &short, &[0.0; 32], 1).is_err());
}
