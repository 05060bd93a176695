//! Deterministic randomness. Every random draw in wormscope comes from a
//! ChaCha8 stream named by (scenario seed, purpose, index), so a draw never
//! depends on the order in which threads or events ran.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; part of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Generating one /8 of the world (index: the /8).
    WorldSlash8 = 1,
    /// Choosing the initially infected hosts.
    PatientZero = 2,
    /// A worm's start on a host (index: host id and start generation).
    WormStart = 3,
    /// Choosing a NAT LAN's private prefix and host addresses.
    NatLan = 4,
    /// Choosing the hosts Welchia is released on.
    WelchiaRelease = 5,
    /// The start choices of a worm seeded with a given tick count (index:
    /// the tick in microseconds). Used with a fixed seed: the mapping from
    /// tick count to choices is the worm's code, the same in every run.
    TickStart = 6,
    /// Placing a distributed sensor's monitored addresses (index: the
    /// sensor's position in the scenario).
    Sensor = 7,
    /// Background traffic and ports of an exported capture.
    Capture = 8,
    /// A random scanner's uplink (index: the host).
    Uplink = 9,
    /// A random scanner's probes: skips, targets (index: the host).
    RandomScan = 10,
    /// Placing a random scanner's population at addresses (reference).
    RandomPlacement = 11,
    /// A fit's proposals and simulation seeds (index: the generation).
    Fit = 12,
    /// The cycle at which a random scanner's payload crashes its host
    /// (index: the host).
    Crash = 13,
    /// A network's UTC offset (index: the network's base address and
    /// prefix length, `base << 8 | len`).
    TimeZone = 14,
    /// A host's fixed availability draws: dial-up or broadband, switched
    /// off at night or not, an office machine's habits (index: the host).
    HostAvailability = 15,
    /// A host's online sessions on one local day (index: `host << 32 |
    /// day`, the day counted from 1970-01-01 in the host's local time).
    OnlineDay = 16,
    /// The address a host gets from its DHCP pool for one online stretch
    /// (index: `mix(host, session)`).
    Dhcp = 17,
    /// Whether an office host is a mobile machine, and where its home is
    /// (index: `slash8 << 32 | the host's place in its /8's list`).
    MobileHome = 18,
    /// A Blaster-like scanner's uniformly random targets (index: host id
    /// and start count, as [`Purpose::WormStart`]).
    RandomTargets = 19,
    /// What observers see of those targets: probes into watched ranges
    /// that do not matter to the outbreak (index: as `RandomTargets`).
    RandomTargetsSeen = 20,
    /// Which of those targets' other probes reach a silent host rather
    /// than no host: a split of counts (index: as `RandomTargets`).
    RandomTargetsSilent = 21,
    /// Which vulnerable hosts a Blaster-like worm's hit list names, in
    /// its order (index: 0).
    HitList = 22,
    /// Where a permutation-scanning instance starts in the shared
    /// permutation, and where it jumps on finding a host infected already
    /// (index: the host).
    PermutationWalk = 23,
    /// Which of a Blaster-like random scanner's probes a network capacity
    /// drops (index: as `RandomTargets`).
    Arrivals = 24,
    /// Which of a hit-list sender's probes a network capacity drops
    /// (index: the host).
    HitListArrivals = 25,
}

/// The random stream for (seed, purpose, index).
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, purpose as u64));
    rng.set_stream(index);
    rng
}

/// The stream [`stream`] gives for (seed, purpose, index), made one
/// 64-byte ChaCha8 block at a time instead of four: the same numbers, for
/// the many streams that are drawn from a few times and dropped (a host's
/// day of its schedule, its habit). `rand_chacha` fills four blocks at
/// once, which is faster per number but wasted on a stream read for six.
/// The equality is a test, over every way of drawing.
#[derive(Clone, Debug)]
pub struct ShortStream {
    /// The ChaCha input block: constants, key, block counter, stream.
    input: [u32; 16],
    /// The current output block.
    block: [u32; 16],
    /// The next word of `block` to hand out; 16 when it is used up.
    next: usize,
}

/// "expand 32-byte k", ChaCha's constant words.
const CHACHA_CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

impl ShortStream {
    pub fn new(seed: u64, purpose: Purpose, index: u64) -> ShortStream {
        let mut input = [0u32; 16];
        input[..4].copy_from_slice(&CHACHA_CONSTANTS);
        // The key as `SeedableRng::seed_from_u64` makes it: PCG32 outputs,
        // each a little-endian word of the key.
        let mut state = mix(seed, purpose as u64);
        for word in &mut input[4..12] {
            *word = pcg32(&mut state);
        }
        // Block counter 0 (words 12, 13); the stream (words 14, 15).
        input[14] = index as u32;
        input[15] = (index >> 32) as u32;
        ShortStream {
            input,
            block: [0; 16],
            next: 16,
        }
    }

    fn next_word(&mut self) -> u32 {
        if self.next == 16 {
            self.block = chacha8_block(&self.input);
            let counter =
                (u64::from(self.input[13]) << 32 | u64::from(self.input[12])).wrapping_add(1);
            self.input[12] = counter as u32;
            self.input[13] = (counter >> 32) as u32;
            self.next = 0;
        }
        let word = self.block[self.next];
        self.next += 1;
        word
    }
}

