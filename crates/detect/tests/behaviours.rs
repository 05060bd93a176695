//! Positives per behaviour, the four negatives, link types and formats.

mod common;

use std::net::Ipv4Addr;

use common::*;
use wormscope_detect::eve::sig;
use wormscope_detect::{Alert, DetectConfig, DetectionReport, HostKey, Verdict, detect_bytes};
use wormscope_wire::build::{self, IpOpts, Station, TcpFlow, TcpParams, worm};
use wormscope_wire::capture::LinkType;
use wormscope_wire::decode::tcp_flags;

fn detect(cap: &Cap) -> (DetectionReport, Vec<Alert>) {
    detect_bytes(&[&cap.pcap()], &DetectConfig::default())
}

fn sids(alerts: &[Alert]) -> Vec<u32> {
    let mut v: Vec<u32> = alerts.iter().map(|a| a.sig.sid).collect();
    v.sort();
    v.dedup();
    v
}

fn verdict(r: &DetectionReport, a: &str) -> Option<Verdict> {
    r.verdict_of(HostKey::Addr(ip(a)))
}

#[test]
fn sequential_sweep_is_infected_with_all_four_scan_detectors() {
    let mut cap = Cap::default();
    let scanner = h("10.0.0.5");
    sweep(&mut cap, &scanner, ip("10.1.5.200"), 120);
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![
            sig::SWEEP_135.sid,
            sig::TRW_135.sid,
            sig::ZEEK_135.sid,
            sig::BRO_135.sid
        ]
    );
    // One alert per detector per scanner.
    assert_eq!(alerts.len(), 4);
    assert_eq!(verdict(&r, "10.0.0.5"), Some(Verdict::Infected));
    let row = r
        .hosts
        .iter()
        .find(|h| h.host == HostKey::Addr(scanner.ip))
        .unwrap();
    assert!(row.evidence.len() == 4, "{:?}", row.evidence);
    assert!(row.confidence > 0.95);
    // TRW needs only four unanswered first contacts: it fires first.
    let trw = alerts.iter().find(|a| a.sig == sig::TRW_135).unwrap();
    let bro = alerts.iter().find(|a| a.sig == sig::BRO_135).unwrap();
    assert!(trw.pcap_cnt < bro.pcap_cnt);
}

#[test]
fn random_order_scan_is_scanning_not_infected() {
    let mut cap = Cap::default();
    let scanner = h("10.0.0.6");
    // Targets spread over a /16 in a scrambled order; half refuse with RST.
    for i in 0..200u32 {
        let x = (i.wrapping_mul(2_654_435_761)) & 0xffff;
        let t = Station::new(Ipv4Addr::from(u32::from(ip("10.9.0.0")) + x));
        let mut f = TcpFlow::new(scanner, 2000 + i as u16, t, 135);
        cap.push(f.syn());
        if i % 2 == 0 {
            cap.push(f.refuse());
        }
        cap.wait_ms(50);
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![sig::TRW_135.sid, sig::ZEEK_135.sid, sig::BRO_135.sid]
    );
    assert_eq!(verdict(&r, "10.0.0.6"), Some(Verdict::Scanning));
}

#[test]
fn exploit_shell_tftp_chain() {
    for split in [false, true] {
        let mut cap = Cap::default();
        let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
        exploit(&mut cap, &a, &v, split);
        shell_and_tftp(&mut cap, &a, &v, "msblast.exe", true);
        let (r, alerts) = detect(&cap);
        assert_eq!(
            sids(&alerts),
            vec![
                sig::DCERPC_OVERLONG.sid,
                sig::SHELL_BANNER_4444.sid,
                sig::SHELL_TFTP_4444.sid,
                sig::TFTP_RRQ_WORM.sid,
                sig::TFTP_TRANSFER.sid
            ],
            "split={split}"
        );
        assert_eq!(verdict(&r, "10.0.0.5"), Some(Verdict::Infected));
        assert_eq!(verdict(&r, "10.0.7.9"), Some(Verdict::Infected));
        let tr = alerts.iter().find(|a| a.sig == sig::TFTP_TRANSFER).unwrap();
        assert!(
            tr.evidence.contains("6176 bytes in 13 blocks"),
            "{}",
            tr.evidence
        );
        let ex = alerts
            .iter()
            .find(|a| a.sig == sig::DCERPC_OVERLONG)
            .unwrap();
        assert_eq!((ex.src, ex.dst_port), (a.ip, 135));
    }
}

