//! What a seed is asked for, and the generator every one of its draws comes from: the same plan
//! gives the same registry because the draws come in the same order from the same generator.

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    /// About `scale` × 1,000 sellers, × 10,000 listings, × 1,000 notices.
    pub scale: f64,
    pub seed: u64,
    /// Add to a non-empty database instead of refusing.
    pub append: bool,
    /// Draw a progress bar.
    pub progress: bool,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same registry on every
/// platform and release, which a library generator does not promise.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A heavy-tailed index in [0, n): small indexes far more often (a power law).
    pub(super) fn skewed(&mut self, n: usize, power: f64) -> usize {
        ((self.unit().powf(power)) * n as f64) as usize % n.max(1)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
    }
}
