//! The frames of a random-scanning worm's capture, from hand-built engine
//! captures (no run): per probe kind the frames each probe gives, their
//! addresses, ports and lengths, time order, an edge's background, Code
//! Red's flood leaving an edge, the same bytes for the same seed, and the
//! `--max-packets` guard that writes nothing.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::Path;

use wormscope_engine::population::{CapturedProbe, PopulationCapture, Reached, SeenFlood};
use wormscope_observe::capture::CaptureOptions;
use wormscope_observe::capture::VantageCaptureError;
use wormscope_observe::population_capture::{WireProbe, check, write_capture};
use wormscope_scenario::{PopulationScenario, SensorKind, SimDuration, builtin_population};
use wormscope_wire::build::worm;
use wormscope_wire::capture::CaptureReader;
use wormscope_wire::decode::{Decoded, TransportLayer, decode, tcp_flags};

fn addr(s: &str) -> u32 {
    u32::from(s.parse::<Ipv4Addr>().unwrap())
}

fn probe(time_us: u64, src: &str, dst: &str, reached: Reached) -> CapturedProbe {
    CapturedProbe {
        time_us,
        src: addr(src),
        dst: addr(dst),
        incoming: true,
        reached,
    }
}

/// Four probes into the built-in telescope (44.0.0.0/8) from two sources,
/// one of each outcome, in time order.
fn telescope_capture() -> PopulationCapture {
    PopulationCapture {
        vantage: "telescope".into(),
        kind: SensorKind::Telescope,
        prefix: "44.0.0.0/8".parse().unwrap(),
        probes: vec![
            probe(1_000_000, "10.1.0.1", "44.0.0.1", Reached::Empty),
            probe(1_000_000, "10.2.0.2", "44.0.0.2", Reached::Other),
            probe(2_500_000, "10.1.0.1", "44.3.0.3", Reached::Infecting),
            probe(4_000_000, "10.2.0.2", "44.4.0.4", Reached::Infected),
        ],
        sources: 2,
        engine_probes: Some(4),
        floods: Vec::new(),
    }
}

fn scenario(name: &str) -> PopulationScenario {
    builtin_population(name).unwrap()
}

fn opts(s: &PopulationScenario, vantage: &str) -> CaptureOptions {
    CaptureOptions::for_population(
        s,
        vantage,
        SimDuration::from_secs(0),
        SimDuration::from_secs(10),
    )
}

/// One frame read back: time, source, destination, transport.
struct Seen {
    ts: i64,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    udp: Option<(u16, u16, usize)>,
    tcp: Option<(u16, u16, u8, usize)>,
}

fn read(path: &Path) -> Vec<Seen> {
    let mut r = CaptureReader::open(path).unwrap();
    let mut out = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            panic!("not IPv4")
        };
        let (mut udp, mut tcp) = (None, None);
        match p.transport {
            TransportLayer::Udp(u) => udp = Some((u.src_port, u.dst_port, u.payload.len())),
            TransportLayer::Tcp(t) => {
                tcp = Some((t.src_port, t.dst_port, t.flags, t.payload.len()))
            }
            _ => {}
        }
        out.push(Seen {
            ts: f.ts_us,
            src: p.src,
            dst: p.dst,
            udp,
            tcp,
        });
    }
    assert!(out.windows(2).all(|w| w[0].ts <= w[1].ts), "time order");
    out
}