#[test]
fn blocked_tftp_leaves_a_victim_not_infected() {
    let mut cap = Cap::default();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    exploit(&mut cap, &a, &v, false);
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::DCERPC_OVERLONG.sid]);
    assert_eq!(verdict(&r, "10.0.0.5"), Some(Verdict::Infected));
    assert_eq!(verdict(&r, "10.0.7.9"), Some(Verdict::Victim));
    let infected_first = r.summary();
    let i = infected_first.find("infected  10.0.0.5").unwrap();
    let j = infected_first.find("victim    10.0.7.9").unwrap();
    assert!(i < j, "{infected_first}");
}

#[test]
fn variant_name_and_unknown_name_after_shell() {
    let mut cap = Cap::default();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    shell_and_tftp(&mut cap, &a, &v, "teekids.exe", false);
    let (_, alerts) = detect(&cap);
    assert!(sids(&alerts).contains(&sig::TFTP_RRQ_WORM.sid));

    let mut cap = Cap::default();
    shell_and_tftp(&mut cap, &a, &v, "newvariant.exe", false);
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![sig::SHELL_BANNER_4444.sid, sig::TFTP_RRQ_AFTER_SHELL.sid]
    );
    assert_eq!(verdict(&r, "10.0.7.9"), Some(Verdict::Infected));
}

#[test]
fn flood_is_attributed_to_the_slash16() {
    let mut cap = Cap::default();
    let target = ip("203.0.113.80");
    for i in 0..600u32 {
        let spoofed = Ipv4Addr::new(10, 20, (i * 7 % 256) as u8, (i * 13 % 256) as u8);
        cap.push(worm::flood_syn(
            [2, 0, 10, 20, 0, 5],
            [2, 0, 0, 0, 0, 1],
            spoofed,
            target,
            i as u16,
            i,
        ));
        cap.wait_ms(19); // 20 ms apart: 50 pps
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::FLOOD_80.sid]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        r.verdict_of(HostKey::Slash16(10, 20)),
        Some(Verdict::Infected)
    );
    // No row for any spoofed source.
    assert_eq!(r.hosts.len(), 1, "{:?}", r.hosts);
}

#[test]
fn welchia_sweep() {
    let mut cap = Cap::default();
    let w = h("10.30.0.9");
    for i in 0..30u32 {
        let d = Station::new(Ipv4Addr::from(u32::from(ip("10.50.0.1")) + i));
        cap.push(worm::welchia_echo(&w, &d, 0x200, i as u16));
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::WELCHIA_ICMP.sid]);
    assert_eq!(verdict(&r, "10.30.0.9"), Some(Verdict::Infected));
    assert!(alerts[0].evidence.contains("92-byte"));
}

// ---- negatives -------------------------------------------------------------

fn assert_quiet(cap: &Cap, what: &str) {
    for bytes in [cap.pcap(), cap.pcapng()] {
        let (r, alerts) = detect_bytes(&[&bytes], &DetectConfig::default());
        assert!(alerts.is_empty(), "{what}: {alerts:#?}");
        assert!(!r.hosts.is_empty());
        for row in &r.hosts {
            assert_eq!(row.verdict, Verdict::Clean, "{what}: {row:?}");
        }
    }
}

