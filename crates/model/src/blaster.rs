//! W32/Blaster's behaviour: how a worm instance picks where to start and
//! which exploit to use, what its exploit does to a victim, and how long
//! each step takes the attacker. Facts from MODEL.md section 1; the
//! scenario's `[worm]` table carries every number.
//!
//! Everything here is a pure function: the engine and the reference
//! simulator call the same ones, so they can only differ in how they walk
//! the address space.

use rand::RngExt;
use wormscope_scenario::{BlasterConfig, Flaws};

use crate::addr;
use crate::host::{Host, Os};

/// The exploit variant a worm instance uses on every victim (MODEL.md:
/// picked once at start, XP 80 %, 2000 20 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guess {
    Xp,
    W2000,
}

impl Guess {
    pub fn matches(self, os: Os) -> bool {
        matches!((self, os), (Guess::Xp, Os::Xp) | (Guess::W2000, Os::W2000))
    }
}

/// The random choices a worm instance makes when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WormStart {
    /// First address of the first batch.
    pub start: u32,
    /// Whether the start was derived from the host's own address.
    pub local: bool,
    pub guess: Guess,
}

/// Draws a worm instance's start (MODEL.md, Target selection):
/// with `local_start_pct` %, A.B.C.0 of the host's own address, C lowered by
/// rand(0..=19) when C > 20; otherwise A = 1..=254, B = 0..=253,
/// C = 0..=253, D = 0. Then the exploit guess.
pub fn draw_start(rng: &mut impl rand::Rng, own_addr: u32, cfg: &BlasterConfig) -> WormStart {
    let (start, local) = draw_start_address(rng, own_addr, cfg.local_start_pct.as_fraction());
    let guess = if rng.random_bool(cfg.guess_xp_pct.as_fraction()) {
        Guess::Xp
    } else {
        Guess::W2000
    };
    WormStart {
        start,
        local,
        guess,
    }
}

/// The start address of [`draw_start`], local with chance `local_fraction`,
/// and whether it was local: the part of Blaster's start that any
/// sequential scanner takes (the population core's `targeting = "sequential"`).
pub fn draw_start_address(
    rng: &mut impl rand::Rng,
    own_addr: u32,
    local_fraction: f64,
) -> (u32, bool) {
    let local = rng.random_bool(local_fraction);
    let start = if local {
        let [a, b, c, _] = addr::octets(own_addr);
        let c = if c > 20 {
            c - rng.random_range(0..=19u8)
        } else {
            c
        };
        addr::from_octets([a, b, c, 0])
    } else {
        let a = rng.random_range(1..=254u8);
        let b = rng.random_range(0..=253u8);
        let c = rng.random_range(0..=253u8);
        addr::from_octets([a, b, c, 0])
    };
    (start, local)
}

/// What one probe came to. Every probe ends in exactly one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Outcome {
    /// No live host at the address (from the scanner's vantage).
    NoHost = 0,
    /// A live host, but the connect got no answer: filtered, NAT, the port
    /// closed, the RPC service dead, the host rebooting.
    NoAnswer = 1,
    /// Answered; the exploit changed nothing (patched, not vulnerable, or
    /// the service died between connect and exploit).
    NoEffect = 2,
    /// The exploit crashed the RPC service.
    Crashed = 3,
    /// The victim fetched and started the worm.
    Infected = 4,
    /// The victim already carried the worm.
    AlreadyInfected = 5,
    /// The exploit gave a shell but the worm body never arrived: the shell
    /// port or the TFTP reach-back was blocked.
    Stage2Failed = 6,
    /// Answered, but the scanning worm stopped (reboot) or the simulation
    /// ended before it got to the exploit.
    Unresolved = 7,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::NoHost,
        Outcome::NoAnswer,
        Outcome::NoEffect,
        Outcome::Crashed,
        Outcome::Infected,
        Outcome::AlreadyInfected,
        Outcome::Stage2Failed,
        Outcome::Unresolved,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Outcome::NoHost => "no_host",
            Outcome::NoAnswer => "no_answer",
            Outcome::NoEffect => "no_effect",
            Outcome::Crashed => "crashed",
            Outcome::Infected => "infected",
            Outcome::AlreadyInfected => "already_infected",
            Outcome::Stage2Failed => "stage2_failed",
            Outcome::Unresolved => "unresolved",
        }
    }
}

/// The victim's side of an exploit attempt, as the engine sees it at the
/// moment of the exploit.
#[derive(Clone, Copy, Debug)]
pub struct Victim<'a> {
    pub host: &'a Host,
    /// The RPC service is running (not crashed, host online).
    pub rpc_up: bool,
    /// A defense made the host immune since the start (patched later, DCOM
    /// disabled, cleaned by its user).
    pub immune: bool,
    /// The worm is already installed (running, about to start, or dormant).
    pub worm_present: bool,
    /// The attacker can connect to the victim's 4444/tcp.
    pub shell_reachable: bool,
    /// The victim can fetch the body from the attacker's named address.
    pub tftp_reachable: bool,
}

