//! `wormscope capture` on random-scanning worms (Code Red v2, Slammer,
//! Witty), in process, on small scenarios laid over the built-ins: the
//! capture holds exactly the engine's probes for the vantage and window
//! (read back in Rust, and by tshark when installed), the same seed gives
//! the same bytes, and bad input is refused before anything is written.

mod common;

use common::{input_error, write};

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use wormscope_commands::capture::CaptureRequest;
use wormscope_commands::detect::DetectRequest;
use wormscope_commands::{CommandOutcome, Silent};
use wormscope_detect::DetectConfig;
use wormscope_wire::capture::CaptureReader;
use wormscope_wire::decode::{Decoded, TransportLayer, decode};
use wormscope_wire::write::OutputFormat;

/// A small outbreak laid over `base` in 2^16 addresses (0.0.0.0/16), one
/// minute long in steps of a second, with a dark /20 and an edge around a
/// quarter of the space. `rate` is the file's `[worm.rate]` body: slow
/// hosts, so that a window holds a few hundred probes.
fn small(base: &str, rate: &str) -> String {
    format!(
        r#"base = "{base}"
duration = "1m"
step = "1s"
validation = []
telescopes = []
[population]
vulnerable = 300
other_hosts = 2000
initial_infected = 3
scan_space_bits = 16
[worm.rate]
{rate}
[[sensors]]
name = "dark"
kind = "telescope"
prefix = "0.0.192.0/20"
[[sensors]]
name = "edge"
kind = "edge"
prefix = "0.0.0.0/18"
[[sensors]]
name = "isc"
kind = "distributed"
addresses = 500
report_delay = "0s"
"#
    )
}

/// Ten packets a second per host (a 404-byte datagram is 3,232 bits).
const SLOW_UDP: &str = r#"uplinks = [{ name = "slow", share_pct = 100, bits_per_second = 32320 }]
capacity_bits_per_second = 0"#;

const SLOW_WITTY: &str = r#"uplinks = [{ name = "slow", share_pct = 100, bits_per_second = 85280 }]
capacity_bits_per_second = 0"#;

const SLOW_TCP: &str = r#"kind = "probe-rate"
probes_per_second = 10"#;

fn request(scenario: &Path, vantage: &str, from: &str, to: &str, out: &Path) -> CaptureRequest {
    CaptureRequest {
        scenario: Some(scenario.to_path_buf()),
        seed: None,
        vantage: vantage.into(),
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        output: out.to_path_buf(),
        format: OutputFormat::Pcap,
        max_packets: None,
        background_pps: None,
    }
}

/// The number before `what` in the command's text.
fn number_before(text: &str, what: &str) -> u64 {
    let at = text
        .find(what)
        .unwrap_or_else(|| panic!("no `{what}` in {text}"));
    text[..at]
        .split_whitespace()
        .last()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number before `{what}` in {text}"))
}

/// The engine's count in the command's text.
fn engine_count(text: &str) -> u64 {
    let key = "engine count for this vantage and window: ";
    let at = text.find(key).unwrap_or_else(|| panic!("{text}")) + key.len();
    text[at..]
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("{text}"))
}

/// One frame read back: its UDP destination port, or its TCP destination
/// port and flags.
type PortsOf = (Option<u16>, Option<(u16, u8)>);

/// Every frame's ports, read back in Rust, checking time order.
fn read_back(path: &Path) -> Vec<PortsOf> {
    let mut r = CaptureReader::open(path).unwrap();
    let mut out = Vec::new();
    let mut last = i64::MIN;
    while let Some(f) = r.next_frame().unwrap() {
        assert!(f.ts_us >= last, "time order");
        last = f.ts_us;
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            panic!("not IPv4")
        };
        out.push(match p.transport {
            TransportLayer::Udp(u) => (Some(u.dst_port), None),
            TransportLayer::Tcp(t) => (None, Some((t.dst_port, t.flags))),
            _ => (None, None),
        });
    }
    out
}

/// tshark's count of frames matching `filter`, after checking that it
/// reads the file without complaint or bad checksums. `None` when tshark
/// is not installed (a failure under CI=true, where it must be).
fn tshark_count(path: &Path, filter: &str) -> Option<u64> {
    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tshark is not installed and CI=true"
        );
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
    let bad =
        run("ip.checksum.status == 2 || tcp.checksum.status == 2 || udp.checksum.status == 2");
    assert_eq!(bad, 0, "bad checksums");
    Some(run(filter))
}

fn run(req: &CaptureRequest) -> CommandOutcome {
    wormscope_commands::capture::run(req, &Silent).unwrap()
}