#[test]
fn busy_web_server_is_quiet() {
    let mut cap = Cap::default();
    let server = h("192.0.2.80");
    for i in 0..400u32 {
        // Clients from many /16s and from one, Windows-like (TTL 128,
        // ephemeral ports 1025-5000 overlap 1000-1999).
        let c = if i % 2 == 0 {
            Station::new(Ipv4Addr::new(10, 20, (i % 200) as u8, (i % 250 + 1) as u8))
        } else {
            Station::new(Ipv4Addr::new((i % 200 + 11) as u8, 1, 2, 3))
        };
        let mut f = TcpFlow::new(c, 1000 + (i % 999) as u16, server, 80);
        cap.extend(f.handshake());
        cap.push(f.client_data(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"));
        cap.push(f.server_data(&[b'x'; 1400]));
        cap.push(f.server_data(&[b'y'; 300]));
        cap.extend(f.close());
        cap.wait_ms(5);
    }
    assert_quiet(&cap, "web server");
}

#[test]
fn port_80_scan_is_quiet() {
    let mut cap = Cap::default();
    let scanner = h("10.0.0.66");
    for i in 0..300u32 {
        let t = Station::new(Ipv4Addr::from(u32::from(ip("10.8.0.1")) + i));
        let mut f = TcpFlow::new(scanner, 40000, t, 80);
        cap.push(f.syn());
        if i % 3 == 0 {
            cap.push(f.refuse());
        }
    }
    assert_quiet(&cap, "port-80 scan");
}

#[test]
fn windows_file_sharing_is_quiet() {
    let mut cap = Cap::default();
    for i in 0..40u32 {
        let c = Station::new(Ipv4Addr::new(10, 1, 1, 10 + i as u8));
        for (port, srv) in [(139u16, "10.1.1.2"), (445, "10.1.1.3")] {
            let mut f = TcpFlow::new(c, 1100 + i as u16, h(srv), port);
            cap.extend(f.handshake());
            let mut smb = vec![0u8, 0, 0, 0x51];
            smb.extend_from_slice(b"\xffSMBr");
            smb.resize(0x55, 0);
            cap.push(f.client_data(&smb));
            cap.push(f.server_data(&smb));
            cap.push(f.server_data(&[0u8; 1200]));
            cap.extend(f.close());
        }
    }
    // NetBIOS name service chatter too.
    cap.push(build::udp_frame(
        &h("10.1.1.10"),
        &h("10.1.1.255"),
        IpOpts::default(),
        137,
        137,
        &[0u8; 50],
    ));
    assert_quiet(&cap, "file sharing");
}

#[test]
fn legitimate_dcom_to_135_is_quiet() {
    let mut cap = Cap::default();
    let client = h("10.1.1.50");
    for (i, srv) in ["10.1.1.2", "10.1.1.3", "10.1.1.4"].iter().enumerate() {
        let mut f = TcpFlow::new(client, 1300 + i as u16, h(srv), 135);
        cap.extend(f.handshake());
        cap.push(f.client_data(&worm::dcerpc_bind(1)));
        cap.push(f.server_ack());
        cap.push(f.client_data(&worm::dcerpc_request_with_path(
            2,
            "\\\\FILESRV01\\share\\report.doc",
        )));
        cap.push(f.server_data(&[0u8; 200]));
        cap.extend(f.close());
        cap.wait_ms(2000);
    }
    // One server is down (RST): still a benign walk.
    let mut f = TcpFlow::new(client, 1400, h("10.1.1.5"), 135);
    cap.push(f.syn());
    cap.push(f.refuse());
    assert_quiet(&cap, "legitimate DCOM");
}

// ---- link types, formats, counters --------------------------------------

#[test]
fn chain_is_found_on_every_link_type_and_with_vlans() {
    let mut base = Cap::default();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    exploit(&mut base, &a, &v, true);
    shell_and_tftp(&mut base, &a, &v, "msblast.exe", true);
    for link in LinkType::DECODED
        .into_iter()
        .filter(|&l| l != LinkType::IPV6)
    {
        let cap = Cap {
            frames: base.frames.clone(),
            t: base.t,
            link,
        };
        // Plain, and compressed as published captures often are.
        for bytes in [cap.pcap(), cap.pcapng(), gzip(&cap.pcap())] {
            let (r, alerts) = detect_bytes(&[&bytes], &DetectConfig::default());
            assert_eq!(alerts.len(), 5, "{link:?}");
            assert_eq!(verdict(&r, "10.0.7.9"), Some(Verdict::Infected));
            assert_eq!(r.stats.ipv4, r.stats.frames, "{link:?}");
        }
    }
    // Tags and encapsulations inside Ethernet: QinQ, a DSL access
    // network's PPPoE, a provider core's MPLS (under a VLAN tag too).
    type Wrap = fn(&[u8]) -> Vec<u8>;
    let encapsulations: [Wrap; 4] = [
        |f| build::add_vlan(&build::add_vlan(f, 0x8100, 10), 0x88a8, 20),
        build::in_pppoe,
        |f| build::in_mpls(f, &[16, 17]),
        |f| build::add_vlan(&build::in_mpls(f, &[16]), 0x8100, 10),
    ];
    for (i, wrap) in encapsulations.into_iter().enumerate() {
        let wrapped = Cap {
            frames: base.frames.iter().map(|(t, f)| (*t, wrap(f))).collect(),
            t: base.t,
            link: LinkType::ETHERNET,
        };
        let (r, alerts) = detect(&wrapped);
        assert_eq!(alerts.len(), 5, "encapsulation {i}");
        assert_eq!(r.stats.ipv4, r.stats.frames, "encapsulation {i}");
    }
    // Tunnels, as mirrored traffic arrives at a sensor (ERSPAN, VXLAN) or
    // crosses a provider (GRE, IP in IP): the hosts are the inner ones,
    // never the tunnel's endpoints.
    let (from, to) = (h("192.0.2.1"), h("192.0.2.2"));
    for tunnel in build::Tunnel::ALL {
        let wrapped = Cap {
            frames: base
                .frames
                .iter()
                .map(|(t, f)| (*t, build::in_tunnel(f, tunnel, &from, &to)))
                .collect(),
            t: base.t,
            link: LinkType::ETHERNET,
        };
        let (r, alerts) = detect(&wrapped);
        assert_eq!(alerts.len(), 5, "{tunnel:?}");
        assert_eq!(
            verdict(&r, "10.0.7.9"),
            Some(Verdict::Infected),
            "{tunnel:?}"
        );
        assert_eq!(verdict(&r, "192.0.2.1"), None, "{tunnel:?}");
        assert_eq!(r.stats.ipv4, r.stats.frames, "{tunnel:?}");
    }
}

/// A capture of a link type the decoder does not know is named in the
/// summary, with its frame count, rather than passing as silence.
#[test]
fn an_unknown_link_type_is_named() {
    let mut base = Cap::default();
    sweep(&mut base, &h("10.0.0.5"), ip("10.0.1.0"), 20);
    let wifi = Cap {
        frames: base.frames.clone(),
        t: base.t,
        // LINKTYPE_USER0: a private framing.
        link: LinkType(147),
    };
    let (r, alerts) = detect(&wifi);
    assert!(alerts.is_empty());
    assert_eq!(r.stats.unsupported_link, 20);
    assert!(
        r.summary()
            .contains("link types not decoded (tcpdump.org/linktypes.html): 147 (20 frames)"),
        "{}",
        r.summary()
    );
    let (r, _) = detect(&base);
    assert!(!r.summary().contains("not decoded"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn ipv6_and_fragments_are_counted() {
    let mut cap = Cap::default();
    let b = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv6([1; 16], [2; 16], 64)
        .tcp(1, 135, 0, 100)
        .syn();
    let mut f = Vec::new();
    b.write(&mut f, &[]).unwrap();
    cap.push(f.clone());
    cap.push(f);
    let mut frag = build::tcp_frame(
        &h("10.0.0.1"),
        &h("10.0.0.2"),
        IpOpts::default(),
        TcpParams {
            src_port: 1,
            dst_port: 2,
            seq: 0,
            ack: 0,
            flags: tcp_flags::ACK,
            window: 10,
        },
        &[0u8; 64],
    );
    frag[14 + 6] = 0x00;
    frag[14 + 7] = 0x10; // non-first fragment, no checksum fix needed to count
    cap.push(frag);
    let (r, alerts) = detect(&cap);
    assert!(alerts.is_empty());
    assert_eq!(r.stats.ipv6_skipped, 2);
    assert_eq!(r.stats.fragments, 1);
    assert_eq!(r.stats.ipv4, 1);
}

#[test]
fn trw_parameters_are_honoured() {
    // With theta1 raised so that failures weigh little, four failures no
    // longer flag the scanner.
    let mut cap = Cap::default();
    sweep(&mut cap, &h("10.0.0.5"), ip("10.1.1.1"), 5);
    let (_, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::TRW_135.sid]);
    let cfg = DetectConfig {
        trw_theta1: 0.7,
        ..DetectConfig::default()
    };
    let (_, alerts) = detect_bytes(&[&cap.pcap()], &cfg);
    assert!(alerts.is_empty());
}

#[test]
fn state_expires_after_five_minutes() {
    // 30 probes, a 6-minute pause, 30 more: blaster.bro's count restarts
    // and never reaches 50.
    let mut cap = Cap::default();
    let s = h("10.0.0.7");
    // TRW and Zeek made insensitive so that only blaster.bro speaks.
    let cfg = DetectConfig {
        trw_theta1: 0.79,
        zeek_threshold: 1000,
        ..DetectConfig::default()
    };
    for i in 0..30u32 {
        cap.push(worm::probe_syn(
            &s,
            &Station::new(Ipv4Addr::from(u32::from(ip("10.3.0.0")) + i * 1000)),
            1,
            i,
        ));
    }
    cap.wait_ms(6 * 60 * 1000);
    for i in 0..30u32 {
        cap.push(worm::probe_syn(
            &s,
            &Station::new(Ipv4Addr::from(u32::from(ip("10.4.0.0")) + i * 1000)),
            1,
            i,
        ));
    }
    let (_, alerts) = detect_bytes(&[&cap.pcap()], &cfg);
    assert!(alerts.is_empty(), "{alerts:?}");
    // Without the pause it fires.
    let mut cap2 = Cap::default();
    for (_, f) in &cap.frames {
        cap2.push(f.clone());
    }
    let (_, alerts) = detect_bytes(&[&cap2.pcap()], &cfg);
    assert_eq!(sids(&alerts), vec![sig::BRO_135.sid]);
}

// ---- SQL Slammer, Code Red, Witty ------------------------------------------

/// `n` addresses from `base` scattered over a /16, as a random scan's are.
fn scattered(base: &str, n: u32) -> Vec<Station> {
    (0..n)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761) >> 16;
            Station::new(Ipv4Addr::from(u32::from(ip(base)) + x))
        })
        .collect()
}

fn row<'a>(r: &'a DetectionReport, a: &str) -> &'a wormscope_detect::HostRow {
    r.hosts
        .iter()
        .find(|h| h.host == HostKey::Addr(ip(a)))
        .unwrap_or_else(|| panic!("no row for {a}: {:?}", r.hosts))
}

