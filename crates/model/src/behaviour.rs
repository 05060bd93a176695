//! A worm's behaviour as composable pieces: how it picks targets
//! ([`Targeting`]), what a probe is on the wire ([`Delivery`]), what limits
//! its speed ([`RateLimit`]), when it stops ([`StopRule`]) and its
//! date-driven flood: both cores flood on the payload's days alike
//! ([`FloodDays`]: the date read at the worm's start, as Blaster, or all
//! the time, as Code Red) and find their target alike ([`FloodTarget`]: a
//! name or an address, a takedown, a moved site); [`Flood`] counts a
//! random-scanning worm's in closed form (Blaster's spoofed sources are its
//! core's own). A simulator
//! reads these pieces, never a worm's name: Blaster is sequential targeting
//! with a TCP exploit chain and batch timing; Code Red v2 is uniform random
//! targeting with a TCP exploit at a fixed probe rate and a stop date;
//! Slammer is uniform random targeting with one UDP packet, limited by each
//! host's uplink and by what the network carries.
//!
//! Pure data and pure functions of (seed, host): no state, no time. Times
//! are microseconds after the scenario's start; probe intervals are
//! nanoseconds, because a host on a fast uplink probes every few
//! microseconds.

use rand::RngExt;
use wormscope_scenario::population::{self, PopulationScenario};
use wormscope_scenario::{BlasterConfig, BlasterScenario, CrashConfig, DateCheck, TargetingKind};

use crate::blaster::Timing;
use crate::rng::{Purpose, ShortStream};
use crate::targeting::LocalShares;

/// How an instance chooses the addresses it probes.
#[derive(Clone, Debug, PartialEq)]
pub enum Targeting {
    /// Blaster: batches of consecutive addresses from a start address that
    /// is near the host's own with `local_start_fraction` (MODEL.md). A
    /// random-scanning worm's rate paces every probe: its batches are of
    /// one.
    Sequential {
        batch_size: u32,
        local_start_fraction: f64,
    },
    /// Every target uniform over the 2^`space_bits` addresses.
    UniformRandom { space_bits: u8 },
    /// Each target drawn from the host's own /16, its own /8 or all of
    /// IPv4 by these shares (Code Red II's; see
    /// [`crate::targeting::LocalPreference`]).
    LocalPreference { shares: LocalShares },
    /// Staniford, Paxson and Weaver's permutation scanning: every instance
    /// walks one keyed permutation of the 2^`space_bits` addresses from a
    /// random position, and jumps to another on finding a host infected
    /// already (see [`crate::targeting::PermutationScan`]).
    Permutation { space_bits: u8, key: u64 },
    /// The initial instances first probe a list of `hosts` vulnerable
    /// hosts, dealt among them in turn, one every `interval_ns`; then each
    /// targets as `then` says.
    HitList {
        hosts: u64,
        interval_ns: u64,
        then: Box<Targeting>,
    },
}

impl Targeting {
    /// The targeting after any hit list.
    pub fn after_hit_list(&self) -> &Targeting {
        match self {
            Targeting::HitList { then, .. } => then.after_hit_list(),
            t => t,
        }
    }
}

/// What one probe is on the wire, and when its victim starts the worm.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Blaster: the exploit on `port`, a shell connect, the body fetched
    /// over TFTP; each step's duration is in `timing`, and the victim runs
    /// the worm when the chain completes.
    ExploitChain { port: u16, timing: Timing },
    /// A TCP connection carrying an exploit; the victim runs the worm
    /// `victim_start_us` after the probe.
    TcpExploit { port: u16, victim_start_us: u64 },
    /// One UDP packet of `packet_bytes` that is the whole worm; the victim
    /// runs it at once.
    UdpPacket { port: u16, packet_bytes: u32 },
}

impl Delivery {
    /// Microseconds from the infecting probe to the victim's own start.
    pub fn victim_start_us(&self) -> u64 {
        match self {
            Delivery::ExploitChain { timing, .. } => timing.chain_complete,
            Delivery::TcpExploit {
                victim_start_us, ..
            } => *victim_start_us,
            Delivery::UdpPacket { .. } => 0,
        }
    }
}

/// What limits how fast an instance probes.
#[derive(Clone, Debug, PartialEq)]
pub enum RateLimit {
    /// Batches of `batch_size` probes sent together, one every
    /// `batch_wait_us`. Blaster's core adds the time its exploit chain
    /// keeps the attacker busy in a batch (`Timing`); a random-scanning
    /// worm's batches are evenly spaced ([`Pace`]).
    Batches { batch_size: u32, batch_wait_us: u64 },
    /// The same probe interval for every instance.
    ProbeInterval { interval_ns: u64 },
    /// Each instance sends a packet of `packet_bits` as fast as its uplink
    /// allows (uplinks drawn per host from `uplinks`, as (share, bits/s));
    /// the network carries at most `capacity_bps` of it in total (`None`:
    /// no limit). The population core slows every instance by the same
    /// share; Blaster's core, whose scanners keep their own clocks, drops
    /// each probe with that share's complement instead: the same probes
    /// arrive per second, at the same uniform targets.
    Bandwidth {
        uplinks: Vec<(f64, f64)>,
        packet_bits: u64,
        capacity_bps: Option<f64>,
    },
}

impl RateLimit {
    /// The aggregate bits per second the network carries for the worm;
    /// `None`: unlimited.
    pub fn capacity_bps(&self) -> Option<f64> {
        match self {
            RateLimit::Bandwidth { capacity_bps, .. } => *capacity_bps,
            _ => None,
        }
    }

    /// Bits one probe puts on the wire, where the rate is a bandwidth.
    pub fn packet_bits(&self) -> Option<u64> {
        match self {
            RateLimit::Bandwidth { packet_bits, .. } => Some(*packet_bits),
            _ => None,
        }
    }

    /// Under a bandwidth limit, how long host `host`'s uplink takes to
    /// carry a batch of `batch_size` probes: Blaster's core waits that
    /// long between the host's batches (µs, rounded up). `None` for any
    /// other rate.
    pub fn batch_wait_us(&self, seed: u64, host: u64, batch_size: u32) -> Option<u64> {
        match self {
            RateLimit::Bandwidth {
                uplinks,
                packet_bits,
                ..
            } => Some(wormscope_scenario::batch_wait_us(
                u64::from(batch_size) * packet_bits,
                uplink_bps(uplinks, seed, host),
            )),
            _ => None,
        }
    }
}

/// When an instance stops probing.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StopRule {
    /// Every instance stops at this time (microseconds after the start).
    pub at_us: Option<u64>,
    /// Each instance stops after this many probes.
    pub after_probes: Option<u64>,
    /// A payload that may crash the host every so many probes.
    pub crash: Option<Crash>,
}

/// Every `cycle_probes` probes the payload runs and crashes the host with
/// probability `chance`; a crashed host stops probing for good.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crash {
    pub cycle_probes: u64,
    pub chance: f64,
}

impl Crash {
    /// The payload of a scenario's `[worm.stop.crash]`.
    pub fn of(c: &CrashConfig) -> Crash {
        Crash {
            cycle_probes: c.cycle_probes,
            chance: c.chance_pct.as_fraction(),
        }
    }

