//! `capture` end to end on a small world: the capture's 135/tcp SYNs are
//! the engine's probes for the vantage and window (by the sensors'
//! arithmetic, by a pure-Rust read-back, and by tshark when installed);
//! the detector run on it finds every infected source in view and flags
//! no clean host; the `--max-packets` guard writes nothing.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use wormscope_engine::observe::Observer;
use wormscope_model::blaster::Outcome;
use wormscope_model::{HostId, World};
use wormscope_observe::capture::{CaptureOptions, VantageCaptureError, capture};
use wormscope_scenario::{BlasterScenario, Percent, SensorConfig, SensorKind, SimDuration};
use wormscope_wire::capture::CaptureReader;
use wormscope_wire::decode::{Decoded, TransportLayer, decode};

/// A dense /16 with an ISP block (a /20) whose border is tapped, and a
/// dark /18 watched by a telescope.
fn scenario() -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `reference/tests/churn.rs`).
    s.world.churn.enabled = false;
    s.seed = 11;
    s.duration = SimDuration::from_secs(3 * 3600);
    s.world.only_in = vec!["61.4.0.0/16".parse().unwrap()];
    s.world.used_slash16_pct = Percent::new(100.0).unwrap();
    s.world.networks.truncate(1);
    let bb = &mut s.world.networks[0];
    bb.share_pct = Percent::new(100.0).unwrap();
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = Percent::new(30.0).unwrap();
    bb.firewall_pct = Percent::new(0.0).unwrap();
    s.worm.initial_infected = 20;
    let sensor = |name: &str, kind, prefix: &str| SensorConfig {
        name: name.into(),
        kind,
        prefix: Some(prefix.parse().unwrap()),
        addresses: None,
        report_delay: None,
    };
    s.sensors = vec![
        sensor("edge", SensorKind::Edge, "61.4.160.0/20"),
        sensor("dark", SensorKind::Telescope, "61.4.64.0/18"),
    ];
    wormscope_scenario::check(&s).unwrap();
    s
}

fn mins(m: u64) -> SimDuration {
    SimDuration::from_secs(m * 60)
}

/// SYN-only segments to 135/tcp and their sources, read back in Rust.
fn syns_to_135(path: &Path) -> (u64, HashSet<Ipv4Addr>, u64) {
    let mut r = CaptureReader::open(path).unwrap();
    let (mut syns, mut frames) = (0, 0);
    let mut sources = HashSet::new();
    let mut last_ts = i64::MIN;
    while let Some(f) = r.next_frame().unwrap() {
        frames += 1;
        assert!(f.ts_us >= last_ts, "frames in time order");
        last_ts = f.ts_us;
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            panic!("frame {frames} is not IPv4")
        };
        if let TransportLayer::Tcp(t) = p.transport
            && t.is_syn_only()
            && t.dst_port == 135
        {
            syns += 1;
            sources.insert(p.src);
        }
    }
    (syns, sources, frames)
}

/// DCE/RPC requests (version 5, packet type 0) to 135/tcp, read back in
/// Rust: one per exploit session in the file.
fn exploit_requests(path: &Path) -> u64 {
    let mut r = CaptureReader::open(path).unwrap();
    let mut requests = 0;
    while let Some(f) = r.next_frame().unwrap() {
        if let Decoded::Ipv4(p) = decode(f.link_type, f.data)
            && let TransportLayer::Tcp(t) = p.transport
            && t.dst_port == 135
            && t.payload.len() > 2
            && t.payload[0] == 5
            && t.payload[2] == 0
        {
            requests += 1;
        }
    }
    requests
}

/// tshark's count of SYN (no ACK) to 135/tcp, after checking that it reads
/// the file without complaint, bad checksums or malformed packets. `None`
/// when tshark is not installed.
fn tshark_syns(path: &Path) -> Option<u64> {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("tshark is not installed: skipping its checks (the Rust read-back still runs)");
        return None;
    }
    let run = |filter: &str| {
        let o = Command::new("tshark")
            .args(["-r", path.to_str().unwrap(), "-n"])
            .args(["-o", "ip.check_checksum:TRUE"])
            .args(["-o", "tcp.check_checksum:TRUE"])
            .args(["-o", "udp.check_checksum:TRUE"])
            .args(["-Y", filter])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let complaints: Vec<&str> = err
            .lines()
            .filter(|l| !l.contains("Running as user") && !l.trim().is_empty())
            .collect();
        assert!(o.status.success() && complaints.is_empty(), "tshark: {err}");
        String::from_utf8_lossy(&o.stdout).lines().count() as u64
    };
    let bad = run(
        "_ws.malformed || ip.checksum.status == 2 || tcp.checksum.status == 2 || udp.checksum.status == 2",
    );
    assert_eq!(bad, 0, "malformed frames or bad checksums");
    Some(run(
        "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 135",
    ))
}

