//! Probe-by-probe targeting: where a scanning worm's next probe goes.
//!
//! Each piece here is a small deterministic generator of target addresses
//! behind one trait, [`TargetSource`]: Blaster's [`Sequential`] scan,
//! [`UniformRandom`] scanning (Code Red v2, Slammer), Code Red II's
//! [`LocalPreference`], a [`HitList`] followed by any other source, and
//! Staniford, Paxson and Weaver's [`PermutationScan`] over a shared keyed
//! [`Permutation`]. They compose: a Warhol worm is a `HitList` whose
//! fallback is a `PermutationScan`.
//!
//! These generators are the probe-by-probe references: an engine's exact
//! driver, which skips runs of probes in closed form, must agree with them
//! (the same addresses where it makes the same draws, the same
//! distribution otherwise). So they are written for clarity, one address
//! per call.
//!
//! What they may not touch: no engine state (which hosts are infected, the
//! network's reachability), no time, no I/O, no global state. All
//! randomness comes from the `ChaCha8Rng` a caller hands to a constructor,
//! normally [`crate::rng::stream`]`(seed, Purpose::RandomScan, host)`, so a
//! host's targets depend on (seed, host) alone. Every number that describes
//! a worm (shares, space size, hit list, key) is a constructor argument:
//! nothing here has a default.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::blaster::WormStart;
use crate::rng::mix;

/// The scan spaces a random generator accepts: 2^8 to 2^32 addresses, the
/// range a random-scan scenario's `population.scan_space_bits` is checked
/// against.
pub const SPACE_BITS: std::ops::RangeInclusive<u8> = 8..=32;

/// Why a generator could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetingError {
    #[error("a scan space of 2^{0} addresses is outside 2^8..=2^32")]
    SpaceBits(u8),
    #[error("the {name} share is {value}, not a number between 0 and 1")]
    Share { name: &'static str, value: f64 },
    #[error("the local shares sum to {0}, more than 1")]
    SharesOverOne(f64),
    #[error("address {addr} lies outside the scan space of 2^{space_bits} addresses")]
    OutsideSpace { addr: String, space_bits: u8 },
}

/// A worm instance's stream of probe targets.
pub trait TargetSource {
    /// The address the next probe goes to.
    fn next_target(&mut self) -> u32;

    /// The probe just sent (the last address [`next_target`] returned)
    /// found a host that already carries the worm. Only permutation
    /// scanning reacts; every other source ignores it.
    ///
    /// [`next_target`]: TargetSource::next_target
    fn found_infected(&mut self) {}
}

impl<T: TargetSource + ?Sized> TargetSource for Box<T> {
    fn next_target(&mut self) -> u32 {
        (**self).next_target()
    }
    fn found_infected(&mut self) {
        (**self).found_infected();
    }
}

impl<T: TargetSource + ?Sized> TargetSource for &mut T {
    fn next_target(&mut self) -> u32 {
        (**self).next_target()
    }
    fn found_infected(&mut self) {
        (**self).found_infected();
    }
}

/// The mask of a space of 2^`bits` addresses, after checking `bits`.
fn space_mask(bits: u8) -> Result<u32, TargetingError> {
    if !SPACE_BITS.contains(&bits) {
        return Err(TargetingError::SpaceBits(bits));
    }
    Ok((u64::MAX >> (64 - u32::from(bits))) as u32)
}

/// One uniform draw of `mask + 1` addresses (a power of two). It is the
/// reference random-scan driver's draw (`crates/reference/src/population.rs`,
/// `look`: the low bits of one `u64`), so a source fed the same stream
/// probes the same addresses as that driver.
fn uniform(rng: &mut ChaCha8Rng, mask: u32) -> u32 {
    (rng.random::<u64>() & u64::from(mask)) as u32
}

/// Blaster's scan: consecutive addresses upward from a start address.
///
/// The start is [`crate::blaster::draw_start`]'s (A.B.C.0 near the host's
/// own address, or a random one); from there the cursor moves up by one
/// address per probe, "strictly sequential upward, crossing /24 and /16
/// boundaries" (MODEL.md §1). Past 255.255.255.255 it wraps to 0.0.0.0:
/// `blaster.rs` leaves the end of the space to the drivers, and both wrap
/// there (the reference driver's `first.wrapping_add(i)` in
/// `crates/reference/src/lib.rs`, the exact driver's `SPACE_END` in
/// `crates/engine/src/exact.rs`), so this one does too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequential {
    next: u32,
}

impl Sequential {
    /// A scan whose first probe goes to `start`.
    pub fn new(start: u32) -> Sequential {
        Sequential { next: start }
    }

    /// A scan from the start a Blaster instance drew.
    pub fn from_worm_start(start: &WormStart) -> Sequential {
        Sequential::new(start.start)
    }

    /// The address the next probe goes to, without moving.
    pub fn peek(&self) -> u32 {
        self.next
    }
}

impl TargetSource for Sequential {
    fn next_target(&mut self) -> u32 {
        let addr = self.next;
        self.next = addr.wrapping_add(1);
        addr
    }
}

/// Every target uniform over the 2^`space_bits` addresses from 0.
#[derive(Clone, Debug)]
pub struct UniformRandom {
    mask: u32,
    rng: ChaCha8Rng,
}

impl UniformRandom {
    /// `space_bits` in 8..=32.
    pub fn new(space_bits: u8, rng: ChaCha8Rng) -> Result<UniformRandom, TargetingError> {
        Ok(UniformRandom {
            mask: space_mask(space_bits)?,
            rng,
        })
    }
}

