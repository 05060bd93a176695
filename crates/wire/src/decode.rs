//! Decoding a captured frame down to IPv4 and its transport header.
//!
//! What it is for: one call per frame, [`decode`], that peels the link layer
//! (Ethernet II and 802.3 with LLC/SNAP, with 802.1Q/QinQ tags, PPPoE
//! sessions and MPLS label stacks; Linux cooked SLL and SLL2; raw IP; BSD
//! and OpenBSD loopback; PPP, PPPoE and Cisco HDLC; Frame Relay; ATM with
//! LLC/SNAP, bare or behind SunATM's header; Token Ring and FDDI; Endace
//! ERF records; 802.11 data frames, bare or behind a Prism, radiotap, AVS
//! or PPI header; the firewall log devices pflog, NFLOG, enc and ipnet) and
//! returns an [`Ipv4Packet`] with the fields a detector needs, or says why
//! there is none (IPv6, not IP, unsupported link, malformed). The header
//! parsing is `etherparse`'s lax slicer, which accepts frames cut short by
//! a snap length; this module adds only the headers `etherparse` does not
//! know (each a few bytes before IP, an Ether type or LLC/SNAP) and the
//! policy.
//!
//! What it may not touch: capture files (that is [`crate::capture`]) and any
//! detection logic. It never panics and never allocates.
//!
//! Tunnels: an IP packet that carries another is decoded to the packet it
//! carries, as Wireshark, Zeek and Suricata show it: IP in IP, GRE (IPv4,
//! bridged Ethernet, ERSPAN types I to III, PPTP's PPP, MPLS), VXLAN (UDP
//! to 4789), Geneve (UDP to 6081), and IPv4 or GRE in IPv6 (DS-Lite).
//! Tunnels in tunnels are peeled up to [`TUNNEL_DEPTH`] deep; a tunnel's
//! payload that does not decode to IP leaves the outer packet as it is.
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

/// What GRE's protocol type names (RFC 2784 and the Ether type registry):
/// bridged Ethernet, ERSPAN types I and II, ERSPAN type III, and PPP (in
/// PPTP's GRE, RFC 2637).
const GRE_ETHERNET: u16 = 0x6558;
const GRE_ERSPAN_2: u16 = 0x88be;
const GRE_ERSPAN_3: u16 = 0x22eb;
const GRE_PPP: u16 = 0x880b;

/// VXLAN's UDP port (RFC 7348).
const VXLAN_PORT: u16 = 4789;
/// Geneve's UDP port (RFC 8926).
const GENEVE_PORT: u16 = 6081;

/// PPP protocol numbers (RFC 1332, RFC 5072).
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// The address family a loopback header names IPv4 by, everywhere.
const AF_INET: u32 = 2;
/// Those it names IPv6 by: Linux, the BSDs, Darwin and FreeBSD number
/// AF_INET6 differently.
const AF_INET6: [u32; 4] = [10, 24, 28, 30];

