//! # wormscope-fit: calibrating a scenario to what sensors saw
//!
//! Every scenario has numbers no source pins down (the density of
//! reachable vulnerable hosts, the initial infections, filter coverage).
//! What defenders had in August 2003 were sensor counts. A fit turns that
//! around: given observations of the scenario's sensors, it finds the
//! parameter values whose simulated sensors agree with them, and says what
//! the true outbreak (the `infected` series no sensor sees) probably was.
//!
//! - [`param`]: the searched fields, `FIELD=LO..HI` or `FIELD=A,B,C`,
//!   checked against the base scenario.
//! - [`observed`]: `obs.csv` (`time_s,sensor,measure,value`), checked
//!   against the scenario's sensors and duration.
//! - [`abc`]: the method, approximate Bayesian computation by population
//!   Monte Carlo, independent of scenarios (tested on a model whose
//!   posterior is known).
//! - this module: a fit's simulations (one run per proposal, on its own
//!   seed, with the scenario's sensors: a Blaster scenario on its own
//!   world, a random-scanning worm on its population), the distance between a
//!   run's sensors and the observations, the posterior bands, and
//!   [`recover`]: fits of synthetic truths whose parameters are known, to
//!   measure the intervals' coverage.
//!
//! **Distance.** The root mean square, over the observations, of
//! `ln(1 + simulated) - ln(1 + observed)`: counts that span decades weigh
//! alike, and a sensor with many observations weighs by their number.
//!
//! **Invariants.** Same inputs and seed, the same result, whatever the
//! thread count (every seed is drawn in a fixed order; runs are gathered in
//! proposal order). Observing changes nothing in a run. This crate writes
//! no file and reads no clock; progress is a callback.

pub mod abc;
pub mod observed;
pub mod param;

use serde::Serialize;
use wormscope_model::rng::{Purpose, stream};
use wormscope_scenario::{AnyScenario, Override};

pub use abc::{Generation, Prior, Settings};
pub use observed::{OBSERVED_HEADER, Observation, SensorMeasure};
pub use param::FitParam;

/// Why a fit could not be done.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A flag, the scenario or the observations are at fault.
    #[error("{0}")]
    Input(String),
    /// Something failed while running.
    #[error("{0}")]
    Run(String),
    /// A shard ran its part of a generation; others must run theirs
    /// before the fit can go on.
    #[error(
        "generation {generation}: {missing} of {total} simulations are not done yet (other shards run them)"
    )]
    Pending {
        generation: usize,
        missing: usize,
        total: usize,
    },
}

/// Somewhere finished simulations may be kept and found again, so that an
/// interrupted fit resumes and shards of one fit share their runs. Keys
/// name everything a simulation depends on ([`Fit::simulation_key`]).
pub trait SimulationStore: Sync {
    fn get(&self, key: &str) -> Option<Simulated>;
    /// Keeps `run`; a store that cannot says nothing.
    fn put(&self, key: &str, run: &Simulated);
}

/// Keeps nothing.
pub struct NoSimulationStore;

impl SimulationStore for NoSimulationStore {
    fn get(&self, _: &str) -> Option<Simulated> {
        None
    }
    fn put(&self, _: &str, _: &Simulated) {}
}

/// A fit, checked and ready to run.
#[derive(Clone, Debug)]
pub struct Fit {
    /// The base scenario's text and origin: every proposal's scenario is
    /// this text with the parameters set, read by the scenario crate.
    base_text: String,
    base_origin: String,
    /// The base scenario as the fit runs it (duration and seed applied).
    pub scenario: AnyScenario,
    pub params: Vec<FitParam>,
    pub observations: Vec<Observation>,
    pub settings: Settings,
    /// Distinct observed series (`sensor/measure`), in first-seen order.
    pub series: Vec<(String, SensorMeasure)>,
}

