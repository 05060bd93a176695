//! IPv4 addresses as `u32` (host order) and the special ranges of the space.

use std::net::Ipv4Addr;

pub use wormscope_scenario::Prefix;

/// Dotted-quad text of an address.
pub fn fmt(addr: u32) -> String {
    Ipv4Addr::from(addr).to_string()
}

/// The octets A.B.C.D of an address.
pub fn octets(addr: u32) -> [u8; 4] {
    addr.to_be_bytes()
}

/// The address A.B.C.D.
pub fn from_octets(o: [u8; 4]) -> u32 {
    u32::from_be_bytes(o)
}

/// RFC 1918 private ranges: never routed on the public internet.
pub const PRIVATE: [Prefix; 3] = [
    prefix(0x0a00_0000, 8),
    prefix(0xac10_0000, 12),
    prefix(0xc0a8_0000, 16),
];

const fn prefix(base: u32, len: u8) -> Prefix {
    // Only used on constants known to be aligned.
    match Prefix::new(base, len) {
        Some(p) => p,
        None => panic!("unaligned constant prefix"),
    }
}

pub fn is_private(addr: u32) -> bool {
    PRIVATE.iter().any(|p| p.contains(addr))
}