#[test]
fn one_slammer_datagram_is_infected_and_many_are_spreading() {
    // One datagram (the worm is one packet): infected, one alert, and no
    // row for the destination (it never answered; a telescope's address).
    let mut cap = Cap::default();
    let s = h("10.40.0.7");
    cap.push(worm::slammer_datagram(
        &s,
        &h("192.0.2.14"),
        1042,
        worm::SLAMMER_PORT,
        worm::SLAMMER_PAYLOAD_LEN,
        1,
    ));
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::SLAMMER_1434.sid]);
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].src, alerts[0].dst_port), (s.ip, 1434));
    assert_eq!(verdict(&r, "10.40.0.7"), Some(Verdict::Infected));
    assert_eq!(verdict(&r, "192.0.2.14"), None);
    let one = row(&r, "10.40.0.7").confidence;
    assert!((0.85..0.95).contains(&one), "{one}");
    assert!(
        alerts[0].evidence.contains("376-byte"),
        "{}",
        alerts[0].evidence
    );

    // Thirty destinations: one more alert (spreading), higher confidence,
    // still one alert of the datagram kind.
    let mut cap = Cap::default();
    for (i, d) in scattered("198.51.0.0", 30).iter().enumerate() {
        cap.push(worm::slammer_datagram(&s, d, 1042, 1434, 376, i as u16));
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![sig::SLAMMER_1434.sid, sig::SLAMMER_SPREAD.sid]
    );
    assert_eq!(alerts.len(), 2);
    // The tenth distinct destination completes the spread.
    assert_eq!(alerts[1].pcap_cnt, 10);
    assert!(row(&r, "10.40.0.7").confidence > 0.98);
    assert_eq!(r.hosts.len(), 1, "{:?}", r.hosts);
}

