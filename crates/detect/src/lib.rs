//! # wormscope-detect: Blaster, Welchia, SQL Slammer, Code Red and Witty in captured traffic
//!
//! `wormscope detect CAPTURE... [--eve alerts.json] [--hosts hosts.csv]`
//! is a thin command over this crate (`wormscope-commands`'s `detect`). It
//! reads pcap and pcapng (Ethernet with VLAN tags, Linux SLL/SLL2, raw IP;
//! IPv4, IPv6 skipped and counted, fragments counted), streaming with flat
//! memory, and reports per source:
//!
//! - scanning of 135/tcp: the sequential sweep, the Threshold Random Walk
//!   (Jung, Paxson, Berger, Balakrishnan 2004), a Zeek-like threshold of
//!   failed destinations and Bro's blaster.bro threshold as baselines;
//! - the chain on the wire: ISystemActivator bind + request with an
//!   overlong UNC server name, a shell on 4444/tcp, the TFTP read request
//!   back to the attacker for msblast.exe or a variant's name, the transfer;
//! - the payload's SYN flood to 80/tcp; Welchia's ICMP echo sweep;
//! - SQL Slammer: a datagram to 1434/udp whose first byte is 0x04
//!   (CLNT_UCAST_INST of the SQL Server Resolution Protocol) with a payload
//!   of at least 64 bytes (a legitimate one has at most 34; the worm's,
//!   376): infected on one datagram (sid 9000040), spreading at 10
//!   destinations (9000041);
//! - Code Red: on 80/tcp a `GET /default.ida?` whose query starts with one
//!   character repeated at least 100 times (16 if the snap length cut the
//!   run), classified by that character: `N` Code Red v1/v2 (9000050), `X`
//!   Code Red II (9000051), another Code Red-like (9000052); the client is
//!   infected, the server a victim; 3 servers make it spreading (9000053);
//! - Witty: unsolicited datagrams from 4000/udp with 768 to 1307 bytes of
//!   payload to 10 destinations on 10 ports within an hour (9000060); ICQ
//!   shared the port, so one datagram is not enough, and a datagram that
//!   answers one its destination sent to the port does not count.
//!
//! Lengths come from the IPv4 header, so captures with a short snap length
//! (or without payload, as CAIDA's public Witty traces) still show them.
//!
//! Parameters are fields of [`DetectConfig`] with MODEL.md's published
//! defaults. Outputs: Suricata EVE JSON alert lines ([`eve`]) and
//! `hosts.csv` ([`hosts`]); [`DetectionReport::summary`] is the terminal text.
//!
//! ## Entry points
//! - [`run`]: reads the captures, writes the outputs, returns the
//!   [`DetectionReport`] or a [`DetectError`] that says what went wrong
//!   (unreadable, damaged after good frames with the report so far, or an
//!   output that cannot be written).
//! - [`Detector`]: the streaming core, fed [`wormscope_wire::Frame`]s.
//! - [`bench()`]: throughput and peak RSS on a synthetic capture generated
//!   on the fly ([`wormscope_wire::synth`]).
//!
//! **Architecture invariants.** Defensive only: nothing sends a packet or
//! opens a socket; matching uses protocol fields, never stored exploit
//! bytes. The detector never imports the simulation engine. Only [`run`]
//! touches files (the captures given, and the two outputs,
//! written atomically); the [`Detector`] does no I/O. No input makes it
//! panic (fuzzed: `crates/detect/fuzz`).

pub mod bench;
pub mod config;
pub mod detector;
pub mod eve;
mod fast;
#[doc(hidden)]
pub mod fuzzing;
pub mod hosts;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use wormscope_atomic::write_with;
use wormscope_wire::capture::{CaptureError, CaptureErrorKind, CaptureFormat, CaptureReader};

pub use bench::{BenchResult, bench, peak_rss_bytes};
pub use config::DetectConfig;
pub use detector::{Detector, Stats};
pub use eve::{Alert, EveWriter, Signature};
pub use hosts::{HOSTS_CSV_HEADER, HostKey, HostRow, Verdict, write_hosts_csv};

/// What `wormscope detect` was asked to do besides reading.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Write alerts as EVE JSON lines here.
    pub eve: Option<PathBuf>,
    /// Write the per-host table here.
    pub hosts: Option<PathBuf>,
    /// Detection parameters.
    pub config: DetectConfig,
}

/// One capture file's share of the input.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    /// The path as given.
    pub path: PathBuf,
    /// Its format.
    pub format: CaptureFormat,
    /// Frames read from it.
    pub frames: u64,
    /// Bytes of it consumed.
    pub bytes: u64,
}

