//! Observation: a hook through which sensors (telescopes, sensor networks,
//! edge taps, capture recorders) see the probes a run accounts for.
//!
//! **Invariant.** An [`Observer`] sees *exactly* the probes the engine
//! counts, each once, with the time its batch started (the time the
//! time series files it under): the exact driver reports a closed-form
//! *span* of batches at the moment it accounts for it (so only batches that
//! really started are reported), and every explicit batch; the reference
//! driver reports every probe one by one. An observer that sums what it is
//! told therefore agrees with the probe totals, and two drivers that agree
//! on the outbreak give their observers the same probes. Under a network
//! capacity a probe the network dropped comes as [`Observer::dropped`]
//! (or inside a plain run, told as sent), never as a probe.
//!
//! What it is for: the `wormscope-observe` crate's sensors and capture
//! recorder. What it may not touch: the outbreak. Observers get copies of
//! facts, never `&mut` access to host state, so observing cannot change a
//! run. With no observer installed the engine pays one branch per span,
//! batch and exploit.
//!
//! **Random targets** (Blaster with `targeting = "uniform-random"` or
//! `"local-preference"`, the [`crate::random_targets`] driver): a random
//! probe's address is drawn only when it could matter, so an observer says
//! which ranges it watches ([`Observer::watched`], asked once when the run
//! starts). Every probe into a watched range, into the scanner's own site
//! or to a host that answers (or may) comes with its address
//! ([`Observer::probe`]); the rest, to addresses nobody watches that hold
//! nothing or a silent host, come as counts ([`Observer::plain`]).
//! The reference driver draws every address and reports each probe.

use wormscope_model::HostId;
use wormscope_model::blaster::Outcome;
use wormscope_model::defense::DefensePlan;

/// A run of `k` batches of `batch_size` consecutive addresses from `pos`
/// (it never wraps past the end of the space), as the exact driver
/// accounts it. Batch `j` covers `[pos + j*batch_size, pos + (j+1)*batch_size)`
/// and starts at [`Span::batch_start`]`(j)`; start times rise with `j`.
pub struct Span<'a> {
    pub pos: u64,
    pub k: u64,
    pub batch_size: u32,
    start: &'a dyn Fn(u64) -> u64,
    before: &'a dyn Fn(u64) -> u64,
}

impl<'a> Span<'a> {
    /// A span whose batch start times are given by `start(j)` and whose
    /// count of batches started before a time by `before(limit)` (both
    /// built by the driver from its own closed forms).
    pub fn new(
        pos: u64,
        k: u64,
        batch_size: u32,
        start: &'a dyn Fn(u64) -> u64,
        before: &'a dyn Fn(u64) -> u64,
    ) -> Span<'a> {
        Span {
            pos,
            k,
            batch_size,
            start,
            before,
        }
    }

    /// One past the span's last address.
    pub fn end(&self) -> u64 {
        self.pos + self.k * u64::from(self.batch_size)
    }

    /// Start time of batch `j` (`j < k`).
    pub fn batch_start(&self, j: u64) -> u64 {
        (self.start)(j)
    }

    /// Number of the span's batches that start before `limit`.
    pub fn batches_before(&self, limit: u64) -> u64 {
        (self.before)(limit)
    }

    /// Index of the batch holding address `addr` (inside the span).
    pub fn batch_of(&self, addr: u64) -> u64 {
        (addr - self.pos) / u64::from(self.batch_size)
    }
}

/// Probes of a random-targeting scanner to addresses that are in no
/// watched range, hold nothing or a host that never answers (silent), and
/// lie outside the scanner's own site:
/// `k` batches with `per_batch` such probes each, batch `j` starting at
/// `t0 + j * wait`. Their addresses were never drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainRun {
    pub per_batch: u64,
    pub k: u64,
    pub t0: u64,
    pub wait: u64,
}

impl PlainRun {
    /// Start time of batch `j`.
    pub fn batch_start(&self, j: u64) -> u64 {
        self.t0.saturating_add(j.saturating_mul(self.wait))
    }

    /// The `k` batches of this run from its batch `from` on, with
    /// `per_batch` probes each.
    pub fn part(&self, from: u64, k: u64, per_batch: u64) -> PlainRun {
        PlainRun {
            per_batch,
            k,
            t0: self.batch_start(from),
            wait: self.wait,
        }
    }

    /// Number of the run's batches that start before `limit`.
    pub fn batches_before(&self, limit: u64) -> u64 {
        if limit <= self.t0 {
            0
        } else {
            (limit - self.t0).div_ceil(self.wait.max(1)).min(self.k)
        }
    }
}

/// A range of addresses `[lo, hi)` an observer watches (u64 so that the
/// end of the space, 2^32, can be named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub lo: u64,
    pub hi: u64,
}

