//! Decoding a captured frame down to IPv4 and its transport header.
//!
//! What it is for: one call per frame, [`decode`], that peels the link layer
//! (Ethernet with 802.1Q/QinQ tags, PPPoE sessions and MPLS label stacks;
//! Linux cooked SLL and SLL2; raw IP; BSD and OpenBSD loopback; PPP, PPPoE
//! and Cisco HDLC) and returns an [`Ipv4Packet`] with the fields a detector
//! needs, or says why there is none (IPv6, not IP, unsupported link,
//! malformed). The header parsing is `etherparse`'s lax slicer, which
//! accepts frames cut short by a snap length; this module adds only the
//! headers `etherparse` does not know (SLL2, loopback, PPP, PPPoE, Cisco
//! HDLC, MPLS: each a few fixed bytes before IP or an Ether type) and the
//! policy.
//!
//! What it may not touch: capture files (that is [`crate::capture`]) and any
//! detection logic. It never panics and never allocates.
//!
//! Fragments: the first fragment of a fragmented datagram keeps its
//! transport header (so a SYN in a first fragment is still a SYN); later
//! fragments have none and decode to [`TransportLayer::Fragment`]. Nothing is
//! reassembled.

use std::net::Ipv4Addr;

use etherparse::{
    EtherType, Icmpv4Slice, IpNumber, Ipv4HeaderSlice, LaxNetSlice, LaxSlicedPacket,
    LinuxSllHeaderSlice, TcpSlice, TransportSlice, UdpSlice,
};

use crate::capture::LinkType;

/// TCP flag bits, as in the TCP header's flags byte.
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

/// A TCP segment's header fields and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flags byte (see [`tcp_flags`]).
    pub flags: u8,
    /// Window.
    pub window: u16,
    /// Header length in bytes (20 without options).
    pub header_len: u8,
    /// Captured payload (may be shorter than on the wire).
    pub payload: &'a [u8],
}

impl TcpSegment<'_> {
    /// A SYN without ACK: the first packet of a connection attempt.
    pub fn is_syn_only(&self) -> bool {
        self.flags & (tcp_flags::SYN | tcp_flags::ACK | tcp_flags::RST) == tcp_flags::SYN
    }
    /// A SYN with ACK: the answer to a connection attempt.
    pub fn is_syn_ack(&self) -> bool {
        self.flags & (tcp_flags::SYN | tcp_flags::ACK | tcp_flags::RST)
            == tcp_flags::SYN | tcp_flags::ACK
    }
    /// RST set.
    pub fn is_rst(&self) -> bool {
        self.flags & tcp_flags::RST != 0
    }
}

/// A UDP datagram's ports and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Captured payload.
    pub payload: &'a [u8],
}

/// An ICMPv4 message: type, code, the 4 bytes after the checksum (id and
/// sequence for echo), and the data after the 8-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpMessage<'a> {
    /// ICMP type (8 = echo request, 0 = echo reply).
    pub icmp_type: u8,
    /// ICMP code.
    pub code: u8,
    /// Bytes 5-8 of the header.
    pub rest: [u8; 4],
    /// Captured data after the 8-byte header.
    pub payload: &'a [u8],
}