/// ENC's header: the address family, the SPI and flags, 32 bits each.
const ENC_LEN: usize = 12;
/// Solaris ipnet's header, and its number for IPv6.
const IPNET_LEN: usize = 24;
const IPNET_INET6: u8 = 26;
/// SunATM's traffic type for LAN emulation.
const SUNATM_LANE: u8 = 1;
/// NFLOG's attribute that holds the packet (`NFULA_PAYLOAD`).
const NFULA_PAYLOAD: u16 = 9;

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
        LinkType::NULL | LinkType::LOOP | LinkType::ENC => {
            let Some(family) = data.get(..4) else {
                return Decoded::Malformed;
            };
            let family = [family[0], family[1], family[2], family[3]];
            // LINKTYPE_NULL and ENC are in the capturing host's byte order,
            // unknown here: a family is a small number, so the order that
            // gives one is the right one.
            let family = match (link, u32::from_le_bytes(family)) {
                (LinkType::NULL | LinkType::ENC, f) if f <= 0xffff => f,
                _ => u32::from_be_bytes(family),
            };
            // ENC's header goes on with the SPI and flags.
            let len = if link == LinkType::ENC { ENC_LEN } else { 4 };
            return data
                .get(len..)
                .map_or(Decoded::Malformed, |rest| by_family(family, rest));
        }
        LinkType::PFLOG => return pflog(data),
        LinkType::NFLOG => return nflog(data),
        LinkType::ERF => return erf(data),
        LinkType::IPNET => {
            // Version, family, hardware type, then four 32-bit words.
            let (Some(&family), Some(rest)) = (data.get(1), data.get(IPNET_LEN..)) else {
                return Decoded::Malformed;
            };
            return match family {
                IPNET_INET6 => Decoded::Ipv6,
                f => by_family(u32::from(f), rest),
            };
        }
        LinkType::IEEE802_5 => return token_ring(data),
        LinkType::FDDI => {
            // Frame control, then the two addresses; the frame format
            // bits say whether 802.2 LLC follows.
            return match data {
                [fc, _, _, _, _, _, _, _, _, _, _, _, _, rest @ ..] if (fc >> 4) & 0x3 == 1 => {
                    llc_snap(rest)
                }
                [_, _, _, _, _, _, _, _, _, _, _, _, _, ..] => Decoded::NonIp,
                _ => Decoded::Malformed,
            };
        }
        LinkType::ATM_RFC1483 => return llc_snap(data),
        LinkType::SUNATM => {
            // Flags (the low nibble: the traffic type), VPI, VCI.
            let [flags, _, _, _, rest @ ..] = data else {
                return Decoded::Malformed;
            };
            return match flags & 0x0f {
                // LAN emulation: a 2-byte LE client id, then Ethernet.
                SUNATM_LANE => rest
                    .get(2..)
                    .map_or(Decoded::Malformed, |eth| decode(LinkType::ETHERNET, eth)),
                _ => llc_snap(rest),
            };
        }
        LinkType::FRELAY => return frame_relay(data),
        LinkType::PPP => {
            let framed = match data {
                [0xff, 0x03, rest @ ..] => rest,
                _ => data,
            };
            return ppp(framed);
        }
        LinkType::PPP_HDLC => return hdlc(data),
        LinkType::PPP_ETHER => return pppoe_session(data),
        LinkType::C_HDLC => return cisco_hdlc(data),
        LinkType::IEEE802_11 => return ieee802_11(data),
        LinkType::IEEE802_11_PRISM => {
            return data.get(PRISM_LEN..).map_or(Decoded::Malformed, ieee802_11);
        }
        LinkType::IEEE802_11_RADIOTAP => return radiotap(data),
        LinkType::IEEE802_11_AVS => {
            // The header's own length, big-endian, at bytes 4 to 8.
            let Some(len) = data.get(4..8) else {
                return Decoded::Malformed;
            };
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            return data.get(len..).map_or(Decoded::Malformed, ieee802_11);
        }
        LinkType::PPI => {
            // Version, flags, the header's length and the link type after
            // it, little-endian.
            let (Some(len), Some(dlt)) = (data.get(2..4), data.get(4..8)) else {
                return Decoded::Malformed;
            };
            let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
            let dlt = LinkType(u32::from_le_bytes([dlt[0], dlt[1], dlt[2], dlt[3]]));
            let Some(rest) = data.get(len..) else {
                return Decoded::Malformed;
            };
            return match dlt {
                LinkType::IEEE802_11 | LinkType::ETHERNET => decode(dlt, rest),
                _ => Decoded::NonIp,
            };
        }
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
        Some(6) => ipv6(data, TUNNEL_DEPTH),
        Some(4) => match LaxSlicedPacket::from_ip(data) {
            Ok(p) => from_sliced(data, p),
            Err(_) => Decoded::Malformed,
        },
        _ => Decoded::Malformed,
    }
}

/// An IP packet behind a header that names its address family (loopback,
/// ENC, pflog, NFLOG, ipnet).
fn by_family(family: u32, rest: &[u8]) -> Decoded<'_> {
    match family {
        AF_INET => ip(rest),
        f if AF_INET6.contains(&f) => Decoded::Ipv6,
        _ => Decoded::NonIp,
    }
}

/// A pflog header (OpenBSD's `struct pfloghdr`): its length in its first
/// byte, padded to 32 bits as libpcap and tcpdump read it, the address
/// family in its second. Older and newer releases write headers of other
/// lengths; the length byte covers them all.
fn pflog(data: &[u8]) -> Decoded<'_> {
    // The shortest header tcpdump accepts: length, family, action, reason,
    // the interface and ruleset names, the rule numbers.
    const SHORTEST: usize = 45;
    let [len, family, ..] = *data else {
        return Decoded::Malformed;
    };
    let len = usize::from(len);
    if len < SHORTEST {
        return Decoded::Malformed;
    }
    data.get(len.next_multiple_of(4)..)
        .map_or(Decoded::Malformed, |rest| {
            by_family(u32::from(family), rest)
        })
}