    /// The probes an instance sends up to the end of the cycle whose
    /// payload crashes its host, from `u`, uniform in [0, 1) and drawn for
    /// the instance (`None`: past any count a run could reach).
    pub fn probes_before(self, u: f64) -> Option<u64> {
        // Cycles survived before the crashing one: geometric, by inversion
        // of its distribution function.
        // (`ln_1p`: a chance too small to change 1.0 still gives a
        // logarithm below zero, so almost every host survives for ever
        // rather than crashing at once.)
        let survived = if self.chance >= 1.0 {
            0.0
        } else {
            ((-u).ln_1p() / (-self.chance).ln_1p()).floor()
        };
        (survived < 1e18).then(|| (survived as u64 + 1).saturating_mul(self.cycle_probes))
    }
}

impl StopRule {
    /// How many probes host `host` sends before it stops by itself (`None`:
    /// never): the probe limit, or the end of the cycle whose payload
    /// crashes it. The crash is drawn from (seed, host) alone, so every
    /// simulator of the same run crashes a host at the same cycle.
    pub fn probes_of(&self, seed: u64, host: u64) -> Option<u64> {
        let crash = self.crash_probes(seed, host);
        match (self.after_probes, crash) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        }
    }

    /// Whether host `host`'s own stop ([`StopRule::probes_of`]) is its
    /// payload crashing it, which ends its worm (and a flood) for good,
    /// rather than its probe limit, which, like the stop date, ends its
    /// probing only: the worm runs on. At the same probe, the crash.
    pub fn crashes_at_its_stop(&self, seed: u64, host: u64) -> bool {
        match (self.crash_probes(seed, host), self.after_probes) {
            (Some(c), Some(a)) => c <= a,
            (crash, _) => crash.is_some(),
        }
    }

    /// The probes before the cycle whose payload crashes host `host`.
    fn crash_probes(&self, seed: u64, host: u64) -> Option<u64> {
        self.crash
            .and_then(|c| c.probes_before(ShortStream::new(seed, Purpose::Crash, host).random()))
    }
}

/// How an instance's probes are spaced in time: `per_batch` probes go out
/// together, a batch every `period_ns`. Batch j (j >= 1) leaves j periods
/// after the instance starts and holds probes (j - 1)·per_batch + 1 to
/// j·per_batch, so a worm that probes one at a time has batches of one.
/// An instance checks its stop rules between batches
/// ([`Pace::whole_batches`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub per_batch: u64,
    pub period_ns: u64,
}

impl Pace {
    /// Probes one at a time, `interval_ns` apart.
    #[inline]
    pub fn one_at_a_time(interval_ns: u64) -> Pace {
        Pace {
            per_batch: 1,
            period_ns: interval_ns.max(1),
        }
    }

    /// The batch that holds probe `k` (k >= 1).
    #[inline]
    pub fn batch_of(&self, k: u64) -> u64 {
        if self.per_batch == 1 {
            k
        } else {
            k.div_ceil(self.per_batch)
        }
    }

    /// Nanoseconds from the instance's start to probe `k` (k >= 1);
    /// `None` past the end of the clock.
    #[inline]
    pub fn offset_ns(&self, k: u64) -> Option<u64> {
        self.batch_of(k).checked_mul(self.period_ns)
    }

    /// The probes sent less than `elapsed_ns` after the start.
    #[inline]
    pub fn probes_within(&self, elapsed_ns: u64) -> u64 {
        if elapsed_ns == 0 {
            return 0;
        }
        // Batches j >= 1 with j·period < elapsed.
        let batches = (elapsed_ns - 1) / self.period_ns;
        batches.saturating_mul(self.per_batch)
    }

    /// The batches an instance whose stop rule ends it at its `n`-th probe
    /// sends: it checks between batches, so it finishes the one holding
    /// that probe.
    #[inline]
    pub fn whole_batches(&self, n: u64) -> u64 {
        self.batch_of(n)
    }

    /// Probes per second.
    #[inline]
    pub fn probes_per_second(&self) -> f64 {
        self.per_batch as f64 * 1e9 / self.period_ns as f64
    }
}

/// A worm's behaviour: the four pieces together.
#[derive(Clone, Debug, PartialEq)]
pub struct Behaviour {
    pub targeting: Targeting,
    pub delivery: Delivery,
    pub rate: RateLimit,
    pub stop: StopRule,
}

impl Behaviour {
    /// Blaster's behaviour in these terms, with the targeting its scenario
    /// chose: the Blaster core (`wormscope-engine`) takes its exploit
    /// timing from here.
    pub fn blaster(s: &BlasterScenario) -> Behaviour {
        let c: &BlasterConfig = &s.worm;
        let timing = Timing::with_flaws(c, &s.flaws);
        let own = match c.targeting {
            TargetingKind::Sequential => Targeting::Sequential {
                batch_size: c.batch_size,
                local_start_fraction: c.local_start_pct.as_fraction(),
            },
            TargetingKind::UniformRandom => Targeting::UniformRandom { space_bits: 32 },
            TargetingKind::LocalPreference => Targeting::LocalPreference {
                shares: LocalShares::of(&c.local_preference)
                    .expect("the scenario checks the shares"),
            },
            TargetingKind::Permutation => Targeting::Permutation {
                space_bits: 32,
                key: c
                    .permutation
                    .as_ref()
                    .expect("the scenario checks the key is there")
                    .key,
            },
        };
        Behaviour {
            targeting: match &c.hit_list {
                Some(list) => Targeting::HitList {
                    hosts: list.hosts,
                    interval_ns: interval_ns(list.probes_per_second),
                    then: Box::new(own),
                },
                None => own,
            },
            delivery: Delivery::ExploitChain { port: 135, timing },
            rate: match &c.bandwidth {
                Some(bw) => RateLimit::Bandwidth {
                    uplinks: shares_of(&bw.uplinks),
                    packet_bits: u64::from(bw.probe_bytes) * 8,
                    capacity_bps: (bw.capacity_bits_per_second > 0.0)
                        .then_some(bw.capacity_bits_per_second),
                },
                None => RateLimit::Batches {
                    batch_size: c.batch_size,
                    batch_wait_us: timing.batch_wait,
                },
            },
            stop: StopRule {
                at_us: c.stop.at.map(|at| {
                    at.after_start(s.start)
                        .expect("validated: the stop is not before the start")
                }),
                after_probes: c.stop.after_probes,
                crash: c.stop.crash.as_ref().map(Crash::of),
            },
        }
    }