/// The transport layer of an IPv4 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportLayer<'a> {
    /// TCP.
    Tcp(TcpSegment<'a>),
    /// UDP.
    Udp(UdpDatagram<'a>),
    /// ICMPv4.
    Icmp(IcmpMessage<'a>),
    /// A non-first fragment: no transport header.
    Fragment,
    /// Another protocol, or a transport header cut short by the snap length.
    Other,
}

/// An IPv4 packet as seen by the detector.
#[derive(Clone, Debug)]
pub struct Ipv4Packet<'a> {
    /// The IPv4 header (etherparse slice: every header field is there).
    pub header: Ipv4HeaderSlice<'a>,
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live.
    pub ttl: u8,
    /// Total length field (the datagram's length on the wire).
    pub total_len: u16,
    /// Part of a fragmented datagram (MF set or a non-zero offset).
    pub fragmented: bool,
    /// Number of VLAN tags peeled off.
    pub vlan_tags: u8,
    /// The transport layer.
    pub transport: TransportLayer<'a>,
}

/// What a frame decodes to.
#[derive(Clone, Debug)]
pub enum Decoded<'a> {
    /// An IPv4 packet.
    Ipv4(Ipv4Packet<'a>),
    /// An IPv6 packet (skipped by the detector, counted).
    Ipv6,
    /// A link-layer frame that does not carry IP (ARP, LLDP, ...).
    NonIp,
    /// The capture's link type is not one we decode.
    UnsupportedLink,
    /// Headers that cannot be parsed (too short, bad version, ...).
    Malformed,
}

/// SLL2 header length (tcpdump.org LINKTYPE_LINUX_SLL2).
const SLL2_LEN: usize = 20;

/// Ether types of the encapsulations peeled after an Ethernet header.
const ETHER_PPPOE_SESSION: u16 = 0x8864;
const ETHER_MPLS_UNICAST: u16 = 0x8847;
const ETHER_MPLS_MULTICAST: u16 = 0x8848;

/// PPP protocol numbers (RFC 1332, RFC 5072).
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// The address family a loopback header names IPv4 by, everywhere.
const AF_INET: u32 = 2;
/// Those it names IPv6 by: Linux, the BSDs, Darwin and FreeBSD number
/// AF_INET6 differently.
const AF_INET6: [u32; 4] = [10, 24, 28, 30];

/// Decodes one frame. Never panics, never allocates.
pub fn decode(link: LinkType, data: &[u8]) -> Decoded<'_> {
    let sliced = match link {
        LinkType::ETHERNET => match LaxSlicedPacket::from_ethernet(data) {
            Ok(p) => match encapsulated(&p) {
                // PPPoE and MPLS carry IP behind headers of their own.
                Some(inner) => return with_vlan_tags(inner.decode(), p.link_exts.len() as u8),
                None => p,
            },
            Err(_) => return Decoded::Malformed,
        },
        LinkType::RAW | LinkType::DLT_RAW_12 | LinkType::DLT_RAW_14 | LinkType::IPV4 => {
            return ip(data);
        }
        LinkType::IPV6 => return Decoded::Ipv6,
        LinkType::NULL | LinkType::LOOP => {
            let Some(family) = data.get(..4) else {
                return Decoded::Malformed;
            };
            let family = [family[0], family[1], family[2], family[3]];
            // LINKTYPE_NULL is in the capturing host's byte order, unknown
            // here: a family is a small number, so the order that gives
            // one is the right one.
            let family = match (link, u32::from_le_bytes(family)) {
                (LinkType::NULL, f) if f <= 0xffff => f,
                _ => u32::from_be_bytes(family),
            };
            return match family {
                AF_INET => ip(&data[4..]),
                f if AF_INET6.contains(&f) => Decoded::Ipv6,
                _ => Decoded::NonIp,
            };
        }
        LinkType::PPP | LinkType::PPP_HDLC => {
            // Cisco HDLC frames also appear on links that say PPP_HDLC.
            if link == LinkType::PPP_HDLC && matches!(data.first(), Some(0x0f | 0x8f)) {
                return cisco_hdlc(data);
            }
            let framed = match data {
                [0xff, 0x03, rest @ ..] => rest,
                _ => data,
            };
            return ppp(framed);
        }
        LinkType::PPP_ETHER => return pppoe_session(data),
        LinkType::C_HDLC => return cisco_hdlc(data),
        LinkType::LINUX_SLL => {
            let Ok(h) = LinuxSllHeaderSlice::from_slice(data) else {
                return Decoded::Malformed;
            };
            let hs = h.slice();
            let (Some(proto), Some(rest)) = (hs.get(14..16), data.get(hs.len()..)) else {
                return Decoded::Malformed;
            };
            let ether_type = EtherType(u16::from_be_bytes([proto[0], proto[1]]));
            LaxSlicedPacket::from_ether_type(ether_type, rest)
        }
        LinkType::LINUX_SLL2 => {
            // SLL2: protocol type (2), reserved (2), interface index (4),
            // ARPHRD type (2), packet type (1), address length (1),
            // address (8).
            let (Some(proto), Some(rest)) = (data.get(0..2), data.get(SLL2_LEN..)) else {
                return Decoded::Malformed;
            };
            let ether_type = EtherType(u16::from_be_bytes([proto[0], proto[1]]));
            LaxSlicedPacket::from_ether_type(ether_type, rest)
        }
        _ => return Decoded::UnsupportedLink,
    };
    from_sliced(data, sliced)
}

/// An IP packet from its first byte on: IPv4 decoded, IPv6 named.
fn ip(data: &[u8]) -> Decoded<'_> {
    match data.first().map(|b| b >> 4) {
        Some(6) => Decoded::Ipv6,
        Some(4) => match LaxSlicedPacket::from_ip(data) {
            Ok(p) => from_sliced(data, p),
            Err(_) => Decoded::Malformed,
        },
        _ => Decoded::Malformed,
    }
}

/// A PPP frame from its protocol field on (one byte when compressed: an odd
/// first byte, RFC 1661 section 6.5).
fn ppp(data: &[u8]) -> Decoded<'_> {
    let (protocol, rest) = match data {
        [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return Decoded::Malformed,
    };
    match protocol {
        PPP_IPV4 => ip(rest),
        PPP_IPV6 => Decoded::Ipv6,
        _ => Decoded::NonIp,
    }
}

