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
    for link in [
        LinkType::ETHERNET,
        LinkType::RAW,
        LinkType::DLT_RAW_12,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
    ] {
        let cap = Cap {
            frames: base.frames.clone(),
            t: base.t,
            link,
        };
        for bytes in [cap.pcap(), cap.pcapng()] {
            let (r, alerts) = detect_bytes(&[&bytes], &DetectConfig::default());
            assert_eq!(alerts.len(), 5, "{link:?}");
            assert_eq!(verdict(&r, "10.0.7.9"), Some(Verdict::Infected));
        }
    }
    let tagged = Cap {
        frames: base
            .frames
            .iter()
            .map(|(t, f)| {
                (
                    *t,
                    build::add_vlan(&build::add_vlan(f, 0x8100, 10), 0x88a8, 20),
                )
            })
            .collect(),
        t: base.t,
        link: LinkType::ETHERNET,
    };
    let (_, alerts) = detect(&tagged);
    assert_eq!(alerts.len(), 5);
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
