//! ISP filtering of a random-scanning worm's own port: which probes aimed
//! at vulnerable hosts a filter drops.
//!
//! The rule is a Blaster scenario's ([`wormscope_model::defense`]): a
//! share of the /16 address blocks filter at their border from the
//! filter's start, drawn per block from the run's seed with the same draw;
//! a probe from block a to block b ≠ a is dropped if a filters and the
//! filter drops the worm's port going out, or b filters and it drops it
//! coming in. Traffic inside one /16 is not filtered. Only probes aimed at
//! vulnerable hosts are asked about (they are the ones that can infect):
//! the rest reach nothing that matters, and sensors see probes as a
//! Blaster scenario's do, filters aside.
//!
//! May not touch: the core's state; it is a rule over addresses and time.

use wormscope_model::defense::{Draw, unit_draw};
use wormscope_scenario::RandomScanScenario;

/// One run's ISP filter.
#[derive(Clone, Debug)]
pub(super) struct IspFilter {
    /// When it switches on: ns of real time after the start.
    start_ns: u64,
    drops_out: bool,
    drops_in: bool,
    /// Bit per /16 block: whether it filters.
    filtering: Vec<u64>,
    /// Each vulnerable host's block.
    block: Vec<u32>,
}

impl IspFilter {
    /// The filter of run `seed` of `s`, for vulnerable hosts at `addresses`;
    /// none if the scenario's is off or drops nothing of the worm's.
    pub(super) fn of(s: &RandomScanScenario, seed: u64, addresses: &[u32]) -> Option<IspFilter> {
        let f = &s.defenses.isp_filter;
        let port = s.worm.delivery.port();
        let drops_in = f.blocks_in.iter().any(|r| r.matches(port));
        let drops_out = f.blocks_out.iter().any(|r| r.matches(port));
        if !f.enabled || !(drops_in || drops_out) {
            return None;
        }
        let share = f.coverage_pct.as_fraction();
        let mut filtering = vec![0u64; 65_536 / 64];
        for b in 0..65_536u64 {
            if unit_draw(seed, Draw::IspBlock, b) < share {
                filtering[(b / 64) as usize] |= 1 << (b % 64);
            }
        }
        let start_us = f.start.after_start(s.start).expect("a checked scenario");
        Some(IspFilter {
            start_ns: start_us.saturating_mul(1000),
            drops_out,
            drops_in,
            filtering,
            block: addresses.iter().map(|a| a >> 16).collect(),
        })
    }

    /// Whether the scenario needs the hosts' addresses for its filter.
    pub(super) fn needed(s: &RandomScanScenario) -> bool {
        s.defenses.isp_filter.enabled
    }

    fn filters(&self, block: u32) -> bool {
        self.filtering[(block / 64) as usize] >> (block % 64) & 1 == 1
    }

    /// Whether a probe from vulnerable host `src` to vulnerable host `dst`
    /// at real time `real_ns` is dropped.
    pub(super) fn drops(&self, src: u32, dst: u32, real_ns: u64) -> bool {
        let (a, b) = (self.block[src as usize], self.block[dst as usize]);
        real_ns >= self.start_ns
            && a != b
            && ((self.drops_out && self.filters(a)) || (self.drops_in && self.filters(b)))
    }
}