/// What the exploit does (MODEL.md, Exploit choice): a matching guess on
/// XP/2000 gives a shell and starts the chain; a wrong guess, or any guess
/// on NT 4.0/2003, crashes the RPC service.
pub fn exploit(guess: Guess, v: Victim<'_>) -> Outcome {
    let h = v.host;
    if !v.rpc_up || h.patched || v.immune || !h.os.is_nt_family() {
        return Outcome::NoEffect;
    }
    if !guess.matches(h.os) {
        return Outcome::Crashed;
    }
    if !v.shell_reachable {
        Outcome::Stage2Failed
    } else if v.worm_present {
        Outcome::AlreadyInfected
    } else if v.tftp_reachable {
        Outcome::Infected
    } else {
        Outcome::Stage2Failed
    }
}

/// What an exploit that always matches the victim's OS does (the
/// `os_guess` flaw removed): XP and 2000 as with the right guess; NT 4.0
/// and 2003, which no guess fits, are left alone instead of crashed.
pub fn exploit_matched(v: Victim<'_>) -> Outcome {
    match v.host.os {
        Os::Xp => exploit(Guess::Xp, v),
        Os::W2000 => exploit(Guess::W2000, v),
        _ => Outcome::NoEffect,
    }
}

/// Blaster's timings in whole microseconds, derived from the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub batch_size: u32,
    /// The fixed wait after a batch's connects.
    pub batch_wait: u64,
    /// Exploit sent, pause, shell connect refused.
    pub attempt_refused: u64,
    /// Exploit sent, pause, shell connect to a filtered port timed out.
    pub attempt_filtered: u64,
    /// Exploit, shell, TFTP transfer of the body: how long the attacker is
    /// busy, and how long after the exploit the victim starts the worm.
    pub chain_complete: u64,
    /// Exploit, shell, then waiting in vain for the TFTP download.
    pub chain_waited_out: u64,
}

impl Timing {
    pub fn from_config(c: &BlasterConfig) -> Timing {
        // Sums saturate: a checked scenario keeps each term within minutes
        // (scenario::MAX_SCAN_WAIT), but a scenario built in code need not.
        let pause = c.exploit_pause.as_micros();
        let rtt = c.round_trip.as_micros();
        let blocks = u64::from(c.body_bytes.div_ceil(c.tftp_block_bytes.max(1)));
        let transfer = blocks.saturating_mul(c.tftp_block_interval.as_micros());
        let chain = pause.saturating_add(rtt.saturating_mul(2));
        Timing {
            batch_size: c.batch_size,
            batch_wait: c.batch_wait.as_micros(),
            attempt_refused: pause.saturating_add(rtt),
            attempt_filtered: pause.saturating_add(c.connect_timeout.as_micros()),
            // Shell connect and the tftp command: two round trips.
            chain_complete: chain.saturating_add(transfer.min(c.tftp_wait.as_micros())),
            chain_waited_out: chain.saturating_add(c.tftp_wait.as_micros()),
        }
    }

    /// The timings of a worm of this configuration with Blaster's design
    /// flaws as `flaws` has them: without the reach-back flaw no shell
    /// connect follows the exploit, so a filtered 4444 costs nothing extra.
    /// Blaster and Welchia both take theirs from here.
    pub fn with_flaws(c: &BlasterConfig, flaws: &Flaws) -> Timing {
        let mut timing = Timing::from_config(c);
        if !flaws.stage2_reachback {
            timing.attempt_filtered = timing.attempt_refused;
        }
        timing
    }

    /// How long an exploit with this outcome keeps the attacker busy.
    /// `shell_reachable`: whether the attacker's connect to 4444/tcp gets
    /// through (refused quickly if nothing listens; times out if filtered).
    pub fn attacker_busy(&self, outcome: Outcome, shell_reachable: bool) -> u64 {
        match outcome {
            Outcome::Infected | Outcome::AlreadyInfected => self.chain_complete,
            Outcome::Stage2Failed if shell_reachable => self.chain_waited_out,
            _ if shell_reachable => self.attempt_refused,
            _ => self.attempt_filtered,
        }
    }