impl TargetSource for UniformRandom {
    fn next_target(&mut self) -> u32 {
        uniform(&mut self.rng, self.mask)
    }
}

/// How a local-preference worm splits its probes: a share to the host's
/// own /16, a share to its own /8, and the rest uniform over all of IPv4.
///
/// Staniford, Paxson and Weaver ("How to 0wn the Internet in Your Spare
/// Time", USENIX Security 2002) describe Code Red II as 1/2 of probes to
/// the same /8, 3/8 to the same /16 and 1/8 uniformly random; MODEL.md §2
/// marks these figures second-hand, so they belong in a scenario that says
/// where it took them, not here.
///
/// The shares are of *draws*, not of where targets land: a draw over the
/// own /8 lands in the own /16 one time in 256, and a draw over the whole
/// space lands in the own /8 or /16 by chance too.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalShares {
    same_slash16: f64,
    same_slash8: f64,
}

impl LocalShares {
    /// Each share in 0..=1, their sum at most 1; the rest is uniform over
    /// the whole space.
    pub fn new(same_slash16: f64, same_slash8: f64) -> Result<LocalShares, TargetingError> {
        for (name, value) in [("same /16", same_slash16), ("same /8", same_slash8)] {
            // Written so that NaN fails too.
            if !(0.0..=1.0).contains(&value) {
                return Err(TargetingError::Share { name, value });
            }
        }
        let sum = same_slash16 + same_slash8;
        if sum > 1.0 {
            return Err(TargetingError::SharesOverOne(sum));
        }
        Ok(LocalShares {
            same_slash16,
            same_slash8,
        })
    }

    /// The share of draws over the host's own /16.
    pub fn same_slash16(&self) -> f64 {
        self.same_slash16
    }

    /// The share of draws over the host's own /8.
    pub fn same_slash8(&self) -> f64 {
        self.same_slash8
    }

    /// The share of draws over the whole space.
    pub fn anywhere(&self) -> f64 {
        (1.0 - self.same_slash16 - self.same_slash8).max(0.0)
    }
}

/// Local-preference scanning (Code Red II): each target drawn over the
/// host's own /16, its own /8, or the whole IPv4 space, by [`LocalShares`].
#[derive(Clone, Debug)]
pub struct LocalPreference {
    own: u32,
    shares: LocalShares,
    rng: ChaCha8Rng,
    /// Where an "anywhere" draw lands: all of IPv4 unless
    /// [`anywhere_in`](LocalPreference::anywhere_in) narrows it.
    anywhere: Option<(u64, u64)>,
}

impl LocalPreference {
    /// Targets around `own_addr`, the host's own address.
    pub fn new(own_addr: u32, shares: LocalShares, rng: ChaCha8Rng) -> LocalPreference {
        LocalPreference {
            own: own_addr,
            shares,
            rng,
            anywhere: None,
        }
    }

    /// The same, with the draws over the whole space taken from `[lo, hi)`
    /// instead (a test world's space; the own /16 and /8 stay whole).
    pub fn anywhere_in(self, space: (u64, u64)) -> LocalPreference {
        LocalPreference {
            anywhere: Some(space),
            ..self
        }
    }
}

impl TargetSource for LocalPreference {
    fn next_target(&mut self) -> u32 {
        // Always two draws, whatever the branch: a probe consumes a fixed
        // stretch of the stream, which an exact driver can mirror.
        let u: f64 = self.rng.random();
        let bits: u32 = self.rng.random();
        let s = &self.shares;
        if u < s.same_slash16 {
            (self.own & 0xFFFF_0000) | (bits & 0x0000_FFFF)
        } else if u < s.same_slash16 + s.same_slash8 {
            (self.own & 0xFF00_0000) | (bits & 0x00FF_FFFF)
        } else {
            match self.anywhere {
                None => bits,
                // A narrowed space takes one more draw.
                Some((lo, hi)) => (lo + self.rng.random_range(0..hi - lo)) as u32,
            }
        }
    }
}

impl LocalShares {
    /// The shares a scenario's `[worm.local_preference]` names (checked
    /// there to sum to at most 100 %, rounding aside: the /8 share gives
    /// way to what the /16 share leaves).
    pub fn of(
        c: &wormscope_scenario::LocalPreferenceConfig,
    ) -> Result<LocalShares, TargetingError> {
        let s16 = c.same_slash16_pct.as_fraction();
        let s8 = c.same_slash8_pct.as_fraction();
        let rounding = s16 + s8 > 1.0 && s16 + s8 <= 1.0 + 1e-9;
        LocalShares::new(s16, if rounding { 1.0 - s16 } else { s8 })
    }
}

/// A range a random target's address may be drawn from: uniformly over
/// `[lo, hi)`, by `share` of the draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub lo: u64,
    pub hi: u64,
    pub share: f64,
}

/// Where a random-targets worm draws each address: a window chosen by its
/// share, then an address uniformly within it. It describes
/// [`UniformRandom`] (one window) and [`LocalPreference`] (the own /16, the
/// own /8, anywhere) in closed form, for a driver that skips over the
/// probes it need not draw; the generators above stay the probe-by-probe
/// references.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows(Vec<Window>);

impl Windows {
    /// Every address drawn uniformly from `anywhere` (`[lo, hi)`, u64 so
    /// that the end of the space, 2^32, can be named).
    pub fn uniform(anywhere: (u64, u64)) -> Windows {
        Windows(vec![Window {
            lo: anywhere.0,
            hi: anywhere.1,
            share: 1.0,
        }])
    }