    /// A random-scanning scenario's worm.
    pub fn population(s: &PopulationScenario) -> Behaviour {
        let w = &s.worm;
        let delivery = match w.delivery {
            population::DeliveryConfig::TcpExploit { port, duration } => Delivery::TcpExploit {
                port,
                victim_start_us: duration.as_micros(),
            },
            population::DeliveryConfig::UdpPacket { port, packet_bytes } => {
                Delivery::UdpPacket { port, packet_bytes }
            }
        };
        let rate = match &w.rate {
            population::RateConfig::ProbeRate { probes_per_second } => RateLimit::ProbeInterval {
                interval_ns: interval_ns(*probes_per_second),
            },
            population::RateConfig::Batches {
                batch_size,
                batch_wait,
            } => RateLimit::Batches {
                batch_size: *batch_size,
                batch_wait_us: batch_wait.as_micros(),
            },
            population::RateConfig::Bandwidth {
                uplinks,
                capacity_bits_per_second,
            } => RateLimit::Bandwidth {
                uplinks: shares_of(uplinks),
                packet_bits: match delivery {
                    Delivery::UdpPacket { packet_bytes, .. } => u64::from(packet_bytes) * 8,
                    // Refused by the scenario's validation.
                    Delivery::TcpExploit { .. } | Delivery::ExploitChain { .. } => {
                        unreachable!("bandwidth needs udp-packet")
                    }
                },
                capacity_bps: (*capacity_bits_per_second > 0.0)
                    .then_some(*capacity_bits_per_second),
            },
        };
        let space_bits = s.population.scan_space_bits;
        let scan = match (&w.permutation, &w.local_preference) {
            (Some(p), _) if w.targeting == wormscope_scenario::PERMUTATION => {
                Targeting::Permutation {
                    space_bits,
                    key: p.key,
                }
            }
            (_, Some(local)) if w.targeting == wormscope_scenario::LOCAL_PREFERENCE => {
                Targeting::LocalPreference {
                    shares: LocalShares::of(local).expect("validated: the shares sum to at most 1"),
                }
            }
            _ if w.targeting == wormscope_scenario::SEQUENTIAL => Targeting::Sequential {
                batch_size: 1,
                local_start_fraction: w
                    .sequential
                    .unwrap_or_else(wormscope_scenario::SequentialConfig::blasters)
                    .local_start_pct
                    .as_fraction(),
            },
            _ => Targeting::UniformRandom { space_bits },
        };
        let targeting = match &w.hit_list {
            Some(list) => Targeting::HitList {
                hosts: list.hosts,
                interval_ns: interval_ns(list.probes_per_second),
                then: Box::new(scan),
            },
            None => scan,
        };
        Behaviour {
            targeting,
            delivery,
            rate,
            stop: StopRule {
                at_us: w.stop.at.map(|at| {
                    at.after_start(s.start)
                        .expect("validated: the stop is not before the start")
                }),
                after_probes: w.stop.after_probes,
                crash: w.stop.crash.as_ref().map(Crash::of),
            },
        }
    }

    /// How host `host`'s probes are spaced when nothing slows them: one at a
    /// time at a fixed interval or its uplink's packet time, or Blaster's
    /// batches. The uplink is drawn from (seed, host) alone, so every
    /// simulator of the same run gives a host the same uplink.
    pub fn pace(&self, seed: u64, host: u64) -> Pace {
        match &self.rate {
            RateLimit::ProbeInterval { interval_ns } => Pace::one_at_a_time(*interval_ns),
            RateLimit::Batches {
                batch_size,
                batch_wait_us,
            } => Pace {
                per_batch: u64::from(*batch_size).max(1),
                period_ns: batch_wait_us.saturating_mul(1000).max(1),
            },
            RateLimit::Bandwidth {
                uplinks,
                packet_bits,
                ..
            } => Pace::one_at_a_time(interval_ns(
                uplink_bps(uplinks, seed, host) / *packet_bits as f64,
            )),
        }
    }

    /// The mean probes per second of a host when nothing slows it: the
    /// fixed rate, or the uplinks' rates weighted by their shares.
    pub fn mean_probes_per_second(&self) -> f64 {
        match &self.rate {
            RateLimit::ProbeInterval { interval_ns } => 1e9 / *interval_ns as f64,
            RateLimit::Batches {
                batch_size,
                batch_wait_us,
            } => f64::from(*batch_size) * 1e6 / *batch_wait_us as f64,
            RateLimit::Bandwidth {
                uplinks,
                packet_bits,
                ..
            } => uplinks
                .iter()
                .map(|&(share, bps)| share * bps / *packet_bits as f64)
                .sum(),
        }
    }

    /// The aggregate bits per second the network carries for the worm;
    /// `None`: unlimited.
    pub fn capacity_bps(&self) -> Option<f64> {
        self.rate.capacity_bps()
    }

    /// The exploit chain's timing, for a worm that delivers one.
    pub fn exploit_chain(&self) -> Option<&Timing> {
        match &self.delivery {
            Delivery::ExploitChain { timing, .. } => Some(timing),
            _ => None,
        }
    }

    /// Bits one probe puts on the wire, where the rate is a bandwidth.
    pub fn packet_bits(&self) -> Option<u64> {
        self.rate.packet_bits()
    }
}

/// How a payload's flood finds its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloodAim {
    /// By an address the worm carries (Code Red's 198.137.240.91): when
    /// the site moves away the flood reaches nothing, and there is no
    /// record to take down.
    Address,
    /// By a name the worm resolves when its flood starts (Blaster's
    /// windowsupdate.com, MODEL.md): once the record is taken down, a
    /// flood that starts sends nothing, and a site that moves is followed
    /// by every flood that resolves its name afterwards.
    Name,
}

/// A flood's target and the two defenses at it, for one core's unit of
/// time (microseconds in Blaster's core, nanoseconds in the population
/// core): what an instance's flood does depends only on when it resolved
/// its target ([`FloodTarget::reaches_until`]). Both cores ask this, so a
/// DNS takedown and a moved site mean the same for every worm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodTarget {
    pub aim: FloodAim,
    /// When the name's record is taken down (`[defenses.dns_takedown]`);
    /// `u64::MAX`: never.
    pub taken_down_at: u64,
    /// When the site leaves the address the worm had for it
    /// (`[defenses.target_move]`); `u64::MAX`: never.
    pub moved_at: u64,
}

impl FloodTarget {
    /// A target no defense acts on.
    pub fn undefended(aim: FloodAim) -> FloodTarget {
        FloodTarget {
            aim,
            taken_down_at: u64::MAX,
            moved_at: u64::MAX,
        }
    }

    /// For a flood that starts at `resolved` (resolving its name then, if
    /// it aims at one): `None` if it sends nothing (the name no longer
    /// resolves), else the moment from which its packets reach nothing
    /// (`u64::MAX`: never), the site having left the address they go to.
    pub fn reaches_until(&self, resolved: u64) -> Option<u64> {
        match self.aim {
            FloodAim::Address => Some(self.moved_at),
            FloodAim::Name if resolved >= self.taken_down_at => None,
            // Resolved before the move: the old address.
            FloodAim::Name if resolved < self.moved_at => Some(self.moved_at),
            // The name leads to the site where it is now.
            FloodAim::Name => Some(u64::MAX),
        }
    }

    /// The moments at which the time a flood resolves its target changes
    /// what it does, ascending and distinct: the takedown and the move of
    /// a name; none for an address.
    pub fn cuts(&self) -> Vec<u64> {
        let mut cuts = match self.aim {
            FloodAim::Address => Vec::new(),
            FloodAim::Name => vec![self.taken_down_at, self.moved_at],
        };
        cuts.retain(|&c| c != u64::MAX);
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }
}