    /// Attacker time spent on `n` static answerers of which `n_slow` have a
    /// filtered shell port.
    pub fn static_answerers_busy(&self, n: u64, n_slow: u64) -> u64 {
        ((n - n_slow).saturating_mul(self.attempt_refused))
            .saturating_add(n_slow.saturating_mul(self.attempt_filtered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::NO_SITE;

    fn cfg() -> BlasterConfig {
        wormscope_scenario::default_scenario().worm
    }

    fn host(os: Os, patched: bool) -> Host {
        Host {
            addr: 1,
            site: NO_SITE,
            os,
            patched,
            rpc_open: true,
            network: 0,
        }
    }

    fn victim(h: &Host) -> Victim<'_> {
        Victim {
            host: h,
            rpc_up: true,
            immune: false,
            worm_present: false,
            shell_reachable: true,
            tftp_reachable: true,
        }
    }

    #[test]
    fn exploit_outcomes_follow_model_md() {
        let xp = host(Os::Xp, false);
        let w2k = host(Os::W2000, false);
        assert_eq!(exploit(Guess::Xp, victim(&xp)), Outcome::Infected);
        assert_eq!(exploit(Guess::W2000, victim(&xp)), Outcome::Crashed);
        assert_eq!(exploit(Guess::W2000, victim(&w2k)), Outcome::Infected);
        assert_eq!(exploit(Guess::Xp, victim(&w2k)), Outcome::Crashed);
        for os in [Os::Nt4, Os::W2003] {
            let h = host(os, false);
            assert_eq!(exploit(Guess::Xp, victim(&h)), Outcome::Crashed);
            assert_eq!(exploit(Guess::W2000, victim(&h)), Outcome::Crashed);
        }
        let patched = host(Os::Xp, true);
        assert_eq!(exploit(Guess::Xp, victim(&patched)), Outcome::NoEffect);
        let other = host(Os::Other, false);
        assert_eq!(exploit(Guess::Xp, victim(&other)), Outcome::NoEffect);
        let present = Victim {
            worm_present: true,
            ..victim(&xp)
        };
        assert_eq!(exploit(Guess::Xp, present), Outcome::AlreadyInfected);
        // A wrong guess crashes even an infected host (MODEL.md §4).
        assert_eq!(exploit(Guess::W2000, present), Outcome::Crashed);
        let no_tftp = Victim {
            tftp_reachable: false,
            ..victim(&xp)
        };
        assert_eq!(exploit(Guess::Xp, no_tftp), Outcome::Stage2Failed);
        let dead = Victim {
            rpc_up: false,
            ..victim(&xp)
        };
        assert_eq!(exploit(Guess::Xp, dead), Outcome::NoEffect);
    }

    #[test]
    fn timings_follow_model_md() {
        let t = Timing::from_config(&cfg());
        assert_eq!(t.batch_size, 20);
        assert_eq!(t.batch_wait, 1_800_000);
        // 6,176 bytes in 512-byte blocks: 13 blocks, 0.9 s apart.
        assert_eq!(t.chain_complete, 400_000 + 200_000 + 13 * 900_000);
        assert_eq!(t.chain_waited_out, 400_000 + 200_000 + 21_000_000);
        assert_eq!(t.attacker_busy(Outcome::NoEffect, true), 500_000);
        assert_eq!(t.attacker_busy(Outcome::Crashed, false), 21_400_000);
        assert_eq!(t.static_answerers_busy(3, 1), 2 * 500_000 + 21_400_000);
    }

    #[test]
    fn start_addresses_follow_the_rules() {
        let c = cfg();
        let mut rng = crate::rng::stream(9, crate::rng::Purpose::WormStart, 0);
        let own = addr::from_octets([61, 12, 200, 77]);
        let mut local = 0;
        let mut xp = 0;
        let n = 20_000;
        for _ in 0..n {
            let s = draw_start(&mut rng, own, &c);
            let [a, b, cc, d] = addr::octets(s.start);
            assert_eq!(d, 0);
            if s.local {
                local += 1;
                assert_eq!((a, b), (61, 12));
                assert!((181..=200).contains(&cc), "{cc}");
            } else {
                assert!((1..=254).contains(&a));
                assert!(b <= 253 && cc <= 253);
            }
            if s.guess == Guess::Xp {
                xp += 1;
            }
        }
        // 40 % local and 80 % XP, within five standard deviations.
        let within = |k: i32, p: f64| {
            ((k as f64) - p * n as f64).abs() < 5.0 * (n as f64 * p * (1.0 - p)).sqrt()
        };
        assert!(within(local, 0.4), "{local}");
        assert!(within(xp, 0.8), "{xp}");
        // C <= 20 is kept as it is.
        let low = addr::from_octets([61, 12, 20, 5]);
        for _ in 0..100 {
            let s = draw_start(&mut rng, low, &c);
            if s.local {
                assert_eq!(s.start, addr::from_octets([61, 12, 20, 0]));
            }
        }
    }
}