/// The result of a run (complete, or up to the damage).
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionReport {
    /// Files read, in order.
    pub files: Vec<FileSummary>,
    /// Counters.
    pub stats: Stats,
    /// Host rows, infected first.
    pub hosts: Vec<HostRow>,
    /// Alerts per signature id.
    pub alerts_by_sid: BTreeMap<u32, u64>,
    /// Clean hosts not listed because the table was full.
    pub hosts_untracked: u64,
}

impl DetectionReport {
    /// Rows with a given verdict.
    pub fn with_verdict(&self, v: Verdict) -> impl Iterator<Item = &HostRow> {
        self.hosts.iter().filter(move |r| r.verdict == v)
    }

    /// The verdict of one host (or `None` if never seen).
    pub fn verdict_of(&self, host: HostKey) -> Option<Verdict> {
        self.hosts
            .iter()
            .find(|r| r.host == host)
            .map(|r| r.verdict)
    }

    /// The terminal summary: infected hosts first, then scanning, victims,
    /// the count of clean hosts, alerts per signature and the counters.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let count = |v| self.with_verdict(v).count();
        let _ = writeln!(
            s,
            "hosts: {} infected, {} scanning, {} victim, {} clean",
            count(Verdict::Infected),
            count(Verdict::Scanning),
            count(Verdict::Victim),
            count(Verdict::Clean)
        );
        for v in [Verdict::Infected, Verdict::Scanning, Verdict::Victim] {
            for r in self.with_verdict(v) {
                let _ = writeln!(
                    s,
                    "  {:<9} {:<18} conf {:.2}  {}",
                    r.verdict.as_str(),
                    r.host.to_string(),
                    r.confidence,
                    r.evidence.join("; ")
                );
            }
        }
        let total: u64 = self.alerts_by_sid.values().sum();
        let _ = writeln!(s, "alerts: {total}");
        for (sid, n) in &self.alerts_by_sid {
            let msg = eve::sig::ALL
                .iter()
                .find(|g| g.sid == *sid)
                .map_or("", |g| g.msg);
            let _ = writeln!(s, "  {sid} x{n}  {msg}");
        }
        let st = &self.stats;
        let _ = writeln!(
            s,
            "frames: {} ({} bytes): {} IPv4, {} IPv6 skipped, {} fragments, {} non-IP, {} unsupported link, {} malformed",
            st.frames,
            st.bytes,
            st.ipv4,
            st.ipv6_skipped,
            st.fragments,
            st.non_ip,
            st.unsupported_link,
            st.malformed
        );
        if !st.unsupported_link_types.is_empty() {
            let types: Vec<String> = st
                .unsupported_link_types
                .iter()
                .map(|(t, n)| format!("{t} ({n} frames)"))
                .collect();
            let _ = writeln!(
                s,
                "link types not decoded (tcpdump.org/linktypes.html): {}",
                types.join(", ")
            );
        }
        if st.state_dropped > 0 || self.hosts_untracked > 0 {
            let _ = writeln!(
                s,
                "bounds reached: {} state entries not created, {} clean hosts not listed",
                st.state_dropped, self.hosts_untracked
            );
        }
        s
    }
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A capture cannot be opened or is not pcap/pcapng. Nothing was
    /// analysed and no output was written: the input is at fault.
    #[error("{}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: CaptureError,
    },
    /// A capture is truncated or corrupt. Everything before the damage was
    /// analysed; `report` holds the verdicts up to that point and the
    /// outputs were written from it.
    #[error("{}: {source}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The error, with the byte offset.
        #[source]
        source: CaptureError,
        /// The report up to the damage.
        report: Box<DetectionReport>,
    },
    /// An output file cannot be written: nothing was written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl DetectError {
    /// The partial report, when there is one.
    pub fn report(&self) -> Option<&DetectionReport> {
        match self {
            DetectError::Damaged { report, .. } => Some(report),
            _ => None,
        }
    }
}

/// Feeds a whole capture to `detector`, handing each alert to `on_alert`.
/// Returns the format and the number of bytes consumed, or the reader's
/// error (after every good frame before it was processed).
pub fn feed<R: Read>(
    detector: &mut Detector,
    reader: &mut CaptureReader<R>,
    mut on_alert: impl FnMut(&Alert) -> io::Result<()>,
) -> Result<Result<(), CaptureError>, io::Error> {
    loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                detector.process(&frame);
                for a in detector.drain_alerts() {
                    on_alert(&a)?;
                }
            }
            Ok(None) => return Ok(Ok(())),
            Err(e) => return Ok(Err(e)),
        }
    }
}

fn report_of(
    det: &Detector,
    files: Vec<FileSummary>,
    by_sid: BTreeMap<u32, u64>,
) -> DetectionReport {
    DetectionReport {
        files,
        stats: det.stats().clone(),
        hosts: det.hosts().rows(),
        alerts_by_sid: by_sid,
        hosts_untracked: det.hosts().untracked,
    }
}