impl Fit {
    /// Checks a fit: every parameter's extremes must make a valid scenario
    /// (an error names the parameter), and the observations must name the
    /// scenario's sensors and lie within its run.
    pub fn new(
        base_text: String,
        base_origin: String,
        scenario: AnyScenario,
        params: Vec<FitParam>,
        observations: Vec<Observation>,
        settings: Settings,
    ) -> Result<Fit, FitError> {
        if params.is_empty() {
            return Err(FitError::Input(
                "--param: name at least one field to fit (FIELD=LO..HI)".into(),
            ));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.path == p.path) {
                return Err(FitError::Input(format!(
                    "--param {p}: field `{}` is fitted twice",
                    p.path
                )));
            }
        }
        let mut series: Vec<(String, SensorMeasure)> = Vec::new();
        for o in &observations {
            if !series
                .iter()
                .any(|(s, m)| *s == o.sensor && *m == o.measure)
            {
                series.push((o.sensor.clone(), o.measure));
            }
        }
        let fit = Fit {
            base_text,
            base_origin,
            scenario,
            params,
            observations,
            settings,
            series,
        };
        let lows: Vec<f64> = fit.params.iter().map(|q| q.extremes()[0]).collect();
        for (k, p) in fit.params.iter().enumerate() {
            for x in p.extremes() {
                let mut theta = lows.clone();
                theta[k] = x;
                fit.scenario_at(&theta, 0).map_err(|e| {
                    FitError::Input(format!("--param {p}: at {x}: {}", e.trim_start()))
                })?;
            }
        }
        Ok(fit)
    }

    /// The scenario with the parameters at `theta`, on `seed`.
    pub fn scenario_at(&self, theta: &[f64], seed: u64) -> Result<AnyScenario, String> {
        let overrides: Vec<Override> = self
            .params
            .iter()
            .zip(theta)
            .map(|(p, &x)| Override {
                path: p.path.clone(),
                value: p.value(x),
                file: "--param".into(),
                line: None,
            })
            .collect();
        let mut s =
            wormscope_scenario::parse_any_with(&self.base_text, &self.base_origin, &overrides)
                .map_err(|e| {
                    let field = e
                        .field
                        .map(|f| format!("field `{f}`: "))
                        .unwrap_or_default();
                    format!("{field}{}", e.message)
                })?;
        s.set_run(self.scenario.duration(), seed);
        Ok(s)
    }

    /// Simulates the scenario at `theta` on `seed` with its sensors.
    pub fn simulate(&self, theta: &[f64], seed: u64) -> Result<Simulated, FitError> {
        let s = self.scenario_at(theta, seed).map_err(FitError::Run)?;
        self.simulate_scenario(&s, theta)
    }

    /// Simulates `s`, the scenario at `theta` (named in errors): a Blaster
    /// scenario on its own world, a random-scanning one on its population.
    fn simulate_scenario(&self, s: &AnyScenario, theta: &[f64]) -> Result<Simulated, FitError> {
        let outbreak = wormscope_observe::simulate(s, &mut |_| {}).map_err(|e| {
            let msg = format!(
                "{}: generating the world at {}: {e}",
                self.base_origin,
                self.describe(theta)
            );
            match e {
                wormscope_model::world::WorldError::TooLarge { .. } => FitError::Input(msg),
                _ => FitError::Run(msg),
            }
        })?;
        let sensors = outbreak.sensors();
        let series = self
            .series
            .iter()
            .map(|(sensor, measure)| {
                let found = sensors
                    .iter()
                    .find(|x| x.sensor.name == *sensor)
                    .ok_or_else(|| FitError::Run(format!("the run has no sensor `{sensor}`")))?;
                Ok(found.rows.iter().map(|r| measure.of(r)).collect())
            })
            .collect::<Result<Vec<Vec<f64>>, FitError>>()?;
        Ok(Simulated {
            step_s: outbreak.step_us() as f64 / 1e6,
            infected: outbreak.infected().into_iter().map(|n| n as f64).collect(),
            series,
        })
    }

    /// What a simulation gives at the observations' times, in their order.
    pub fn at_observations(&self, run: &Simulated) -> Vec<f64> {
        self.observations
            .iter()
            .map(|o| {
                let k = self
                    .series
                    .iter()
                    .position(|(s, m)| *s == o.sensor && *m == o.measure)
                    .expect("every observation's series is listed");
                observed::at_time(&run.series[k], run.step_s, o.time_s)
            })
            .collect()
    }

    /// The distance between a simulation and the observations.
    pub fn distance(&self, run: &Simulated) -> f64 {
        let sim = self.at_observations(run);
        let sum: f64 = self
            .observations
            .iter()
            .zip(&sim)
            .map(|(o, s)| (s.ln_1p() - o.value.ln_1p()).powi(2))
            .sum();
        (sum / self.observations.len() as f64).sqrt()
    }

    fn describe(&self, theta: &[f64]) -> String {
        let parts: Vec<String> = self
            .params
            .iter()
            .zip(theta)
            .map(|(p, x)| format!("{} = {}", p.path, p.value(*x)))
            .collect();
        parts.join(", ")
    }

    /// Names a simulation: a digest of the scenario it runs (every field,
    /// its seed included) and of the series the fit keeps of it.
    pub fn simulation_key(&self, theta: &[f64], seed: u64) -> Result<String, FitError> {
        let s = self.scenario_at(theta, seed).map_err(FitError::Run)?;
        Ok(self.key_of(&s))
    }

    fn key_of(&self, s: &AnyScenario) -> String {
        use std::hash::{Hash, Hasher};
        let text = format!("fit|{s:?}|{:?}", self.series);
        let digest = |salt: u64| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            salt.hash(&mut h);
            text.hash(&mut h);
            h.finish()
        };
        format!("fit-{:016x}{:016x}", digest(1), digest(2))
    }

    /// Runs the fit. `progress` is called with the simulations finished.
    pub fn run(&self, progress: &(dyn Fn(usize) + Sync)) -> Result<FitResult, FitError> {
        self.run_stored(&NoSimulationStore, None, progress)
    }

    /// Runs the fit, finding simulations in `store` and keeping new ones
    /// there. With a shard, only the proposals whose index is the shard's
    /// modulo the count are simulated; the fit goes as far as the
    /// simulations stored allow and answers [`FitError::Pending`] when a
    /// generation still lacks some (run every shard again, generation by
    /// generation; the last run without a shard, or any shard once all are
    /// stored, gives the result).
    pub fn run_stored(
        &self,
        store: &dyn SimulationStore,
        shard: Option<wormscope_sweep::Shard>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<FitResult, FitError> {
        let priors: Vec<Prior> = self.params.iter().map(|p| p.prior.clone()).collect();
        let pending = std::sync::atomic::AtomicUsize::new(0);
        // A failure of this shard's own runs wins over another's pending.
        let failure = std::sync::Mutex::new(None::<FitError>);
        let posterior = abc::run(
            &priors,
            self.settings,
            |p| {
                let scenario = self.scenario_at(p.theta, p.seed).map_err(FitError::Run)?;
                let key = self.key_of(&scenario);
                let run = match store.get(&key) {
                    Some(run) => run,
                    None if shard.is_some_and(|s| p.index as u32 % s.count != s.index) => {
                        pending.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return Err(FitError::Pending {
                            generation: p.generation,
                            missing: 0,
                            total: self.settings.proposals,
                        });
                    }
                    None => {
                        let run = self
                            .simulate_scenario(&scenario, p.theta)
                            .inspect_err(|e| {
                                let mut f = failure.lock().expect("not poisoned");
                                if f.is_none() {
                                    *f = Some(match e {
                                        FitError::Input(m) => FitError::Input(m.clone()),
                                        e => FitError::Run(e.to_string()),
                                    });
                                }
                            })?;
                        store.put(&key, &run);
                        run
                    }
                };
                Ok((self.distance(&run), run))
            },
            progress,
        )
        .map_err(|e| match (failure.into_inner().expect("not poisoned"), e) {
            (Some(failed), _) => failed,
            (
                None,
                FitError::Pending {
                    generation, total, ..
                },
            ) => FitError::Pending {
                generation,
                missing: pending.load(std::sync::atomic::Ordering::Relaxed),
                total,
            },
            (None, e) => e,
        })?;
        Ok(self.summarize(posterior))
    }

    fn summarize(&self, posterior: abc::Posterior<Simulated>) -> FitResult {
        let parameters = self
            .params
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let q = |x| {
                    let v = posterior.quantile(k, x);
                    if p.integer { v.round() } else { v }
                };
                let (lo, hi) = (p.prior.lo(), p.prior.hi());
                let (p05, median, p95) = (q(0.05), q(0.5), q(0.95));
                ParameterBand {
                    name: p.path.clone(),
                    p05,
                    median,
                    p95,
                    prior_lo: lo,
                    prior_hi: hi,
                    interval_to_prior: (p95 - p05) / (hi - lo),
                }
            })
            .collect();
        let first = &posterior.particles[0].payload;
        let step_s = first.step_s;
        let steps = first.infected.len();
        let band_at = |time_s: f64, value: &dyn Fn(&Simulated) -> f64| BandAt {
            time_s,
            p05: posterior.quantile_of(|p| value(&p.payload), 0.05),
            median: posterior.quantile_of(|p| value(&p.payload), 0.5),
            p95: posterior.quantile_of(|p| value(&p.payload), 0.95),
        };
        let mut times: Vec<f64> = self.observations.iter().map(|o| o.time_s).collect();
        times.push(steps as f64 * step_s);
        times.sort_by(f64::total_cmp);
        times.dedup();
        let infected = times
            .iter()
            .map(|&t| band_at(t, &|r| observed::at_time(&r.infected, r.step_s, t)))
            .collect();
        let mut predictive = vec![SeriesBands {
            series: "infected".into(),
            bands: (0..steps)
                .map(|i| band_at((i + 1) as f64 * step_s, &|r| r.infected[i]))
                .collect(),
        }];
        for (k, (sensor, measure)) in self.series.iter().enumerate() {
            predictive.push(SeriesBands {
                series: format!("{sensor}/{measure}"),
                bands: (0..steps)
                    .map(|i| band_at((i + 1) as f64 * step_s, &|r| r.series[k][i]))
                    .collect(),
            });
        }
        let draws = posterior
            .particles
            .iter()
            .map(|p| AcceptedDraw {
                values: self
                    .params
                    .iter()
                    .zip(&p.theta)
                    .map(|(q, &x)| if q.integer { x.round() } else { x })
                    .collect(),
                weight: p.weight,
                distance: p.distance,
                seed: p.seed,
            })
            .collect();
        FitResult {
            parameters,
            infected,
            predictive,
            draws,
            simulations: posterior.generations.iter().map(|g| g.simulations).sum(),
            generations: posterior.generations,
        }
    }
}