/// An NFLOG record (Linux netfilter): family, version, resource id, then
/// attributes of a 16-bit length (with its 4-byte header) and type, each
/// padded to 32 bits, in the byte order of the host that logged them. The
/// packet is the `NFULA_PAYLOAD` attribute; a record without one (a
/// logged prefix alone) carries no IP.
fn nflog(data: &[u8]) -> Decoded<'_> {
    let Some(mut rest) = data.get(4..) else {
        return Decoded::Malformed;
    };
    let family = u32::from(data[0]);
    while let [a, b, c, d, ..] = *rest {
        // Types are small numbers (the top bit flags nesting): the byte
        // order that makes one small is the logger's.
        let (len, kind) = match u16::from_le_bytes([c, d]) & 0x7fff {
            t if t < 0x100 => (u16::from_le_bytes([a, b]), t),
            _ => (
                u16::from_be_bytes([a, b]),
                u16::from_be_bytes([c, d]) & 0x7fff,
            ),
        };
        let len = usize::from(len);
        if len < 4 {
            return Decoded::Malformed;
        }
        if kind == NFULA_PAYLOAD {
            let value = rest.get(4..len.min(rest.len())).unwrap_or(&[]);
            return by_family(family, value);
        }
        match rest.get(len.next_multiple_of(4)..) {
            Some(next) => rest = next,
            None => return Decoded::Malformed,
        }
    }
    if rest.is_empty() {
        Decoded::NonIp
    } else {
        Decoded::Malformed
    }
}

/// An ERF record (Endace): timestamp, type, flags, record length, loss
/// counter and wire length (16 bytes); 8-byte extension headers while the
/// type's top bit and then each one's say another follows; then what the
/// type names: Ethernet behind 2 bytes of offset and pad, HDLC (PPP or
/// Cisco) over SONET, the same behind a multichannel header, or IP.
fn erf(data: &[u8]) -> Decoded<'_> {
    // Record types (Wireshark's wiretap/erf.h).
    const HDLC_POS: [u8; 3] = [1, 10, 15];
    const MC_HDLC: [u8; 2] = [5, 17];
    const ETH: [u8; 3] = [2, 11, 16];
    const IPV4: u8 = 22;
    const IPV6: u8 = 23;
    let Some(&kind) = data.get(8) else {
        return Decoded::Malformed;
    };
    let mut at = 16;
    let mut more = kind & 0x80 != 0;
    while more {
        let Some(&ext) = data.get(at) else {
            return Decoded::Malformed;
        };
        more = ext & 0x80 != 0;
        at += 8;
    }
    let Some(rest) = data.get(at..) else {
        return Decoded::Malformed;
    };
    match kind & 0x7f {
        t if ETH.contains(&t) => rest
            .get(2..)
            .map_or(Decoded::Malformed, |eth| decode(LinkType::ETHERNET, eth)),
        t if HDLC_POS.contains(&t) => hdlc(rest),
        t if MC_HDLC.contains(&t) => rest.get(4..).map_or(Decoded::Malformed, hdlc),
        IPV4 => ip(rest),
        IPV6 => Decoded::Ipv6,
        _ => Decoded::NonIp,
    }
}

/// A Token Ring frame: access and frame control, the two addresses, a
/// routing field when the source address's top bit says so (its length in
/// its first byte's low five bits), then 802.2 LLC for LLC frames.
fn token_ring(data: &[u8]) -> Decoded<'_> {
    let (Some(&fc), Some(&src), Some(&rif)) = (data.get(1), data.get(8), data.get(14)) else {
        return Decoded::Malformed;
    };
    let routed = src & 0x80 != 0;
    let len = 14 + if routed { usize::from(rif & 0x1f) } else { 0 };
    match (fc >> 6, data.get(len..)) {
        (_, None) => Decoded::Malformed,
        (1, Some(rest)) => llc_snap(rest),
        _ => Decoded::NonIp,
    }
}