#[test]
fn slammer_is_found_when_the_snap_length_cut_the_payload() {
    // A 68-byte snap length keeps 26 bytes of the 376: the length comes
    // from the IPv4 header.
    let mut cap = Cap::default();
    let mut f = worm::slammer_datagram(&h("10.40.0.8"), &h("192.0.2.1"), 3000, 1434, 376, 1);
    f.truncate(68);
    cap.push(f);
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::SLAMMER_1434.sid]);
    assert!(alerts[0].evidence.contains("376-byte"));
    assert_eq!(verdict(&r, "10.40.0.8"), Some(Verdict::Infected));
}

/// A web client's request to `server`: handshake, request, the server's
/// answer and a close.
fn http_request(cap: &mut Cap, client: &Station, port: u16, server: &Station, request: &[u8]) {
    let mut f = TcpFlow::new(*client, port, *server, 80);
    cap.extend(f.handshake());
    cap.push(f.client_data(request));
    cap.push(f.server_data(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    cap.extend(f.close());
}

/// `GET /default.ida?` then `n` copies of `filler`, benign (letters only).
fn ida_request(filler: u8, n: usize) -> Vec<u8> {
    let mut r = b"GET /default.ida?".to_vec();
    r.extend(std::iter::repeat_n(filler, n));
    r.extend_from_slice(b" HTTP/1.0\r\nContent-type: text/xml\r\n\r\n");
    r
}

#[test]
fn code_red_request_names_the_client_infected_the_server_victim_and_the_variant() {
    for (filler, s, word) in [
        (b'N', sig::CODERED_N, "Code Red v1/v2"),
        (b'X', sig::CODERED_X, "Code Red II"),
        (b'Q', sig::CODERED_OTHER, "Code Red-like"),
    ] {
        let mut cap = Cap::default();
        http_request(
            &mut cap,
            &h("10.50.0.9"),
            1100,
            &h("192.0.2.80"),
            &ida_request(filler, 224),
        );
        let (r, alerts) = detect(&cap);
        assert_eq!(sids(&alerts), vec![s.sid], "{}", filler as char);
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].src, alerts[0].dst_port), (ip("10.50.0.9"), 80));
        assert!(alerts[0].evidence.contains(word), "{}", alerts[0].evidence);
        assert!(
            alerts[0]
                .evidence
                .contains(&format!("224 '{}'", filler as char)),
            "{}",
            alerts[0].evidence
        );
        assert_eq!(verdict(&r, "10.50.0.9"), Some(Verdict::Infected));
        assert_eq!(verdict(&r, "192.0.2.80"), Some(Verdict::Victim));
        assert!(row(&r, "192.0.2.80").evidence[0].contains("10.50.0.9"));
    }
}

