//! Per-host verdicts with their evidence, and the `hosts.csv` table.
//!
//! What it is for: every host seen sending IPv4 gets a row; evidence from
//! the detectors raises it from `clean` to `victim`, `scanning` or
//! `infected` (a host infected by any worm of MODEL.md). Confidence is
//! `1 - prod(1 - w)` over the weights of its distinct evidence. A flood's
//! senders are spoofed, so the flood is recorded against the /16 prefix the
//! sources come from (`A.B.0.0/16`), the only thing the packets tell.
//!
//! What it may not touch: packets, files (it writes to any `io::Write`).

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::net::Ipv4Addr;

use crate::eve::rfc3339;
use crate::fast::FastHash;

/// The header of `hosts.csv`, exactly.
pub const HOSTS_CSV_HEADER: &str = "host,verdict,first_seen,last_seen,evidence,confidence";

/// A host's verdict. Ordered: the most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Runs a worm of MODEL.md (Blaster or a variant, Welchia, SQL
    /// Slammer, Code Red, Witty).
    Infected,
    /// Scans 135/tcp, without worm-specific evidence.
    Scanning,
    /// Was attacked (exploit request, shell on 4444) without being shown
    /// infected.
    Victim,
    /// Nothing seen.
    Clean,
}

impl Verdict {
    /// The word used in `hosts.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Infected => "infected",
            Verdict::Scanning => "scanning",
            Verdict::Victim => "victim",
            Verdict::Clean => "clean",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a host is in a piece of evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The evidence shows it runs a worm.
    Infected,
    /// It scans.
    Scanning,
    /// It was attacked.
    Victim,
}

/// Row key: one address, or the /16 of a spoofed flood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostKey {
    /// One IPv4 host.
    Addr(Ipv4Addr),
    /// A /16 prefix (its first two octets).
    Slash16(u8, u8),
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostKey::Addr(a) => write!(f, "{a}"),
            HostKey::Slash16(a, b) => write!(f, "{a}.{b}.0.0/16"),
        }
    }
}

/// Most pieces of evidence kept per host (distinct kinds; a host that
/// triggers the same detector twice keeps the first).
pub const MAX_EVIDENCE: usize = 16;

#[derive(Clone, Debug)]
struct HostState {
    first_us: i64,
    last_us: i64,
    infected: bool,
    scanning: bool,
    victim: bool,
    /// Product of (1 - weight) over evidence.
    miss: f64,
    evidence: Vec<(&'static str, String)>,
}

impl HostState {
    fn new(ts: i64) -> Self {
        HostState {
            first_us: ts,
            last_us: ts,
            infected: false,
            scanning: false,
            victim: false,
            miss: 1.0,
            evidence: Vec::new(),
        }
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct HostRow {
    /// The host (or /16 for a spoofed flood).
    pub host: HostKey,
    /// Its verdict.
    pub verdict: Verdict,
    /// First frame time (µs since the epoch).
    pub first_seen_us: i64,
    /// Last frame time.
    pub last_seen_us: i64,
    /// Evidence, one short sentence each (no commas).
    pub evidence: Vec<String>,
    /// Confidence in the verdict, 0..=1.
    pub confidence: f64,
}

/// The table of hosts, bounded (see [`crate::DetectConfig::max_hosts`]).
#[derive(Debug)]
pub struct HostTable {
    map: HashMap<HostKey, HostState, FastHash>,
    clean_limit: usize,
    /// Clean hosts not recorded because the table was full.
    pub untracked: u64,
}

impl HostTable {
    /// A table that keeps at most `max_hosts` rows for hosts without
    /// evidence.
    pub fn new(max_hosts: usize) -> Self {
        HostTable {
            map: HashMap::with_hasher(FastHash),
            clean_limit: max_hosts,
            untracked: 0,
        }
    }

    /// Records that `ip` sent a frame at `ts`.
    #[inline]
    pub fn touch(&mut self, ip: Ipv4Addr, ts: i64) {
        let key = HostKey::Addr(ip);
        if let Some(h) = self.map.get_mut(&key) {
            h.last_us = h.last_us.max(ts);
            h.first_us = h.first_us.min(ts);
        } else if self.map.len() < self.clean_limit {
            self.map.insert(key, HostState::new(ts));
        } else {
            self.untracked += 1;
        }
    }

    /// Adds evidence. `kind` is a short tag; evidence of a kind the host
    /// already has is ignored.
    pub fn evidence(
        &mut self,
        key: HostKey,
        ts: i64,
        role: Role,
        weight: f64,
        kind: &'static str,
        text: String,
    ) {
        if !self.map.contains_key(&key) && self.map.len() >= self.clean_limit.saturating_mul(2) {
            self.untracked += 1;
            return;
        }
        let h = self.map.entry(key).or_insert_with(|| HostState::new(ts));
        h.last_us = h.last_us.max(ts);
        h.first_us = h.first_us.min(ts);
        match role {
            Role::Infected => h.infected = true,
            Role::Scanning => h.scanning = true,
            Role::Victim => h.victim = true,
        }
        if h.evidence.iter().any(|(k, _)| *k == kind) || h.evidence.len() >= MAX_EVIDENCE {
            return;
        }
        h.miss *= 1.0 - weight.clamp(0.0, 1.0);
        // Commas and semicolons would break the CSV's evidence list.
        let text = text.replace([',', ';', '"', '\n'], " ");
        h.evidence.push((kind, text));
    }

    /// Whether evidence of `kind` against `key` would be recorded now: the
    /// host does not have that kind yet and the table has room for it. The
    /// detectors that alert once per host (Slammer, Code Red, Witty) ask
    /// this before alerting, so the host table is their memory of what was
    /// said, within its bound.
    pub(crate) fn needs(&self, key: HostKey, kind: &'static str) -> bool {
        match self.map.get(&key) {
            Some(h) => {
                h.evidence.len() < MAX_EVIDENCE && !h.evidence.iter().any(|(k, _)| *k == kind)
            }
            None => self.map.len() < self.clean_limit.saturating_mul(2),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The rows: infected first, then scanning, victim, clean; by address
    /// within a verdict.
    pub fn rows(&self) -> Vec<HostRow> {
        let mut rows: Vec<HostRow> = self
            .map
            .iter()
            .map(|(k, h)| {
                let verdict = if h.infected {
                    Verdict::Infected
                } else if h.scanning {
                    Verdict::Scanning
                } else if h.victim {
                    Verdict::Victim
                } else {
                    Verdict::Clean
                };
                let confidence = if verdict == Verdict::Clean {
                    // Nothing suspicious in what the capture showed of it.
                    0.9
                } else {
                    1.0 - h.miss
                };
                HostRow {
                    host: *k,
                    verdict,
                    first_seen_us: h.first_us,
                    last_seen_us: h.last_us,
                    evidence: h
                        .evidence
                        .iter()
                        .map(|(k, t)| format!("{k}: {t}"))
                        .collect(),
                    confidence,
                }
            })
            .collect();
        rows.sort_by_key(|r| (r.verdict, r.host));
        rows
    }
}

/// Writes `hosts.csv`: the exact header, then one row per host; times as
/// RFC 3339 UTC, evidence `;`-separated, confidence with two decimals.
pub fn write_hosts_csv(mut out: impl Write, rows: &[HostRow]) -> io::Result<()> {
    writeln!(out, "{HOSTS_CSV_HEADER}")?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{:.2}",
            r.host,
            r.verdict,
            rfc3339(r.first_seen_us),
            rfc3339(r.last_seen_us),
            r.evidence.join(";"),
            r.confidence
        )?;
    }
    out.flush()
}