/// What the fit keeps of one simulation.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Simulated {
    /// Seconds per step.
    pub step_s: f64,
    /// Infected hosts at each step's end.
    pub infected: Vec<f64>,
    /// Each observed series ([`Fit::series`] order) at each step's end.
    pub series: Vec<Vec<f64>>,
}

/// A parameter's posterior band beside its prior.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParameterBand {
    pub name: String,
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
    pub prior_lo: f64,
    pub prior_hi: f64,
    /// The 90 % interval's width over the prior's: 1 means the data said
    /// nothing about it.
    pub interval_to_prior: f64,
}

/// A band at one time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BandAt {
    pub time_s: f64,
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
}

/// A series' posterior-predictive bands, one per step.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBands {
    /// `infected`, or an observed `sensor/measure`.
    pub series: String,
    pub bands: Vec<BandAt>,
}

/// One accepted parameter draw.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedDraw {
    /// One value per parameter, as set in the scenario.
    pub values: Vec<f64>,
    pub weight: f64,
    pub distance: f64,
    /// The simulation's seed: the draw's run can be repeated.
    pub seed: u64,
}

/// A fit's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct FitResult {
    pub parameters: Vec<ParameterBand>,
    /// The truth's bands at each observation time and at the end.
    pub infected: Vec<BandAt>,
    /// `infected` and each observed series, per step.
    pub predictive: Vec<SeriesBands>,
    /// The last population: the accepted draws.
    pub draws: Vec<AcceptedDraw>,
    pub generations: Vec<Generation>,
    pub simulations: usize,
}