    /// Local preference around `own`: its /16, its /8, then `anywhere` (the
    /// whole space, or a test world's), in that order; windows without a
    /// share are left out.
    pub fn local(own: u32, shares: LocalShares, anywhere: (u64, u64)) -> Windows {
        let prefix = |bits: u32| {
            let lo = u64::from(own) & !((1u64 << (32 - bits)) - 1);
            (lo, lo + (1 << (32 - bits)))
        };
        let (s16, s8) = (prefix(16), prefix(8));
        let all = [
            (s16, shares.same_slash16()),
            (s8, shares.same_slash8()),
            (anywhere, shares.anywhere()),
        ];
        Windows(
            all.into_iter()
                .filter(|&(_, share)| share > 0.0)
                .map(|((lo, hi), share)| Window { lo, hi, share })
                .collect(),
        )
    }

    pub fn as_slice(&self) -> &[Window] {
        &self.0
    }

    /// The same windows cut to the addresses below `end` (a scan space
    /// `[0, end)`): a window that reaches past it draws over its part
    /// inside; one wholly outside is left out. The shares are kept, so a
    /// host's own /16 and /8 stay as likely as they were.
    pub fn clipped_to(self, end: u64) -> Windows {
        Windows(
            self.0
                .into_iter()
                .filter(|w| w.lo < end)
                .map(|w| Window {
                    hi: w.hi.min(end),
                    ..w
                })
                .collect(),
        )
    }

    /// One address, drawn as the worm draws it.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> u32 {
        let w = match &self.0[..] {
            [only] => only,
            all => {
                let mut u: f64 = rng.random();
                all.iter()
                    .find(|w| {
                        u -= w.share;
                        u < 0.0
                    })
                    .unwrap_or(&all[all.len() - 1])
            }
        };
        (w.lo + rng.random_range(0..w.hi - w.lo)) as u32
    }
}

/// Hit-list scanning: the addresses of a list, in order, then another
/// source forever (Staniford et al. 2002: a worm carrying a list of likely
/// victims gathered beforehand, which it works through before it scans).
#[derive(Clone, Debug)]
pub struct HitList<T> {
    list: Vec<u32>,
    next: usize,
    /// Whether the last target came from the fallback: only its probes'
    /// findings are the fallback's business.
    last_from_fallback: bool,
    fallback: T,
}

impl<T: TargetSource> HitList<T> {
    /// `list` first (possibly empty), then `fallback`.
    pub fn new(list: Vec<u32>, fallback: T) -> HitList<T> {
        HitList {
            list,
            next: 0,
            last_from_fallback: false,
            fallback,
        }
    }

    /// The addresses of the list not yet probed.
    pub fn remaining(&self) -> &[u32] {
        &self.list[self.next..]
    }

    pub fn fallback(&self) -> &T {
        &self.fallback
    }

    pub fn into_fallback(self) -> T {
        self.fallback
    }
}

impl<T: TargetSource> TargetSource for HitList<T> {
    fn next_target(&mut self) -> u32 {
        match self.list.get(self.next) {
            Some(&addr) => {
                self.next += 1;
                self.last_from_fallback = false;
                addr
            }
            None => {
                self.last_from_fallback = true;
                self.fallback.next_target()
            }
        }
    }

    /// Passed on only when the probe came from the fallback: a permutation
    /// scan that has not started yet has nothing to jump away from.
    fn found_infected(&mut self) {
        if self.last_from_fallback {
            self.fallback.found_infected();
        }
    }
}

/// Rounds of the permutation's mixing function. Each round is a bijection,
/// so any count gives one; four mix every input bit into every output bit
/// well enough that a walk's consecutive addresses look unrelated.
const ROUNDS: usize = 4;

/// A keyed pseudo-random permutation of the 2^`space_bits` addresses from
/// 0, shared by every instance of a permutation-scanning worm (Staniford et
/// al. 2002 encrypt an index with a 32-bit block cipher; this plays that
/// part).
///
/// `address(i)` applies four rounds of, modulo 2^`space_bits`,
/// `x = x * m + a` (m odd) then `x ^= x >> s` (s = ⌈space_bits / 2⌉).
/// Multiplying by an odd number, adding, and xoring in a right shift of
/// itself are each invertible on `space_bits`-bit words, so the whole is a
/// bijection for every width, with no cycle-walking; the inverse undoes
/// the rounds in reverse. The constants come from the key alone: the
/// permutation is part of the worm's code, not a random draw of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permutation {
    space_bits: u8,
    mask: u32,
    shift: u32,
    mul: [u32; ROUNDS],
    mul_inv: [u32; ROUNDS],
    add: [u32; ROUNDS],
}

impl Permutation {
    /// The permutation of key `key` over 2^`space_bits` addresses
    /// (`space_bits` in 8..=32).
    pub fn new(space_bits: u8, key: u64) -> Result<Permutation, TargetingError> {
        let mask = space_mask(space_bits)?;
        let mut mul = [0; ROUNDS];
        let mut mul_inv = [0; ROUNDS];
        let mut add = [0; ROUNDS];
        for r in 0..ROUNDS {
            let k = mix(key, r as u64);
            mul[r] = (k as u32) | 1;
            mul_inv[r] = inverse_mod_2_32(mul[r]);
            add[r] = (k >> 32) as u32;
        }
        Ok(Permutation {
            space_bits,
            mask,
            shift: u32::from(space_bits).div_ceil(2),
            mul,
            mul_inv,
            add,
        })
    }

    pub fn space_bits(&self) -> u8 {
        self.space_bits
    }

    /// How many addresses the permutation orders: 2^`space_bits`.
    pub fn len(&self) -> u64 {
        u64::from(self.mask) + 1
    }