#[test]
fn capture_syns_equal_the_engines_probes_for_the_vantage_and_window() {
    let s = scenario();
    let world = wormscope_model::generate::generate(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The sensors' per-minute counts from a plain simulate run.
    let observed = wormscope_observe::simulate_blaster(&s, &world, &mut |_| {});
    let edge_rows: Vec<u64> = observed.sensors[0].rows.iter().map(|r| r.probes).collect();
    for (vantage, from, to) in [("edge", 60, 70), ("dark", 100, 110)] {
        let opts = CaptureOptions::new(&s, vantage, mins(from), mins(to));
        let path = dir.path().join(format!("{vantage}.pcap"));
        let c = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
        let i = if vantage == "edge" { 0 } else { 1 };
        let rows: Vec<u64> = observed.sensors[i].rows.iter().map(|r| r.probes).collect();
        let by_sensors: u64 = rows[from as usize..to as usize].iter().sum();
        assert!(by_sensors > 1000, "{vantage}: a window worth checking");
        assert_eq!(c.probes, by_sensors, "{vantage}");
        assert_eq!(c.engine_probes, Some(by_sensors));
        let (syns, sources, frames) = syns_to_135(&path);
        assert_eq!(syns, by_sensors, "{vantage}");
        assert_eq!(frames, c.frames);
        assert_eq!(sources.len() as u64, c.sources);
        if let Some(n) = tshark_syns(&path) {
            assert_eq!(n, by_sensors, "{vantage}: tshark's count");
        }
        // Every exploit session written is counted, whether its target
        // was a candidate of the worm or a host it could not infect.
        assert_eq!(exploit_requests(&path), c.exploits, "{vantage}");
        if vantage == "edge" {
            assert!(c.exploits > 0 && c.background > 0, "{c:?}");
        } else {
            assert_eq!(c.background, 0, "a darknet carries no sessions");
        }
    }
    assert_eq!(edge_rows.len(), 180);

    // pcapng: the same frames; and the same bytes again for the same input.
    let mut opts = CaptureOptions::new(&s, "edge", mins(60), mins(70));
    opts.format = wormscope_wire::write::OutputFormat::PcapNg;
    let a = dir.path().join("a.pcapng");
    let b = dir.path().join("b.pcapng");
    capture(&s, &world, &opts, &a, &mut |_| {}).unwrap();
    capture(&s, &world, &opts, &b, &mut |_| {}).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let (syns, _, _) = syns_to_135(&a);
    assert_eq!(syns, edge_rows[60..70].iter().sum::<u64>());
    if let Some(n) = tshark_syns(&a) {
        assert_eq!(n, syns);
    }
}

/// With random targets the capture's run watches what `simulate`'s does,
/// so it sees the probes `simulate`'s sensors counted, one by one, and the
/// addresses of the probes leaving an edge are drawn outside everything
/// watched or live, as the worm draws them: with local preference, mostly
/// in the scanners' own /8.
#[test]
fn with_random_targets_a_capture_shows_the_probes_simulate_counted() {
    use wormscope_scenario::TargetingKind;
    for targeting in [TargetingKind::UniformRandom, TargetingKind::LocalPreference] {
        let mut s = scenario();
        s.worm.targeting = targeting;
        let world = wormscope_model::generate::generate(&s).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let observed = wormscope_observe::simulate_blaster(&s, &world, &mut |_| {});
        for (i, vantage, from, to, least) in [(0, "edge", 60, 70, 1000), (1, "dark", 30, 150, 1)] {
            let opts = CaptureOptions::new(&s, vantage, mins(from), mins(to));
            let path = dir.path().join(format!("{vantage}.pcap"));
            let c = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
            let rows: Vec<u64> = observed.sensors[i].rows.iter().map(|r| r.probes).collect();
            let by_sensors: u64 = rows[from as usize..to as usize].iter().sum();
            assert!(
                by_sensors >= least,
                "{targeting:?} {vantage}: {by_sensors} probes"
            );
            assert_eq!(c.probes, by_sensors, "{targeting:?} {vantage}");
            assert_eq!(c.engine_probes, Some(by_sensors));
            let (syns, _, _) = syns_to_135(&path);
            assert_eq!(syns, by_sensors, "{targeting:?} {vantage}");
            if vantage == "edge" {
                // Out of the world's /16 into the rest of its /8: 1 in 256
                // of uniform targets; local preference draws half of its
                // targets over the own /8.
                let share = share_into_slash8_outside(&path, "61.4.0.0/16");
                let (lo, hi) = match targeting {
                    TargetingKind::LocalPreference => (0.3, 1.0),
                    _ => (0.0, 0.02),
                };
                assert!(
                    (lo..hi).contains(&share),
                    "{targeting:?}: {share:.4} of the SYNs leaving the edge go to its /8"
                );
            }
        }
    }
}

/// An ISP filter of 135/tcp going out on every /16, from minute 65: the
/// edge (a /20 inside the world's /16) sees its scanners' random probes
/// leave for anywhere before, and only for the rest of their /16 after;
/// each window's capture holds what `simulate`'s sensors counted.
#[test]
fn under_an_isp_filter_an_edge_sees_random_probes_only_inside_their_slash16() {
    use wormscope_scenario::{FilterDefense, TargetingKind, When};
    for targeting in [TargetingKind::UniformRandom, TargetingKind::LocalPreference] {
        let mut s = scenario();
        s.worm.targeting = targeting;
        s.defenses.isp_filter = FilterDefense {
            enabled: true,
            source: "test".into(),
            start: When::After(mins(65)),
            coverage_pct: Percent::new(100.0).unwrap(),
            blocks_in: Vec::new(),
            blocks_out: vec!["135/tcp".parse().unwrap()],
        };
        wormscope_scenario::check(&s).unwrap();
        let world = wormscope_model::generate::generate(&s).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let observed = wormscope_observe::simulate_blaster(&s, &world, &mut |_| {});
        let rows: Vec<u64> = observed.sensors[0].rows.iter().map(|r| r.probes).collect();
        let slash16: wormscope_scenario::Prefix = "61.4.0.0/16".parse().unwrap();
        for (from, to) in [(60, 65), (65, 70)] {
            let opts = CaptureOptions::new(&s, "edge", mins(from), mins(to));
            let path = dir.path().join(format!("edge-{from}.pcap"));
            let c = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
            let by_sensors: u64 = rows[from as usize..to as usize].iter().sum();
            assert_eq!(c.probes, by_sensors, "{targeting:?} {from}-{to}");
            assert_eq!(c.engine_probes, Some(by_sensors));
            let (syns, _, _) = syns_to_135(&path);
            assert_eq!(syns, by_sensors, "{targeting:?} {from}-{to}");
            let out = leaving(&path, &slash16);
            if from < 65 {
                assert!(out > 1000, "{targeting:?}: {out} SYNs left the /16 before");
            } else {
                assert_eq!(out, 0, "{targeting:?}: SYNs left the /16 after");
            }
        }
        let after: u64 = rows[65..70].iter().sum();
        // Without the filter: all the edge's probes, and those to the rest
        // of its /16, which the filter lets through.
        let (unfiltered, unfiltered_inside) = {
            let mut open = s.clone();
            open.defenses.isp_filter.enabled = false;
            let opts = CaptureOptions::new(&open, "edge", mins(65), mins(70));
            let path = dir.path().join("open.pcap");
            let c = capture(&open, &world, &opts, &path, &mut |_| {}).unwrap();
            (c.probes, c.probes - leaving(&path, &slash16))
        };
        // Those to the rest of the /16 are still all seen (in
        // distribution: the runs draw apart).
        let ratio = after as f64 / unfiltered_inside.max(1) as f64;
        assert!(
            unfiltered_inside < 1000 || (0.8..1.25).contains(&ratio),
            "{targeting:?}: {after} SYNs into the /16 with the filter, {unfiltered_inside} without"
        );
        if targeting == TargetingKind::LocalPreference {
            assert!(unfiltered_inside >= 1000, "{unfiltered_inside}");
        }
        // Uniform targets rarely fall in their own /16; local preference
        // draws a good share of them there.
        let most = match targeting {
            TargetingKind::LocalPreference => unfiltered * 9 / 10,
            _ => unfiltered / 10,
        };
        assert!(after < most, "{targeting:?}: {after} of {unfiltered}");
    }
}

/// SYNs to 135/tcp whose destination lies outside `inside`.
fn leaving(path: &Path, inside: &wormscope_scenario::Prefix) -> u64 {
    let mut r = CaptureReader::open(path).unwrap();
    let mut n = 0;
    while let Some(f) = r.next_frame().unwrap() {
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            continue;
        };
        if let TransportLayer::Tcp(t) = p.transport
            && t.is_syn_only()
            && t.dst_port == 135
            && !inside.contains(u32::from(p.dst))
        {
            n += 1;
        }
    }
    n
}

