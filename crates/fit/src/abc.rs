//! Approximate Bayesian computation by population Monte Carlo (ABC-PMC),
//! with the tolerance set by a quantile of each generation's distances.
//!
//! Beaumont, Cornuet, Marin and Robert, "Adaptive approximate Bayesian
//! computation", Biometrika 96(4), 2009; the tolerance schedule as in
//! Toni et al., "Approximate Bayesian computation scheme for parameter
//! inference and model selection in dynamical systems", J. R. Soc.
//! Interface 6, 2009, and the quantile rule of pyABC and ABCpy.
//!
//! - **Generation 0** draws `proposals` parameter vectors from the prior
//!   and simulates each on its own seed. The `keep` closest to the data
//!   are the first population; the largest of their distances is the
//!   tolerance. All weights are equal.
//! - **Generation g** draws `proposals` vectors from the previous
//!   population: a parent by weight, moved by a kernel (a normal of twice
//!   the population's weighted variance, truncated to the prior's range,
//!   for a range; for a list of values, the parent's value half the time
//!   and a uniform choice otherwise). The `keep` closest are the new
//!   population, weighted by prior / proposal density,
//!   `w_i ∝ π(θ_i) / Σ_j w_j K(θ_i | θ_j)`, which makes them a weighted
//!   sample of the prior restricted to simulations within the new, smaller
//!   tolerance: the ABC posterior.
//!
//! The last population is the answer: its weighted quantiles are the
//! parameters' bands, and the simulations it kept are draws of the
//! posterior predictive distribution (no further runs needed).
//!
//! Deterministic: every proposal and every simulation seed comes from
//! the fit's seed through [`wormscope_model::rng`] streams drawn in a fixed
//! order; simulations run in parallel and are gathered in proposal order;
//! ties between distances break by proposal index.
//!
//! What it may not touch: scenarios, worlds, files. It calls a simulator
//! given as a closure, so it is tested on models whose posterior is known.

use rand::RngExt;
use rayon::prelude::*;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use wormscope_model::rng::{Purpose, stream};

/// A parameter's prior: uniform over a range or over a list of values.
#[derive(Clone, Debug, PartialEq)]
pub enum Prior {
    /// Uniform on `[lo, hi]`, `lo < hi`.
    Uniform { lo: f64, hi: f64 },
    /// Uniform over these values (at least one).
    Choice(Vec<f64>),
}

impl Prior {
    /// The smallest value the prior gives.
    pub fn lo(&self) -> f64 {
        match self {
            Prior::Uniform { lo, .. } => *lo,
            Prior::Choice(v) => v.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// The largest value the prior gives.
    pub fn hi(&self) -> f64 {
        match self {
            Prior::Uniform { hi, .. } => *hi,
            Prior::Choice(v) => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// How much to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Simulations per generation.
    pub proposals: usize,
    /// Simulations kept per generation (the population), `1..=proposals`.
    pub keep: usize,
    /// Generations, at least 1.
    pub generations: usize,
    /// The fit's seed: proposals and simulation seeds.
    pub seed: u64,
}

/// One kept simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle<P> {
    /// One value per parameter.
    pub theta: Vec<f64>,
    /// Normalized importance weight (the population's weights sum to 1).
    pub weight: f64,
    pub distance: f64,
    /// The simulation's seed.
    pub seed: u64,
    /// What the simulator returned beside the distance.
    pub payload: P,
}

/// One generation, summarized.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Generation {
    /// The largest distance kept.
    pub tolerance: f64,
    /// Kish's effective sample size of the kept weights.
    pub effective_sample_size: f64,
    pub simulations: usize,
}

/// The last population and how the fit got there.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior<P> {
    pub particles: Vec<Particle<P>>,
    pub generations: Vec<Generation>,
}

impl<P> Posterior<P> {
    /// The weighted quantile `p` of parameter `k`.
    pub fn quantile(&self, k: usize, p: f64) -> f64 {
        weighted_quantile(self.particles.iter().map(|q| (q.theta[k], q.weight)), p)
    }