/// A PPPoE frame from its 6-byte header on (RFC 2516): a session's data
/// carries PPP; discovery frames carry no IP.
fn pppoe_session(data: &[u8]) -> Decoded<'_> {
    match data {
        [0x11, 0x00, _, _, _, _, rest @ ..] => ppp(rest),
        [0x11, code, ..] if *code != 0 => Decoded::NonIp,
        _ => Decoded::Malformed,
    }
}

/// A Cisco HDLC frame: address, control, then an Ether type.
fn cisco_hdlc(data: &[u8]) -> Decoded<'_> {
    let [_, _, a, b, rest @ ..] = data else {
        return Decoded::Malformed;
    };
    match EtherType(u16::from_be_bytes([*a, *b])) {
        EtherType::IPV4 => ip(rest),
        EtherType::IPV6 => Decoded::Ipv6,
        _ => Decoded::NonIp,
    }
}

/// What follows an Ethernet frame's PPPoE session header or MPLS label
/// stack, which `etherparse` leaves as an unknown Ether type's payload.
fn encapsulated<'a>(p: &LaxSlicedPacket<'a>) -> Option<Encapsulated<'a>> {
    if p.net.is_some() {
        return None;
    }
    let payload = p.ether_payload()?;
    match payload.ether_type.0 {
        ETHER_PPPOE_SESSION => Some(Encapsulated::Pppoe(payload.payload)),
        ETHER_MPLS_UNICAST | ETHER_MPLS_MULTICAST => Some(Encapsulated::Mpls(payload.payload)),
        _ => None,
    }
}

enum Encapsulated<'a> {
    Pppoe(&'a [u8]),
    Mpls(&'a [u8]),
}

impl<'a> Encapsulated<'a> {
    fn decode(self) -> Decoded<'a> {
        match self {
            Encapsulated::Pppoe(rest) => pppoe_session(rest),
            Encapsulated::Mpls(mut rest) => {
                // Labels of 4 bytes until the bottom of the stack (RFC 3032);
                // then IP, told by its version (an Ethernet pseudowire's
                // control word starts with 0, and is not decoded).
                loop {
                    let [_, _, s, _, next @ ..] = rest else {
                        return Decoded::Malformed;
                    };
                    rest = next;
                    if s & 1 == 1 {
                        return match rest.first().map(|b| b >> 4) {
                            Some(4 | 6) => ip(rest),
                            _ => Decoded::NonIp,
                        };
                    }
                }
            }
        }
    }
}

/// `decoded` as seen behind `tags` VLAN tags.
fn with_vlan_tags(decoded: Decoded<'_>, tags: u8) -> Decoded<'_> {
    match decoded {
        Decoded::Ipv4(p) => Decoded::Ipv4(Ipv4Packet {
            vlan_tags: tags,
            ..p
        }),
        other => other,
    }
}

/// The IPv4 packet in a frame `etherparse` sliced (`data` the whole frame,
/// whose bytes the slices borrow).
fn from_sliced<'a>(data: &'a [u8], sliced: LaxSlicedPacket<'a>) -> Decoded<'a> {
    let vlan_tags = sliced.link_exts.len() as u8;
    let ipv4 = match sliced.net {
        Some(LaxNetSlice::Ipv4(ref v4)) => v4,
        Some(LaxNetSlice::Ipv6(_)) => return Decoded::Ipv6,
        Some(LaxNetSlice::Arp(_)) => return Decoded::NonIp,
        None => {
            return match sliced.stop_err {
                Some(_) => Decoded::Malformed,
                None => Decoded::NonIp,
            };
        }
    };
    // `LaxIpv4Slice::header` borrows the slice struct, not the frame; find
    // the same bytes in `data` to get a header slice of the frame's lifetime.
    let hs = ipv4.header().slice();
    let start = (hs.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let Some(header) = data
        .get(start..start.saturating_add(hs.len()))
        .and_then(|s| Ipv4HeaderSlice::from_slice(s).ok())
    else {
        return Decoded::Malformed;
    };
    let offset = header.fragments_offset().value();
    let fragmented = header.more_fragments() || offset != 0;
    let payload = ipv4.payload().payload;
    let transport = match sliced.transport {
        Some(TransportSlice::Tcp(t)) => TransportLayer::Tcp(tcp(&t)),
        Some(TransportSlice::Udp(u)) => TransportLayer::Udp(udp(&u)),
        Some(TransportSlice::Icmpv4(i)) => TransportLayer::Icmp(icmp(&i)),
        Some(_) => TransportLayer::Other,
        None if offset != 0 => TransportLayer::Fragment,
        // First fragment (or a transport header etherparse left alone): slice
        // the transport header ourselves from what was captured.
        None => match header.protocol() {
            IpNumber::TCP => TcpSlice::from_slice(payload)
                .map(|t| TransportLayer::Tcp(tcp(&t)))
                .unwrap_or(TransportLayer::Other),
            IpNumber::UDP => UdpSlice::from_slice_lax(payload)
                .map(|u| TransportLayer::Udp(udp(&u)))
                .unwrap_or(TransportLayer::Other),
            IpNumber::ICMP => Icmpv4Slice::from_slice(payload)
                .map(|i| TransportLayer::Icmp(icmp(&i)))
                .unwrap_or(TransportLayer::Other),
            _ => TransportLayer::Other,
        },
    };
    Decoded::Ipv4(Ipv4Packet {
        src: header.source_addr(),
        dst: header.destination_addr(),
        ttl: header.ttl(),
        total_len: header.total_len(),
        fragmented,
        vlan_tags,
        transport,
        header,
    })
}

fn tcp<'a>(t: &TcpSlice<'a>) -> TcpSegment<'a> {
    let hs = t.header_slice();
    TcpSegment {
        src_port: t.source_port(),
        dst_port: t.destination_port(),
        seq: t.sequence_number(),
        ack: t.acknowledgment_number(),
        flags: hs.get(13).copied().unwrap_or(0),
        window: t.window_size(),
        header_len: hs.len() as u8,
        payload: t.payload(),
    }
}