#[test]
fn code_red_to_many_servers_is_spreading_with_one_alert_each() {
    let mut cap = Cap::default();
    let c = h("10.50.0.10");
    let servers = scattered("203.0.0.0", 8);
    for (i, s) in servers.iter().enumerate() {
        http_request(&mut cap, &c, 1100 + i as u16, s, &ida_request(b'N', 224));
        // The same request retransmitted does not add an alert.
        cap.wait_ms(300);
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![sig::CODERED_N.sid, sig::CODERED_SPREAD.sid]
    );
    assert_eq!(alerts.len(), 2);
    assert!(alerts[1].evidence.contains("3 distinct web servers"));
    assert_eq!(verdict(&r, "10.50.0.10"), Some(Verdict::Infected));
    assert!(row(&r, "10.50.0.10").confidence > 0.97);
    for s in &servers {
        assert_eq!(r.verdict_of(HostKey::Addr(s.ip)), Some(Verdict::Victim));
    }
}

#[test]
fn code_red_is_found_when_the_snap_length_cut_the_request() {
    // 96 bytes of frame: 42 of payload, 25 of them filler, then the cut.
    let mut cap = Cap::default();
    let mut f = TcpFlow::new(h("10.50.0.11"), 1100, h("192.0.2.81"), 80);
    cap.extend(f.handshake());
    let mut seg = f.client_data(&ida_request(b'X', 224));
    seg.truncate(96);
    cap.push(seg);
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::CODERED_X.sid]);
    assert!(
        alerts[0].evidence.contains("at least 25 'X'"),
        "{}",
        alerts[0].evidence
    );
    assert_eq!(verdict(&r, "10.50.0.11"), Some(Verdict::Infected));
    // The same 25 letters in a segment that was whole are too few.
    let mut cap = Cap::default();
    http_request(
        &mut cap,
        &h("10.50.0.11"),
        1100,
        &h("192.0.2.81"),
        &ida_request(b'X', 25),
    );
    let (_, alerts) = detect(&cap);
    assert!(alerts.is_empty(), "{alerts:?}");
}

/// Witty-shaped datagrams from `src`: one per destination, random ports,
/// the lengths spread over `lens`.
fn witty(cap: &mut Cap, src: &Station, dsts: &[Station], lens: std::ops::RangeInclusive<usize>) {
    let span = lens.end() - lens.start() + 1;
    for (i, d) in dsts.iter().enumerate() {
        let port = (i as u32).wrapping_mul(40_503).wrapping_add(977) as u16;
        let len = lens.start() + (i * 97) % span;
        cap.push(worm::witty_datagram(src, d, 4000, port, len, i as u16));
        cap.wait_ms(3);
    }
}