/// A Frame Relay frame: a Q.922 address of two to four bytes (its last
/// byte's low bit set), then RFC 2427's control byte, padding and NLPID
/// (IP, IPv6, or SNAP), or Cisco's encapsulation: an Ether type.
fn frame_relay(data: &[u8]) -> Decoded<'_> {
    // Network layer protocol ids (ISO/IEC TR 9577).
    const NLPID_IPV4: u8 = 0xcc;
    const NLPID_IPV6: u8 = 0x8e;
    const NLPID_SNAP: u8 = 0x80;
    let Some(address) = data.iter().take(4).position(|b| b & 1 == 1) else {
        return Decoded::Malformed;
    };
    let rest = &data[address + 1..];
    let [0x03, ref after @ ..] = *rest else {
        // Cisco's encapsulation.
        return match rest {
            [a, b, packet @ ..] => ether_typed([*a, *b], packet),
            _ => Decoded::Malformed,
        };
    };
    let mut rest = after;
    while let [0x00, tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [NLPID_IPV4, packet @ ..] => ip(packet),
        [NLPID_IPV6, ..] => Decoded::Ipv6,
        // SNAP: an OUI and a protocol id; OUI 0 names an Ether type.
        [NLPID_SNAP, 0, 0, 0, a, b, packet @ ..] => ether_typed([*a, *b], packet),
        [] | [NLPID_SNAP, ..] => Decoded::Malformed,
        _ => Decoded::NonIp,
    }
}

/// What a tunnel carries, decoded with up to `depth` more tunnels peeled
/// inside it: IPv4 or IPv6, or `None` (the outer packet then stands).
fn tunnelled(inner: Tunnelled<'_>, depth: u8) -> Option<Decoded<'_>> {
    let decoded = match inner {
        Tunnelled::Ip(data) => match data.first().map(|b| b >> 4) {
            Some(6) => ipv6(data, depth),
            Some(4) => from_sliced_within(data, LaxSlicedPacket::from_ip(data).ok()?, depth),
            _ => return None,
        },
        Tunnelled::Ethernet(data) => {
            from_sliced_within(data, LaxSlicedPacket::from_ethernet(data).ok()?, depth)
        }
        Tunnelled::Ppp(data) => match ppp_payload(match data {
            [0xff, 0x03, rest @ ..] => rest,
            _ => data,
        })? {
            (PPP_IPV4 | PPP_IPV6, packet) => return tunnelled(Tunnelled::Ip(packet), depth),
            _ => return None,
        },
        Tunnelled::Mpls(data) => return tunnelled(Tunnelled::Ip(below_labels(data)?), depth),
    };
    matches!(decoded, Decoded::Ipv4(_) | Decoded::Ipv6).then_some(decoded)
}

/// The payload of a tunnel, by what it starts with.
enum Tunnelled<'a> {
    Ip(&'a [u8]),
    Ethernet(&'a [u8]),
    Ppp(&'a [u8]),
    /// An MPLS label stack (MPLS in GRE, RFC 4023).
    Mpls(&'a [u8]),
}

/// What a GRE packet (RFC 2784, RFC 2890; version 1 is PPTP's, RFC 2637)
/// carries, if it is one we decode.
fn gre(data: &[u8]) -> Option<Tunnelled<'_>> {
    let [flags, version, p0, p1, ..] = *data else {
        return None;
    };
    let (checksum, key, sequence) = (flags & 0x80 != 0, flags & 0x20 != 0, flags & 0x10 != 0);
    let acknowledgment = version & 0x80 != 0;
    let len = 4
        + 4 * usize::from(checksum || flags & 0x40 != 0)
        + 4 * usize::from(key)
        + 4 * usize::from(sequence)
        + 4 * usize::from(version & 0x07 == 1 && acknowledgment);
    let rest = data.get(len..)?;
    let protocol = u16::from_be_bytes([p0, p1]);
    match (version & 0x07, protocol) {
        (0, p) if p == EtherType::IPV4.0 || p == EtherType::IPV6.0 => Some(Tunnelled::Ip(rest)),
        (0, GRE_ETHERNET) => Some(Tunnelled::Ethernet(rest)),
        // Type I has no sequence number and no header of its own; type II
        // an 8-byte header.
        (0, GRE_ERSPAN_2) if !sequence => Some(Tunnelled::Ethernet(rest)),
        (0, GRE_ERSPAN_2) => rest.get(8..).map(Tunnelled::Ethernet),
        // Type III: a 12-byte header, then an 8-byte platform subheader if
        // its last bit (O) is set.
        (0, GRE_ERSPAN_3) => {
            let optional = rest.get(11)? & 0x01 != 0;
            rest.get(12 + 8 * usize::from(optional)..)
                .map(Tunnelled::Ethernet)
        }
        (1, GRE_PPP) => Some(Tunnelled::Ppp(rest)),
        (0, ETHER_MPLS_UNICAST | ETHER_MPLS_MULTICAST) => Some(Tunnelled::Mpls(rest)),
        _ => None,
    }
}

/// What a Geneve packet carries (RFC 8926): version 0, the length of its
/// options in 4-byte words, a protocol type (bridged Ethernet, IPv4,
/// IPv6).
fn geneve(payload: &[u8]) -> Option<Tunnelled<'_>> {
    let [first, _, p0, p1, ..] = *payload else {
        return None;
    };
    if first >> 6 != 0 {
        return None;
    }
    let rest = payload.get(8 + 4 * usize::from(first & 0x3f)..)?;
    match u16::from_be_bytes([p0, p1]) {
        GRE_ETHERNET => Some(Tunnelled::Ethernet(rest)),
        p if p == EtherType::IPV4.0 || p == EtherType::IPV6.0 => Some(Tunnelled::Ip(rest)),
        _ => None,
    }
}

/// A VXLAN packet's Ethernet frame (RFC 7348: the flags byte has its I bit
/// set; the header is 8 bytes).
fn vxlan(payload: &[u8]) -> Option<Tunnelled<'_>> {
    match payload {
        [flags, _, _, _, _, _, _, _, rest @ ..] if flags & 0x08 != 0 => {
            Some(Tunnelled::Ethernet(rest))
        }
        _ => None,
    }
}

/// A PPP frame from its protocol field on (one byte when compressed: an odd
/// first byte, RFC 1661 section 6.5).
fn ppp(data: &[u8]) -> Decoded<'_> {
    match ppp_payload(data) {
        Some((PPP_IPV4, rest)) => ip(rest),
        Some((PPP_IPV6, _)) => Decoded::Ipv6,
        Some(_) => Decoded::NonIp,
        None => Decoded::Malformed,
    }
}

