//! `run` on files: outputs, error classes, damaged captures,
//! and an outside reader (tshark) for the files our writers make.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use wormscope_detect::{DetectError, HOSTS_CSV_HEADER, Options, Verdict, run};

fn chain_capture() -> Cap {
    let mut cap = Cap::default();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    exploit(&mut cap, &a, &v, false);
    shell_and_tftp(&mut cap, &a, &v, "msblast.exe", true);
    // A benign bystander.
    let mut f = wormscope_wire::build::TcpFlow::new(h("10.0.0.77"), 3333, h("192.0.2.1"), 80);
    cap.extend(f.handshake());
    cap
}

#[test]
fn outputs_are_written_and_parse() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("chain.pcap");
    std::fs::write(&pcap, chain_capture().pcap()).unwrap();
    let opts = Options {
        eve: Some(dir.path().join("alerts.json")),
        hosts: Some(dir.path().join("hosts.csv")),
        ..Options::default()
    };
    let report = run(std::slice::from_ref(&pcap), &opts).unwrap();
    assert_eq!(report.files.len(), 1);

    let eve = std::fs::read_to_string(dir.path().join("alerts.json")).unwrap();
    let lines: Vec<serde_json::Value> = eve
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    for v in &lines {
        for k in [
            "timestamp",
            "flow_id",
            "pcap_cnt",
            "event_type",
            "src_ip",
            "dest_ip",
            "proto",
            "alert",
        ] {
            assert!(v.get(k).is_some(), "{k} missing in {v}");
        }
        for k in [
            "action",
            "gid",
            "signature_id",
            "rev",
            "signature",
            "category",
            "severity",
        ] {
            assert!(v["alert"].get(k).is_some(), "alert.{k} missing");
        }
        assert!(v["timestamp"].as_str().unwrap().ends_with("+0000"));
        assert!(
            v["timestamp"]
                .as_str()
                .unwrap()
                .starts_with("2003-08-11T19:00:")
        );
    }

    let csv = std::fs::read_to_string(dir.path().join("hosts.csv")).unwrap();
    let mut it = csv.lines();
    assert_eq!(it.next(), Some(HOSTS_CSV_HEADER));
    let rows: Vec<Vec<&str>> = it.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6), "{csv}");
    // Infected first.
    assert_eq!(rows[0][1], "infected");
    assert_eq!(rows.last().unwrap()[1], "clean");
    assert!(
        rows.iter()
            .any(|r| r[0] == "10.0.7.9" && r[1] == "infected" && r[4].contains(';'))
    );
    assert!(rows[0][2].ends_with('Z') && rows[0][2].contains('T'));
    // No temporaries left.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn a_truncated_capture_is_damaged_with_its_offset_and_the_verdicts_so_far() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("t.pcap", chain_capture().pcap()),
        ("t.pcapng", chain_capture().pcapng()),
    ] {
        let p = dir.path().join(name);
        let cut = bytes.len() - 30;
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let opts = Options {
            hosts: Some(dir.path().join("h.csv")),
            ..Options::default()
        };
        let err = run(std::slice::from_ref(&p), &opts).unwrap_err();
        let DetectError::Damaged { source, report, .. } = &err else {
            panic!("{err}")
        };
        assert!(source.offset().unwrap() > 0);
        assert_eq!(
            report.verdict_of(wormscope_detect::HostKey::Addr(ip("10.0.7.9"))),
            Some(Verdict::Infected)
        );
        assert!(
            err.to_string()
                .contains(&format!("offset {}", source.offset().unwrap())),
            "{err}"
        );
        assert!(report.summary().contains("infected"));
        // The table was still written, from the verdicts so far.
        assert!(
            std::fs::read_to_string(dir.path().join("h.csv"))
                .unwrap()
                .contains("10.0.7.9,infected")
        );
    }
}