#[test]
fn slammer_is_one_376_byte_datagram_to_1434_per_probe() {
    let s = scenario("slammer");
    assert_eq!(
        WireProbe::of(&s),
        WireProbe::UdpToPort {
            port: worm::SLAMMER_PORT,
            payload_len: worm::SLAMMER_PAYLOAD_LEN
        }
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slammer.pcap");
    let cap = telescope_capture();
    let sum = write_capture(&s, &cap, &opts(&s, "telescope"), &path).unwrap();
    assert_eq!((sum.frames, sum.probes, sum.background), (4, 4, 0));
    assert_eq!((sum.sources, sum.live, sum.infecting), (2, 3, 1));
    assert_eq!(sum.engine_probes, Some(4));
    assert_eq!(sum.probe_label, "1434/udp datagrams");
    assert_eq!(sum.prefix, "44.0.0.0/8");
    let seen = read(&path);
    assert_eq!(seen.len(), 4);
    let start = s.start.as_microsecond();
    let mut ports_of = std::collections::HashMap::new();
    for (f, p) in seen.iter().zip(&cap.probes) {
        assert_eq!(f.ts, start + p.time_us as i64);
        assert_eq!((u32::from(f.src), u32::from(f.dst)), (p.src, p.dst));
        let (sport, dport, len) = f.udp.unwrap();
        assert_eq!((dport, len), (1434, 376));
        assert!((1025..=5000).contains(&sport));
        // One socket per host: one source port per source.
        assert_eq!(*ports_of.entry(f.src).or_insert(sport), sport);
    }
    // The same scenario and seed, the same bytes.
    let again = dir.path().join("again.pcap");
    write_capture(&s, &cap, &opts(&s, "telescope"), &again).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn witty_is_one_datagram_from_4000_to_a_random_port_per_probe() {
    let s = scenario("witty");
    assert_eq!(WireProbe::of(&s), WireProbe::UdpFromPort { port: 4000 });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("witty.pcapng");
    let mut cap = telescope_capture();
    // Many probes, to see the lengths and ports spread.
    cap.probes = (0..200u32)
        .map(|i| CapturedProbe {
            time_us: u64::from(i) * 1000,
            src: addr("10.9.0.1") + i % 7,
            dst: addr("44.0.0.0") + i,
            incoming: true,
            reached: Reached::Empty,
        })
        .collect();
    let mut o = opts(&s, "telescope");
    o.format = wormscope_wire::write::OutputFormat::PcapNg;
    let sum = write_capture(&s, &cap, &o, &path).unwrap();
    assert_eq!((sum.frames, sum.probes), (200, 200));
    let seen = read(&path);
    let mut dports = HashSet::new();
    let mut lens = HashSet::new();
    for f in &seen {
        let (sport, dport, len) = f.udp.unwrap();
        assert_eq!(sport, 4000);
        assert!(worm::WITTY_PAYLOAD_LEN.contains(&len), "{len}");
        dports.insert(dport);
        lens.insert(len);
    }
    assert!(
        dports.len() > 150 && lens.len() > 100,
        "{} {}",
        dports.len(),
        lens.len()
    );
}

#[test]
fn codered_is_a_syn_to_empty_space_and_a_session_with_a_live_host() {
    let s = scenario("codered2");
    assert_eq!(WireProbe::of(&s), WireProbe::TcpSession { port: 80 });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codered.pcap");
    let mut cap = telescope_capture();
    // A probe an ISP filter dropped after the vantage saw it: no answer.
    cap.probes
        .push(probe(5_000_000, "10.1.0.1", "44.5.0.5", Reached::Blocked));
    cap.engine_probes = Some(5);
    let sum = write_capture(&s, &cap, &opts(&s, "telescope"), &path).unwrap();
    // One empty address and one blocked probe (a SYN each), three live
    // hosts (eight frames each).
    assert_eq!(sum.frames, 2 + 3 * 8);
    assert_eq!(sum.probe_label, "80/tcp SYNs");
    let seen = read(&path);
    let syn = |f: &&Seen| f.tcp.is_some_and(|(_, d, fl, _)| d == 80 && fl == 0x02);
    let syns: Vec<&Seen> = seen.iter().filter(syn).collect();
    assert_eq!(syns.len(), 5, "one SYN per probe");
    let requests: Vec<&Seen> = seen
        .iter()
        .filter(|f| f.tcp.is_some_and(|(_, d, _, len)| d == 80 && len > 0))
        .collect();
    assert_eq!(requests.len(), 3, "a request per live host");
    assert!(
        requests
            .iter()
            .all(|f| f.tcp.unwrap().3 == worm::codered_request().len())
    );
    // Nothing answers from the empty address.
    assert!(!seen.iter().any(|f| f.src == Ipv4Addr::new(44, 0, 0, 1)));
    assert!(!seen.iter().any(|f| f.src == Ipv4Addr::new(44, 5, 0, 5)));
    // Every frame of a session lies between its SYN and a round trip of at
    // most 200 ms per step (8 frames: 3.5 round trips).
    let start = s.start.as_microsecond();
    for f in &seen {
        assert!(f.ts >= start + 1_000_000 && f.ts <= start + 5_000_000);
    }
}

#[test]
fn an_edge_gets_background_and_a_telescope_none() {
    let s = scenario("slammer");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edge.pcap");
    let mut cap = telescope_capture();
    cap.vantage = "isp-edge".into();
    cap.kind = SensorKind::Edge;
    cap.prefix = "10.1.0.0/16".parse().unwrap();
    let mut o = opts(&s, "isp-edge");
    o.background_pps = 20.0;
    let sum = write_capture(&s, &cap, &o, &path).unwrap();
    assert!(sum.background >= 200, "{}", sum.background);
    assert_eq!(sum.frames, 4 + sum.background);
    let seen = read(&path);
    assert_eq!(
        seen.iter()
            .filter(|f| f.udp.is_some_and(|(_, d, _)| d == 1434))
            .count(),
        4
    );
    o.background_pps = 0.0;
    let sum = write_capture(&s, &cap, &o, &path).unwrap();
    assert_eq!((sum.frames, sum.background), (4, 0));
}

#[test]
fn too_many_frames_writes_nothing_and_keeps_an_old_file() {
    let s = scenario("codered2");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pcap");
    std::fs::write(&path, b"old").unwrap();
    let mut o = opts(&s, "telescope");
    o.max_packets = 24;
    match write_capture(&s, &telescope_capture(), &o, &path) {
        Err(VantageCaptureError::TooManyPackets { max, at_least }) => {
            assert_eq!((max, at_least), (24, 25))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    // Background past the limit is refused the same way.
    let s = scenario("slammer");
    let mut cap = telescope_capture();
    cap.kind = SensorKind::Edge;
    cap.prefix = "10.1.0.0/16".parse().unwrap();
    let mut o = opts(&s, "isp-edge");
    o.max_packets = 10;
    let r = write_capture(&s, &cap, &o, &path);
    assert!(
        matches!(r, Err(VantageCaptureError::TooManyPackets { max: 10, .. })),
        "{r:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no leftovers"
    );
}

#[test]
fn vantage_and_window_are_checked_naming_the_flag() {
    let mut s = scenario("slammer");
    s.sensors.push(wormscope_scenario::SensorConfig {
        name: "isc".into(),
        kind: SensorKind::Distributed,
        prefix: None,
        addresses: Some(1000),
        report_delay: Some(SimDuration::from_secs(1)),
    });
    let msg = |o: &CaptureOptions| match check(&s, o) {
        Err(VantageCaptureError::Input(m)) => m,
        other => panic!("{other:?}"),
    };
    let m = msg(&opts(&s, "radar"));
    assert!(
        m.contains("--vantage") && m.contains("telescope, isp-edge"),
        "{m}"
    );
    assert!(!m.contains("isc"), "{m}");
    let m = msg(&opts(&s, "isc"));
    assert!(m.contains("distributed"), "{m}");
    let mut o = opts(&s, "telescope");
    o.from = SimDuration::from_secs(20);
    assert!(msg(&o).contains("--from"));
    let mut o = opts(&s, "telescope");
    o.to = SimDuration::from_secs(3 * 3600);
    assert!(msg(&o).contains("--to"));
    let mut o = opts(&s, "telescope");
    o.background_pps = f64::NAN;
    assert!(msg(&o).contains("--background-rate"));
    assert!(check(&s, &opts(&s, "telescope")).is_ok());
}

/// `hours` h and `secs` s after the start, in ns.
fn hours_ns(hours: u64, secs: u64) -> u64 {
    (hours * 3600 + secs) * 1_000_000_000
}

/// `isp-edge`'s capture options from `from` to `to` (seconds), without
/// background traffic.
fn edge_window(s: &PopulationScenario, from: u64, to: u64) -> CaptureOptions {
    let mut o = opts(s, "isp-edge");
    o.from = SimDuration::from_secs(from);
    o.to = SimDuration::from_secs(to);
    o.background_pps = 0.0;
    o
}

/// An edge's capture (10.0.0.0/8) that saw no probe, only `floods` leave.
fn edge_seeing(floods: Vec<SeenFlood>) -> PopulationCapture {
    let mut cap = telescope_capture();
    cap.kind = SensorKind::Edge;
    cap.prefix = "10.0.0.0/8".parse().unwrap();
    cap.probes.clear();
    cap.sources = 0;
    cap.engine_probes = None;
    cap.floods = floods;
    cap
}

/// A flood of a name whose record goes halfway through the capture's
/// minute: a host that resolved it before (at the day's start) goes on
/// sending, one whose worm starts at the takedown sends nothing.
#[test]
fn an_edge_sees_no_flood_from_a_worm_that_could_not_resolve_its_target() {
    let mut s = scenario("codered2");
    s.payload.as_mut().unwrap().name = Some("www1.whitehouse.gov".into());
    s.defenses.dns_takedown.enabled = true;
    s.defenses.dns_takedown.at =
        wormscope_scenario::When::After(SimDuration::from_secs(14 * 3600 + 630));
    wormscope_scenario::check_population(&s).unwrap();
    let cap = edge_seeing(vec![
        SeenFlood {
            src: addr("10.1.0.1"),
            running_ns: (0, hours_ns(15, 0)),
        },
        SeenFlood {
            src: addr("10.2.0.2"),
            running_ns: (hours_ns(14, 630), hours_ns(15, 0)),
        },
    ]);
    let mut o = opts(&s, "isp-edge");
    o.from = SimDuration::from_secs(14 * 3600 + 600);
    o.to = SimDuration::from_secs(14 * 3600 + 660);
    o.background_pps = 0.0;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.pcap");
    let seen = write_capture(&s, &cap, &o, &path).unwrap();
    assert_eq!(seen.flood_packets, 600, "10.1.0.1's minute alone");
    let frames = read(&path);
    assert!(
        frames
            .iter()
            .all(|f| f.src == "10.1.0.1".parse::<Ipv4Addr>().unwrap())
    );
    assert_eq!(frames.len(), 600);
}

/// A spoofed flood (`spoofed_sources`, Blaster's payload on Code Red's
/// hosts): the same packets at the same times, each a bare SYN to the
/// target's port from the sender's own A.B and a C.D of its own.
#[test]
fn a_spoofed_flood_leaves_an_edge_as_syns_from_the_senders_own_16() {
    let mut s = scenario("codered2");
    let hosts = vec![
        SeenFlood {
            src: addr("10.1.0.1"),
            running_ns: (0, hours_ns(15, 0)),
        },
        SeenFlood {
            src: addr("10.2.0.2"),
            running_ns: (0, hours_ns(15, 0)),
        },
    ];
    let mut o = opts(&s, "isp-edge");
    o.from = SimDuration::from_secs(14 * 3600 + 600);
    o.to = SimDuration::from_secs(14 * 3600 + 660);
    o.background_pps = 0.0;
    let dir = tempfile::tempdir().unwrap();
    let capture = |s: &PopulationScenario, name: &str| {
        let path = dir.path().join(name);
        let seen = write_capture(s, &edge_seeing(hosts.clone()), &o, &path).unwrap();
        (seen.flood_packets, read(&path))
    };
    let (own_count, own) = capture(&s, "own.pcap");
    let payload = s.payload.as_mut().unwrap();
    (payload.spoofed_sources, payload.packet_bytes) = (true, 40);
    wormscope_scenario::check_population(&s).unwrap();
    let (count, spoofed) = capture(&s, "spoofed.pcap");
    assert_eq!((count, own_count), (1200, 1200), "two hosts' minute");
    assert_eq!(spoofed.len(), own.len());
    let times = |f: &[Seen]| f.iter().map(|f| f.ts).collect::<Vec<_>>();
    assert_eq!(times(&spoofed), times(&own));
    let target: Ipv4Addr = "198.137.240.91".parse().unwrap();
    let mut sources = HashSet::new();
    for f in &spoofed {
        assert_eq!(f.dst, target);
        let (sport, dport, flags, len) = f.tcp.expect("TCP");
        assert_eq!((dport, flags, len), (80, tcp_flags::SYN, 0));
        assert!(
            (1000..2000).contains(&sport),
            "Blaster's source ports: {sport}"
        );
        let [a, b, _, _] = f.src.octets();
        assert!((a, b) == (10, 1) || (a, b) == (10, 2), "{}", f.src);
        sources.insert(f.src);
    }
    // 65,536 choices: a minute's 1,200 packets repeat few.
    assert!(sources.len() > 1_150, "{}", sources.len());
    // The hosts' own addresses go out as Code Red's did.
    assert!(own.iter().all(|f| f.tcp.unwrap().2 != tcp_flags::SYN));
}

/// A worm that reads the date when it starts (`date_checked = "at_start"`,
/// as Blaster did): of the hosts running through the 20th's window, only
/// the one whose worm started on the 20th floods, and it goes on flooding
/// after the 27th.
#[test]
fn an_edge_sees_only_the_floods_of_worms_started_on_a_flood_day() {
    let s = wormscope_scenario::parse_population(
        "base = \"codered2\"\nduration = \"10d\"\n[payload]\ndate_checked = \"at_start\"\n",
        "at-start.toml",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.pcap");
    let h = hours_ns;
    let days = 24 * 3600;
    let cap = edge_seeing(vec![
        // Started on the 19th: never floods.
        SeenFlood {
            src: addr("10.1.0.1"),
            running_ns: (0, h(10 * 24 - 1, 0)),
        },
        // Started on the 20th: floods as long as it runs.
        SeenFlood {
            src: addr("10.2.0.2"),
            running_ns: (h(14, 630), h(10 * 24 - 1, 0)),
        },
    ]);
    let window = |from: u64, to: u64| edge_window(&s, from, to);
    let seen = write_capture(&s, &cap, &window(14 * 3600 + 600, 14 * 3600 + 660), &path).unwrap();
    assert_eq!((seen.flood_packets, seen.flooding_hosts), (300, 1));
    let flooding: Ipv4Addr = "10.2.0.2".parse().unwrap();
    assert!(read(&path).iter().all(|f| f.src == flooding));
    // 10:00 on the 28th (9 days in) is on no flood day; it floods on.
    let late = 9 * days;
    let seen = write_capture(&s, &cap, &window(late, late + 60), &path).unwrap();
    assert_eq!((seen.flood_packets, seen.flooding_hosts), (600, 1));
}

/// Code Red's flood (its `[payload]`) as an edge sees it leave the hosts
/// inside: from the 20th, one segment to the target's port every 100 ms
/// from each host whose worm runs, each of `packet_bytes`, whatever the
/// host's phase; nothing on the 19th.
#[test]
fn an_edge_sees_the_flood_leave_its_hosts_on_the_flood_days() {
    let s = scenario("codered2");
    let payload = s.payload.clone().expect("Code Red floods");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.pcap");
    let h = hours_ns;
    // The run starts at 10:00 UTC on the 19th: the 20th begins at 14 h.
    let cap = edge_seeing(vec![
        // Runs all through the window: 60 s at 10 a second.
        SeenFlood {
            src: addr("10.1.0.1"),
            running_ns: (0, h(15, 0)),
        },
        // Starts halfway through it.
        SeenFlood {
            src: addr("10.2.0.2"),
            running_ns: (h(14, 630), h(15, 0)),
        },
        // Ends 45 s into it.
        SeenFlood {
            src: addr("10.3.0.3"),
            running_ns: (h(1, 0), h(14, 645)),
        },
        // Ran on the 19th only.
        SeenFlood {
            src: addr("10.4.0.4"),
            running_ns: (0, h(13, 0)),
        },
    ]);
    let window = |from: u64, to: u64| edge_window(&s, from, to);
    let seen = write_capture(&s, &cap, &window(14 * 3600 + 600, 14 * 3600 + 660), &path).unwrap();
    assert_eq!(
        (seen.flood_packets, seen.flooding_hosts),
        (600 + 300 + 450, 3)
    );
    let frames = read(&path);
    assert_eq!(frames.len() as u64, seen.frames);
    assert_eq!(seen.frames, seen.flood_packets);
    for f in &frames {
        assert_eq!(f.dst, payload.target);
        let (_, dport, flags, len) = f.tcp.expect("a TCP segment");
        assert_eq!(dport, payload.port);
        assert_eq!(flags & 0x18, 0x18, "ACK and PSH");
        assert_eq!(len as u32, payload.packet_bytes - 40);
    }
    for src in ["10.1.0.1", "10.2.0.2", "10.3.0.3"] {
        let src: Ipv4Addr = src.parse().unwrap();
        let times: Vec<i64> = frames
            .iter()
            .filter(|f| f.src == src)
            .map(|f| f.ts)
            .collect();
        assert!(
            times.windows(2).all(|w| w[1] - w[0] == 100_000),
            "{src}: one every 100 ms"
        );
        let ports: HashSet<u16> = frames
            .iter()
            .filter(|f| f.src == src)
            .map(|f| f.tcp.unwrap().0)
            .collect();
        assert_eq!(ports.len(), 1, "{src}: one source port");
    }
    // The hosts' phases differ: their clocks are not in step.
    let first: HashSet<i64> = ["10.1.0.1", "10.3.0.3"]
        .iter()
        .map(|a| {
            let a: Ipv4Addr = a.parse().unwrap();
            frames.iter().find(|f| f.src == a).unwrap().ts
        })
        .collect();
    assert_eq!(first.len(), 2);
    // On the 19th the same hosts send nothing.
    let seen = write_capture(&s, &cap, &window(13 * 3600, 13 * 3600 + 60), &path).unwrap();
    assert_eq!(
        (seen.flood_packets, seen.flooding_hosts, seen.frames),
        (0, 0, 0)
    );
    // The flood counts against --max-packets like any frame.
    let mut o = window(14 * 3600 + 600, 14 * 3600 + 660);
    o.max_packets = 1000;
    let r = write_capture(&s, &cap, &o, &path);
    assert!(
        matches!(
            r,
            Err(VantageCaptureError::TooManyPackets {
                max: 1000,
                at_least: 1350
            })
        ),
        "{r:?}"
    );
}