/// Whether `path` means standard input (`-`).
fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// Opens one input: standard input for `-` (so that `tcpdump -w - |
/// wormscope detect -` works), a file otherwise.
fn open_input(path: &Path) -> Result<CaptureReader<Box<dyn Read>>, CaptureError> {
    let stream: Box<dyn Read> = if is_stdin(path) {
        Box::new(io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(CaptureError::Io)?)
    };
    CaptureReader::new(stream)
}

/// Reads `paths` in order as one stream (`-` is standard input), writes the outputs named in
/// `options`, and returns the report. See [`DetectError`] for the two
/// failure classes.
pub fn run(paths: &[PathBuf], options: &Options) -> Result<DetectionReport, DetectError> {
    // Open every input first: an unreadable one stops the run before any
    // output is written (exit 2).
    let mut readers = Vec::with_capacity(paths.len());
    if paths.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(DetectError::Unreadable {
            path: PathBuf::from("-"),
            source: CaptureError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "standard input can be read only once",
            )),
        });
    }
    for p in paths {
        let r = open_input(p).map_err(|source| match source.kind() {
            CaptureErrorKind::Unreadable => DetectError::Unreadable {
                path: p.clone(),
                source,
            },
            // A file whose header is already damaged: no good frames.
            CaptureErrorKind::Damaged => DetectError::Damaged {
                path: p.clone(),
                source,
                report: Box::new(report_of(
                    &Detector::new(options.config.clone()),
                    Vec::new(),
                    BTreeMap::new(),
                )),
            },
        })?;
        readers.push((p.clone(), r));
    }

    let mut det = Detector::new(options.config.clone());
    let mut by_sid: BTreeMap<u32, u64> = BTreeMap::new();
    let mut files = Vec::new();
    let mut damage: Option<(PathBuf, CaptureError)> = None;

    let mut analyse = |eve: &mut dyn Write| -> io::Result<()> {
        let mut w = EveWriter::new(eve);
        // Frame numbers continue across files (`pcap_cnt` counts packets
        // of the whole run, as for captures concatenated in order).
        let mut base = 0u64;
        for (path, mut reader) in readers.drain(..) {
            let res = feed(&mut det, &mut reader, |a| {
                *by_sid.entry(a.sig.sid).or_default() += 1;
                let mut a = a.clone();
                a.pcap_cnt += base;
                w.write(&a)
            })?;
            base += reader.frames();
            files.push(FileSummary {
                path: path.clone(),
                format: reader.format(),
                frames: reader.frames(),
                bytes: reader.offset(),
            });
            if let Err(e) = res {
                damage = Some((path, e));
                break;
            }
        }
        det.finish();
        for a in det.drain_alerts() {
            *by_sid.entry(a.sig.sid).or_default() += 1;
            w.write(&a)?;
        }
        w.finish()?;
        Ok(())
    };
    match &options.eve {
        Some(p) => write_with(p, |w| analyse(w)).map_err(|source| DetectError::Output {
            path: p.clone(),
            source,
        })?,
        None => analyse(&mut io::sink()).map_err(|source| DetectError::Output {
            path: PathBuf::from("-"),
            source,
        })?,
    }
    let report = report_of(&det, files, by_sid);
    if let Some(p) = &options.hosts {
        write_with(p, |w| write_hosts_csv(w, &report.hosts)).map_err(|source| {
            DetectError::Output {
                path: p.clone(),
                source,
            }
        })?;
    }
    match damage {
        Some((path, source)) => Err(DetectError::Damaged {
            path,
            source,
            report: Box::new(report),
        }),
        None => Ok(report),
    }
}

/// Convenience for tests and tools: runs the detector over captures already
/// in memory, with no output files.
pub fn detect_bytes(captures: &[&[u8]], config: &DetectConfig) -> (DetectionReport, Vec<Alert>) {
    let mut det = Detector::new(config.clone());
    let mut alerts = Vec::new();
    let mut by_sid = BTreeMap::new();
    let mut files = Vec::new();
    for (i, bytes) in captures.iter().enumerate() {
        let Ok(mut r) = CaptureReader::new(*bytes) else {
            continue;
        };
        let res = feed(&mut det, &mut r, |a| {
            alerts.push(a.clone());
            Ok(())
        });
        files.push(FileSummary {
            path: Path::new(&format!("<memory {i}>")).to_path_buf(),
            format: r.format(),
            frames: r.frames(),
            bytes: r.offset(),
        });
        if !matches!(res, Ok(Ok(()))) {
            break;
        }
    }
    det.finish();
    alerts.extend(det.drain_alerts());
    for a in &alerts {
        *by_sid.entry(a.sig.sid).or_default() += 1;
    }
    (report_of(&det, files, by_sid), alerts)
}