impl FitResult {
    /// The accepted draws as Parquet: one `Float64` column per parameter
    /// (named by its field), then `weight`, `distance` and `seed`.
    pub fn draws_parquet(
        &self,
        params: &[FitParam],
        metadata: &[(String, String)],
    ) -> Result<Vec<u8>, String> {
        use std::sync::Arc;

        use arrow_array::{ArrayRef, Float64Array, UInt64Array};
        use arrow_schema::{DataType, Field, Schema};

        let mut fields: Vec<Field> = params
            .iter()
            .map(|p| Field::new(&p.path, DataType::Float64, false))
            .collect();
        fields.push(Field::new("weight", DataType::Float64, false));
        fields.push(Field::new("distance", DataType::Float64, false));
        fields.push(Field::new("seed", DataType::UInt64, false));
        let mut columns: Vec<ArrayRef> = (0..params.len())
            .map(|k| {
                Arc::new(Float64Array::from_iter_values(
                    self.draws.iter().map(|d| d.values[k]),
                )) as ArrayRef
            })
            .collect();
        columns.push(Arc::new(Float64Array::from_iter_values(
            self.draws.iter().map(|d| d.weight),
        )));
        columns.push(Arc::new(Float64Array::from_iter_values(
            self.draws.iter().map(|d| d.distance),
        )));
        columns.push(Arc::new(UInt64Array::from_iter_values(
            self.draws.iter().map(|d| d.seed),
        )));
        wormscope_sweep::parquet_bytes(Arc::new(Schema::new(fields)), columns, metadata)
    }
}