/// A hit list's probes reach observers as any probe does: a capture over
/// the minutes the list goes out shows them SYN for SYN with what
/// `simulate`'s sensors counted, with the sessions of the entries it
/// exploited; and the list is there to be seen (the edge counts more than
/// without it).
#[test]
fn a_capture_shows_a_hit_lists_probes_as_simulate_counted_them() {
    let mut s = scenario();
    // 20 seeds, 100 entries each at 5 a second: the first 20 s.
    s.worm.hit_list = Some(wormscope_scenario::HitListConfig {
        hosts: 2000,
        probes_per_second: 5.0,
    });
    let world = wormscope_model::generate::generate(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let edge_minutes = |s: &BlasterScenario| -> u64 {
        let observed = wormscope_observe::simulate_blaster(s, &world, &mut |_| {});
        observed.sensors[0].rows[..2].iter().map(|r| r.probes).sum()
    };
    let by_sensors = edge_minutes(&s);
    let mut plain = s.clone();
    plain.worm.hit_list = None;
    let without = edge_minutes(&plain);
    assert!(
        by_sensors > without + 50,
        "the edge saw {by_sensors} probes with the list, {without} without"
    );
    let opts = CaptureOptions::new(&s, "edge", mins(0), mins(2));
    let path = dir.path().join("edge.pcap");
    let c = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
    assert_eq!(c.probes, by_sensors);
    let (syns, _, _) = syns_to_135(&path);
    assert_eq!(syns, by_sensors);
    assert!(c.exploits > 0, "{c:?}");
    if let Some(n) = tshark_syns(&path) {
        assert_eq!(n, by_sensors, "tshark's count");
    }
}

/// Of the SYNs to 135/tcp from inside `inside` to outside it, the share
/// that go to the rest of its /8.
fn share_into_slash8_outside(path: &Path, inside: &str) -> f64 {
    let inside: wormscope_scenario::Prefix = inside.parse().unwrap();
    let mut r = CaptureReader::open(path).unwrap();
    let (mut out, mut into8) = (0u64, 0u64);
    while let Some(f) = r.next_frame().unwrap() {
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            continue;
        };
        let (src, dst) = (u32::from(p.src), u32::from(p.dst));
        if let TransportLayer::Tcp(t) = p.transport
            && t.is_syn_only()
            && t.dst_port == 135
            && inside.contains(src)
            && !inside.contains(dst)
        {
            out += 1;
            into8 += u64::from(dst >> 24 == src >> 24);
        }
    }
    into8 as f64 / out.max(1) as f64
}