/// A payload's days: the dates (UTC) a worm floods on, and when it reads
/// its clock to know. One rule for every worm: Blaster's (the 16th to the
/// month's end in January to August, every day from September, read once
/// when the worm starts) and Code Red's (the 20th to the 27th, read all
/// the time) are two settings of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodDays {
    /// The first flood day of a month, in the months before
    /// `every_day_from_month` (1 to 31).
    pub first_day: u8,
    /// The last (from `first_day` to 31; past a month's end: its last).
    pub last_day: u8,
    /// From this month (1 to 12) to the year's end every day is a flood
    /// day; 13: never.
    pub every_day_from_month: u8,
    pub checked: DateCheck,
}

impl FloodDays {
    /// Blaster's `[payload]`.
    pub fn blaster(p: &wormscope_scenario::PayloadConfig) -> FloodDays {
        FloodDays {
            first_day: p.first_day_jan_aug,
            last_day: p.last_day_jan_aug,
            every_day_from_month: p.every_day_from_month,
            checked: p.date_checked,
        }
    }

    /// A random-scanning worm's `[payload]`.
    pub fn population(p: &population::FloodPayload) -> FloodDays {
        FloodDays {
            first_day: p.first_day,
            last_day: p.last_day,
            every_day_from_month: p.every_day_from_month,
            checked: p.date_checked,
        }
    }

    /// Whether day `day` of month `month` (1 to 12) is a flood day.
    pub fn is_flood_day(&self, month: u8, day: u8) -> bool {
        month >= self.every_day_from_month || (self.first_day..=self.last_day).contains(&day)
    }

    /// The flood days of a run from `start` for `end_us`, as spans
    /// `[from, to)` of µs after the start: ascending, disjoint, cut to the
    /// run, and days that follow each other one span (a name is resolved
    /// once for them).
    pub fn spans_us(&self, start: jiff::Timestamp, end_us: u64) -> Vec<(u64, u64)> {
        use jiff::ToSpan;
        use jiff::tz::TimeZone;
        // Midnight UTC of `date`, µs after the start, cut to the run. The
        // last midnights jiff holds dates for are past its last timestamp,
        // and past the end of any run (checked runs end before it).
        let midnight_us = |date: Result<jiff::civil::Date, jiff::Error>| -> u64 {
            let Ok(t) = date.and_then(|d| d.to_zoned(TimeZone::UTC)) else {
                return end_us;
            };
            let d = t.timestamp().duration_since(start).as_micros();
            u64::try_from(d.max(0)).unwrap_or(u64::MAX).min(end_us)
        };
        let mut spans: Vec<(u64, u64)> = Vec::new();
        let mut month = start.to_zoned(TimeZone::UTC).date().first_of_month();
        // The start's own month begins before it: offset 0.
        while midnight_us(Ok(month)) < end_us {
            let days = month.days_in_month();
            let (first, last) = if month.month() as u8 >= self.every_day_from_month {
                (1, days)
            } else {
                let first = i8::try_from(self.first_day).expect("checked: 1 to 31");
                let last = i8::try_from(self.last_day).expect("checked: up to 31");
                (first, last.min(days))
            };
            if first <= last {
                let from = midnight_us(month.with().day(first).build());
                let to = midnight_us(
                    month
                        .with()
                        .day(last)
                        .build()
                        .and_then(|d| d.checked_add(1.day())),
                );
                match spans.last_mut() {
                    Some(span) if span.1 == from => span.1 = to,
                    _ if from < to => spans.push((from, to)),
                    _ => {}
                }
            }
            match month.checked_add(1.month()) {
                Ok(next) => month = next,
                Err(_) => break,
            }
        }
        spans
    }
}

/// A worm's payload (`[payload]`): a running instance floods one target
/// on its flood days ([`FloodDays`]), whether it still probes or not. It
/// aims at an address, or at a name it resolves when its flood starts: at
/// a window's start, or at its own start inside one ([`FloodTarget`]).
///
/// Instances are counted in *classes*, by the stretch between the
/// target's [`FloodTarget::cuts`] in which they started and, for a worm
/// that reads the date when it starts, by whether that was a flood day:
/// within a flood window every instance of a class resolved at a moment of
/// the same stretch (its own start, or the window's start if it ran
/// before), so the class says all of its flood ([`Flood::arriving_ns`]). A
/// worm aiming at an address and reading the date all the time has one
/// class.
#[derive(Clone, Debug, PartialEq)]
pub struct Flood {
    /// The spans `[from, to)` of the run, ns of real time after the start,
    /// during which a running instance floods; ascending, disjoint. For a
    /// worm that reads the date when it starts, the whole run.
    pub windows_ns: Vec<(u64, u64)>,
    pub packets_per_second: u32,
    /// The target, its times in ns after the start.
    pub target: FloodTarget,
    /// For a worm that reads the date when it starts: the flood days, as
    /// spans of ns; an instance started outside them never floods.
    pub start_days_ns: Option<Vec<(u64, u64)>>,
    /// `target`'s cuts, the bounds between stretches.
    cuts: Vec<u64>,
}

impl Flood {
    /// The flood of `s`, if its worm has one. The days are UTC days, as
    /// Code Red read its clock (MODEL.md: its spreading stopped at 00:00
    /// UTC on the 20th).
    pub fn of(s: &PopulationScenario) -> Option<Flood> {
        let p = s.payload.as_ref()?;
        let end_us = s.duration.as_micros();
        let days = FloodDays::population(p);
        let spans_ns = days
            .spans_us(s.start, end_us)
            .into_iter()
            .map(|(a, b)| (a.saturating_mul(1000), b.saturating_mul(1000)))
            .collect();
        let when = |d: &wormscope_scenario::DnsTakedown| {
            if d.enabled {
                let us = d.at.after_start(s.start).expect("a checked scenario");
                us.saturating_mul(1000)
            } else {
                u64::MAX
            }
        };
        let target = FloodTarget {
            aim: if p.name.is_some() {
                FloodAim::Name
            } else {
                FloodAim::Address
            },
            taken_down_at: when(&s.defenses.dns_takedown),
            moved_at: when(&s.defenses.target_move),
        };
        Some(match days.checked {
            DateCheck::Always => Flood::new(spans_ns, p.packets_per_second, target),
            DateCheck::AtStart => Flood::checked_at_start(
                spans_ns,
                end_us.saturating_mul(1000),
                p.packets_per_second,
                target,
            ),
        })
    }

    /// A flood in `windows_ns` at `target`, by a worm that reads the date
    /// all the time.
    pub fn new(windows_ns: Vec<(u64, u64)>, packets_per_second: u32, target: FloodTarget) -> Flood {
        Flood {
            windows_ns,
            packets_per_second,
            cuts: target.cuts(),
            target,
            start_days_ns: None,
        }
    }