/// One synthetic truth of a recovery study and what the fit made of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recovered {
    /// The hidden values, one per parameter.
    pub hidden: Vec<f64>,
    /// The hidden run's seed.
    pub seed: u64,
    pub parameters: Vec<ParameterBand>,
    /// Per parameter: whether the 90 % interval holds the hidden value.
    pub covered: Vec<bool>,
}

/// A recovery study: many synthetic truths fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recovery {
    pub truths: Vec<Recovered>,
    /// Per parameter: the share of truths whose 90 % interval holds the
    /// hidden value.
    pub coverage: Vec<f64>,
    /// Per parameter: the mean interval width over the prior's.
    pub mean_interval_to_prior: Vec<f64>,
}

/// Fits `truths` synthetic truths: each draws hidden parameter values from
/// the prior and a hidden seed, simulates them, takes the simulated
/// sensors at the observations' times as the data, and fits it with the
/// fit's settings on a seed of its own. `progress` is called with the
/// truths finished.
pub fn recover(
    fit: &Fit,
    truths: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Recovery, FitError> {
    let mut rng = stream(fit.settings.seed, Purpose::Fit, 1 << 32);
    let mut out = Vec::new();
    for t in 0..truths {
        use rand::RngExt;
        let hidden: Vec<f64> = fit
            .params
            .iter()
            .map(|p| {
                let u: f64 = rng.random();
                let x = match &p.prior {
                    Prior::Uniform { lo, hi } => lo + u * (hi - lo),
                    Prior::Choice(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)],
                };
                if p.integer { x.round() } else { x }
            })
            .collect();
        let seed: u64 = rng.random();
        let fit_seed: u64 = rng.random();
        let truth = fit.simulate(&hidden, seed)?;
        let mut synthetic = fit.clone();
        for (o, v) in synthetic
            .observations
            .iter_mut()
            .zip(fit.at_observations(&truth))
        {
            o.value = v;
        }
        synthetic.settings.seed = fit_seed;
        let result = synthetic.run(&|_| {})?;
        let covered = result
            .parameters
            .iter()
            .zip(&hidden)
            .map(|(b, &h)| b.p05 <= h && h <= b.p95)
            .collect();
        out.push(Recovered {
            hidden,
            seed,
            parameters: result.parameters,
            covered,
        });
        progress(t + 1);
    }
    let n = out.len().max(1) as f64;
    let coverage = (0..fit.params.len())
        .map(|k| out.iter().filter(|r| r.covered[k]).count() as f64 / n)
        .collect();
    let mean_interval_to_prior = (0..fit.params.len())
        .map(|k| {
            out.iter()
                .map(|r| r.parameters[k].interval_to_prior)
                .sum::<f64>()
                / n
        })
        .collect();
    Ok(Recovery {
        truths: out,
        coverage,
        mean_interval_to_prior,
    })
}
