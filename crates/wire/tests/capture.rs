//! Round trips through the writers and the streaming reader, every link
//! type the decoder knows, and damaged files.

use std::io::Cursor;
use std::net::Ipv4Addr;

use proptest::prelude::*;
use wormscope_wire::build::{self, IpOpts, Station, TcpFlow, worm};
use wormscope_wire::capture::{
    CaptureErrorKind, CaptureFormat, CaptureReader, Compression, LinkType,
};
use wormscope_wire::decode::{Decoded, TransportLayer, decode};
use wormscope_wire::write::{OutputFormat, PcapNgWriter, PcapWriter, write_capture_file};

fn h(s: &str) -> Station {
    Station::new(s.parse().unwrap())
}

fn sample_frames() -> Vec<Vec<u8>> {
    let mut f = TcpFlow::new(h("10.0.0.1"), 1025, h("10.0.0.2"), 135);
    let mut v = f.handshake();
    v.push(f.client_data(&worm::dcerpc_bind(1)));
    v.push(build::udp_frame(
        &h("10.0.0.2"),
        &h("10.0.0.1"),
        IpOpts::default(),
        2000,
        69,
        &worm::tftp_rrq("msblast.exe"),
    ));
    v.push(worm::welchia_echo(&h("10.0.0.3"), &h("10.0.0.4"), 1, 1));
    v
}

fn pcap_bytes(link: LinkType, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), link).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_frame(1_060_624_800_000_000 + i as i64 * 1500, f)
            .unwrap();
    }
    w.finish().unwrap()
}

fn pcapng_bytes(link: LinkType, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new(), link).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_frame(1_060_624_800_000_000 + i as i64 * 1500, f)
            .unwrap();
    }
    w.finish().unwrap()
}

type Frames = Vec<(u64, i64, Vec<u8>, LinkType)>;