    /// The weighted quantile `p` of any value of the particles.
    pub fn quantile_of(&self, value: impl Fn(&Particle<P>) -> f64, p: f64) -> f64 {
        weighted_quantile(self.particles.iter().map(|q| (value(q), q.weight)), p)
    }
}

/// One simulation the fit asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proposal<'a> {
    pub generation: usize,
    /// Its place in the generation, `0..proposals`.
    pub index: usize,
    /// One value per parameter.
    pub theta: &'a [f64],
    /// The simulation's seed.
    pub seed: u64,
}

/// Runs the fit. `simulate(proposal)` returns the simulation's distance
/// to the data and what to keep of it. Every proposal of a generation is
/// simulated before the generation ends; then the first error, in
/// proposal order, stops the fit (so a simulator that declines some
/// proposals, such as one shard of many, still runs all of its own).
/// `progress` is called with the simulations finished so far.
pub fn run<P, E, F>(
    priors: &[Prior],
    settings: Settings,
    simulate: F,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Posterior<P>, E>
where
    P: Send,
    E: Send,
    F: Fn(&Proposal<'_>) -> Result<(f64, P), E> + Sync,
{
    assert!(settings.generations >= 1 && settings.keep >= 1);
    assert!(settings.keep <= settings.proposals);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut population: Vec<Particle<P>> = Vec::new();
    let mut generations = Vec::new();
    for g in 0..settings.generations {
        let mut rng = stream(settings.seed, Purpose::Fit, g as u64);
        let kernel = Kernel::new(priors, &population);
        let proposals: Vec<(Vec<f64>, u64)> = (0..settings.proposals)
            .map(|_| {
                let theta = if population.is_empty() {
                    priors.iter().map(|p| draw_prior(p, &mut rng)).collect()
                } else {
                    kernel.propose(&population, &mut rng)
                };
                (theta, rng.random::<u64>())
            })
            .collect();
        let outcomes: Vec<Result<(f64, P), E>> = proposals
            .par_iter()
            .enumerate()
            .map(|(index, (theta, seed))| {
                let r = simulate(&Proposal {
                    generation: g,
                    index,
                    theta,
                    seed: *seed,
                });
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                r
            })
            .collect();
        let outcomes: Vec<(f64, P)> = outcomes.into_iter().collect::<Result<_, E>>()?;
        let mut order: Vec<usize> = (0..outcomes.len()).collect();
        order.sort_by(|&a, &b| outcomes[a].0.total_cmp(&outcomes[b].0).then(a.cmp(&b)));
        let kept: Vec<usize> = order[..settings.keep].to_vec();
        let mut candidates: Vec<Option<Particle<P>>> = proposals
            .into_iter()
            .zip(outcomes)
            .map(|((theta, seed), (distance, payload))| {
                Some(Particle {
                    theta,
                    weight: 1.0,
                    distance,
                    seed,
                    payload,
                })
            })
            .collect();
        let mut next: Vec<Particle<P>> = kept
            .iter()
            .map(|&i| {
                let mut p = candidates[i].take().expect("kept once");
                if !population.is_empty() {
                    p.weight = 1.0
                        / kernel
                            .mixture_density(&population, &p.theta)
                            .max(f64::MIN_POSITIVE);
                }
                p
            })
            .collect();
        let total: f64 = next.iter().map(|p| p.weight).sum();
        for p in &mut next {
            p.weight /= total;
        }
        generations.push(Generation {
            tolerance: next.iter().map(|p| p.distance).fold(0.0, f64::max),
            effective_sample_size: 1.0 / next.iter().map(|p| p.weight * p.weight).sum::<f64>(),
            simulations: settings.proposals,
        });
        population = next;
    }
    Ok(Posterior {
        particles: population,
        generations,
    })
}

fn draw_prior(prior: &Prior, rng: &mut impl rand::Rng) -> f64 {
    let u: f64 = rng.random();
    match prior {
        Prior::Uniform { lo, hi } => lo + u * (hi - lo),
        Prior::Choice(values) => values[((u * values.len() as f64) as usize).min(values.len() - 1)],
    }
}

/// The perturbation kernel of one generation, fitted to the population
/// it perturbs.
struct Kernel<'a> {
    priors: &'a [Prior],
    /// Per parameter: the kernel's standard deviation (ranges only).
    sigma: Vec<f64>,
}

impl<'a> Kernel<'a> {
    fn new<P>(priors: &'a [Prior], population: &[Particle<P>]) -> Kernel<'a> {
        let sigma = priors
            .iter()
            .enumerate()
            .map(|(k, prior)| {
                let mean: f64 = population.iter().map(|p| p.weight * p.theta[k]).sum();
                let var: f64 = population
                    .iter()
                    .map(|p| p.weight * (p.theta[k] - mean).powi(2))
                    .sum();
                // A population collapsed onto one value still moves a
                // little: a thousandth of the prior's range.
                (2.0 * var).sqrt().max((prior.hi() - prior.lo()) * 1e-3)
            })
            .collect();
        Kernel { priors, sigma }
    }

    fn propose<P>(&self, population: &[Particle<P>], rng: &mut impl rand::Rng) -> Vec<f64> {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let parent = population
            .iter()
            .position(|p| {
                acc += p.weight;
                acc >= u
            })
            .unwrap_or(population.len() - 1);
        let parent = &population[parent].theta;
        self.priors
            .iter()
            .enumerate()
            .map(|(k, prior)| match prior {
                Prior::Uniform { lo, hi } => {
                    let n = self.normal(parent[k], k);
                    let (a, b) = (n.cdf(*lo), n.cdf(*hi));
                    let u: f64 = rng.random();
                    n.inverse_cdf(a + u * (b - a)).clamp(*lo, *hi)
                }
                Prior::Choice(_) => {
                    let stay: f64 = rng.random();
                    if stay < 0.5 {
                        parent[k]
                    } else {
                        draw_prior(prior, rng)
                    }
                }
            })
            .collect()
    }

    fn normal(&self, mean: f64, k: usize) -> Normal {
        Normal::new(mean, self.sigma[k]).expect("a finite mean and a positive deviation")
    }

    /// `Σ_j w_j K(θ | θ_j)`: the density the proposals were drawn from.
    fn mixture_density<P>(&self, population: &[Particle<P>], theta: &[f64]) -> f64 {
        population
            .iter()
            .map(|p| {
                p.weight
                    * self
                        .priors
                        .iter()
                        .enumerate()
                        .map(|(k, prior)| match prior {
                            Prior::Uniform { lo, hi } => {
                                let n = self.normal(p.theta[k], k);
                                let mass = (n.cdf(*hi) - n.cdf(*lo)).max(f64::MIN_POSITIVE);
                                n.pdf(theta[k]) / mass
                            }
                            Prior::Choice(values) => {
                                let uniform = 0.5 / values.len() as f64;
                                if theta[k] == p.theta[k] {
                                    0.5 + uniform
                                } else {
                                    uniform
                                }
                            }
                        })
                        .product::<f64>()
            })
            .sum()
    }
}

/// The weighted quantile `p` of (value, weight) pairs: the smallest value
/// whose cumulative weight reaches `p` of the total. NaN if there are none.
pub fn weighted_quantile(values: impl Iterator<Item = (f64, f64)>, p: f64) -> f64 {
    let mut v: Vec<(f64, f64)> = values.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let target = p.clamp(0.0, 1.0) * total;
    let mut acc = 0.0;
    for (value, w) in &v {
        acc += w;
        if acc >= target - 1e-12 * total {
            return *value;
        }
    }
    v[v.len() - 1].0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles_follow_the_weights() {
        let v = [(1.0, 1.0), (2.0, 1.0), (3.0, 2.0)];
        assert_eq!(weighted_quantile(v.into_iter(), 0.0), 1.0);
        assert_eq!(weighted_quantile(v.into_iter(), 0.25), 1.0);
        assert_eq!(weighted_quantile(v.into_iter(), 0.5), 2.0);
        assert_eq!(weighted_quantile(v.into_iter(), 0.51), 3.0);
        assert_eq!(weighted_quantile(v.into_iter(), 1.0), 3.0);
        assert!(weighted_quantile(std::iter::empty(), 0.5).is_nan());
    }

    /// A normal mean with known variance under a uniform prior: the
    /// posterior is (almost) normal around the sample mean with deviation
    /// `1/sqrt(n)`. The data summary is the sample mean; simulations draw
    /// `n` points at `theta`.
    fn normal_mean_fit(truth: f64, data_seed: u64, seed: u64) -> Posterior<()> {
        let n = 25;
        let sample_mean = |theta: f64, seed: u64| {
            let mut rng = stream(seed, Purpose::Fit, 1 << 40);
            let unit = Normal::new(0.0, 1.0).unwrap();
            (0..n)
                .map(|_| theta + unit.inverse_cdf(rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12)))
                .sum::<f64>()
                / n as f64
        };
        let observed = sample_mean(truth, data_seed);
        run::<(), (), _>(
            &[Prior::Uniform { lo: -5.0, hi: 5.0 }],
            Settings {
                proposals: 400,
                keep: 100,
                generations: 4,
                seed,
            },
            |p| Ok(((sample_mean(p.theta[0], p.seed) - observed).abs(), ())),
            &|_| {},
        )
        .unwrap()
    }

    #[test]
    fn the_posterior_of_a_normal_mean_is_centred_and_narrow() {
        let post = normal_mean_fit(1.3, 77, 5);
        let (p05, p50, p95) = (
            post.quantile(0, 0.05),
            post.quantile(0, 0.5),
            post.quantile(0, 0.95),
        );
        // The exact posterior's 90 % interval is 2 * 1.645 / 5 = 0.66 wide.
        assert!(p05 < 1.3 && 1.3 < p95, "{p05} {p50} {p95}");
        assert!(p95 - p05 < 1.2, "{p05}..{p95}");
        assert!(p95 - p05 > 0.4, "not collapsed: {p05}..{p95}");
        let tolerances: Vec<f64> = post.generations.iter().map(|g| g.tolerance).collect();
        assert!(
            tolerances.windows(2).all(|w| w[1] <= w[0]),
            "{tolerances:?}"
        );
        let w: f64 = post.particles.iter().map(|p| p.weight).sum();
        assert!((w - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ninety_percent_intervals_cover_about_ninety_percent_of_truths() {
        let truths = 40;
        let covered = (0..truths)
            .filter(|&i| {
                let truth = -3.0 + 6.0 * (i as f64 + 0.5) / truths as f64;
                let post = normal_mean_fit(truth, 1000 + i as u64, i as u64);
                post.quantile(0, 0.05) <= truth && truth <= post.quantile(0, 0.95)
            })
            .count();
        // Binomial(40, 0.9): 30..=40 holds 99.4 % of its mass; an
        // interval that covered 70 % or all would fail (ABC's finite
        // tolerance makes it a little wide, never narrow).
        assert!(
            (32..=40).contains(&covered),
            "covered {covered} of {truths}"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_posterior_and_choices_stay_in_their_list() {
        let sim = |p: &Proposal<'_>| -> Result<(f64, u64), ()> {
            Ok(((p.theta[0] - 3.0).abs() + (p.theta[1] - 0.2).abs(), p.seed))
        };
        let priors = [
            Prior::Choice(vec![1.0, 2.0, 3.0, 4.0]),
            Prior::Uniform { lo: 0.0, hi: 1.0 },
        ];
        let settings = Settings {
            proposals: 50,
            keep: 10,
            generations: 3,
            seed: 9,
        };
        let a = run(&priors, settings, sim, &|_| {}).unwrap();
        let b = run(&priors, settings, sim, &|_| {}).unwrap();
        assert_eq!(a, b);
        assert!(
            a.particles
                .iter()
                .all(|p| [1.0, 2.0, 3.0, 4.0].contains(&p.theta[0]))
        );
        assert!(
            a.particles
                .iter()
                .all(|p| (0.0..=1.0).contains(&p.theta[1]))
        );
        assert_eq!(a.quantile(0, 0.5), 3.0);
        let c = run(
            &priors,
            Settings {
                seed: 10,
                ..settings
            },
            sim,
            &|_| {},
        )
        .unwrap();
        assert_ne!(a, c);
    }
}