/// What sees the probes and exploits of a run. Every method has an empty
/// default, so an observer implements what it needs.
pub trait Observer {
    /// The run's defenses, told once as the observer is installed (before
    /// [`Observer::watched`] is asked): sensors lose the probes that a
    /// network filter keeps inside their scanner's network.
    fn defenses(&mut self, _plan: &DefensePlan) {}
    /// `host`'s worm started scanning at `t`.
    fn worm_start(&mut self, _host: HostId, _t: u64) {}
    /// `host`, about to start a worm at `t`, has the address `addr` on
    /// its own interface from now on (under `[world.churn]`, a pool host's
    /// address for this session; told before every worm start then).
    fn address(&mut self, _host: HostId, _addr: u32, _t: u64) {}
    /// `host`'s worm stopped at `t` (reboot).
    fn worm_stop(&mut self, _host: HostId, _t: u64) {}
    /// Welchia (the counter-worm) started scanning from `host` at `t`; its
    /// probes are ICMP echo requests first. By default a worm start.
    fn counter_worm_start(&mut self, host: HostId, t: u64) {
        self.worm_start(host, t);
    }
    /// `host`'s worm flooded its target from `since` to `until`: one SYN
    /// every `period` microseconds from `since` on.
    fn flood(&mut self, _host: HostId, _since: u64, _until: u64, _period: u64) {}
    /// `scanner` sent a span of batches (exact driver).
    fn span(&mut self, _scanner: HostId, _span: &Span<'_>) {}
    /// `scanner` sent one batch of `n` addresses from `pos` (wrapping past
    /// the end of the space to 0.0.0.0), all at `t` (exact driver).
    fn batch(&mut self, _scanner: HostId, _pos: u32, _n: u32, _t: u64) {}
    /// `scanner` probed `addr` in a batch that started at `t` (the
    /// reference driver; random targets' drawn addresses).
    fn probe(&mut self, _scanner: HostId, _addr: u32, _t: u64) {}
    /// `scanner`'s probe to `addr`, in a batch that started at `t`, left
    /// its site and was dropped by the network's capacity
    /// (`[worm.bandwidth] capacity_bits_per_second`): an edge around the
    /// scanner saw it go out; nothing past it sees it. Plain probes
    /// ([`Observer::plain`]) are told as sent, dropped or not: only such
    /// an edge sees them.
    fn dropped(&mut self, _scanner: HostId, _addr: u32, _t: u64) {}
    /// `attacker` exploited `victim` at `t` with this outcome.
    fn exploit(&mut self, _attacker: HostId, _victim: HostId, _t: u64, _outcome: Outcome) {}
    /// `scanner` sent probes whose addresses were never drawn (random
    /// targets; see the module's doc).
    fn plain(&mut self, _scanner: HostId, _run: &PlainRun) {}
    /// Ranges whose probes this observer wants one by one, with their
    /// addresses, from random scanners.
    fn watched(&self) -> Vec<Watched> {
        Vec::new()
    }
}

/// Calls every method on each of several observers, in order.
pub struct Fanout<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Fanout<'_> {
    fn defenses(&mut self, plan: &DefensePlan) {
        self.0.iter_mut().for_each(|o| o.defenses(plan));
    }
    fn worm_start(&mut self, host: HostId, t: u64) {
        self.0.iter_mut().for_each(|o| o.worm_start(host, t));
    }
    fn address(&mut self, host: HostId, addr: u32, t: u64) {
        self.0.iter_mut().for_each(|o| o.address(host, addr, t));
    }
    fn worm_stop(&mut self, host: HostId, t: u64) {
        self.0.iter_mut().for_each(|o| o.worm_stop(host, t));
    }
    fn counter_worm_start(&mut self, host: HostId, t: u64) {
        self.0
            .iter_mut()
            .for_each(|o| o.counter_worm_start(host, t));
    }
    fn flood(&mut self, host: HostId, since: u64, until: u64, period: u64) {
        self.0
            .iter_mut()
            .for_each(|o| o.flood(host, since, until, period));
    }
    fn span(&mut self, scanner: HostId, span: &Span<'_>) {
        self.0.iter_mut().for_each(|o| o.span(scanner, span));
    }
    fn batch(&mut self, scanner: HostId, pos: u32, n: u32, t: u64) {
        self.0.iter_mut().for_each(|o| o.batch(scanner, pos, n, t));
    }
    fn probe(&mut self, scanner: HostId, addr: u32, t: u64) {
        self.0.iter_mut().for_each(|o| o.probe(scanner, addr, t));
    }
    fn dropped(&mut self, scanner: HostId, addr: u32, t: u64) {
        self.0.iter_mut().for_each(|o| o.dropped(scanner, addr, t));
    }
    fn exploit(&mut self, attacker: HostId, victim: HostId, t: u64, outcome: Outcome) {
        self.0
            .iter_mut()
            .for_each(|o| o.exploit(attacker, victim, t, outcome));
    }
    fn plain(&mut self, scanner: HostId, run: &PlainRun) {
        self.0.iter_mut().for_each(|o| o.plain(scanner, run));
    }
    fn watched(&self) -> Vec<Watched> {
        self.0.iter().flat_map(|o| o.watched()).collect()
    }
}