#[test]
fn witty_needs_the_length_and_many_destinations() {
    let w = h("10.60.0.3");
    let mut cap = Cap::default();
    witty(
        &mut cap,
        &w,
        &scattered("198.18.0.0", 40),
        worm::WITTY_PAYLOAD_LEN,
    );
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::WITTY_4000.sid]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].pcap_cnt, 10);
    assert_eq!(verdict(&r, "10.60.0.3"), Some(Verdict::Infected));
    assert_eq!(r.hosts.len(), 1);

    // Nine destinations: not yet.
    let mut cap = Cap::default();
    witty(
        &mut cap,
        &w,
        &scattered("198.18.0.0", 9),
        worm::WITTY_PAYLOAD_LEN,
    );
    let (r, alerts) = detect(&cap);
    assert!(alerts.is_empty(), "{alerts:?}");
    assert_eq!(verdict(&r, "10.60.0.3"), Some(Verdict::Clean));

    // The same scan with ICQ-sized datagrams, or oversized ones: not Witty.
    for lens in [20..=600, 1308..=1400] {
        let mut cap = Cap::default();
        witty(&mut cap, &w, &scattered("198.18.0.0", 40), lens);
        let (_, alerts) = detect(&cap);
        assert!(alerts.is_empty(), "{alerts:?}");
    }

    // Ten destinations over six minutes, as a /8 telescope sees a host on
    // a modem: infected.
    let slow = |gap_ms: i64| {
        let mut cap = Cap::default();
        for (i, d) in scattered("198.18.0.0", 10).iter().enumerate() {
            cap.push(worm::witty_datagram(&w, d, 4000, 1000 + i as u16, 900, 1));
            cap.wait_ms(gap_ms);
        }
        detect(&cap)
    };
    let (r, alerts) = slow(40_000);
    assert_eq!(sids(&alerts), vec![sig::WITTY_4000.sid]);
    assert_eq!(verdict(&r, "10.60.0.3"), Some(Verdict::Infected));
    // A trickle slower than the state's expiry: not yet.
    let (_, alerts) = slow(400_000);
    assert!(alerts.is_empty(), "{alerts:?}");
}

#[test]
fn a_server_answering_its_clients_from_4000_udp_is_not_witty() {
    // Twelve clients on twelve ports each ask a server on 4000/udp, which
    // answers each with a datagram of Witty's length: answers, not a scan.
    let server = h("10.60.0.9");
    let clients = scattered("198.18.0.0", 12);
    let mut cap = Cap::default();
    for (i, c) in clients.iter().enumerate() {
        let port = 20_000 + i as u16 * 7;
        cap.push(build::udp_frame(
            c,
            &server,
            IpOpts::default(),
            port,
            4000,
            &[0x05; 24],
        ));
        cap.push(worm::witty_datagram(&server, c, 4000, port, 900, 1));
    }
    let (r, alerts) = detect(&cap);
    assert!(alerts.is_empty(), "{alerts:?}");
    assert_ne!(verdict(&r, "10.60.0.9"), Some(Verdict::Infected));
    // The same datagrams unasked are the worm's.
    let mut cap = Cap::default();
    for (i, c) in clients.iter().enumerate() {
        cap.push(worm::witty_datagram(
            &server,
            c,
            4000,
            20_000 + i as u16 * 7,
            900,
            1,
        ));
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::WITTY_4000.sid]);
    assert_eq!(verdict(&r, "10.60.0.9"), Some(Verdict::Infected));
}

#[test]
fn witty_is_found_in_header_only_traces() {
    // CAIDA's public Witty traces keep the headers only: 42 bytes a frame.
    let mut cap = Cap::default();
    witty(
        &mut cap,
        &h("10.60.0.4"),
        &scattered("198.18.0.0", 12),
        768..=1307,
    );
    for (_, f) in &mut cap.frames {
        f.truncate(42);
    }
    let (r, alerts) = detect(&cap);
    assert_eq!(sids(&alerts), vec![sig::WITTY_4000.sid]);
    assert_eq!(verdict(&r, "10.60.0.4"), Some(Verdict::Infected));
}

#[test]
fn the_three_worms_and_blaster_in_one_capture_keep_their_own_evidence() {
    let mut cap = Cap::default();
    sweep(&mut cap, &h("10.0.0.5"), ip("10.1.5.200"), 120);
    cap.push(worm::slammer_datagram(
        &h("10.40.0.7"),
        &h("10.1.1.1"),
        1042,
        1434,
        376,
        1,
    ));
    http_request(
        &mut cap,
        &h("10.50.0.9"),
        1100,
        &h("10.1.1.2"),
        &ida_request(b'N', 224),
    );
    witty(
        &mut cap,
        &h("10.60.0.3"),
        &scattered("198.18.0.0", 12),
        768..=1307,
    );
    let (r, alerts) = detect(&cap);
    assert_eq!(
        sids(&alerts),
        vec![
            sig::SWEEP_135.sid,
            sig::TRW_135.sid,
            sig::ZEEK_135.sid,
            sig::BRO_135.sid,
            sig::SLAMMER_1434.sid,
            sig::CODERED_N.sid,
            sig::WITTY_4000.sid
        ]
    );
    for (host, kind) in [
        ("10.0.0.5", "sweep"),
        ("10.40.0.7", "slammer_sent"),
        ("10.50.0.9", "codered_sent"),
        ("10.60.0.3", "witty_spread"),
    ] {
        assert_eq!(verdict(&r, host), Some(Verdict::Infected));
        assert!(
            row(&r, host).evidence.iter().any(|e| e.contains(kind)),
            "{host}: {:?}",
            row(&r, host).evidence
        );
    }
    let s = r.summary();
    assert!(s.contains("9000040 x1  WORMSCOPE SQL Slammer"), "{s}");
    assert!(s.contains("9000060 x1  WORMSCOPE Witty"), "{s}");
}