/// A PPP frame's protocol and what it carries.
fn ppp_payload(data: &[u8]) -> Option<(u16, &[u8])> {
    match data {
        [p, rest @ ..] if p & 1 == 1 => Some((u16::from(*p), rest)),
        [a, b, rest @ ..] => Some((u16::from_be_bytes([*a, *b]), rest)),
        _ => None,
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

/// A Prism monitor header's length.
const PRISM_LEN: usize = 144;

/// A radiotap header (radiotap.org), then an 802.11 frame: the header's
/// length is its bytes 2 and 3, little-endian; its Flags field says whether
/// the 802.11 header is padded to 32 bits.
fn radiotap(data: &[u8]) -> Decoded<'_> {
    let (Some(&[0, _, l0, l1]), Some(present)) = (data.get(..4), data.get(4..8)) else {
        return Decoded::Malformed;
    };
    let len = usize::from(u16::from_le_bytes([l0, l1]));
    let Some(frame) = data.get(len..) else {
        return Decoded::Malformed;
    };
    let present = u32::from_le_bytes([present[0], present[1], present[2], present[3]]);
    // The fields start after the present words (bit 31: another follows);
    // TSFT (bit 0) is 8 bytes, aligned to 8; Flags (bit 1) one byte after.
    let mut at = 8;
    let mut word = present;
    while word & 0x8000_0000 != 0 {
        let Some(next) = data.get(at..at + 4) else {
            return Decoded::Malformed;
        };
        word = u32::from_le_bytes([next[0], next[1], next[2], next[3]]);
        at += 4;
    }
    if present & 0x1 != 0 {
        at = at.next_multiple_of(8) + 8;
    }
    let padded = present & 0x2 != 0 && data.get(at).is_some_and(|f| f & 0x20 != 0);
    ieee802_11_padded(frame, padded)
}

/// An 802.11 frame: a data frame's header, then LLC/SNAP and an Ether type.
/// Management and control frames, data frames without data and protected
/// (encrypted) frames carry no IP that can be read.
fn ieee802_11(data: &[u8]) -> Decoded<'_> {
    ieee802_11_padded(data, false)
}

/// [`ieee802_11`], the header padded to a multiple of 4 bytes if `padded`.
fn ieee802_11_padded(data: &[u8], padded: bool) -> Decoded<'_> {
    let [fc0, fc1, ..] = *data else {
        return Decoded::Malformed;
    };
    let (kind, subtype) = ((fc0 >> 2) & 0x3, fc0 >> 4);
    // Data frames (type 2) whose subtype has the "no data" bit (0x4) clear.
    if kind != 2 || subtype & 0x4 != 0 || fc1 & 0x40 != 0 {
        return Decoded::NonIp;
    }
    let qos = subtype & 0x8 != 0;
    // Frame control, duration, three addresses, sequence control; a fourth
    // address between access points.
    let mut len: usize = if fc1 & 0x03 == 0x03 { 30 } else { 24 };
    if qos {
        // An A-MSDU (QoS control's bit 7) packs subframes: not decoded.
        if data.get(len).is_some_and(|b| b & 0x80 != 0) {
            return Decoded::NonIp;
        }
        len += 2;
        if fc1 & 0x80 != 0 {
            len += 4; // HT control
        }
    }
    if padded {
        len = len.next_multiple_of(4);
    }
    match data.get(len..) {
        Some(rest) => llc_snap(rest),
        None => Decoded::Malformed,
    }
}