    /// Never: a permutation orders at least 2^8 addresses (for clippy's
    /// `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The address at position `index`; `None` if `index` is not below
    /// [`len`](Permutation::len).
    pub fn address(&self, index: u32) -> Option<u32> {
        (index <= self.mask).then(|| self.forward(index))
    }

    /// The position of `addr`; `None` if it lies outside the space.
    pub fn index_of(&self, addr: u32) -> Option<u32> {
        (addr <= self.mask).then(|| self.backward(addr))
    }

    fn forward(&self, mut x: u32) -> u32 {
        for r in 0..ROUNDS {
            // Wrapping arithmetic is modulo 2^32; the mask reduces it to
            // modulo 2^space_bits, where m is still odd.
            x = x.wrapping_mul(self.mul[r]).wrapping_add(self.add[r]) & self.mask;
            x ^= x >> self.shift;
        }
        x
    }

    fn backward(&self, mut y: u32) -> u32 {
        for r in (0..ROUNDS).rev() {
            y = self.unshift(y);
            y = y.wrapping_sub(self.add[r]).wrapping_mul(self.mul_inv[r]) & self.mask;
        }
        y
    }

    /// Undoes `x ^= x >> shift` on a `space_bits`-bit word: the top `shift`
    /// bits of the result are x's; each pass recovers `shift` more.
    fn unshift(&self, y: u32) -> u32 {
        let mut x = y;
        let mut known = self.shift;
        while known < u32::from(self.space_bits) {
            x = y ^ (x >> self.shift);
            known += self.shift;
        }
        x
    }
}

/// The inverse of odd `m` modulo 2^32 (so also modulo any 2^bits below):
/// Newton's iteration doubles the correct low bits each step, from 3 (m·m
/// = 1 mod 8 for odd m) to 48.
fn inverse_mod_2_32(m: u32) -> u32 {
    let mut inv = m;
    for _ in 0..4 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(m.wrapping_mul(inv)));
    }
    inv
}

/// Permutation scanning (Staniford, Paxson and Weaver 2002): every instance
/// walks the same [`Permutation`] forward from its own position, and on
/// finding a host already infected (a sign that another instance has
/// covered this stretch) jumps to a new random position. After the last
/// position the walk wraps to the first.
#[derive(Clone, Debug)]
pub struct PermutationScan {
    perm: Permutation,
    /// The position of the next target.
    index: u32,
    rng: ChaCha8Rng,
}

impl PermutationScan {
    /// An instance starting at a random position: as the paper has it, a
    /// worm infected by permutation scanning starts at a random point.
    pub fn at_random_position(perm: Permutation, mut rng: ChaCha8Rng) -> PermutationScan {
        let index = uniform(&mut rng, perm.mask);
        PermutationScan { perm, index, rng }
    }

    /// An instance starting just after its own address's position, as the
    /// paper has a host infected from a hit list or by local scanning
    /// start. `own_addr` must lie in the permutation's space.
    pub fn after_own_address(
        perm: Permutation,
        own_addr: u32,
        rng: ChaCha8Rng,
    ) -> Result<PermutationScan, TargetingError> {
        let own = perm
            .index_of(own_addr)
            .ok_or_else(|| TargetingError::OutsideSpace {
                addr: crate::addr::fmt(own_addr),
                space_bits: perm.space_bits,
            })?;
        Ok(PermutationScan {
            perm,
            index: own.wrapping_add(1) & perm.mask,
            rng,
        })
    }

    pub fn permutation(&self) -> &Permutation {
        &self.perm
    }

    /// The position in the permutation of the next target.
    pub fn position(&self) -> u32 {
        self.index
    }

    /// Passes over the next `n` targets without drawing them: what `n`
    /// calls of `next_target` would do to the position (the walk wraps).
    pub fn advance(&mut self, n: u64) {
        // The length is a power of two: the remainder is a mask.
        let mask = u64::from(self.perm.mask);
        self.index = ((u64::from(self.index) + (n & mask)) & mask) as u32;
    }
}

impl TargetSource for PermutationScan {
    fn next_target(&mut self) -> u32 {
        let addr = self.perm.forward(self.index);
        self.index = self.index.wrapping_add(1) & self.perm.mask;
        addr
    }