fn udp<'a>(u: &UdpSlice<'a>) -> UdpDatagram<'a> {
    UdpDatagram {
        src_port: u.source_port(),
        dst_port: u.destination_port(),
        payload: u.payload(),
    }
}

fn icmp<'a>(i: &Icmpv4Slice<'a>) -> IcmpMessage<'a> {
    IcmpMessage {
        icmp_type: i.type_u8(),
        code: i.code_u8(),
        rest: i.bytes5to8(),
        payload: i.slice().get(8..).unwrap_or(&[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::worm;

    /// One of the payload's flood SYNs, written out byte by byte: Ethernet,
    /// IPv4 (20 bytes, total length 40, TTL 128), TCP (20 bytes, SYN,
    /// 1234 -> 80, window 16384).
    const FLOOD_SYN: [u8; 54] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // dst MAC
        0x02, 0x00, 0x0a, 0x14, 0x00, 0x05, // src MAC
        0x08, 0x00, // IPv4
        0x45, 0x00, 0x00, 0x28, // v4, IHL 5, total length 40
        0x00, 0x63, 0x40, 0x00, // id 99, DF
        0x80, 0x06, 0x67, 0x05, // TTL 128, TCP, header checksum
        0x0a, 0x14, 0x4d, 0x03, // 10.20.77.3
        0xcb, 0x00, 0x71, 0x50, // 203.0.113.80
        0x04, 0xd2, 0x00, 0x50, // 1234 -> 80
        0x00, 0x00, 0x00, 0x63, // seq 99
        0x00, 0x00, 0x00, 0x00, // ack 0
        0x50, 0x02, 0x40, 0x00, // data offset 5, SYN, window 16384
        0xd6, 0xf5, 0x00, 0x00, // checksum, urgent pointer
    ];

    #[test]
    fn literal_flood_syn_round_trip() {
        let built = worm::flood_syn(
            [0x02, 0x00, 0x0a, 0x14, 0x00, 0x05],
            [0x02, 0x00, 0x00, 0x00, 0x00, 0x01],
            Ipv4Addr::new(10, 20, 77, 3),
            Ipv4Addr::new(203, 0, 113, 80),
            1234,
            99,
        );
        assert_eq!(built, FLOOD_SYN.to_vec(), "{built:02x?}");
        let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &FLOOD_SYN) else {
            panic!()
        };
        assert_eq!(p.src, Ipv4Addr::new(10, 20, 77, 3));
        assert_eq!(
            (p.ttl, p.total_len, p.fragmented, p.vlan_tags),
            (128, 40, false, 0)
        );
        let TransportLayer::Tcp(t) = p.transport else {
            panic!()
        };
        assert_eq!(
            (
                t.src_port,
                t.dst_port,
                t.seq,
                t.flags,
                t.window,
                t.header_len
            ),
            (1234, 80, 99, tcp_flags::SYN, 16384, 20)
        );
        assert!(t.payload.is_empty());
    }

    #[test]
    fn short_and_odd_frames_are_values_not_panics() {
        for n in 0..FLOOD_SYN.len() {
            let _ = decode(LinkType::ETHERNET, &FLOOD_SYN[..n]);
            let _ = decode(LinkType::LINUX_SLL2, &FLOOD_SYN[..n]);
            let _ = decode(LinkType::RAW, &FLOOD_SYN[14..14 + n.min(40)]);
        }
        assert!(matches!(decode(LinkType::RAW, &[0x45]), Decoded::Malformed));
    }
}