/// An LLC/SNAP header (802.2 with SNAP, RFC 1042) and what it carries: IP
/// behind the Ether type it names.
fn llc_snap(data: &[u8]) -> Decoded<'_> {
    match data {
        [0xaa, 0xaa, 0x03, _, _, _, a, b, rest @ ..] => ether_typed([*a, *b], rest),
        // Too short for the SNAP header it starts.
        [] | [0xaa] | [0xaa, 0xaa] | [0xaa, 0xaa, 0x03, ..] => Decoded::Malformed,
        _ => Decoded::NonIp,
    }
}

/// An HDLC-framed frame: PPP (with or without its address and control
/// bytes), or Cisco HDLC, told by its address byte; links that say
/// PPP_HDLC, and ERF's SONET records, carry both.
fn hdlc(data: &[u8]) -> Decoded<'_> {
    match data {
        [0x0f | 0x8f, ..] => cisco_hdlc(data),
        [0xff, 0x03, rest @ ..] => ppp(rest),
        _ => ppp(data),
    }
}

/// A Cisco HDLC frame: address, control, then an Ether type.
fn cisco_hdlc(data: &[u8]) -> Decoded<'_> {
    let [_, _, a, b, rest @ ..] = data else {
        return Decoded::Malformed;
    };
    ether_typed([*a, *b], rest)
}

/// IP behind an Ether type (big-endian, as on the wire).
fn ether_typed(ether_type: [u8; 2], rest: &[u8]) -> Decoded<'_> {
    match EtherType(u16::from_be_bytes(ether_type)) {
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
        // An 802.3 frame: the field is a length, and 802.2 LLC follows.
        len if len <= 1500 => Some(Encapsulated::Llc(payload.payload)),
        _ => None,
    }
}