    fn found_infected(&mut self) {
        self.index = uniform(&mut self.rng, self.perm.mask);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::from_octets;
    use crate::rng::{Purpose, stream};

    fn rng(seed: u64, host: u64) -> ChaCha8Rng {
        stream(seed, Purpose::RandomScan, host)
    }

    fn take(src: &mut impl TargetSource, n: usize) -> Vec<u32> {
        (0..n).map(|_| src.next_target()).collect()
    }

    /// Whether `k` successes of `n` are within five binomial standard
    /// deviations of share `p`.
    fn within_5_sd(k: u64, n: u64, p: f64) -> bool {
        let (k, n) = (k as f64, n as f64);
        (k - p * n).abs() <= 5.0 * (n * p * (1.0 - p)).sqrt()
    }

    /// Pearson's chi-square of counts against equal expected counts.
    fn chi_square(counts: &[u64]) -> f64 {
        let n: u64 = counts.iter().sum();
        let e = n as f64 / counts.len() as f64;
        counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum()
    }

    /// Chi-square with 15 degrees of freedom exceeds this with probability
    /// 0.001.
    const CHI2_15_P001: f64 = 37.697;

    #[test]
    fn sequential_walks_up_across_boundaries() {
        let start = from_octets([61, 12, 255, 254]);
        let mut s = Sequential::new(start);
        assert_eq!(s.peek(), start);
        let got = take(&mut s, 4);
        let want = [
            from_octets([61, 12, 255, 254]),
            from_octets([61, 12, 255, 255]),
            from_octets([61, 13, 0, 0]),
            from_octets([61, 13, 0, 1]),
        ];
        assert_eq!(got, want);
        assert_eq!(s.peek(), from_octets([61, 13, 0, 2]));
        // Consecutive over a long run, and found_infected changes nothing.
        let mut s = Sequential::new(from_octets([200, 1, 2, 0]));
        let mut prev = s.next_target();
        for _ in 0..100_000 {
            s.found_infected();
            let a = s.next_target();
            assert_eq!(a, prev + 1);
            prev = a;
        }
    }

    #[test]
    fn sequential_wraps_from_the_top_of_the_space_to_zero() {
        let mut s = Sequential::new(from_octets([255, 255, 255, 253]));
        let got = take(&mut s, 5);
        assert_eq!(got, [0xFFFF_FFFD, 0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1]);
    }

    #[test]
    fn sequential_starts_where_blaster_drew_its_start() {
        let cfg = wormscope_scenario::default_scenario().worm;
        let mut r = stream(4, Purpose::WormStart, 0);
        let own = from_octets([61, 12, 200, 77]);
        for _ in 0..50 {
            let start = crate::blaster::draw_start(&mut r, own, &cfg);
            let mut s = Sequential::from_worm_start(&start);
            assert_eq!(
                take(&mut s, 3),
                [start.start, start.start + 1, start.start + 2]
            );
        }
    }

    #[test]
    fn uniform_is_deterministic_per_stream() {
        let a = take(&mut UniformRandom::new(32, rng(1, 7)).unwrap(), 1000);
        let b = take(&mut UniformRandom::new(32, rng(1, 7)).unwrap(), 1000);
        let c = take(&mut UniformRandom::new(32, rng(1, 8)).unwrap(), 1000);
        let d = take(&mut UniformRandom::new(32, rng(2, 7)).unwrap(), 1000);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn uniform_draws_the_reference_drivers_addresses() {
        let mut r = rng(3, 11);
        let want: Vec<u32> = (0..1000)
            .map(|_| (r.random::<u64>() & 0xF_FFFF) as u32)
            .collect();
        let got = take(&mut UniformRandom::new(20, rng(3, 11)).unwrap(), 1000);
        assert_eq!(got, want);
    }

    #[test]
    fn uniform_passes_chi_square_on_high_and_low_bits() {
        for bits in [8u8, 20, 32] {
            let mut u = UniformRandom::new(bits, rng(5, u64::from(bits))).unwrap();
            let mut high = [0u64; 16];
            let mut low = [0u64; 16];
            for _ in 0..320_000 {
                let a = u.next_target();
                assert!(u64::from(a) < 1u64 << bits, "{a} outside 2^{bits}");
                high[(a >> (bits - 4)) as usize] += 1;
                low[(a & 0xF) as usize] += 1;
            }
            let (h, l) = (chi_square(&high), chi_square(&low));
            assert!(h < CHI2_15_P001, "2^{bits}: high bits chi-square {h}");
            assert!(l < CHI2_15_P001, "2^{bits}: low bits chi-square {l}");
        }
    }

    #[test]
    fn uniform_stays_inside_a_small_space_and_covers_it() {
        let mut u = UniformRandom::new(8, rng(6, 0)).unwrap();
        let mut seen = [false; 256];
        for _ in 0..20_000 {
            let a = u.next_target();
            assert!(a < 256, "{a}");
            seen[a as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every address drawn");
        let mut u = UniformRandom::new(9, rng(6, 1)).unwrap();
        assert!((0..20_000).all(|_| u.next_target() < 512));
    }

    #[test]
    fn space_bits_outside_8_to_32_are_refused() {
        for bits in [0u8, 1, 7, 33, 64, 255] {
            assert_eq!(
                UniformRandom::new(bits, rng(1, 0)).unwrap_err(),
                TargetingError::SpaceBits(bits)
            );
            assert_eq!(
                Permutation::new(bits, 1).unwrap_err(),
                TargetingError::SpaceBits(bits)
            );
        }
        let e = TargetingError::SpaceBits(7).to_string();
        assert!(e.contains("2^7"), "{e}");
    }

    #[test]
    fn invalid_local_shares_are_errors() {
        let bad = [
            (-0.1, 0.5),
            (0.5, -0.0001),
            (f64::NAN, 0.2),
            (0.2, f64::NAN),
            (f64::INFINITY, 0.0),
            (0.0, f64::NEG_INFINITY),
            (1.5, 0.0),
        ];
        for (s16, s8) in bad {
            let e = LocalShares::new(s16, s8).unwrap_err();
            assert!(matches!(e, TargetingError::Share { .. }), "{s16} {s8}: {e}");
        }
        let e = LocalShares::new(0.6, 0.5).unwrap_err();
        assert!(
            matches!(e, TargetingError::SharesOverOne(s) if s > 1.0),
            "{e}"
        );
        assert!(e.to_string().contains("more than 1"), "{e}");
        // The edges are valid: all one kind, or nothing local.
        for (s16, s8) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.375, 0.625)] {
            let s = LocalShares::new(s16, s8).unwrap();
            assert_eq!(s.same_slash16() + s.same_slash8() + s.anywhere(), 1.0);
        }
    }

    /// Where `n` targets around `own` landed: in its /16, in its /8 but not
    /// its /16, elsewhere.
    fn landings(src: &mut impl TargetSource, own: u32, n: u64) -> [u64; 3] {
        let mut c = [0u64; 3];
        for _ in 0..n {
            let a = src.next_target();
            let i = if a >> 16 == own >> 16 {
                0
            } else if a >> 24 == own >> 24 {
                1
            } else {
                2
            };
            c[i] += 1;
        }
        c
    }

    /// The shares of targets that land in the own /16, the own /8 outside
    /// it, and elsewhere, counting the draws over a wider range that land
    /// in a narrower one by chance.
    fn expected_landings(s16: f64, s8: f64) -> [f64; 3] {
        let any = 1.0 - s16 - s8;
        let (in16_of8, in16, in8) = (1.0 / 256.0, 1.0 / 65_536.0, 1.0 / 256.0);
        [
            s16 + s8 * in16_of8 + any * in16,
            s8 * (1.0 - in16_of8) + any * (in8 - in16),
            any * (1.0 - in8),
        ]
    }

    #[test]
    fn local_preference_lands_where_its_shares_say() {
        let own = from_octets([61, 12, 200, 77]);
        let n = 400_000;
        // Code Red II's shares as Staniford et al. report them, then edges
        // where the chance landings are most of what is measured.
        let cases = [(0.375, 0.5), (0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (0.1, 0.2)];
        for (i, &(s16, s8)) in cases.iter().enumerate() {
            let shares = LocalShares::new(s16, s8).unwrap();
            let mut lp = LocalPreference::new(own, shares, rng(9, i as u64));
            let got = landings(&mut lp, own, n);
            let want = expected_landings(s16, s8);
            for k in 0..3 {
                assert!(
                    within_5_sd(got[k], n, want[k]),
                    "shares ({s16}, {s8}): class {k} got {} of {n}, expected {:.1}",
                    got[k],
                    want[k] * n as f64
                );
            }
        }
    }

    /// A scenario's percentages become shares; a sum of 100 that rounds
    /// over 1 as fractions is still taken, one over 100 is not.
    #[test]
    fn local_shares_of_a_scenario_take_rounding_in_their_stride() {
        use wormscope_scenario::{LocalPreferenceConfig, Percent};
        let of = |a: f64, b: f64| {
            LocalShares::of(&LocalPreferenceConfig {
                same_slash16_pct: Percent::new(a).unwrap(),
                same_slash8_pct: Percent::new(b).unwrap(),
            })
        };
        for (a, b) in [(37.5, 50.0), (33.3, 66.7), (70.3, 29.7), (0.0, 100.0)] {
            let s = of(a, b).unwrap();
            assert!(s.same_slash16() + s.same_slash8() <= 1.0, "{a} {b}");
            assert!((s.same_slash8() - b / 100.0).abs() < 1e-12, "{a} {b}");
        }
        assert!(of(60.0, 50.0).is_err());
    }

    /// The closed-form description lands where the generator does: the
    /// same shares in the own /16, the own /8 and elsewhere.
    #[test]
    fn windows_draw_as_local_preference_does() {
        let own = from_octets([61, 12, 200, 77]);
        let n = 400_000;
        for (i, &(s16, s8)) in [(0.375, 0.5), (0.0, 1.0), (0.1, 0.2)].iter().enumerate() {
            let shares = LocalShares::new(s16, s8).unwrap();
            let windows = Windows::local(own, shares, (0, 1 << 32));
            let kept = [s16, s8, 1.0 - s16 - s8]
                .iter()
                .filter(|&&x| x > 0.0)
                .count();
            assert_eq!(
                windows.as_slice().len(),
                kept,
                "windows without a share are left out"
            );
            let mut r = rng(10, i as u64);
            let mut c = [0u64; 3];
            for _ in 0..n {
                let a = windows.draw(&mut r);
                c[if a >> 16 == own >> 16 {
                    0
                } else if a >> 24 == own >> 24 {
                    1
                } else {
                    2
                }] += 1;
            }
            let want = expected_landings(s16, s8);
            for k in 0..3 {
                assert!(
                    within_5_sd(c[k], n, want[k]),
                    "shares ({s16}, {s8}): class {k} got {} of {n}",
                    c[k]
                );
            }
        }
        // One window: every draw inside it.
        let w = Windows::uniform((0x3D04_0000, 0x3D08_0000));
        let mut r = rng(11, 0);
        assert!((0..10_000).all(|_| (0x3D04_0000..0x3D08_0000).contains(&w.draw(&mut r))));
    }

    #[test]
    fn clipped_windows_keep_their_shares_inside_the_space() {
        let shares = LocalShares::new(0.375, 0.5).unwrap();
        // A space of 2^20: the own /16 fits, the own /8 is cut to the space.
        let own = 0x0003_1234;
        let w = Windows::local(own, shares, (0, 1 << 20)).clipped_to(1 << 20);
        let got: Vec<(u64, u64)> = w.as_slice().iter().map(|w| (w.lo, w.hi)).collect();
        assert_eq!(got, [(0x3_0000, 0x4_0000), (0, 1 << 20), (0, 1 << 20)]);
        let total: f64 = w.as_slice().iter().map(|w| w.share).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let mut r = rng(12, 0);
        assert!((0..10_000).all(|_| w.draw(&mut r) < 1 << 20));
        // A window wholly past the end is left out; the whole space is kept.
        let whole = Windows::uniform((0, 1 << 32));
        assert_eq!(whole.clone().clipped_to(1 << 32), whole);
        let past = Windows(vec![Window {
            lo: 1 << 21,
            hi: 1 << 22,
            share: 1.0,
        }]);
        assert!(past.clipped_to(1 << 20).as_slice().is_empty());
    }

    #[test]
    fn local_preference_is_deterministic_and_keeps_the_own_prefix() {
        let own = from_octets([130, 5, 9, 1]);
        let shares = LocalShares::new(1.0, 0.0).unwrap();
        let a = take(&mut LocalPreference::new(own, shares, rng(1, 3)), 500);
        let b = take(&mut LocalPreference::new(own, shares, rng(1, 3)), 500);
        let c = take(&mut LocalPreference::new(own, shares, rng(1, 4)), 500);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|&x| x >> 16 == own >> 16));
        let shares = LocalShares::new(0.0, 1.0).unwrap();
        let d = take(&mut LocalPreference::new(own, shares, rng(1, 3)), 500);
        assert!(d.iter().all(|&x| x >> 24 == 130));
    }

    #[test]
    fn hit_list_yields_the_list_then_its_fallback() {
        let list = vec![from_octets([10, 0, 0, 1]), 7, from_octets([192, 0, 2, 9])];
        let mut h = HitList::new(list.clone(), Sequential::new(1000));
        assert_eq!(h.remaining(), &list[..]);
        let got = take(&mut h, 8);
        let mut want = list.clone();
        want.extend(1000..1005);
        assert_eq!(got, want);
        assert!(h.remaining().is_empty());
        assert_eq!(h.fallback().peek(), 1005);

        // With a random fallback: exactly the fallback's own sequence.
        let mut h = HitList::new(list.clone(), UniformRandom::new(32, rng(2, 5)).unwrap());
        let got = take(&mut h, 3 + 500);
        let fallback = take(&mut UniformRandom::new(32, rng(2, 5)).unwrap(), 500);
        assert_eq!(&got[..3], &list[..]);
        assert_eq!(&got[3..], &fallback[..]);

        // An empty list is the fallback alone.
        let mut h = HitList::new(Vec::new(), Sequential::new(5));
        assert_eq!(take(&mut h, 3), [5, 6, 7]);
        assert_eq!(h.into_fallback().peek(), 8);
    }

    #[test]
    fn hit_list_passes_found_infected_on_only_from_the_fallbacks_probes() {
        let perm = Permutation::new(16, 77).unwrap();
        let list = vec![1, 2];
        let mut h = HitList::new(list, PermutationScan::at_random_position(perm, rng(3, 0)));
        let mut alone = PermutationScan::at_random_position(perm, rng(3, 0));
        // Hits during the list do not move the fallback.
        assert_eq!(h.next_target(), 1);
        h.found_infected();
        assert_eq!(h.next_target(), 2);
        h.found_infected();
        assert_eq!(h.fallback().position(), alone.position());
        // After the list they do, exactly as they move the scan alone.
        for step in 0..50 {
            assert_eq!(h.next_target(), alone.next_target());
            if step % 7 == 3 {
                h.found_infected();
                alone.found_infected();
            }
            assert_eq!(h.fallback().position(), alone.position());
        }
    }

    #[test]
    fn permutations_are_bijections_for_every_width() {
        for bits in 8..=20u8 {
            let p = Permutation::new(bits, 0xC0FFEE ^ u64::from(bits)).unwrap();
            let n = p.len() as usize;
            let mut seen = vec![false; n];
            for i in 0..n as u32 {
                let a = p.address(i).unwrap();
                assert!(!seen[a as usize], "2^{bits}: {a} twice");
                seen[a as usize] = true;
                assert_eq!(p.index_of(a), Some(i), "2^{bits}: inverse of {i}");
            }
            assert_eq!(p.address(n as u32), None);
            assert_eq!(p.index_of(n as u32), None);
        }
        // Wider spaces: the inverse undoes the permutation on samples, which
        // makes it injective there.
        let mut r = rng(8, 0);
        for bits in 21..=32u8 {
            let p = Permutation::new(bits, u64::from(bits)).unwrap();
            let top = (p.len() - 1) as u32;
            for i in [0, 1, top - 1, top] {
                assert_eq!(p.index_of(p.address(i).unwrap()), Some(i));
            }
            for _ in 0..20_000 {
                let i = uniform(&mut r, top);
                let a = p.address(i).unwrap();
                assert!(u64::from(a) < p.len());
                assert_eq!(p.index_of(a), Some(i), "2^{bits}: inverse of {i}");
            }
        }
        assert_eq!(Permutation::new(32, 1).unwrap().len(), 1 << 32);
    }

    #[test]
    fn a_full_walk_visits_every_address_once() {
        for bits in [12u8, 16] {
            let p = Permutation::new(bits, 2002).unwrap();
            let mut s = PermutationScan::at_random_position(p, rng(1, u64::from(bits)));
            let first = s.position();
            let n = p.len() as usize;
            let mut count = vec![0u32; n];
            for _ in 0..n {
                count[s.next_target() as usize] += 1;
            }
            assert!(count.iter().all(|&c| c == 1), "2^{bits}: each address once");
            // The walk wraps and goes round again.
            assert_eq!(s.position(), first);
        }
    }

    #[test]
    fn the_permutation_depends_on_the_key_alone() {
        let a = Permutation::new(16, 42).unwrap();
        let b = Permutation::new(16, 42).unwrap();
        let c = Permutation::new(16, 43).unwrap();
        assert_eq!(a, b);
        let order = |p: &Permutation| (0..256).map(|i| p.address(i).unwrap()).collect::<Vec<_>>();
        assert_eq!(order(&a), order(&b));
        assert_ne!(order(&a), order(&c));
        // Two instances on different streams walk the same permutation,
        // each from its own position.
        let mut s1 = PermutationScan::at_random_position(a, rng(1, 1));
        let mut s2 = PermutationScan::at_random_position(b, rng(1, 2));
        assert_ne!(s1.position(), s2.position());
        for s in [&mut s1, &mut s2] {
            let start = s.position();
            for k in 0..1000u32 {
                let i = (start + k) & 0xFFFF;
                assert_eq!(s.next_target(), a.address(i).unwrap());
            }
        }
    }

    #[test]
    fn consecutive_positions_scatter_over_the_space() {
        // A block cipher's consecutive indices land all over the space; a
        // weak mixer would leave them clustered in a few high-bit buckets.
        for (bits, key) in [(20u8, 1u64), (32, 2), (16, 3)] {
            let p = Permutation::new(bits, key).unwrap();
            let mut high = [0u64; 16];
            for i in 0..4096 {
                high[(p.address(i).unwrap() >> (bits - 4)) as usize] += 1;
            }
            let h = chi_square(&high);
            assert!(h < CHI2_15_P001, "2^{bits}: chi-square {h}");
        }
    }

    #[test]
    fn a_permutation_scan_walks_forward_and_jumps_on_an_infected_host() {
        let p = Permutation::new(16, 9).unwrap();
        let mut s = PermutationScan::at_random_position(p, rng(4, 4));
        // The start is the first uniform draw of the instance's stream.
        let mut r = rng(4, 4);
        assert_eq!(s.position(), uniform(&mut r, 0xFFFF));
        let start = s.position();
        for k in 0..100u32 {
            assert_eq!(s.next_target(), p.address((start + k) & 0xFFFF).unwrap());
        }
        // A hit on an infected host: the next target is at a new position,
        // the stream's next draw, and the walk goes on from there.
        s.found_infected();
        let jumped = s.position();
        assert_eq!(jumped, uniform(&mut r, 0xFFFF));
        assert_ne!(jumped, (start + 100) & 0xFFFF);
        for k in 0..100u32 {
            assert_eq!(s.next_target(), p.address((jumped + k) & 0xFFFF).unwrap());
        }
        // Deterministic: the same stream, the same targets and jumps.
        let run = || {
            let mut s = PermutationScan::at_random_position(p, rng(4, 5));
            let mut out = Vec::new();
            for k in 0..300 {
                out.push(s.next_target());
                if k % 50 == 49 {
                    s.found_infected();
                }
            }
            out
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_permutation_scan_can_start_after_its_own_address() {
        let p = Permutation::new(16, 5).unwrap();
        let own = 0x1234;
        let mut s = PermutationScan::after_own_address(p, own, rng(1, 0)).unwrap();
        let i = p.index_of(own).unwrap();
        assert_eq!(s.position(), (i + 1) & 0xFFFF);
        assert_eq!(s.next_target(), p.address((i + 1) & 0xFFFF).unwrap());
        // The last position wraps to the first.
        let last = p.address(0xFFFF).unwrap();
        let s = PermutationScan::after_own_address(p, last, rng(1, 0)).unwrap();
        assert_eq!(s.position(), 0);
        // An own address outside the space is an error, not a panic.
        let e = PermutationScan::after_own_address(p, 0x1_0000, rng(1, 0)).unwrap_err();
        assert!(matches!(
            e,
            TargetingError::OutsideSpace { space_bits: 16, .. }
        ));
        assert!(e.to_string().contains("0.1.0.0"), "{e}");
        // In the full space every address is inside, the top one included.
        let full = Permutation::new(32, 5).unwrap();
        let mut s = PermutationScan::after_own_address(full, u32::MAX, rng(1, 0)).unwrap();
        let j = full.index_of(u32::MAX).unwrap();
        assert_eq!(s.next_target(), full.address(j.wrapping_add(1)).unwrap());
    }

    #[test]
    fn sources_compose_behind_the_trait() {
        // A Warhol worm: a hit list, then a permutation scan, boxed.
        let p = Permutation::new(12, 1).unwrap();
        let mut w: Box<dyn TargetSource> = Box::new(HitList::new(
            vec![3, 4],
            PermutationScan::at_random_position(p, rng(7, 0)),
        ));
        let got = take(&mut w, 2 + 4096);
        assert_eq!(&got[..2], &[3, 4]);
        let mut seen = vec![false; 4096];
        for &a in &got[2..] {
            assert!(!seen[a as usize]);
            seen[a as usize] = true;
        }
    }

    /// Passing over targets lands where drawing them would, across the
    /// wrap, and a jump then starts from the same stream either way.
    #[test]
    fn advancing_a_walk_is_drawing_its_targets_unseen() {
        for bits in [8u8, 16, 32] {
            let p = Permutation::new(bits, 99).unwrap();
            for n in [0u64, 1, 255, 256, 1000, (1 << bits) + 3] {
                let mut drawn = PermutationScan::at_random_position(p, rng(4, u64::from(bits)));
                let mut passed = drawn.clone();
                for _ in 0..n.min(5000) {
                    drawn.next_target();
                }
                passed.advance(n.min(5000));
                assert_eq!(passed.position(), drawn.position(), "{bits} bits, {n}");
                drawn.found_infected();
                passed.found_infected();
                assert_eq!(take(&mut passed, 10), take(&mut drawn, 10));
            }
            let mut whole = PermutationScan::at_random_position(p, rng(5, 0));
            let start = whole.position();
            whole.advance(p.len() + 7);
            assert_eq!(
                u64::from(whole.position()),
                (u64::from(start) + 7) % p.len()
            );
        }
    }
}