#[test]
fn sql_browsing_http_icq_and_dns_are_quiet() {
    let mut cap = Cap::default();
    let o = IpOpts::default();
    // SQL Server browsing: CLNT_BCAST_EX (0x02) and CLNT_UCAST_EX (0x03)
    // pings, a CLNT_UCAST_INST for a named instance, and the answers.
    let client = h("10.1.2.3");
    for (i, srv) in scattered("10.1.0.0", 20).iter().enumerate() {
        let req: &[u8] = match i % 3 {
            0 => &[0x02],
            1 => &[0x03],
            _ => b"\x04MSSQLSERVER\x00",
        };
        cap.push(build::udp_frame(
            &client,
            srv,
            o,
            1500 + i as u16,
            1434,
            req,
        ));
        let mut resp = vec![0x05, 60, 0];
        resp.extend_from_slice(
            b"ServerName;DB1;InstanceName;MSSQLSERVER;IsClustered;No;tcp;1433;;",
        );
        cap.push(build::udp_frame(
            srv,
            &client,
            o,
            1434,
            1500 + i as u16,
            &resp,
        ));
    }
    // A 32-byte instance name, the longest allowed: 34 bytes.
    let mut longest = vec![0x04];
    longest.extend_from_slice(&[b'I'; 32]);
    longest.push(0);
    cap.push(build::udp_frame(
        &client,
        &h("10.1.0.9"),
        o,
        1600,
        1434,
        &longest,
    ));

    // Web browsing, Indexing Service queries among it.
    let web = h("10.1.2.4");
    for (i, req) in [
        &b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"[..],
        b"GET /default.ida?x=1 HTTP/1.1\r\nHost: example\r\n\r\n",
        b"GET /default.ida?NNNNNNNNNN HTTP/1.1\r\nHost: example\r\n\r\n",
        b"GET /query.idq?CiRestriction=worm&CiMaxRecordsPerPage=10 HTTP/1.0\r\n\r\n",
        b"POST /default.ida?x=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        b"GET /index.html?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.0\r\n\r\n",
    ]
    .iter()
    .enumerate()
    {
        for (j, srv) in scattered("192.0.0.0", 5).iter().enumerate() {
            http_request(&mut cap, &web, 2000 + (i * 5 + j) as u16, srv, req);
        }
    }

    // ICQ: a server on 4000/udp answering many clients with short
    // datagrams, a few long ones among them (to fewer than ten clients).
    let icq = h("10.1.2.5");
    for (i, c) in scattered("172.16.0.0", 60).iter().enumerate() {
        let len = if i % 10 == 0 { 900 } else { 24 + i % 200 };
        let mut msg = vec![0x05, 0x00];
        msg.resize(len, 0);
        cap.push(build::udp_frame(&icq, c, o, 4000, 1025 + i as u16, &msg));
        cap.push(build::udp_frame(
            c,
            &icq,
            o,
            1025 + i as u16,
            4000,
            &msg[..24],
        ));
    }

    // DNS lookups and answers.
    let resolver = h("10.1.0.53");
    for i in 0..30u16 {
        let mut q = vec![(i >> 8) as u8, i as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
        cap.push(build::udp_frame(
            &h("10.1.2.6"),
            &resolver,
            o,
            30000 + i,
            53,
            &q,
        ));
        let mut a = q.clone();
        a[2] = 0x81;
        a[3] = 0x80;
        a.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1]);
        cap.push(build::udp_frame(
            &resolver,
            &h("10.1.2.6"),
            o,
            53,
            30000 + i,
            &a,
        ));
    }
    assert_quiet(&cap, "SQL browsing, HTTP, ICQ, DNS");
}