    /// The flood of a worm that reads the date when it starts: an instance
    /// started in one of `days_ns` floods at `target` for as long as it
    /// runs (up to `end_ns`), one started outside them never.
    pub fn checked_at_start(
        days_ns: Vec<(u64, u64)>,
        end_ns: u64,
        packets_per_second: u32,
        target: FloodTarget,
    ) -> Flood {
        Flood {
            windows_ns: if end_ns > 0 {
                vec![(0, end_ns)]
            } else {
                Vec::new()
            },
            packets_per_second,
            cuts: target.cuts(),
            target,
            start_days_ns: Some(days_ns),
        }
    }

    /// Classes per stretch: two when the start's date decides.
    fn per_stretch(&self) -> usize {
        if self.start_days_ns.is_some() { 2 } else { 1 }
    }

    /// How many classes of instances there are (at least one).
    pub fn classes(&self) -> usize {
        (self.cuts.len() + 1) * self.per_stretch()
    }

    /// The class of an instance that started at `start_ns`.
    pub fn class_of(&self, start_ns: u64) -> usize {
        let stretch = self.stretch_of(start_ns);
        match &self.start_days_ns {
            None => stretch,
            Some(days) => {
                let i = days.partition_point(|&(_, to)| to <= start_ns);
                let flood_day = days.get(i).is_some_and(|&(from, _)| from <= start_ns);
                stretch * 2 + usize::from(flood_day)
            }
        }
    }

    /// The stretch between cuts that `t` falls in.
    fn stretch_of(&self, t: u64) -> usize {
        self.cuts.partition_point(|&c| c <= t)
    }

    /// The first moment of stretch `stretch`.
    fn stretch_start(&self, stretch: usize) -> u64 {
        stretch.checked_sub(1).map_or(0, |i| self.cuts[i])
    }

    /// For an instance of class `class` running through the window that
    /// starts at `from`: until when its packets in the window reach the
    /// target (`None`: it sends none there). It resolved at its own start
    /// if that came later than `from`, else at `from`.
    fn reach_in_window(&self, class: usize, from: u64) -> Option<u64> {
        let per = self.per_stretch();
        if per == 2 && class.is_multiple_of(2) {
            // Started on a day that was no flood day: it never floods.
            return None;
        }
        let own = class / per;
        let resolved_in = if from < self.stretch_start(own) {
            own
        } else {
            self.stretch_of(from)
        };
        // Every moment of a stretch resolves alike: ask its first.
        self.target.reaches_until(self.stretch_start(resolved_in))
    }

    /// Whether an instance of class `class` sends its flood in the window
    /// that starts at `from` (what a capture shows leaving it).
    pub fn sends_in(&self, class: usize, from: u64) -> bool {
        self.reach_in_window(class, from).is_some()
    }

    /// How much of `[a, b)` (ns after the start) a running instance of
    /// class `class` floods with packets that reach its target.
    pub fn arriving_ns(&self, class: usize, a: u64, b: u64) -> u64 {
        self.flooding_ns(class, a, b, true)
    }

    /// How much of `[a, b)` a running instance of class `class` sends its
    /// flood, whether it reaches the target or not (a moved site's old
    /// address still receives it).
    pub fn sending_ns(&self, class: usize, a: u64, b: u64) -> u64 {
        self.flooding_ns(class, a, b, false)
    }

    fn flooding_ns(&self, class: usize, a: u64, b: u64, arriving: bool) -> u64 {
        // The windows are ascending: skip those over before `a`, stop at
        // the first that begins after `b` (a run of years has hundreds).
        let first = self.windows_ns.partition_point(|&(_, to)| to <= a);
        self.windows_ns[first..]
            .iter()
            .take_while(|&&(from, _)| from < b)
            .filter_map(|&(from, to)| {
                let until = self.reach_in_window(class, from)?;
                let end = if arriving { to.min(until) } else { to };
                Some(end.min(b).saturating_sub(from.max(a)))
            })
            .sum()
    }
}

/// Host `host`'s uplink, bits per second: drawn from (seed, host) alone
/// among `uplinks` (share, bits/s), so that every simulator of a run gives
/// a host the same one.
fn uplink_bps(uplinks: &[(f64, f64)], seed: u64, host: u64) -> f64 {
    let u: f64 = ShortStream::new(seed, Purpose::Uplink, host).random();
    let mut acc = 0.0;
    for &(share, speed) in uplinks {
        acc += share;
        if u < acc {
            return speed;
        }
    }
    uplinks.last().map_or(1.0, |l| l.1)
}

/// A scenario's uplinks as (share, bits/s).
fn shares_of(uplinks: &[population::Uplink]) -> Vec<(f64, f64)> {
    uplinks
        .iter()
        .map(|u| (u.share_pct.as_fraction(), u.bits_per_second))
        .collect()
}