impl rand::TryRng for ShortStream {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next_word())
    }

    /// Two words, the first the low half, as `rand_core`'s block
    /// generators take them (across a block's end too).
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let lo = self.next_word();
        let hi = self.next_word();
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    /// Whole words, little-endian; a last partial word is used up.
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dest.chunks_mut(4) {
            let bytes = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// One step of PCG32, as `rand_core` seeds a generator from a `u64`.
fn pcg32(state: &mut u64) -> u32 {
    const MUL: u64 = 0x5851_F42D_4C95_7F2D;
    const INC: u64 = 0xA176_54E4_6FBE_17F3;
    *state = state.wrapping_mul(MUL).wrapping_add(INC);
    let s = *state;
    let xorshifted = (((s >> 18) ^ s) >> 27) as u32;
    xorshifted.rotate_right((s >> 59) as u32)
}

/// The ChaCha block function with 8 rounds (Bernstein 2008): four double
/// rounds over `input`, then the input added back, word by word. The rows
/// of the 4x4 state are worked on as four-word vectors (a column round on
/// them, lanes rotated, a diagonal round, lanes rotated back), a shape the
/// compiler turns into SIMD instructions without `unsafe`.
fn chacha8_block(input: &[u32; 16]) -> [u32; 16] {
    type Row = [u32; 4];
    #[inline(always)]
    fn add(x: Row, y: Row) -> Row {
        std::array::from_fn(|i| x[i].wrapping_add(y[i]))
    }
    #[inline(always)]
    fn xor_rotate(x: Row, y: Row, by: u32) -> Row {
        std::array::from_fn(|i| (x[i] ^ y[i]).rotate_left(by))
    }
    /// Lane `i` takes lane `i + by` (mod 4).
    #[inline(always)]
    fn lanes(x: Row, by: usize) -> Row {
        std::array::from_fn(|i| x[(i + by) % 4])
    }
    #[inline(always)]
    fn quarter(a: &mut Row, b: &mut Row, c: &mut Row, d: &mut Row) {
        *a = add(*a, *b);
        *d = xor_rotate(*d, *a, 16);
        *c = add(*c, *d);
        *b = xor_rotate(*b, *c, 12);
        *a = add(*a, *b);
        *d = xor_rotate(*d, *a, 8);
        *c = add(*c, *d);
        *b = xor_rotate(*b, *c, 7);
    }
    let row = |r: usize| -> Row { std::array::from_fn(|i| input[4 * r + i]) };
    let (mut a, mut b, mut c, mut d) = (row(0), row(1), row(2), row(3));
    for _ in 0..4 {
        quarter(&mut a, &mut b, &mut c, &mut d);
        // Diagonals into columns: (0,5,10,15), (1,6,11,12), ...
        b = lanes(b, 1);
        c = lanes(c, 2);
        d = lanes(d, 3);
        quarter(&mut a, &mut b, &mut c, &mut d);
        b = lanes(b, 3);
        c = lanes(c, 2);
        d = lanes(d, 1);
    }
    let rows = [a, b, c, d];
    std::array::from_fn(|i| rows[i / 4][i % 4].wrapping_add(input[i]))
}

/// A 64-bit mix of two words (SplitMix64's finaliser on their combination),
/// so that nearby seeds give unrelated key material.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, Purpose::WormStart, 5).random();
        let b: u64 = stream(1, Purpose::WormStart, 5).random();
        let c: u64 = stream(1, Purpose::WormStart, 6).random();
        let d: u64 = stream(2, Purpose::WormStart, 5).random();
        let e: u64 = stream(1, Purpose::PatientZero, 5).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
    }

    /// A short stream gives [`stream`]'s numbers exactly, however they are
    /// drawn: words, pairs across a block's end, bytes in odd lengths,
    /// floats and ranges, for streams far apart.
    #[test]
    fn a_short_stream_is_the_stream() {
        use rand::Rng;
        let streams = [
            (0, Purpose::WorldSlash8, 0),
            (1, Purpose::OnlineDay, 5),
            (u64::MAX, Purpose::HostAvailability, u64::MAX),
            (42, Purpose::TimeZone, 1 << 32),
            (7, Purpose::OnlineDay, (17 << 32) | 19_000),
        ];
        for (seed, purpose, index) in streams {
            let (mut long, mut short) = (
                stream(seed, purpose, index),
                ShortStream::new(seed, purpose, index),
            );
            // Enough to cross several of both generators' buffers (64 and
            // 16 words), with every alignment of a pair of words.
            for i in 0..400u32 {
                match i % 7 {
                    0 | 3 => assert_eq!(long.next_u32(), short.next_u32()),
                    1 => assert_eq!(long.next_u64(), short.next_u64()),
                    2 => {
                        let n = (i % 11) as usize;
                        let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
                        long.fill_bytes(&mut a);
                        short.fill_bytes(&mut b);
                        assert_eq!(a, b);
                    }
                    4 => assert_eq!(long.random::<f64>(), short.random::<f64>()),
                    5 => assert_eq!(
                        long.random_range(0..1_000_003u64),
                        short.random_range(0..1_000_003u64)
                    ),
                    _ => assert_eq!(long.random_bool(0.3), short.random_bool(0.3)),
                }
            }
        }
    }
}