/// Which hosts carry the worm by the window's end: worm starts, and
/// victims an exploit infected (their worm starts seconds later).
#[derive(Default)]
struct Truth {
    infected: HashSet<HostId>,
}

impl Observer for Truth {
    fn worm_start(&mut self, host: HostId, _t: u64) {
        self.infected.insert(host);
    }
    fn exploit(&mut self, _a: HostId, victim: HostId, _t: u64, outcome: Outcome) {
        if outcome == Outcome::Infected {
            self.infected.insert(victim);
        }
    }
}

fn infected_addresses(s: &BlasterScenario, world: &World, to: SimDuration) -> HashSet<Ipv4Addr> {
    let mut run = s.clone();
    run.duration = to;
    let mut truth = Truth::default();
    wormscope_engine::simulate_blaster_observed(&run, world, &mut truth, &mut |_| {});
    truth
        .infected
        .iter()
        .map(|&h| Ipv4Addr::from(world.public_addr(world.host(h))))
        .collect()
}

#[test]
fn detect_on_a_capture_finds_every_infected_source_and_no_clean_host() {
    use wormscope_detect::Verdict;
    let s = scenario();
    let world = wormscope_model::generate::generate(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edge.pcap");
    let (from, to) = (mins(0), mins(10));
    let opts = CaptureOptions::new(&s, "edge", from, to);
    let c = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
    assert!(c.exploits > 10, "{c:?}");

    let hosts_csv = dir.path().join("hosts.csv");
    let report = wormscope_detect::run(
        std::slice::from_ref(&path),
        &wormscope_detect::Options {
            hosts: Some(hosts_csv),
            ..Default::default()
        },
    )
    .unwrap();
    let verdict: HashMap<String, Verdict> = report
        .hosts
        .iter()
        .map(|r| (r.host.to_string(), r.verdict))
        .collect();
    let truth = infected_addresses(&s, &world, to);
    let (_, sources, _) = syns_to_135(&path);
    assert!(sources.len() > 10, "{} sources", sources.len());
    let mut infected_verdicts = 0;
    for src in &sources {
        assert!(truth.contains(src), "{src} probed but is not infected");
        let v = verdict.get(&src.to_string()).copied();
        assert!(
            matches!(v, Some(Verdict::Infected | Verdict::Scanning)),
            "{src}: {v:?}"
        );
        infected_verdicts += usize::from(v == Some(Verdict::Infected));
    }
    // Sequential sweeps and chains in view make most of them `infected`.
    assert!(2 * infected_verdicts > sources.len(), "{infected_verdicts}");
    // No clean host is called infected or scanning.
    for r in &report.hosts {
        if matches!(r.verdict, Verdict::Infected | Verdict::Scanning) {
            let addr: Ipv4Addr = r.host.to_string().parse().unwrap();
            assert!(
                truth.contains(&addr),
                "{addr} flagged {:?}: {:?}",
                r.verdict,
                r.evidence
            );
        }
    }
    // Victims whose chain ran in view fetched the body: `infected` too.
    let rrq = report
        .hosts
        .iter()
        .filter(|r| r.evidence.iter().any(|e| e.starts_with("tftp_rrq_sent")))
        .count();
    assert!(rrq > 0);
}

#[test]
fn too_many_packets_writes_nothing() {
    let s = scenario();
    let world = wormscope_model::generate::generate(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    let mut opts = CaptureOptions::new(&s, "edge", mins(60), mins(70));
    opts.max_packets = 1000;
    let e = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap_err();
    assert!(
        matches!(e, VantageCaptureError::TooManyPackets { max: 1000, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("--max-packets"), "{e}");
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A distributed sensor or an unknown name is bad input.
    let mut s2 = s.clone();
    s2.sensors.push(SensorConfig {
        name: "isc".into(),
        kind: SensorKind::Distributed,
        prefix: None,
        addresses: Some(10),
        report_delay: Some(SimDuration::ZERO),
    });
    for name in ["isc", "nowhere"] {
        let opts = CaptureOptions::new(&s2, name, mins(1), mins(2));
        let e = capture(&s2, &world, &opts, &path, &mut |_| {}).unwrap_err();
        assert!(matches!(e, VantageCaptureError::Input(_)), "{e}");
    }
}

#[test]
fn a_capture_on_a_flood_day_carries_the_flood_and_detect_sees_it() {
    // 16 August: every worm that starts floods windowsupdate.com (MODEL.md).
    let mut s = scenario();
    s.start = "2003-08-16T00:00:00Z".parse().unwrap();
    s.welchia.enabled = false;
    let world = wormscope_model::generate::generate(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.pcap");
    let opts = CaptureOptions::new(&s, "edge", mins(5), mins(7));
    let summary = capture(&s, &world, &opts, &path, &mut |_| {}).unwrap();
    let mut r = CaptureReader::open(&path).unwrap();
    let (mut flood, mut spoofed) = (0u64, HashSet::new());
    while let Some(f) = r.next_frame().unwrap() {
        if let Decoded::Ipv4(p) = decode(f.link_type, f.data)
            && let TransportLayer::Tcp(t) = p.transport
            && t.dst_port == 80
            && p.dst == s.payload.target
        {
            flood += 1;
            assert!(t.is_syn_only(), "flood packets are SYNs");
            assert!((1000..2000).contains(&t.src_port), "{}", t.src_port);
            // Spoofed inside the hosts' own /16.
            assert_eq!(p.src.octets()[..2], [61, 4], "{}", p.src);
            spoofed.insert(p.src);
        }
    }
    // Every flooding host in view sends 50 a second: two minutes of them.
    assert!(flood >= 2 * 60 * 50, "{flood}");
    assert_eq!(flood % 50, 0, "whole seconds of 50 SYNs per host: {flood}");
    assert!(spoofed.len() > 100, "random sources: {}", spoofed.len());
    // The summary counts what the file holds; each host sent whole
    // seconds of the window.
    assert_eq!(summary.flood_packets, flood);
    assert!(summary.flooding_hosts > 0 && flood / summary.flooding_hosts <= 2 * 60 * 50);
    let report = wormscope_detect::run(std::slice::from_ref(&path), &Default::default()).unwrap();
    assert!(
        report
            .hosts
            .iter()
            .any(|h| h.evidence.iter().any(|e| e.starts_with("syn_flood_80"))),
        "the detector names the flooding /16"
    );
}