#[test]
fn unknown_format_and_missing_file_are_unreadable_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pcap");
    std::fs::write(&junk, b"this is not a capture at all").unwrap();
    let eve = dir.path().join("alerts.json");
    let opts = Options {
        eve: Some(eve.clone()),
        ..Options::default()
    };
    let err = run(&[junk], &opts).unwrap_err();
    assert!(matches!(err, DetectError::Unreadable { .. }), "{err}");
    assert!(err.to_string().contains("unknown capture format"), "{err}");
    assert!(!eve.exists(), "no output from an unreadable capture");
    let err = run(&[PathBuf::from("/nonexistent/capture.pcap")], &opts).unwrap_err();
    assert!(matches!(err, DetectError::Unreadable { .. }), "{err}");
}

#[test]
fn several_files_are_one_stream() {
    // The exploit in one file, the rest of the chain in the next.
    let dir = tempfile::tempdir().unwrap();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    let mut c1 = Cap::default();
    exploit(&mut c1, &a, &v, false);
    let mut c2 = Cap {
        t: c1.t + 1000,
        ..Cap::default()
    };
    shell_and_tftp(&mut c2, &a, &v, "msblast.exe", true);
    let p1 = dir.path().join("1.pcap");
    let p2 = dir.path().join("2.pcapng");
    std::fs::write(&p1, c1.pcap()).unwrap();
    std::fs::write(&p2, c2.pcapng()).unwrap();
    let eve = dir.path().join("e.json");
    let opts = Options {
        eve: Some(eve.clone()),
        ..Options::default()
    };
    let r = run(&[p1, p2], &opts).unwrap();
    assert_eq!(r.alerts_by_sid.values().sum::<u64>(), 5);
    assert_eq!(r.files.len(), 2);
    // pcap_cnt continues across files.
    let last: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&eve)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert!(last["pcap_cnt"].as_u64().unwrap() > c1.frames.len() as u64);
}

#[test]
fn tshark_reads_our_pcap_and_pcapng_without_warnings() {
    let Ok(version) = Command::new("tshark").arg("--version").output() else {
        println!("SKIPPED: tshark is not installed (apt-get install tshark)");
        return;
    };
    if !version.status.success() {
        println!("SKIPPED: tshark --version failed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cap = chain_capture();
    for (name, bytes) in [("w.pcap", cap.pcap()), ("w.pcapng", cap.pcapng())] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = Command::new("tshark")
            .arg("-n")
            .arg("-r")
            .arg(&p)
            .arg("-T")
            .arg("fields")
            .arg("-e")
            .arg("frame.number")
            .arg("-e")
            .arg("_ws.expert.severity")
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        // tshark as root prints a notice about running as root; anything
        // else on stderr is a warning about the file.
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("Running as user \"root\""))
            .collect();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), cap.frames.len(), "{name}");
        // Expert info: malformed packets and bad checksums would be
        // "error"/"warning" severities (checksums are verified only when
        // enabled; enable them).
        let out = Command::new("tshark")
            .args([
                "-n",
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "udp.check_checksum:TRUE",
                "-r",
            ])
            .arg(&p)
            .args([
                "-Y",
                "_ws.malformed || _ws.expert.severity >= \"warning\" && !(tcp.analysis)",
            ])
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let flagged = String::from_utf8_lossy(&out.stdout);
        assert!(
            flagged.trim().is_empty(),
            "{name}: tshark flags frames:\n{flagged}"
        );
    }
}