#[test]
fn capture_of_slammer_holds_the_engines_probes_for_a_telescope() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small-slammer.toml",
        &small("slammer", SLOW_UDP),
    );
    let out = dir.path().join("dark.pcap");
    let o = run(&request(&file, "dark", "20s", "50s", &out));
    assert_eq!(o.files, std::slice::from_ref(&out));
    let probes = number_before(&o.text, "probes (1434/udp datagrams)");
    assert!(probes > 0, "{}", o.text);
    assert_eq!(engine_count(&o.text), probes, "{}", o.text);
    let frames = read_back(&out);
    // A telescope: no background, one datagram to 1434 per probe.
    assert_eq!(frames.len() as u64, probes);
    assert!(frames.iter().all(|f| f.0 == Some(1434)));
    if let Some(n) = tshark_count(&out, "udp.dstport == 1434") {
        assert_eq!(n, probes, "tshark's count of datagrams to 1434/udp");
    }
    // The same scenario and seed, the same bytes; another seed, others.
    let again = dir.path().join("again.pcap");
    run(&request(&file, "dark", "20s", "50s", &again));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    let mut other = request(&file, "dark", "20s", "50s", &again);
    other.seed = Some(99);
    run(&other);
    assert_ne!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn capture_of_slammer_at_an_edge_has_background_and_pcapng() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small-slammer.toml",
        &small("slammer", SLOW_UDP),
    );
    let out = dir.path().join("edge.pcapng");
    let mut req = request(&file, "edge", "10s", "40s", &out);
    req.format = OutputFormat::PcapNg;
    req.background_pps = Some(10.0);
    let o = run(&req);
    let probes = number_before(&o.text, "probes (1434/udp datagrams)");
    let background = number_before(&o.text, "background frames");
    assert!(background >= 300, "{}", o.text);
    assert_eq!(engine_count(&o.text), probes, "{}", o.text);
    let pcapng = std::fs::read(&out).unwrap();
    assert_eq!(&pcapng[..4], &0x0a0d_0d0au32.to_le_bytes(), "pcapng");
    let frames = read_back(&out);
    assert_eq!(
        frames.iter().filter(|f| f.0 == Some(1434)).count() as u64,
        probes
    );
    assert_eq!(frames.len() as u64, probes + background);
    // A file named .pcapng is pcapng without the flag; a compressed name
    // is refused before anything runs.
    let named = dir.path().join("named.PCAPNG");
    run(&request(&file, "edge", "10s", "12s", &named));
    let written = std::fs::read(&named).unwrap();
    assert_eq!(&written[..4], &0x0a0d_0d0au32.to_le_bytes(), "pcapng");
    let plain = dir.path().join("plain.pcap");
    run(&request(&file, "edge", "10s", "12s", &plain));
    assert_eq!(
        &std::fs::read(&plain).unwrap()[..4],
        &0xa1b2_c3d4u32.to_le_bytes()
    );
    let zipped = dir.path().join("edge.pcap.gz");
    let msg = input_error(wormscope_commands::capture::run(
        &request(&file, "edge", "10s", "12s", &zipped),
        &Silent,
    ));
    assert!(
        msg.contains("edge.pcap.gz") && msg.contains("uncompressed"),
        "{msg}"
    );
    assert!(!zipped.exists());
}

#[test]
fn capture_of_codered_and_witty_holds_one_first_frame_per_probe() {
    let dir = tempfile::tempdir().unwrap();
    // Code Red: one SYN to 80/tcp per probe.
    let file = write(
        dir.path(),
        "small-codered.toml",
        &small("codered2", SLOW_TCP),
    );
    let out = dir.path().join("codered.pcap");
    let o = run(&request(&file, "dark", "20s", "50s", &out));
    let probes = number_before(&o.text, "probes (80/tcp SYNs)");
    assert!(probes > 0, "{}", o.text);
    assert_eq!(engine_count(&o.text), probes, "{}", o.text);
    let frames = read_back(&out);
    let syns = frames
        .iter()
        .filter(|f| f.1.is_some_and(|(port, flags)| port == 80 && flags == 0x02))
        .count() as u64;
    assert_eq!(syns, probes);
    if let Some(n) = tshark_count(
        &out,
        "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 80",
    ) {
        assert_eq!(n, probes);
    }
    // Witty: one datagram from 4000/udp per probe.
    let file = write(dir.path(), "small-witty.toml", &small("witty", SLOW_WITTY));
    let out = dir.path().join("witty.pcap");
    let o = run(&request(&file, "dark", "20s", "50s", &out));
    let probes = number_before(&o.text, "probes (datagrams from 4000/udp)");
    assert!(probes > 0, "{}", o.text);
    assert_eq!(engine_count(&o.text), probes, "{}", o.text);
    assert_eq!(read_back(&out).len() as u64, probes);
    if let Some(n) = tshark_count(&out, "udp.srcport == 4000") {
        assert_eq!(n, probes);
    }
}