/// The whole nanoseconds between probes at `per_second` (at least 1).
fn interval_ns(per_second: f64) -> u64 {
    ((1e9 / per_second).round() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_NS: u64 = 3_600 * 1_000_000_000;

    /// Code Red's flood days over a run from 10:00 UTC on 19 July 2001.
    fn codered_flood(extra: &str) -> Flood {
        let s = wormscope_scenario::parse_population(
            &format!("base = \"codered2\"\n{extra}"),
            "flood.toml",
        )
        .unwrap();
        Flood::of(&s).expect("Code Red floods")
    }

    #[test]
    fn the_flood_runs_on_its_utc_days_cut_to_the_run() {
        // 19 July 10:00 for 12 days: the 20th 00:00 is 14 h in, the 28th
        // 00:00 is 14 h + 8 days; the run ends on the 31st at 10:00.
        let f = codered_flood("duration = \"12d\"\n");
        assert_eq!(f.windows_ns, vec![(14 * HOUR_NS, (14 + 8 * 24) * HOUR_NS)]);
        assert_eq!(f.target, FloodTarget::undefended(FloodAim::Address));
        assert_eq!(f.classes(), 1);
        assert_eq!(f.arriving_ns(0, 0, 15 * HOUR_NS), HOUR_NS);
        // Over two months, the days of the second are a window of their own.
        let f = codered_flood("duration = \"40d\"\n");
        let aug20 = (14 + 31 * 24) * HOUR_NS;
        assert_eq!(f.windows_ns[1], (aug20, aug20 + 8 * 24 * HOUR_NS));
        assert_eq!(f.windows_ns.len(), 2);
        // What arrives over a span sums the windows' parts inside it.
        let (eight_days, w) = (8 * 24 * HOUR_NS, &f.windows_ns);
        assert_eq!(f.arriving_ns(0, 0, u64::MAX), 2 * eight_days);
        assert_eq!(f.arriving_ns(0, w[0].1, w[1].0), 0);
        assert_eq!(
            f.arriving_ns(0, w[0].0 + HOUR_NS, w[1].0 + HOUR_NS),
            eight_days
        );
        assert_eq!(
            f.arriving_ns(0, w[1].0 + HOUR_NS, w[1].0 + 2 * HOUR_NS),
            HOUR_NS
        );
        // The last day past a month's end is its last day: August has 31
        // days, September 30 (the 1st of September is 14 h + 43 days in).
        let f = codered_flood(
            "duration = \"75d\"\n[payload]\nfirst_day = 29\nlast_day = 31\n\
             packets_per_second = 1\npacket_bytes = 40\ntarget = \"192.0.2.1\"\n",
        );
        let (sep1, day) = ((14 + 43 * 24) * HOUR_NS, 24 * HOUR_NS);
        assert!(f.windows_ns.contains(&(sep1 - 3 * day, sep1)));
        assert!(f.windows_ns.contains(&(sep1 + 28 * day, sep1 + 30 * day)));
        // 19 July (the start's day) is not a flood day; the run's end cuts.
        let end = 75 * 24 * HOUR_NS;
        assert!(f.windows_ns.iter().all(|&(a, b)| a < b && b <= end));
    }

    /// Blaster's days (MODEL.md, The payload).
    const BLASTER_DAYS: FloodDays = FloodDays {
        first_day: 16,
        last_day: 31,
        every_day_from_month: 9,
        checked: DateCheck::AtStart,
    };

    #[test]
    fn the_flood_date_rule_holds_at_month_boundaries() {
        // (month, day, floods)
        let table = [
            (1, 1, false),
            (1, 15, false),
            (1, 16, true),
            (1, 31, true),
            (2, 1, false),
            (2, 28, true),
            (3, 1, false),
            (7, 31, true),
            (8, 1, false),
            (8, 11, false),
            (8, 15, false),
            (8, 16, true),
            (8, 31, true),
            (9, 1, true),
            (9, 15, true),
            (12, 31, true),
        ];
        for (m, d, want) in table {
            assert_eq!(BLASTER_DAYS.is_flood_day(m, d), want, "{m}-{d}");
        }
        // Code Red's: the 20th to the 27th, every month.
        let codered = FloodDays {
            first_day: 20,
            last_day: 27,
            every_day_from_month: 13,
            checked: DateCheck::Always,
        };
        for (m, d, want) in [(7, 19, false), (7, 20, true), (7, 27, true), (7, 28, false)] {
            assert_eq!(codered.is_flood_day(m, d), want, "{m}-{d}");
        }
        assert!(codered.is_flood_day(12, 20) && !codered.is_flood_day(12, 28));
    }

    #[test]
    fn flood_days_that_follow_each_other_are_one_span() {
        // From 11 August 2003 00:00 UTC for 60 days: the 16th to the 31st
        // and then every day of September run on as one span.
        let start: jiff::Timestamp = "2003-08-11T00:00:00Z".parse().unwrap();
        let day = 86_400_000_000;
        let spans = BLASTER_DAYS.spans_us(start, 60 * day);
        assert_eq!(spans, vec![(5 * day, 60 * day)]);
        // Every span's days are flood days, and the day before and after
        // each is not (inside the run), day by day.
        let mut days = BLASTER_DAYS;
        days.every_day_from_month = 13;
        days.last_day = 20;
        let spans = days.spans_us(start, 400 * day);
        for k in 0..400u64 {
            let date = start
                .checked_add(jiff::SignedDuration::from_micros((k * day) as i64))
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            let inside = spans.iter().any(|&(a, b)| (a..b).contains(&(k * day)));
            assert_eq!(
                inside,
                days.is_flood_day(date.month() as u8, date.day() as u8),
                "{date}"
            );
        }
        assert_eq!(spans.len(), 13, "the 16th to the 20th of 13 months");
    }

    #[test]
    fn a_worm_that_reads_the_date_at_its_start_floods_for_its_whole_run_or_never() {
        // Code Red read as Blaster did: started on the 19th it never
        // floods; started on the 20th it floods on past the 27th.
        let f = codered_flood("duration = \"12d\"\n[payload]\ndate_checked = \"at_start\"\n");
        let (days, end) = (
            vec![(14 * HOUR_NS, (14 + 8 * 24) * HOUR_NS)],
            12 * 24 * HOUR_NS,
        );
        assert_eq!(f.start_days_ns.as_ref(), Some(&days));
        assert_eq!(f.windows_ns, vec![(0, end)]);
        assert_eq!(f.classes(), 2);
        let (before, on) = (f.class_of(13 * HOUR_NS), f.class_of(20 * HOUR_NS));
        assert_ne!(before, on);
        assert_eq!(f.sending_ns(before, 0, end), 0);
        assert!(!f.sends_in(before, 0));
        assert_eq!(f.sending_ns(on, 20 * HOUR_NS, end), end - 20 * HOUR_NS);
        assert_eq!(f.arriving_ns(on, 20 * HOUR_NS, end), end - 20 * HOUR_NS);
        // A start on the 28th is outside the days again.
        assert_eq!(f.class_of((14 + 8 * 24) * HOUR_NS), before);
        // Blaster's September: every day, so every start floods.
        let f = codered_flood(
            "duration = \"12d\"\n[payload]\ndate_checked = \"at_start\"\nevery_day_from_month = 7\n",
        );
        assert_eq!(f.start_days_ns, Some(vec![(0, 12 * 24 * HOUR_NS)]));
        assert!(f.sends_in(f.class_of(0), 0));
    }

    #[test]
    fn a_flood_at_the_end_of_the_calendar_is_cut_not_a_panic() {
        let f = codered_flood(
            "start = \"9999-12-30T00:00:00Z\"\nduration = \"12h\"\n[worm.stop]\n\
             at = \"9999-12-30T06:00:00Z\"\n[payload]\nfirst_day = 30\nlast_day = 31\n",
        );
        assert_eq!(f.windows_ns, vec![(0, 12 * HOUR_NS)]);
        // Midnight on the 31st is past jiff's last timestamp (the fuzz
        // target found it): no window, no panic.
        let f = codered_flood(
            "start = \"9999-12-30T21:50:00Z\"\nduration = \"1us\"\nstep = \"1us\"\n[worm.stop]\n\
             at = \"0s\"\n[payload]\nfirst_day = 31\nlast_day = 31\n",
        );
        assert!(f.windows_ns.is_empty());
    }

    #[test]
    fn a_moved_target_gets_nothing_from_then_on() {
        let f = codered_flood(
            "duration = \"2d\"\n[defenses.target_move]\nenabled = true\n\
             at = \"2001-07-20T06:00:00Z\"\n",
        );
        assert_eq!(f.target.moved_at, 20 * HOUR_NS);
        assert_eq!(f.classes(), 1, "an address: every instance alike");
        assert_eq!(f.arriving_ns(0, 0, 2 * 24 * HOUR_NS), 6 * HOUR_NS);
        assert_eq!(f.arriving_ns(0, 20 * HOUR_NS, 30 * HOUR_NS), 0);
    }

    #[test]
    fn a_name_is_resolved_when_the_flood_starts_an_address_is_carried() {
        let (t, m) = (100, 200);
        let name = FloodTarget {
            aim: FloodAim::Name,
            taken_down_at: t,
            moved_at: m,
        };
        // Resolved before the move: the old address, cut at the move.
        assert_eq!(name.reaches_until(50), Some(m));
        // After the takedown nothing is sent, whether or not the site moved.
        assert_eq!(name.reaches_until(t), None);
        assert_eq!(name.reaches_until(250), None);
        // Moved first: a later resolution finds the site where it is.
        let moved_first = FloodTarget {
            taken_down_at: 300,
            ..name
        };
        assert_eq!(moved_first.reaches_until(m), Some(u64::MAX));
        assert_eq!(moved_first.reaches_until(300), None);
        assert_eq!(moved_first.cuts(), vec![m, 300]);
        // An address: the takedown changes nothing, the move cuts all.
        let address = FloodTarget {
            aim: FloodAim::Address,
            ..name
        };
        for resolved in [0, t, m, 1_000] {
            assert_eq!(address.reaches_until(resolved), Some(m));
        }
        assert!(address.cuts().is_empty());
        assert!(FloodTarget::undefended(FloodAim::Name).cuts().is_empty());
    }

    #[test]
    fn code_reds_flood_of_a_name_stops_at_the_windows_after_its_takedown() {
        // Code Red resolving www1.whitehouse.gov, its record taken down at
        // 06:00 on the 20th: the floods of the 20th's window that began
        // before go on to its end; nothing is sent in August's window.
        let f = codered_flood(
            "duration = \"40d\"\n[payload]\nname = \"www1.whitehouse.gov\"\n\
             [defenses.dns_takedown]\nenabled = true\nat = \"2001-07-20T06:00:00Z\"\n",
        );
        assert_eq!(f.target.aim, FloodAim::Name);
        let (early, late) = (f.class_of(0), f.class_of(21 * HOUR_NS));
        assert_ne!(early, late);
        let eight_days = 8 * 24 * HOUR_NS;
        assert_eq!(f.arriving_ns(early, 0, u64::MAX), eight_days);
        assert_eq!(f.arriving_ns(late, 21 * HOUR_NS, u64::MAX), 0);
        assert!(f.sends_in(early, f.windows_ns[0].0));
        assert!(!f.sends_in(early, f.windows_ns[1].0));
    }

    /// What one instance running over `[start, stop)` floods onto its
    /// target (`arriving`), or sends, window by window, from the rule
    /// alone.
    fn flooded_alone(f: &Flood, start: u64, stop: u64, arriving: bool) -> u64 {
        if let Some(days) = &f.start_days_ns {
            // It read the date when it started: a flood day, and it floods
            // until it stops, resolving now; another day, never.
            if !days.iter().any(|&(a, b)| (a..b).contains(&start)) {
                return 0;
            }
            let Some(until) = f.target.reaches_until(start) else {
                return 0;
            };
            let stop = stop.min(400);
            let b = if arriving { stop.min(until) } else { stop };
            return b.saturating_sub(start);
        }
        f.windows_ns
            .iter()
            .filter_map(|&(from, to)| {
                let (a, b) = (from.max(start), to.min(stop));
                if a >= b {
                    return Some(0);
                }
                let until = f.target.reaches_until(a)?;
                Some(if arriving { b.min(until) } else { b }.saturating_sub(a))
            })
            .sum()
    }

    proptest::proptest! {
        #[test]
        fn a_class_floods_as_each_of_its_instances_would_alone(
            windows in proptest::collection::vec((0u64..50, 1u64..30), 0..6),
            name in proptest::bool::ANY,
            takedown in proptest::option::of(0u64..400),
            moved in proptest::option::of(0u64..400),
            instances in proptest::collection::vec((0u64..400, 1u64..200), 1..8),
            cut in 0u64..400,
            at_start in proptest::bool::ANY,
        ) {
            let mut at = 0;
            let windows_ns: Vec<(u64, u64)> = windows
                .iter()
                .map(|&(gap, len)| {
                    at += gap + 1;
                    let w = (at, at + len);
                    at += len;
                    w
                })
                .collect();
            let target = FloodTarget {
                aim: if name { FloodAim::Name } else { FloodAim::Address },
                taken_down_at: takedown.unwrap_or(u64::MAX),
                moved_at: moved.unwrap_or(u64::MAX),
            };
            let f = if at_start {
                Flood::checked_at_start(windows_ns, 400, 1, target)
            } else {
                Flood::new(windows_ns, 1, target)
            };
            for (start, len) in instances {
                let stop = start + len;
                let class = f.class_of(start);
                proptest::prop_assert!(class < f.classes());
                // Counted in two pieces, as a core counts between events.
                let mid = cut.clamp(start, stop);
                let counted = f.arriving_ns(class, start, mid) + f.arriving_ns(class, mid, stop);
                proptest::prop_assert_eq!(counted, flooded_alone(&f, start, stop, true));
                let sent = f.sending_ns(class, start, mid) + f.sending_ns(class, mid, stop);
                proptest::prop_assert_eq!(sent, flooded_alone(&f, start, stop, false));
                proptest::prop_assert!(counted <= sent);
                for &(from, to) in &f.windows_ns {
                    if from.max(start) < to.min(stop) {
                        let resolves = f.target.reaches_until(from.max(start)).is_some();
                        let on_its_day = f.start_days_ns.as_ref().is_none_or(|days| {
                            days.iter().any(|&(a, b)| (a..b).contains(&start))
                        });
                        proptest::prop_assert_eq!(f.sends_in(class, from), resolves && on_its_day);
                    }
                }
            }
        }
    }

    #[test]
    fn slammer_uplinks_follow_their_shares_and_packet_size() {
        let s = wormscope_scenario::builtin_population("slammer").unwrap();
        let b = Behaviour::population(&s);
        assert_eq!(b.packet_bits(), Some(404 * 8));
        let n = 20_000;
        let intervals: Vec<u64> = (0..n).map(|h| b.pace(1, h).period_ns).collect();
        // 100 Mbit/s with 3,232-bit packets: one every 32,320 ns.
        let fast = intervals.iter().filter(|&&i| i == 32_320).count() as f64 / n as f64;
        let t1 = intervals.iter().filter(|&&i| i == 2_093_264).count() as f64 / n as f64;
        assert!((fast - 0.11).abs() < 0.01, "100 Mbit/s share {fast}");
        assert!((t1 - 0.54).abs() < 0.015, "T1 share {t1}");
        // Same (seed, host), same uplink; another seed, another draw.
        assert_eq!(b.pace(1, 7).period_ns, intervals[7]);
        let differs = (0..100).any(|h| b.pace(2, h).period_ns != intervals[h as usize]);
        assert!(differs);
    }

    #[test]
    fn an_instance_stops_by_a_crash_or_by_its_limit_whichever_comes_first() {
        let crash = Crash {
            cycle_probes: 100,
            chance: 0.5,
        };
        let rule = |after_probes| StopRule {
            at_us: None,
            after_probes,
            crash: Some(crash),
        };
        for host in 0..200 {
            let crashes = crash
                .probes_before(ShortStream::new(7, Purpose::Crash, host).random())
                .unwrap();
            assert!(rule(None).crashes_at_its_stop(7, host));
            // A limit beyond the crash: the crash; before it: the limit;
            // at the same probe: the crash.
            assert!(rule(Some(crashes + 1)).crashes_at_its_stop(7, host));
            assert!(!rule(Some(crashes - 1)).crashes_at_its_stop(7, host));
            assert!(rule(Some(crashes)).crashes_at_its_stop(7, host));
            assert_eq!(
                rule(Some(crashes - 1)).probes_of(7, host),
                Some(crashes - 1)
            );
        }
        let limit_only = StopRule {
            after_probes: Some(5),
            ..StopRule::default()
        };
        assert!(!limit_only.crashes_at_its_stop(7, 1));
    }

    #[test]
    fn batches_go_out_whole_one_period_apart() {
        let p = Pace {
            per_batch: 20,
            period_ns: 1_800,
        };
        // Probes 1 to 20 leave one period after the start, 21 to 40 two.
        assert_eq!(p.offset_ns(1), Some(1_800));
        assert_eq!(p.offset_ns(20), Some(1_800));
        assert_eq!(p.offset_ns(21), Some(3_600));
        assert_eq!(p.offset_ns(u64::MAX), None);
        // Before a batch's moment none of it has gone; at it, all of it.
        assert_eq!(p.probes_within(1_800), 0);
        assert_eq!(p.probes_within(1_801), 20);
        assert_eq!(p.probes_within(3_601), 40);
        assert_eq!(p.probes_within(0), 0);
        // A stop at the 30th probe ends with the batch holding it.
        assert_eq!(p.whole_batches(30), 2);
        assert_eq!(p.whole_batches(40), 2);
        assert!((p.probes_per_second() - 20.0 / 1.8e-6).abs() < 1e-3);
        // One at a time: the k-th probe k intervals after the start.
        let one = Pace::one_at_a_time(7);
        assert_eq!(one.offset_ns(3), Some(21));
        assert_eq!(one.probes_within(22), 3);
        assert_eq!(one.whole_batches(5), 5);
    }

    #[test]
    fn a_random_scanner_in_batches_keeps_blasters_loop() {
        let text = "base = \"codered2\"\n[worm.rate]\nkind = \"batches\"\nbatch_size = 20\n\
                    batch_wait = \"1.8s\"\n";
        let s = wormscope_scenario::parse_population(text, "b.toml").unwrap();
        let b = Behaviour::population(&s);
        assert_eq!(
            b.pace(1, 3),
            Pace {
                per_batch: 20,
                period_ns: 1_800_000_000
            }
        );
        assert!((b.mean_probes_per_second() - 20.0 / 1.8).abs() < 1e-9);
    }

    #[test]
    fn code_red_probes_at_its_fixed_rate_and_stops_at_midnight() {
        let s = wormscope_scenario::builtin_population("codered2").unwrap();
        let b = Behaviour::population(&s);
        assert_eq!(b.pace(1, 0), b.pace(9, 12345));
        assert_eq!(b.pace(1, 0), Pace::one_at_a_time(167_597_764));
        assert_eq!(b.stop.at_us, Some(14 * 3_600_000_000));
        assert_eq!(b.capacity_bps(), None);
    }

    #[test]
    fn witty_sends_its_hit_list_then_scans_until_its_payload_crashes_the_host() {
        let s = wormscope_scenario::builtin_population("witty").unwrap();
        let b = Behaviour::population(&s);
        let Targeting::HitList {
            hosts,
            interval_ns,
            then,
        } = &b.targeting
        else {
            panic!("witty starts from a hit list: {:?}", b.targeting);
        };
        assert_eq!((*hosts, *interval_ns), (110, 90_909_091));
        assert_eq!(**then, Targeting::UniformRandom { space_bits: 32 });
        assert_eq!(b.targeting.after_hit_list(), &**then);
        // Crashes fall at the end of a 20,000-probe cycle, after a geometric
        // number of cycles with mean 1 / 0.055 %.
        let n = 20_000u64;
        let probes: Vec<u64> = (0..n).map(|h| b.stop.probes_of(1, h).unwrap()).collect();
        assert!(probes.iter().all(|p| p % 20_000 == 0 && *p > 0));
        let mean_cycles = probes.iter().sum::<u64>() as f64 / 20_000.0 / n as f64;
        assert!((mean_cycles * 0.00055 - 1.0).abs() < 0.05, "{mean_cycles}");
        assert_eq!(b.stop.probes_of(1, 7), Some(probes[7]));
        // A probe limit and a crash: whichever comes first.
        let mut both = b.stop;
        both.after_probes = Some(30_000);
        assert!((0..1000).all(|h| both.probes_of(1, h).unwrap() <= 30_000));
        assert_eq!(StopRule::default().probes_of(1, 0), None);
    }

    #[test]
    fn a_crash_falls_at_a_cycles_end_and_a_vanishing_chance_never_crashes() {
        let sure = Crash {
            cycle_probes: 50,
            chance: 1.0,
        };
        assert_eq!(sure.probes_before(0.999), Some(50));
        let half = Crash {
            cycle_probes: 50,
            chance: 0.5,
        };
        // Survives a cycle with chance 1/2: u below 1/2 crashes in the
        // first, below 3/4 in the second.
        assert_eq!(half.probes_before(0.0), Some(50));
        assert_eq!(half.probes_before(0.49), Some(50));
        assert_eq!(half.probes_before(0.6), Some(100));
        assert_eq!(half.probes_before(0.8), Some(150));
        // 1 - 1e-300 is 1.0 in floating point: the logarithm must not be.
        let never = Crash {
            cycle_probes: 1,
            chance: 1e-300,
        };
        assert_eq!(never.probes_before(0.5), None);
        assert_eq!(never.probes_before(0.0), Some(1));
    }

    #[test]
    fn blaster_is_sequential_batches_over_tcp_135() {
        let s = wormscope_scenario::default_scenario();
        let b = Behaviour::blaster(&s);
        assert!(matches!(
            b.targeting,
            Targeting::Sequential { batch_size: 20, .. }
        ));
        assert!(matches!(
            b.delivery,
            Delivery::ExploitChain { port: 135, .. }
        ));
        assert_eq!(b.stop, StopRule::default());
        // The targeting the scenario chose, after its hit list if any.
        let mut what_if = s.clone();
        what_if.worm.targeting = wormscope_scenario::TargetingKind::LocalPreference;
        what_if.worm.hit_list = Some(wormscope_scenario::HitListConfig {
            hosts: 50,
            probes_per_second: 10.0,
        });
        let Targeting::HitList {
            hosts: 50,
            interval_ns: 100_000_000,
            then,
        } = Behaviour::blaster(&what_if).targeting
        else {
            panic!("a hit list first")
        };
        let Targeting::LocalPreference { shares } = *then else {
            panic!("then local preference: {then:?}")
        };
        assert_eq!(shares.same_slash16(), 0.375);
        what_if.worm.targeting = wormscope_scenario::TargetingKind::UniformRandom;
        what_if.worm.hit_list = None;
        assert_eq!(
            Behaviour::blaster(&what_if).targeting,
            Targeting::UniformRandom { space_bits: 32 }
        );
        let timing = b.exploit_chain().unwrap();
        assert_eq!(b.delivery.victim_start_us(), timing.chain_complete);
        // Without the reach-back flaw a filtered shell port costs nothing.
        let mut no_flaw = s.clone();
        no_flaw.flaws.stage2_reachback = false;
        let t = *Behaviour::blaster(&no_flaw).exploit_chain().unwrap();
        assert_eq!(t.attempt_filtered, t.attempt_refused);
        assert!(timing.attempt_filtered > timing.attempt_refused);
    }
}