enum Encapsulated<'a> {
    Pppoe(&'a [u8]),
    Mpls(&'a [u8]),
    Llc(&'a [u8]),
}

impl<'a> Encapsulated<'a> {
    fn decode(self) -> Decoded<'a> {
        match self {
            Encapsulated::Pppoe(rest) => pppoe_session(rest),
            Encapsulated::Llc(rest) => llc_snap(rest),
            Encapsulated::Mpls(rest) => match below_labels(rest) {
                Some(packet) => ip(packet),
                None if labels_cut_short(rest) => Decoded::Malformed,
                None => Decoded::NonIp,
            },
        }
    }
}

/// The IP packet under an MPLS label stack: labels of 4 bytes until the
/// bottom of the stack (RFC 3032), then IP, told by its version; `None`
/// when the stack is cut short or carries something else (an Ethernet
/// pseudowire's control word starts with 0, and is not decoded).
fn below_labels(mut rest: &[u8]) -> Option<&[u8]> {
    loop {
        let [_, _, s, _, next @ ..] = rest else {
            return None;
        };
        rest = next;
        if s & 1 == 1 {
            return matches!(rest.first().map(|b| b >> 4), Some(4 | 6)).then_some(rest);
        }
    }
}

/// Whether an MPLS label stack ends before its bottom label does.
fn labels_cut_short(mut rest: &[u8]) -> bool {
    loop {
        let [_, _, s, _, next @ ..] = rest else {
            return true;
        };
        if s & 1 == 1 {
            return false;
        }
        rest = next;
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

/// How many tunnels deep a packet is followed. Wireshark follows any
/// number; a bound keeps a crafted packet of tunnels in tunnels from
/// costing more than a few headers (and the stack).
const TUNNEL_DEPTH: u8 = 4;

/// The IPv4 packet in a frame `etherparse` sliced (`data` the whole frame,
/// whose bytes the slices borrow), or the packet it tunnels.
fn from_sliced<'a>(data: &'a [u8], sliced: LaxSlicedPacket<'a>) -> Decoded<'a> {
    from_sliced_within(data, sliced, TUNNEL_DEPTH)
}

/// [`from_sliced`], peeling at most `depth` tunnels.
fn from_sliced_within<'a>(data: &'a [u8], sliced: LaxSlicedPacket<'a>, depth: u8) -> Decoded<'a> {
    if let Some(LaxNetSlice::Ipv6(v6)) = &sliced.net {
        // IPv6 may carry IPv4: from its header on (which borrows `data`).
        let hs = v6.header().slice();
        let start = (hs.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        let inner = data.get(start..).map_or(Decoded::Ipv6, |d| ipv6(d, depth));
        return with_vlan_tags(inner, sliced.link_exts.len() as u8);
    }
    let outer = from_sliced_once(data, sliced);
    let Decoded::Ipv4(p) = &outer else {
        return outer;
    };
    if p.fragmented || depth == 0 {
        return outer;
    }
    // The datagram's payload, as captured (the header slice borrows
    // `data`).
    let hs = p.header.slice();
    let start = (hs.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let end = start
        .saturating_add(usize::from(p.total_len))
        .min(data.len());
    let payload = data.get(start.saturating_add(hs.len())..end);
    let inner = match (p.header.protocol(), &p.transport) {
        (IpNumber::IPV4 | IpNumber::IPV6, _) => payload.map(Tunnelled::Ip),
        (IpNumber::GRE, _) => payload.and_then(gre),
        (_, TransportLayer::Udp(u)) if u.dst_port == VXLAN_PORT => vxlan(u.payload),
        (_, TransportLayer::Udp(u)) if u.dst_port == GENEVE_PORT => geneve(u.payload),
        _ => None,
    };
    match inner.and_then(|inner| tunnelled(inner, depth - 1)) {
        Some(decoded) => with_vlan_tags(decoded, p.vlan_tags),
        None => outer,
    }
}

/// An IPv6 packet: named, unless it carries IPv4 (IPv4 in IPv6, RFC 2473,
/// as DS-Lite links carry their subscribers' traffic) or GRE, after any
/// hop-by-hop, routing or destination options headers; the tunnel is then
/// peeled, at most `depth` deep. A fragment stays IPv6.
fn ipv6(data: &[u8], depth: u8) -> Decoded<'_> {
    // Next header numbers (IANA): the options headers, IPv4, GRE.
    const HOP_BY_HOP: u8 = 0;
    const ROUTING: u8 = 43;
    const DESTINATION: u8 = 60;
    const IPV4_IN: u8 = 4;
    const GRE: u8 = 47;
    if depth == 0 {
        return Decoded::Ipv6;
    }
    let Some(&first) = data.get(6) else {
        return Decoded::Ipv6;
    };
    let (mut next, mut at) = (first, 40);
    while matches!(next, HOP_BY_HOP | ROUTING | DESTINATION) {
        let (Some(&n), Some(&len)) = (data.get(at), data.get(at + 1)) else {
            return Decoded::Ipv6;
        };
        next = n;
        at += 8 + 8 * usize::from(len);
    }
    let inner = match (next, data.get(at..)) {
        (IPV4_IN, Some(rest)) => Some(Tunnelled::Ip(rest)),
        (GRE, Some(rest)) => gre(rest),
        _ => None,
    };
    inner
        .and_then(|inner| tunnelled(inner, depth - 1))
        .unwrap_or(Decoded::Ipv6)
}

/// [`from_sliced`] without looking inside tunnels.
fn from_sliced_once<'a>(data: &'a [u8], sliced: LaxSlicedPacket<'a>) -> Decoded<'a> {
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
    use crate::build::{self, IpOpts, Station, Tunnel, worm};

    fn station(a: [u8; 4]) -> Station {
        Station::new(Ipv4Addr::from(a))
    }

    /// Each tunnel decodes to the packet inside; what only looks like one
    /// (a datagram to 4789 without VXLAN's I flag, GRE of an unknown type,
    /// a fragment) stays the outer packet.
    #[test]
    fn tunnels_decode_to_what_they_carry_and_nothing_else() {
        let (attacker, victim) = (station([10, 0, 0, 5]), station([10, 0, 7, 9]));
        let (a, b) = (station([192, 0, 2, 1]), station([192, 0, 2, 2]));
        let syn = worm::probe_syn(&attacker, &victim, 1025, 7);
        let inner_is_the_syn = |d: Decoded<'_>| match d {
            Decoded::Ipv4(p) => {
                p.src == attacker.ip
                    && p.dst == victim.ip
                    && matches!(p.transport, TransportLayer::Tcp(t) if t.dst_port == 135 && t.is_syn_only())
            }
            _ => false,
        };
        for tunnel in Tunnel::ALL {
            let wrapped = build::in_tunnel(&syn, tunnel, &a, &b);
            assert!(
                inner_is_the_syn(decode(LinkType::ETHERNET, &wrapped)),
                "{tunnel:?}"
            );
            // Cut anywhere: never a panic, and never the endpoints' packet
            // mistaken for more than it is.
            for cut in 0..wrapped.len() {
                let _ = decode(LinkType::ETHERNET, &wrapped[..cut]);
            }
        }
        // Witty's datagrams go to random ports, 4789 among them.
        let witty = build::udp_frame(&a, &b, IpOpts::default(), 4000, 4789, &[0x29; 40]);
        match decode(LinkType::ETHERNET, &witty) {
            Decoded::Ipv4(p) => assert_eq!(p.src, a.ip),
            other => panic!("{other:?}"),
        }
        // GRE of protocol type 0x1234, and a GRE packet's later fragment.
        let mut unknown = build::in_tunnel(&syn, Tunnel::GreIp, &a, &b);
        unknown[14 + 20 + 2..14 + 20 + 4].copy_from_slice(&[0x12, 0x34]);
        assert!(matches!(decode(LinkType::ETHERNET, &unknown), Decoded::Ipv4(p) if p.src == a.ip));
        let mut fragment = build::in_tunnel(&syn, Tunnel::GreIp, &a, &b);
        fragment[14 + 6] = 0x20; // more fragments
        assert!(matches!(decode(LinkType::ETHERNET, &fragment), Decoded::Ipv4(p) if p.src == a.ip));
        // A tunnel carrying a frame that is not IP: the outer packet.
        let arp = [&syn[..12], &[0x08, 0x06], &[0u8; 28][..]].concat();
        let bridged = build::in_tunnel(&arp, Tunnel::GreEthernet, &a, &b);
        assert!(matches!(decode(LinkType::ETHERNET, &bridged), Decoded::Ipv4(p) if p.src == a.ip));
        // Tunnels in tunnels: every pair.
        let (c, d) = (station([198, 51, 100, 1]), station([198, 51, 100, 2]));
        for inner in Tunnel::ALL {
            for outer in Tunnel::ALL {
                let once = build::in_tunnel(&syn, inner, &a, &b);
                let twice = build::in_tunnel(&once, outer, &c, &d);
                assert!(
                    inner_is_the_syn(decode(LinkType::ETHERNET, &twice)),
                    "{inner:?} in {outer:?}"
                );
            }
        }
        // IPv6 carrying GRE; IPv6 in a tunnel, and IPv6 that carries
        // neither stays IPv6.
        let v6_gre = {
            let gre = build::in_tunnel(&syn, Tunnel::GreIp, &a, &b);
            let mut v6 = build::in_tunnel(
                &[&gre[..14], &gre[14 + 20..]].concat(),
                Tunnel::Ipv4InIpv6,
                &c,
                &d,
            );
            v6[14 + 6] = 47;
            v6
        };
        assert!(inner_is_the_syn(decode(LinkType::ETHERNET, &v6_gre)));
        let mut v6_udp = build::in_tunnel(&syn, Tunnel::Ipv4InIpv6, &c, &d);
        v6_udp[14 + 6] = 17;
        assert!(matches!(decode(LinkType::ETHERNET, &v6_udp), Decoded::Ipv6));
        // Past the bound, the packet at the bound stands (the tunnel
        // endpoints of the fifth level), and a crafted nest of two
        // thousand costs no more than that.
        let mut nest = syn.clone();
        let levels = usize::from(TUNNEL_DEPTH) + 2;
        for level in 0..2000u16 {
            let [hi, lo] = level.to_be_bytes();
            let endpoints = (station([10, 1, hi, lo]), station([10, 2, hi, lo]));
            nest = build::in_tunnel(&nest, Tunnel::IpInIp, &endpoints.0, &endpoints.1);
            if usize::from(level) + 1 == levels {
                // Levels are numbered from the inside: the outermost is
                // `levels - 1`, and TUNNEL_DEPTH of them are peeled.
                let want = [10, 1, 0, 1];
                match decode(LinkType::ETHERNET, &nest) {
                    Decoded::Ipv4(p) => assert_eq!(p.src.octets(), want),
                    other => panic!("{other:?}"),
                }
            }
        }
        assert!(matches!(
            decode(LinkType::ETHERNET, &nest),
            Decoded::Ipv4(_)
        ));
    }

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