/// Code Red's flood leaves the edge around its hosts from 00:00 UTC on the
/// 20th, when they stop spreading: every host whose worm runs then sends
/// one segment to the target's port every 100 ms, and none of it before.
#[test]
fn capture_of_codered_at_an_edge_shows_the_flood_from_the_20th() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small-codered.toml",
        &small("codered2", SLOW_TCP).replace(
            "duration = \"1m\"",
            "start = \"2001-07-19T23:59:30Z\"\nduration = \"1m\"",
        ),
    );
    let out = dir.path().join("flood.pcap");
    let text = run(&request(&file, "edge", "0s", "1m", &out)).text;
    let packets = number_before(&text, "flood packets to 198.137.240.91:80");
    let hosts = number_before(&text, "hosts, ");
    // Each floods through the last 30 s: no worm starts or stops then.
    assert!(hosts > 0, "{text}");
    assert_eq!(packets, hosts * 300, "{text}");
    let target: Ipv4Addr = "198.137.240.91".parse().unwrap();
    let mut r = CaptureReader::open(&out).unwrap();
    let mut segments = 0;
    while let Some(f) = r.next_frame().unwrap() {
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            panic!("not IPv4")
        };
        if p.dst == target {
            let TransportLayer::Tcp(t) = p.transport else {
                panic!("not TCP")
            };
            assert_eq!((t.dst_port, t.flags & 0x18, t.payload.len()), (80, 0x18, 1));
            // From a host inside the edge (0.0.0.0/18).
            assert!(u32::from(p.src) < 1 << 14, "{}", p.src);
            segments += 1;
        }
    }
    assert_eq!(segments, packets);
    if let Some(n) = tshark_count(&out, "ip.dst == 198.137.240.91 && tcp.len == 1") {
        assert_eq!(n, packets);
    }
    // Before midnight, and at a telescope, none.
    let text = run(&request(&file, "edge", "0s", "30s", &out)).text;
    assert!(text.contains(" 0 flood packets"), "{text}");
    let text = run(&request(&file, "dark", "30s", "1m", &out)).text;
    assert!(
        !text.contains("flood packets to") || text.contains(" 0 flood packets"),
        "{text}"
    );
}

#[test]
fn capture_of_a_random_worm_refuses_too_many_probes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small-slammer.toml",
        &small("slammer", SLOW_UDP),
    );
    let out = dir.path().join("dark.pcap");
    let mut req = request(&file, "dark", "0s", "1m", &out);
    req.max_packets = Some(1);
    let msg = input_error(wormscope_commands::capture::run(&req, &Silent));
    assert!(
        msg.contains("--max-packets") && msg.contains("narrow the window"),
        "{msg}"
    );
    assert!(!out.exists());
}

#[test]
fn capture_of_a_random_worm_refuses_a_bad_vantage_or_window_before_running_and_runs_on_past_its_end()
 {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small-slammer.toml",
        &small("slammer", SLOW_UDP),
    );
    let out = dir.path().join("x.pcap");
    for (vantage, from, to, says) in [
        ("radar", "1s", "2s", "dark, edge"),
        ("isc", "1s", "2s", "distributed"),
        ("dark", "20s", "10s", "--from"),
        // So far past the end that the run would outgrow its rows: the
        // window is to blame, not the scenario's step.
        (
            "dark",
            "1s",
            "30000d",
            "--to: 30000d is past the scenario's",
        ),
    ] {
        let req = request(&file, vantage, from, to, &out);
        let msg = input_error(wormscope_commands::capture::run(&req, &Silent));
        assert!(msg.contains(says), "{vantage} {from} {to}: {msg}");
        assert!(!out.exists());
    }
    // A window past the scenario's end carries the run on to it.
    let o = wormscope_commands::capture::run(&request(&file, "dark", "10s", "2m", &out), &Silent)
        .unwrap();
    assert!(o.text.contains("10s to 2m"), "{}", o.text);
    std::fs::remove_file(&out).unwrap();
    let mut req = request(&file, "dark", "1s", "2s", &out);
    req.background_pps = Some(-1.0);
    let msg = input_error(wormscope_commands::capture::run(&req, &Silent));
    assert!(msg.contains("--background-rate"), "{msg}");
    // A seed that the scenario's check refuses is not reached here; an
    // output path under a file is refused first.
    let blocker = write(dir.path(), "file", "x");
    let req = request(
        &file,
        "dark",
        "1s",
        "2s",
        &PathBuf::from(&blocker).join("x.pcap"),
    );
    input_error(wormscope_commands::capture::run(&req, &Silent));
}