fn read_all(bytes: &[u8]) -> (Frames, Option<wormscope_wire::CaptureError>) {
    let mut r = match CaptureReader::new(Cursor::new(bytes.to_vec())) {
        Ok(r) => r,
        Err(e) => return (vec![], Some(e)),
    };
    let mut out = vec![];
    loop {
        match r.next_frame() {
            Ok(Some(f)) => out.push((f.number, f.ts_us, f.data.to_vec(), f.link_type)),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

#[test]
fn pcap_and_pcapng_round_trip() {
    let frames = sample_frames();
    for (bytes, fmt) in [
        (pcap_bytes(LinkType::ETHERNET, &frames), CaptureFormat::Pcap),
        (
            pcapng_bytes(LinkType::ETHERNET, &frames),
            CaptureFormat::PcapNg,
        ),
    ] {
        let r = CaptureReader::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(r.format(), fmt);
        let (got, err) = read_all(&bytes);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got.len(), frames.len());
        for (i, (n, ts, data, link)) in got.iter().enumerate() {
            assert_eq!(*n, i as u64 + 1);
            assert_eq!(*ts, 1_060_624_800_000_000 + i as i64 * 1500);
            assert_eq!(data, &frames[i]);
            assert_eq!(*link, LinkType::ETHERNET);
        }
    }
}

#[test]
fn every_link_type_decodes_to_the_same_ipv4_packet() {
    let eth = sample_frames()[3].clone();
    let Decoded::Ipv4(want) = decode(LinkType::ETHERNET, &eth) else {
        panic!()
    };
    let mut variants = vec![
        (LinkType::ETHERNET, build::add_vlan(&eth, 0x8100, 42)),
        (
            LinkType::ETHERNET,
            build::add_vlan(&build::add_vlan(&eth, 0x8100, 42), 0x88a8, 7),
        ),
        (LinkType::ETHERNET, build::in_pppoe(&eth)),
        (LinkType::ETHERNET, build::in_mpls(&eth, &[16])),
        (
            LinkType::ETHERNET,
            build::in_mpls(&eth, &[16, 1000, 0xf_ffff]),
        ),
        (
            LinkType::ETHERNET,
            build::add_vlan(&build::in_mpls(&eth, &[300]), 0x8100, 5),
        ),
        // 802.3 with LLC/SNAP instead of Ethernet II: the length field.
        (LinkType::ETHERNET, {
            let snap = [&[0xaa, 0xaa, 0x03, 0, 0, 0][..], &eth[12..]].concat();
            let len = (snap.len() as u16).to_be_bytes();
            [&eth[..12], &len[..], &snap].concat()
        }),
        // 802.11 QoS data with HT control, between access points (four
        // addresses: a 36-byte header); and QoS data from an access point
        // (26 bytes) behind a radiotap header with TSFT and Flags saying
        // the 802.11 header is padded to 32 bits.
        (LinkType::IEEE802_11, wifi_qos_wds(&eth)),
        (LinkType::IEEE802_11_RADIOTAP, {
            let mut head = [0u8; 24];
            head[2] = 24; // length
            head[4] = 0x03; // present: TSFT, Flags
            head[16] = 0x20; // Flags (after the 8-aligned TSFT): data pad
            let plain = build::wifi_data(&eth);
            let qos = [
                &[0x88, 0x02][..],
                &plain[2..24],
                &[0, 0],
                &[0, 0],
                &plain[24..],
            ]
            .concat();
            [&head[..], &qos].concat()
        }),
        // PPI carrying Ethernet.
        (
            LinkType::PPI,
            [&[0, 0, 8, 0, 1, 0, 0, 0][..], &eth].concat(),
        ),
        // A big-endian host's loopback header.
        (
            LinkType::NULL,
            [&2u32.to_be_bytes()[..], &eth[14..]].concat(),
        ),
        // PPP without HDLC's address and control, and with its protocol
        // field compressed to one byte.
        (LinkType::PPP, [&[0x00, 0x21][..], &eth[14..]].concat()),
        (LinkType::PPP, [&[0x21][..], &eth[14..]].concat()),
        // Cisco HDLC on a link that says PPP in HDLC framing.
        (LinkType::PPP_HDLC, build::relink(&eth, LinkType::C_HDLC)),
        // Token Ring without a routing field.
        (LinkType::IEEE802_5, {
            let routed = build::relink(&eth, LinkType::IEEE802_5);
            let mut plain = [&routed[..14], &routed[16..]].concat();
            plain[8] &= 0x7f;
            plain
        }),
        // Frame Relay: SNAP naming IPv4 behind a pad byte (RFC 2427), a
        // three-byte address, and Cisco's encapsulation.
        (LinkType::FRELAY, {
            let snap = [0x04, 0x01, 0x03, 0x00, 0x80, 0, 0, 0, 0x08, 0x00];
            [&snap[..], &eth[14..]].concat()
        }),
        (
            LinkType::FRELAY,
            [&[0x04, 0x00, 0x01, 0x03, 0xcc][..], &eth[14..]].concat(),
        ),
        (
            LinkType::FRELAY,
            [&[0x04, 0x01, 0x08, 0x00][..], &eth[14..]].concat(),
        ),
        // ENC and NFLOG as a little-endian host writes them, NFLOG as a
        // big-endian one does (and a record type with the nesting bit).
        (
            LinkType::ENC,
            [&[2, 0, 0, 0][..], &[0; 8], &eth[14..]].concat(),
        ),
        (LinkType::NFLOG, {
            let ip = &eth[14..];
            let mut out = vec![2, 0, 0, 1];
            out.extend_from_slice(&[0, 8, 0x80, 1, 0, 0, 0, 0]);
            out.extend_from_slice(&((4 + ip.len()) as u16).to_be_bytes());
            out.extend_from_slice(&[0, 9]);
            out.extend_from_slice(ip);
            out
        }),
        // A pflog header of another release's length (100, padded to 100).
        (LinkType::PFLOG, {
            let mut head = [0u8; 100];
            head[..2].copy_from_slice(&[100, 2]);
            [&head[..], &eth[14..]].concat()
        }),
        // ERF: an IPv4 record, PPP over SONET behind an extension header,
        // Cisco HDLC behind a multichannel header.
        (LinkType::ERF, erf_record(22, &[], &eth[14..])),
        (
            LinkType::ERF,
            erf_record(
                0x81,
                &[0x04, 0, 0, 0, 0, 0, 0, 0],
                &[&[0xff, 0x03, 0x00, 0x21][..], &eth[14..]].concat(),
            ),
        ),
        (
            LinkType::ERF,
            erf_record(
                5,
                &[],
                &[&[0, 0, 0, 1, 0x0f, 0x00, 0x08, 0x00][..], &eth[14..]].concat(),
            ),
        ),
        // SunATM carrying LAN emulation.
        (
            LinkType::SUNATM,
            [&[0x01, 0, 0, 0x20, 0xff, 0x00][..], &eth].concat(),
        ),
    ];
    // Every link type that carries IPv4, the frame re-framed for it.
    for l in LinkType::DECODED
        .into_iter()
        .filter(|&l| l != LinkType::IPV6)
    {
        variants.push((l, build::relink(&eth, l)));
    }
    for (link, frame) in variants {
        // Through a file too, so the link type comes from the header.
        let bytes = pcapng_bytes(link, std::slice::from_ref(&frame));
        let (got, err) = read_all(&bytes);
        assert!(err.is_none());
        assert_eq!(got[0].3, link);
        let Decoded::Ipv4(p) = decode(link, &got[0].2) else {
            panic!("{link:?} did not decode")
        };
        assert_eq!(
            (p.src, p.dst, p.total_len),
            (want.src, want.dst, want.total_len)
        );
        assert_eq!(p.transport, want.transport, "{link:?}");
        assert!(link.is_supported(), "{link:?}");
    }
}

/// An ERF record of type `kind` (its top bit: extension headers follow),
/// those headers, and what the type carries.
fn erf_record(kind: u8, extensions: &[u8], body: &[u8]) -> Vec<u8> {
    let len = (16 + extensions.len() + body.len()) as u16;
    let mut out = vec![0u8; 8];
    out.extend_from_slice(&[kind, 0x04]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    [&out[..], extensions, body].concat()
}

/// `eth` as an 802.11 QoS data frame between two access points (four
/// addresses) with HT control.
fn wifi_qos_wds(eth: &[u8]) -> Vec<u8> {
    let plain = build::wifi_data(eth);
    // Frame control: QoS data (subtype 8), ToDS and FromDS, Order (HT
    // control follows QoS control).
    let mut out = vec![0x88, 0x83];
    out.extend_from_slice(&plain[2..24]);
    out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0]); // the fourth address
    out.extend_from_slice(&[0x00, 0x00]); // QoS control
    out.extend_from_slice(&[0, 0, 0, 0]); // HT control
    out.extend_from_slice(&plain[24..]);
    out
}

/// `LinkType::DECODED` lists exactly the link types `decode` knows.
#[test]
fn the_decoded_list_is_what_decode_knows() {
    let frame = sample_frames()[3].clone();
    for l in 0..=u32::from(u16::MAX) {
        let link = LinkType(l);
        let known = !matches!(decode(link, &frame), Decoded::UnsupportedLink);
        assert_eq!(known, link.is_supported(), "{link:?}");
    }
}

/// What each new link layer says when it carries no IPv4: IPv6 is named,
/// other protocols are not IP, and a header cut short is malformed.
#[test]
fn link_layers_without_ipv4_say_what_they_carry() {
    let v6 = [0x60, 0, 0, 0, 0, 0, 17, 64];
    let cases: Vec<(LinkType, Vec<u8>, &str)> = vec![
        (
            LinkType::NULL,
            [&24u32.to_le_bytes()[..], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::NULL,
            [&10u32.to_be_bytes()[..], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::LOOP,
            [&30u32.to_be_bytes()[..], &v6].concat(),
            "ipv6",
        ),
        (LinkType::NULL, 7u32.to_le_bytes().to_vec(), "non-ip"),
        (LinkType::NULL, vec![2, 0], "malformed"),
        (
            LinkType::PPP,
            [&[0xff, 0x03, 0x00, 0x57][..], &v6].concat(),
            "ipv6",
        ),
        // LCP.
        (
            LinkType::PPP,
            vec![0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4],
            "non-ip",
        ),
        (LinkType::PPP, vec![0x00], "malformed"),
        // A PPPoE discovery frame (PADI).
        (LinkType::PPP_ETHER, vec![0x11, 0x09, 0, 0, 0, 0], "non-ip"),
        (LinkType::PPP_ETHER, vec![0x11, 0x00, 0, 1], "malformed"),
        (
            LinkType::C_HDLC,
            [&[0x0f, 0x00, 0x86, 0xdd][..], &v6].concat(),
            "ipv6",
        ),
        // Cisco's keepalive (SLARP).
        (
            LinkType::C_HDLC,
            vec![0x8f, 0x00, 0x80, 0x35, 0, 0],
            "non-ip",
        ),
        (LinkType::C_HDLC, vec![0x0f, 0x00, 0x08], "malformed"),
        (LinkType::IPV6, v6.to_vec(), "ipv6"),
        // 802.11: a beacon, a protected data frame, a null-data frame, an
        // A-MSDU, IPv6 behind LLC/SNAP, STP's LLC, and cut short.
        (LinkType::IEEE802_11, [0x80, 0, 0, 0].repeat(8), "non-ip"),
        (
            LinkType::IEEE802_11,
            [&[0x08, 0x42][..], &[0; 30]].concat(),
            "non-ip",
        ),
        (
            LinkType::IEEE802_11,
            [&[0x48, 0x01][..], &[0; 22]].concat(),
            "non-ip",
        ),
        (
            LinkType::IEEE802_11,
            [&[0x88, 0x01][..], &[0; 22], &[0x80, 0], &[0xaa; 8]].concat(),
            "non-ip",
        ),
        (
            LinkType::IEEE802_11,
            [
                &[0x08, 0x01][..],
                &[0; 22],
                &[0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd],
                &v6,
            ]
            .concat(),
            "ipv6",
        ),
        (
            LinkType::IEEE802_11,
            [&[0x08, 0x01][..], &[0; 22], &[0x42, 0x42, 0x03, 0, 0]].concat(),
            "non-ip",
        ),
        (LinkType::IEEE802_11, vec![0x08, 0x01, 0, 0], "malformed"),
        (
            LinkType::IEEE802_11,
            [&[0x08, 0x01][..], &[0; 22], &[0xaa, 0xaa, 0x03]].concat(),
            "malformed",
        ),
        // Radiotap of another version, or longer than the frame; PPI of
        // another link; Prism cut short.
        (
            LinkType::IEEE802_11_RADIOTAP,
            vec![1, 0, 8, 0, 0, 0, 0, 0],
            "malformed",
        ),
        (
            LinkType::IEEE802_11_RADIOTAP,
            vec![0, 0, 200, 0, 0, 0, 0, 0],
            "malformed",
        ),
        (
            LinkType::PPI,
            vec![0, 0, 8, 0, 147, 0, 0, 0, 1, 2],
            "non-ip",
        ),
        (LinkType::IEEE802_11_PRISM, vec![0; 100], "malformed"),
        // pflog, NFLOG, ipnet and ENC name IPv6 by their families; pflog's
        // length is too short or longer than the frame; an NFLOG record
        // with a prefix and no packet, or an attribute shorter than its
        // own header.
        (
            LinkType::PFLOG,
            [&[64, 24][..], &[0; 62], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::PFLOG,
            [&[40, 2][..], &[0; 62]].concat(),
            "malformed",
        ),
        (LinkType::PFLOG, vec![64, 2, 0, 0], "malformed"),
        (
            LinkType::NFLOG,
            [&[10, 0, 0, 1, 12, 0, 9, 0][..], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::NFLOG,
            vec![2, 0, 0, 1, 8, 0, 10, 0, b'x', 0, 0, 0],
            "non-ip",
        ),
        (LinkType::NFLOG, vec![2, 0, 0, 1, 2, 0, 9, 0], "malformed"),
        (LinkType::NFLOG, vec![2, 0, 0], "malformed"),
        (
            LinkType::IPNET,
            [&[1, 26][..], &[0; 22], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::ENC,
            [&24u32.to_le_bytes()[..], &[0; 8], &v6].concat(),
            "ipv6",
        ),
        // ERF: IPv6, an ATM cell, an extension header cut short.
        (LinkType::ERF, erf_record(23, &[], &v6), "ipv6"),
        (LinkType::ERF, erf_record(3, &[], &[0; 52]), "non-ip"),
        (
            LinkType::ERF,
            erf_record(0x82, &[0x80, 0, 0, 0, 0, 0, 0, 0], &[]),
            "malformed",
        ),
        // A Token Ring MAC frame, an FDDI station management frame, ATM
        // LLC naming IPv6, Frame Relay's IPv6 and an address without an
        // end.
        (LinkType::IEEE802_5, [0x10, 0x00].repeat(12), "non-ip"),
        (LinkType::FDDI, [0x41; 20].to_vec(), "non-ip"),
        (LinkType::FDDI, vec![0x50; 8], "malformed"),
        (
            LinkType::ATM_RFC1483,
            [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd][..], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::FRELAY,
            [&[0x04, 0x01, 0x03, 0x8e][..], &v6].concat(),
            "ipv6",
        ),
        (
            LinkType::FRELAY,
            vec![0x04, 0x00, 0x00, 0x00, 0x03],
            "malformed",
        ),
    ];
    for (link, frame, want) in cases {
        let got = match decode(link, &frame) {
            Decoded::Ipv6 => "ipv6",
            Decoded::NonIp => "non-ip",
            Decoded::Malformed => "malformed",
            other => panic!("{link:?} {frame:02x?}: {other:?}"),
        };
        assert_eq!(got, want, "{link:?} {frame:02x?}");
    }
    // An MPLS stack cut short, and one over an Ethernet pseudowire's
    // control word.
    let eth = sample_frames()[3].clone();
    let mpls = build::in_mpls(&eth, &[16, 17]);
    assert!(matches!(
        decode(LinkType::ETHERNET, &mpls[..18]),
        Decoded::Malformed
    ));
    let mut pseudowire = mpls[..22].to_vec();
    pseudowire.extend_from_slice(&[0, 0, 0, 0]);
    pseudowire.extend_from_slice(&eth);
    assert!(matches!(
        decode(LinkType::ETHERNET, &pseudowire),
        Decoded::NonIp
    ));
}

#[test]
fn ipv6_non_ip_and_fragments() {
    let v6 = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv6([1; 16], [2; 16], 64)
        .udp(1, 2);
    let mut f = Vec::new();
    v6.write(&mut f, b"x").unwrap();
    assert!(matches!(decode(LinkType::ETHERNET, &f), Decoded::Ipv6));
    assert!(matches!(decode(LinkType::RAW, &f[14..]), Decoded::Ipv6));
    let mut arp = vec![0xff; 12];
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    arp.extend_from_slice(&[0; 20]);
    assert!(matches!(decode(LinkType::ETHERNET, &arp), Decoded::NonIp));
    assert!(matches!(
        decode(LinkType(147), &arp),
        Decoded::UnsupportedLink
    ));

    // A TCP SYN as a first fragment (MF set) keeps its header; a later
    // fragment has none.
    let syn = worm::probe_syn(&h("10.0.0.1"), &h("10.0.0.2"), 1234, 1);
    let mut first = syn.clone();
    first[14 + 6] |= 0x20; // MF
    fix_ip_checksum(&mut first);
    let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &first) else {
        panic!()
    };
    assert!(p.fragmented);
    assert!(matches!(p.transport, TransportLayer::Tcp(t) if t.dst_port == 135));
    let mut later = syn;
    later[14 + 7] = 3; // offset 24 bytes
    fix_ip_checksum(&mut later);
    let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &later) else {
        panic!()
    };
    assert!(p.fragmented);
    assert_eq!(p.transport, TransportLayer::Fragment);
}

fn fix_ip_checksum(f: &mut [u8]) {
    f[24] = 0;
    f[25] = 0;
    let mut sum = 0u32;
    for c in f[14..34].chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let c = !(sum as u16);
    f[24..26].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn truncated_file_yields_good_frames_then_offset() {
    let frames = sample_frames();
    for bytes in [
        pcap_bytes(LinkType::ETHERNET, &frames),
        pcapng_bytes(LinkType::ETHERNET, &frames),
    ] {
        // Cut in the middle of the last record.
        let cut = bytes.len() - 20;
        let (got, err) = read_all(&bytes[..cut]);
        let err = err.expect("must fail");
        assert_eq!(err.kind(), CaptureErrorKind::Damaged);
        assert_eq!(got.len(), frames.len() - 1);
        // The offset is where the last record starts.
        let last_len = frames.last().unwrap().len();
        let record = if bytes[0] == 0x0a {
            32 + last_len.div_ceil(4) * 4
        } else {
            16 + last_len
        };
        assert_eq!(err.offset(), Some((bytes.len() - record) as u64), "{err}");
        assert!(err.to_string().contains("offset"));
    }
}

/// A pcap header whose link type field also says the frames carry a
/// 4-byte FCS (bit 26 and the length in its top bits, as libpcap writes
/// it): the link type is still Ethernet, and the frames decode.
#[test]
fn a_pcap_link_type_with_fcs_bits_is_its_low_16_bits() {
    let frames: Vec<Vec<u8>> = sample_frames()
        .into_iter()
        .map(|mut f| {
            f.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
            f
        })
        .collect();
    let mut bytes = pcap_bytes(LinkType::ETHERNET, &frames);
    bytes[20..24].copy_from_slice(&(1u32 | 0x0400_0000 | 2 << 28).to_le_bytes());
    let (got, err) = read_all(&bytes);
    assert!(err.is_none());
    assert_eq!(got.len(), frames.len());
    for (_, _, data, link) in &got {
        assert_eq!(*link, LinkType::ETHERNET);
        assert!(matches!(decode(*link, data), Decoded::Ipv4(_)));
    }
}

/// `bytes` compressed as `c`, by the pure-Rust encoders.
fn compress(c: Compression, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    match c {
        Compression::None => bytes.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
        Compression::Bzip2 => {
            // 100 kB blocks, so that a cut stream keeps whole ones.
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
        Compression::Xz => {
            let options = lzma_rust2::XzOptions::with_preset(6);
            let mut e = lzma_rust2::XzWriter::new(Vec::new(), options).unwrap();
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => {
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
        }
        Compression::Lz4 => {
            // 64 kB blocks (the CLI's are 4 MB), so that a cut stream keeps
            // whole ones.
            let info =
                lz4_flex::frame::FrameInfo::new().block_size(lz4_flex::frame::BlockSize::Max64KB);
            let mut e = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
    }
}

/// A compressed capture reads as the capture itself, in every compression,
/// in one member (stream, frame) or several (`cat a.gz b.gz`); one cut
/// short yields its whole frames first, then a damage error naming the
/// compression; a compressed stream of something else is unreadable.
#[test]
fn compressed_captures_read_as_the_capture() {
    // Enough frames for several of every format's blocks (bzip2's are the
    // largest), so that a cut stream has whole ones before the cut.
    let sample = sample_frames();
    let size: usize = sample.iter().map(Vec::len).sum();
    // Each with a tail of noise, so that the streams do not shrink to a
    // block or two.
    let mut noise = 0x9e37_79b9_7f4a_7c15u64;
    let frames: Vec<Vec<u8>> = sample
        .iter()
        .cycle()
        .take(sample.len() * (400_000 / size + 1))
        .map(|f| {
            let mut f = f.clone();
            for _ in 0..8 {
                noise = noise
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                f.extend_from_slice(&noise.to_le_bytes());
            }
            f
        })
        .collect();
    for c in Compression::ALL {
        if c == Compression::None {
            continue;
        }
        for bytes in [
            pcap_bytes(LinkType::ETHERNET, &frames),
            pcapng_bytes(LinkType::ETHERNET, &frames),
        ] {
            let plain = read_all(&bytes);
            assert!(plain.1.is_none());
            let packed = compress(c, &bytes);
            assert_ne!(packed, bytes);
            assert_eq!(Compression::sniff(&packed), c);
            let got = read_all(&packed);
            assert!(got.1.is_none(), "{c:?}: {:?}", got.1);
            assert!(got.0 == plain.0, "{c:?}: other frames");
            let r = CaptureReader::new(Cursor::new(packed.clone())).unwrap();
            assert_eq!(r.compression(), c);
            assert_eq!(
                CaptureReader::new(Cursor::new(bytes.clone()))
                    .unwrap()
                    .compression(),
                Compression::None
            );

            let half = bytes.len() / 2;
            let members = [compress(c, &bytes[..half]), compress(c, &bytes[half..])].concat();
            assert!(read_all(&members).0 == plain.0, "{c:?} in two parts");

            // Cut the compressed stream inside its last quarter.
            let cut = &packed[..packed.len() * 3 / 4];
            let (some, err) = read_all(cut);
            let err = err.unwrap_or_else(|| panic!("{c:?}: a cut stream must fail"));
            assert_eq!(err.kind(), CaptureErrorKind::Damaged, "{c:?}: {err}");
            assert!(err.to_string().contains(c.name()), "{c:?}: {err}");
            assert!(some.len() < frames.len(), "{c:?}");
            assert!(some[..] == plain.0[..some.len()], "{c:?}: other frames");
        }
        let (_, err) = read_all(&compress(c, b"not a capture at all"));
        let err = err.expect("unreadable");
        assert_eq!(err.kind(), CaptureErrorKind::Unreadable, "{c:?}");
        assert!(err.to_string().contains(c.name()), "{c:?}: {err}");
    }
    // A zstd skippable frame (magic 0x184D2A50, 5 bytes) before the
    // capture's frame is stepped over.
    let bytes = pcap_bytes(LinkType::ETHERNET, &frames);
    let mut skippable = vec![0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0];
    skippable.extend_from_slice(b"hello");
    let with_skip = [
        compress(Compression::Zstd, &bytes),
        skippable,
        compress(Compression::Zstd, &[]),
    ]
    .concat();
    assert!(
        read_all(&with_skip).0 == read_all(&bytes).0,
        "skippable frame"
    );
    let (_, err) = read_all(&[0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff]);
    assert_eq!(
        err.expect("unreadable").kind(),
        CaptureErrorKind::Unreadable
    );
    for head in [
        &b"BZh9\xff\xff"[..],
        &[0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2],
        &[0x28, 0xb5, 0x2f, 0xfd, 0xff],
        &[0x04, 0x22, 0x4d, 0x18, 0xff],
    ] {
        let (_, err) = read_all(head);
        assert_eq!(
            err.expect("unreadable").kind(),
            CaptureErrorKind::Unreadable,
            "{head:?}"
        );
    }
}

/// A compressed stream cut before any of it inflates (inside an lz4
/// frame's first block, which inflates whole) reads nothing; the error
/// says it was cut short, not that it does not inflate.
#[test]
fn a_stream_cut_before_anything_inflates_says_so() {
    let bytes = pcap_bytes(LinkType::ETHERNET, &sample_frames());
    for c in Compression::ALL {
        if c == Compression::None {
            continue;
        }
        let packed = compress(c, &bytes);
        // The shortest cut past the magic that inflates nothing.
        let Some(cut) = (6..packed.len()).find(|&n| {
            let mut r =
                wormscope_wire::inflate::Inflate::new(c, Cursor::new(&packed[..n])).unwrap();
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut r, &mut out).is_err() && out.is_empty()
        }) else {
            continue;
        };
        let (frames, err) = read_all(&packed[..cut]);
        let err = err.unwrap_or_else(|| panic!("{c:?}: a cut stream must fail"));
        assert!(frames.is_empty(), "{c:?}");
        assert_eq!(err.kind(), CaptureErrorKind::Unreadable, "{c:?}: {err}");
        let text = err.to_string();
        assert!(text.contains("cut short"), "{c:?}: {text}");
        assert!(text.contains(c.name()), "{c:?}: {text}");
    }
    // lz4 inflates a block only once all of it is there: a cut inside the
    // first block is such a stream.
    let packed = compress(Compression::Lz4, &bytes);
    let (_, err) = read_all(&packed[..packed.len().min(64)]);
    assert!(err.expect("cut").to_string().contains("cut short"));
}

#[test]
fn corrupt_length_is_reported_with_offset() {
    let frames = sample_frames();
    let mut bytes = pcap_bytes(LinkType::ETHERNET, &frames);
    // Second record's caplen: 24 (file header) + 16 + len(frame 0) + 8.
    let at = 24 + 16 + frames[0].len() + 8;
    bytes[at..at + 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let (got, err) = read_all(&bytes);
    assert_eq!(got.len(), 1);
    let err = err.unwrap();
    assert_eq!(err.kind(), CaptureErrorKind::Damaged);
    assert_eq!(err.offset(), Some((24 + 16 + frames[0].len()) as u64));
}

#[test]
fn unknown_and_empty_are_unreadable() {
    for bytes in [
        &b""[..],
        b"hello world, not a capture",
        b"\x7fELF\x02\x01\x01",
    ] {
        let (_, err) = read_all(bytes);
        assert_eq!(err.unwrap().kind(), CaptureErrorKind::Unreadable);
    }
    assert_eq!(
        CaptureReader::open("/nonexistent/x.pcap")
            .err()
            .unwrap()
            .kind(),
        CaptureErrorKind::Unreadable
    );
}

#[test]
fn big_capture_streams_through_a_small_buffer() {
    // 30 MB through a 1 MiB circular buffer; frames of every size.
    let mut synth =
        wormscope_wire::synth::SyntheticCapture::new(wormscope_wire::synth::SynthConfig {
            target_bytes: 30 << 20,
            ..Default::default()
        });
    let mut r = CaptureReader::new(&mut synth).unwrap();
    let mut n = 0u64;
    let mut last = 0;
    while let Some(f) = r.next_frame().unwrap() {
        assert!(f.ts_us >= last);
        last = f.ts_us;
        n += 1;
    }
    assert!(n > 20_000);
    assert!(r.offset() >= 30 << 20);
}

#[test]
fn atomic_file_write_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let frames = sample_frames();
    for (name, fmt) in [
        ("a.pcap", OutputFormat::Pcap),
        ("a.pcapng", OutputFormat::PcapNg),
    ] {
        let p = dir.path().join(name);
        write_capture_file(
            &p,
            fmt,
            LinkType::ETHERNET,
            frames
                .iter()
                .enumerate()
                .map(|(i, f)| (i as i64, f.as_slice())),
        )
        .unwrap();
        let mut r = CaptureReader::open(&p).unwrap();
        let mut n = 0;
        while r.next_frame().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, frames.len());
    }
    // Only the two files: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn worm_builders_decode() {
    let a = h("10.0.0.1");
    let f = worm::probe_syn(&a, &h("10.0.0.9"), 3000, 7);
    let Decoded::Ipv4(p) = decode(LinkType::ETHERNET, &f) else {
        panic!()
    };
    assert_eq!(p.dst, Ipv4Addr::new(10, 0, 0, 9));
    assert!(matches!(p.transport, TransportLayer::Tcp(t) if t.is_syn_only() && t.dst_port == 135));
    assert_eq!(
        worm::tftp_command(a.ip, "msblast.exe"),
        "tftp -i 10.0.0.1 GET msblast.exe\n"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn reader_and_decoder_never_panic_on_mutations(
        pos in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8),
        cut in 0usize..4000,
        ng in any::<bool>(),
    ) {
        let frames = sample_frames();
        let mut bytes = if ng { pcapng_bytes(LinkType::ETHERNET, &frames) } else { pcap_bytes(LinkType::ETHERNET, &frames) };
        for (p, b) in pos {
            let n = bytes.len();
            bytes[p % n] = b;
        }
        bytes.truncate(cut.max(1));
        if let Ok(mut r) = CaptureReader::new(Cursor::new(bytes)) {
            while let Ok(Some(f)) = r.next_frame() {
                let _ = decode(f.link_type, f.data);
            }
        }
    }

    /// Damaged compressed streams of every kind: mutated bytes, then a cut
    /// anywhere, read to the end through a slow pipe or at once.
    #[test]
    fn compressed_streams_never_panic_on_mutations(
        pos in proptest::collection::vec((0usize..4000, any::<u8>()), 1..6),
        cut in 1usize..4000,
        which in 0usize..5,
        trickle in any::<bool>(),
    ) {
        let frames = sample_frames();
        let c = Compression::ALL[which];
        let mut bytes = compress(c, &pcap_bytes(LinkType::ETHERNET, &frames));
        for (p, b) in pos {
            let n = bytes.len();
            // Past the magic, which would only make it another format.
            bytes[(8 + p) % n] = b;
        }
        bytes.truncate(cut);
        // At most 7 bytes a call through the slow pipe, or all at once.
        let step = if trickle { 7 } else { usize::MAX };
        if let Ok(mut r) = CaptureReader::new(Chunked(Cursor::new(bytes), step)) {
            while let Ok(Some(f)) = r.next_frame() {
                let _ = decode(f.link_type, f.data);
            }
        }
    }

    #[test]
    fn decoder_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), link in 0u32..300) {
        let _ = decode(LinkType(link), &data);
        for l in [1, 12, 101, 113, 276] {
            let _ = decode(LinkType(l), &data);
        }
    }
}

/// A reader that hands out at most `.1` bytes per call (7: like a slow
/// pipe).
struct Chunked<R>(R, usize);

impl<R: std::io::Read> std::io::Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn short_reads_are_not_truncation() {
    let mut synth =
        wormscope_wire::synth::SyntheticCapture::new(wormscope_wire::synth::SynthConfig {
            target_bytes: 300_000,
            ..Default::default()
        });
    let mut all = Vec::new();
    std::io::Read::read_to_end(&mut synth, &mut all).unwrap();
    let mut r =
        CaptureReader::with_limits(Chunked(Cursor::new(all.clone()), 7), 4096, 1 << 16).unwrap();
    let mut n = 0;
    while r.next_frame().unwrap().is_some() {
        n += 1;
    }
    let (want, err) = read_all(&all);
    assert!(err.is_none());
    assert_eq!(n, want.len());
    assert_eq!(r.offset(), all.len() as u64);
}