#[test]
fn slammer_codered_and_witty_reach_the_eve_lines_the_table_and_the_summary() {
    use wormscope_wire::build::{Station, TcpFlow, worm};
    let dir = tempfile::tempdir().unwrap();
    let mut cap = Cap::default();
    let dst = |i: u32| Station::new(std::net::Ipv4Addr::from(0xc633_0000 + i * 257));
    // Slammer to twelve destinations, Code Red II to one server, Witty to
    // twelve destinations; a benign web request beside them.
    for i in 0..12u32 {
        cap.push(worm::slammer_datagram(
            &h("10.40.0.7"),
            &dst(i),
            1042,
            1434,
            376,
            i as u16,
        ));
        cap.push(worm::witty_datagram(
            &h("10.60.0.3"),
            &dst(i),
            4000,
            7 + i as u16 * 5003,
            800 + i as usize,
            1,
        ));
    }
    let mut f = TcpFlow::new(h("10.50.0.9"), 1100, h("10.1.1.80"), 80);
    cap.extend(f.handshake());
    let mut req = b"GET /default.ida?".to_vec();
    req.extend([b'X'; 224]);
    req.extend_from_slice(b" HTTP/1.0\r\n\r\n");
    cap.push(f.client_data(&req));
    let mut g = TcpFlow::new(h("10.0.0.77"), 3333, h("10.1.1.80"), 80);
    cap.extend(g.handshake());
    cap.push(g.client_data(b"GET /default.ida?x=1 HTTP/1.0\r\n\r\n"));

    let pcap = dir.path().join("three.pcapng");
    std::fs::write(&pcap, cap.pcapng()).unwrap();
    let opts = Options {
        eve: Some(dir.path().join("alerts.json")),
        hosts: Some(dir.path().join("hosts.csv")),
        ..Options::default()
    };
    let report = run(std::slice::from_ref(&pcap), &opts).unwrap();

    let eve = std::fs::read_to_string(dir.path().join("alerts.json")).unwrap();
    let lines: Vec<serde_json::Value> = eve
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(u64, &str, &str, u64)> = lines
        .iter()
        .map(|v| {
            (
                v["alert"]["signature_id"].as_u64().unwrap(),
                v["src_ip"].as_str().unwrap(),
                v["proto"].as_str().unwrap(),
                v["dest_port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (9_000_040, "10.40.0.7", "UDP", 1434),
            (9_000_041, "10.40.0.7", "UDP", 1434),
            (9_000_060, "10.60.0.3", "UDP", 7 + 9 * 5003),
            (9_000_051, "10.50.0.9", "TCP", 80),
        ]
    );
    for v in &lines {
        assert!(
            v["alert"]["signature"]
                .as_str()
                .unwrap()
                .starts_with("WORMSCOPE ")
        );
        assert!(
            !v["alert"]["metadata"]["wormscope_evidence"][0]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }

    let csv = std::fs::read_to_string(dir.path().join("hosts.csv")).unwrap();
    let mut it = csv.lines();
    assert_eq!(it.next(), Some(HOSTS_CSV_HEADER));
    let rows: Vec<Vec<&str>> = it.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6), "{csv}");
    let find = |host: &str| {
        rows.iter()
            .find(|r| r[0] == host)
            .unwrap_or_else(|| panic!("{csv}"))
    };
    assert_eq!(find("10.40.0.7")[1], "infected");
    assert!(
        find("10.40.0.7")[4].contains("slammer_sent: 376-byte CLNT_UCAST_INST"),
        "{csv}"
    );
    assert!(find("10.40.0.7")[4].contains(";slammer_spread: "), "{csv}");
    assert_eq!(find("10.50.0.9")[1], "infected");
    assert!(
        find("10.50.0.9")[4].contains("codered2_sent: Code Red II"),
        "{csv}"
    );
    assert_eq!(find("10.1.1.80")[1], "victim");
    assert_eq!(find("10.60.0.3")[1], "infected");
    assert!(find("10.60.0.3")[4].starts_with("witty_spread: "), "{csv}");
    assert_eq!(find("10.0.0.77")[1], "clean");

    let s = report.summary();
    assert!(
        s.starts_with("hosts: 3 infected, 0 scanning, 1 victim, 1 clean"),
        "{s}"
    );
    assert!(s.contains("9000051 x1  WORMSCOPE Code Red II"), "{s}");
}