/// What a capture's frames show of each source, by worm, read back in
/// Rust independently of the detector: sources of Slammer datagrams (0x04
/// first, 376 bytes, to 1434/udp), of Code Red requests (a TCP payload to
/// 80 starting `GET /default.ida?`), and for Witty the destinations and
/// ports of each source's datagrams from 4000/udp.
#[derive(Default)]
struct WormSources {
    slammer: BTreeSet<Ipv4Addr>,
    codered: BTreeSet<Ipv4Addr>,
    witty: BTreeMap<Ipv4Addr, (BTreeSet<Ipv4Addr>, BTreeSet<u16>)>,
    all: BTreeSet<Ipv4Addr>,
}

fn worm_sources(path: &Path) -> WormSources {
    let mut w = WormSources::default();
    let mut r = CaptureReader::open(path).unwrap();
    while let Some(f) = r.next_frame().unwrap() {
        let Decoded::Ipv4(p) = decode(f.link_type, f.data) else {
            continue;
        };
        w.all.insert(p.src);
        match p.transport {
            TransportLayer::Udp(u) if u.dst_port == 1434 => {
                assert_eq!((u.payload[0], u.payload.len()), (0x04, 376));
                w.slammer.insert(p.src);
            }
            TransportLayer::Udp(u) if u.src_port == 4000 => {
                assert!((768..=1307).contains(&u.payload.len()));
                let e = w.witty.entry(p.src).or_default();
                e.0.insert(p.dst);
                e.1.insert(u.dst_port);
            }
            TransportLayer::Tcp(t)
                if t.dst_port == 80 && t.payload.starts_with(b"GET /default.ida?") =>
            {
                w.codered.insert(p.src);
            }
            _ => {}
        }
    }
    w
}

#[test]
fn detect_names_the_infected_sources_in_captures_of_slammer_codered_and_witty() {
    let dir = tempfile::tempdir().unwrap();
    for (base, rate) in [
        ("slammer", SLOW_UDP),
        ("codered2", SLOW_TCP),
        ("witty", SLOW_WITTY),
    ] {
        let file = write(
            dir.path(),
            &format!("small-{base}.toml"),
            &small(base, rate),
        );
        let out = dir.path().join(format!("{base}.pcap"));
        run(&request(&file, "edge", "20s", "50s", &out));
        let seen = worm_sources(&out);
        // The window is 30 s, inside Witty's 5-minute window: a source is
        // Witty's when it reached 10 addresses on 10 ports.
        let expected: BTreeSet<Ipv4Addr> = match base {
            "slammer" => seen.slammer.clone(),
            "codered2" => seen.codered.clone(),
            _ => seen
                .witty
                .iter()
                .filter(|(_, (d, p))| d.len() >= 10 && p.len() >= 10)
                .map(|(s, _)| *s)
                .collect(),
        };
        assert!(expected.len() >= 2, "{base}: {expected:?}");
        let hosts = dir.path().join(format!("{base}-hosts.csv"));
        let eve = dir.path().join(format!("{base}-alerts.json"));
        let o = wormscope_commands::detect::run(&DetectRequest {
            captures: vec![out.clone()],
            eve: Some(eve.clone()),
            hosts: Some(hosts.clone()),
            config: DetectConfig::default(),
        })
        .unwrap();
        let csv = std::fs::read_to_string(&hosts).unwrap();
        assert!(csv.starts_with("host,verdict,first_seen,last_seen,evidence,confidence\n"));
        let infected: BTreeSet<Ipv4Addr> = csv
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some("infected"))
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(infected, expected, "{base}:\n{}", o.text);
        // Every other host that sent a frame (background clients and
        // servers, scanned hosts) is not called infected.
        assert!(seen.all.len() > expected.len() + 10, "{base}: background");
        // Each infected source has an alert from its worm's decade, and
        // Code Red v2's stand-in request (filled with 'N') is told from
        // Code Red II's ('X', 9000051).
        let decade = match base {
            "slammer" => 9_000_040,
            "codered2" => 9_000_050,
            _ => 9_000_060,
        };
        let mut alerted = BTreeSet::new();
        for line in std::fs::read_to_string(&eve).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let sid = v["alert"]["signature_id"].as_u64().unwrap();
            assert!((decade..decade + 10).contains(&sid), "{base}: {line}");
            assert_ne!(
                sid, 9_000_051,
                "{base}: Code Red v2 is not Code Red II: {line}"
            );
            alerted.insert(v["src_ip"].as_str().unwrap().parse::<Ipv4Addr>().unwrap());
        }
        assert_eq!(alerted, expected, "{base}");
        // The summary lists them.
        assert!(o.text.contains(&format!("  {}", decade / 10)), "{}", o.text);
    }
}
