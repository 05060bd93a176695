//! The random variates the drivers draw beyond uniform ones: skips to the
//! next probe that matters ([`Skips`], geometric) and splits of counts
//! ([`binomial`]).
//!
//! May not touch: engine state. Every draw takes the stream it comes from,
//! so which stream a draw uses stays the caller's decision.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

/// One binomial draw; `p` outside (0, 1) is certain either way.
pub(crate) fn binomial(n: u64, p: f64, rng: &mut ChaCha8Rng) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).expect("a share in (0, 1)").sample(rng)
    }
}

/// Whether one probe arrives when a share `share` of probes do (a network
/// capacity's, [`crate::core::BlasterCore::arriving_share`]). Draws
/// nothing when all arrive, so a capacity that never binds leaves the
/// stream, and the run, as without one.
pub(crate) fn arrives(share: f64, rng: &mut ChaCha8Rng) -> bool {
    share >= 1.0 || rng.random::<f64>() < share
}

/// How many of `n` probes a network capacity drops when a share `share`
/// arrive (nothing drawn when all do).
pub(crate) fn dropped_of(n: u64, share: f64, rng: &mut ChaCha8Rng) -> u64 {
    if share >= 1.0 {
        0
    } else {
        binomial(n, 1.0 - share, rng)
    }
}

/// The failures before the first success of independent trials, each a
/// success with chance `p`: the geometric distribution on 0, 1, 2, ...,
/// drawn by inversion, ⌊ln U / ln(1 − p)⌋ for U uniform on (0, 1].
///
/// Why not `rand_distr::Geometric`: below p = 2/3 it takes at least three
/// uniforms and a power by repeated squaring per draw (Bringmann and
/// Friedrich's method). A local-preference scanner, whose probes matter
/// often, draws one skip per probe that matters, and those draws were a
/// quarter of its runs' time; inversion takes one uniform and one
/// logarithm. U has 53 random bits, as every f64 draw here does, so only
/// the tail beyond ln(2^53) / p (chance 2^-53 in all) is never drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Skips {
    /// 1 / ln(1 − p): 0 when every trial succeeds, −∞ when none does.
    scale: f64,
}

impl Skips {
    /// Skips of trials with chance `p` in [0, 1].
    ///
    /// # Panics
    /// When `p` is not a number in [0, 1].
    pub fn new(p: f64) -> Skips {
        assert!((0.0..=1.0).contains(&p), "a chance in [0, 1], not {p}");
        Skips {
            // ln_1p keeps ln(1 − p) exact to the last bit for tiny p,
            // where 1 − p would round to 1.
            scale: if p >= 1.0 { 0.0 } else { 1.0 / (-p).ln_1p() },
        }
    }

    /// One draw: how many trials fail before the next success
    /// (`u64::MAX` when none ever succeeds).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        if self.scale == 0.0 {
            return 0;
        }
        if self.scale == f64::NEG_INFINITY {
            return u64::MAX;
        }
        let u = 1.0 - rng.random::<f64>();
        // ln u <= 0 and scale < 0: a product at or above zero, so the cast's
        // truncation is the floor (without a call to libm's `floor`, which
        // baseline x86-64 has no instruction for), and it saturates beyond
        // u64::MAX.
        (u.ln() * self.scale) as u64
    }
}

/// The skips of chances `weight / of`, one per weight asked for, made
/// the first time (a run asks for a handful).
#[derive(Clone, Debug)]
pub(crate) struct SkipsByWeight {
    of: u64,
    made: Vec<(u64, Skips)>,
}

impl SkipsByWeight {
    /// Skips of chances out of `of` (more than 0).
    pub(crate) fn new(of: u64) -> SkipsByWeight {
        SkipsByWeight {
            of,
            made: Vec::new(),
        }
    }

    /// The skips of chance `weight / of` (at most 1).
    pub(crate) fn get(&mut self, weight: u64) -> Skips {
        match self.made.iter().find(|(w, _)| *w == weight) {
            Some(&(_, s)) => s,
            None => {
                let s = Skips::new((weight as f64 / self.of as f64).min(1.0));
                self.made.push((weight, s));
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draws(p: f64, n: usize, seed: u64) -> Vec<u64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let skips = Skips::new(p);
        (0..n).map(|_| skips.sample(&mut rng)).collect()
    }

    #[test]
    fn certain_and_impossible_successes() {
        assert!(draws(1.0, 1000, 1).iter().all(|&k| k == 0));
        assert!(draws(0.0, 1000, 2).iter().all(|&k| k == u64::MAX));
    }

    /// Pearson's chi-square of the draws against the geometric
    /// probabilities of 0..cells-1 and the tail, for several chances, at a
    /// level the right distribution fails one time in about 10^5.
    #[test]
    fn draws_follow_the_geometric_distribution() {
        for (i, &p) in [0.9f64, 0.5, 0.3, 0.05, 0.001].iter().enumerate() {
            let n = 200_000;
            let cells = 20usize;
            // Cells of equal-ish probability: k in [c*w, (c+1)*w).
            let width = ((1.0 / p) / 4.0).ceil().max(1.0) as u64;
            let mut counts = vec![0u64; cells + 1];
            for k in draws(p, n, 10 + i as u64) {
                let c = ((k / width) as usize).min(cells);
                counts[c] += 1;
            }
            let q = 1.0 - p;
            let mut chi2 = 0.0;
            for (c, &seen) in counts.iter().enumerate() {
                let below = |k: u64| 1.0 - q.powf(k as f64);
                let share = if c == cells {
                    1.0 - below(cells as u64 * width)
                } else {
                    below((c as u64 + 1) * width) - below(c as u64 * width)
                };
                let expected = share * n as f64;
                if expected > 0.0 {
                    chi2 += (seen as f64 - expected).powi(2) / expected;
                } else {
                    assert_eq!(seen, 0, "p {p}: a draw where none can fall");
                }
            }
            // 21 cells: 20 degrees of freedom; P(chi2 > 55) is about 5e-5.
            assert!(chi2 < 55.0, "p {p}: chi-square {chi2:.1} over 20 cells");
        }
    }

    #[test]
    fn tiny_chances_keep_their_mean() {
        // A mean of 10^9 failures: 1 − p rounds to 1 in f64 for far
        // smaller p, which ln_1p handles; the mean of 20,000 draws lies
        // within 5 standard errors (sd = mean for a geometric).
        let p = 1e-9;
        let n = 20_000;
        let mean = draws(p, n, 7).iter().map(|&k| k as f64).sum::<f64>() / n as f64;
        let expected = (1.0 - p) / p;
        assert!(
            (mean - expected).abs() < 5.0 * expected / (n as f64).sqrt(),
            "mean {mean:.3e} against {expected:.3e}"
        );
        let p = 1e-300;
        assert!(draws(p, 100, 8).iter().all(|&k| k > 1 << 60));
    }
}
