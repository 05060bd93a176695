//! Alerts, their signatures, and Suricata EVE JSON output.
//!
//! What it is for: the [`Alert`] value the detector emits, the table of
//! [`Signature`]s (local sids 9000001 and up), and [`EveWriter`], which
//! writes one EVE `alert` record per line so that tools that ingest
//! Suricata's eve.json ingest ours. Field names follow Suricata's EVE
//! format: `timestamp`, `flow_id`, `pcap_cnt`, `event_type`, `src_ip`,
//! `src_port`, `dest_ip`, `dest_port`, `proto`, and `alert` with `action`,
//! `gid`, `signature_id`, `rev`, `signature`, `category`, `severity`.
//!
//! Public rule ids for Blaster-era traffic are cited, never copied (MODEL.md
//! section 5): Snort/ET 2102192 (DCERPC ISystemActivator bind), 2103197 and
//! 2103198, 2102123 (cmd banner), 2001581. Sids by worm: 9000001-9000030
//! Blaster and Welchia, 9000040s SQL Slammer, 9000050s Code Red, 9000060s
//! Witty. Our signatures match protocol fields, never stored exploit
//! bytes.
//!
//! What it may not touch: detection state; files (it writes to any
//! `io::Write`).

use std::io::{self, Write};
use std::net::Ipv4Addr;

use serde::Serialize;

/// A local signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Local signature id (9000001+).
    pub sid: u32,
    /// Revision.
    pub rev: u32,
    /// Message.
    pub msg: &'static str,
    /// Suricata classification text.
    pub category: &'static str,
    /// 1 (high) to 3 (low).
    pub severity: u8,
}

/// The signatures. Each cites the public ids it relates to, if any.
pub mod sig {
    use super::Signature;

    /// Sequential sweep of 135/tcp crossing /24 boundaries: the worm's
    /// scanning order (MODEL.md section 1). No public id.
    pub const SWEEP_135: Signature = Signature {
        sid: 9_000_001,
        rev: 1,
        msg: "WORMSCOPE Blaster sequential sweep of 135/tcp",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// Threshold Random Walk flags a 135/tcp scanner.
    pub const TRW_135: Signature = Signature {
        sid: 9_000_002,
        rev: 1,
        msg: "WORMSCOPE TRW scanner on 135/tcp",
        category: "Detection of a Network Scan",
        severity: 2,
    };
    /// Zeek-like address scan of 135/tcp.
    pub const ZEEK_135: Signature = Signature {
        sid: 9_000_003,
        rev: 1,
        msg: "WORMSCOPE Zeek-like address scan of 135/tcp",
        category: "Detection of a Network Scan",
        severity: 2,
    };
    /// blaster.bro-like threshold of distinct 135/tcp destinations.
    pub const BRO_135: Signature = Signature {
        sid: 9_000_004,
        rev: 1,
        msg: "WORMSCOPE blaster.bro-like 135/tcp destination threshold",
        category: "Detection of a Network Scan",
        severity: 2,
    };
    /// ISystemActivator bind followed by a request with an overlong UNC
    /// server name. Related public ids: 2102192 (the bind alone, which
    /// legitimate DCOM also sends, so we do not alert on it), 2103197 and
    /// 2103198.
    pub const DCERPC_OVERLONG: Signature = Signature {
        sid: 9_000_010,
        rev: 1,
        msg: "WORMSCOPE DCERPC ISystemActivator request with overlong server name (MS03-026)",
        category: "Attempted Administrator Privilege Gain",
        severity: 1,
    };
    /// A command shell banner from 4444/tcp. Related public id: 2102123
    /// (cmd banner).
    pub const SHELL_BANNER_4444: Signature = Signature {
        sid: 9_000_011,
        rev: 1,
        msg: "WORMSCOPE command shell banner from 4444/tcp",
        category: "Successful Administrator Privilege Gain",
        severity: 1,
    };
    /// A `tftp ... GET <worm>` command sent to 4444/tcp.
    pub const SHELL_TFTP_4444: Signature = Signature {
        sid: 9_000_012,
        rev: 1,
        msg: "WORMSCOPE Blaster tftp GET command on 4444/tcp shell",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// TFTP read request for the worm's file name. Related public id:
    /// 2001581 (MODEL.md lists it among the Blaster-era ids).
    pub const TFTP_RRQ_WORM: Signature = Signature {
        sid: 9_000_013,
        rev: 1,
        msg: "WORMSCOPE Blaster TFTP read request for worm file",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// TFTP read request back to a host that just used a 4444 shell on the
    /// requester (any file name: unknown variants).
    pub const TFTP_RRQ_AFTER_SHELL: Signature = Signature {
        sid: 9_000_014,
        rev: 1,
        msg: "WORMSCOPE TFTP read request to host that opened a 4444/tcp shell",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// A TFTP transfer of the worm completed.
    pub const TFTP_TRANSFER: Signature = Signature {
        sid: 9_000_015,
        rev: 1,
        msg: "WORMSCOPE Blaster TFTP transfer of worm file completed",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// The payload's SYN flood to 80/tcp.
    pub const FLOOD_80: Signature = Signature {
        sid: 9_000_020,
        rev: 1,
        msg: "WORMSCOPE Blaster SYN flood to 80/tcp from spoofed /16 sources",
        category: "Attempted Denial of Service",
        severity: 2,
    };
    /// Welchia's ICMP echo sweep.
    pub const WELCHIA_ICMP: Signature = Signature {
        sid: 9_000_030,
        rev: 1,
        msg: "WORMSCOPE Welchia ICMP echo sweep (92-byte, 0xAA data)",
        category: "A Network Trojan was detected",
        severity: 1,
    };

    /// SQL Slammer: a datagram to 1434/udp whose first byte is 0x04
    /// (CLNT_UCAST_INST of Microsoft's SQL Server Resolution Protocol,
    /// [MC-SQLR] 2.2.3) and whose payload is overlong (MODEL.md section 2:
    /// the worm is "a single 376-byte UDP payload to port 1434"). The worm
    /// is the one packet: one alert per source. Related public ids (cited,
    /// not copied): Snort 2003 ("MS-SQL Worm propagation attempt").
    pub const SLAMMER_1434: Signature = Signature {
        sid: 9_000_040,
        rev: 1,
        msg: "WORMSCOPE SQL Slammer overlong CLNT_UCAST_INST (0x04) to 1434/udp",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// SQL Slammer's datagrams from one source to many destinations.
    pub const SLAMMER_SPREAD: Signature = Signature {
        sid: 9_000_041,
        rev: 1,
        msg: "WORMSCOPE SQL Slammer datagrams to many destinations",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// Code Red v1/v2: `GET /default.ida?` with a query of a long run of
    /// `N` (CERT CA-2001-19). Related public rule (cited by name, not
    /// copied): "GPL EXPLOIT ISAPI .ida attempt", which matches any
    /// `.ida?` request; ours needs the overlong filler.
    pub const CODERED_N: Signature = Signature {
        sid: 9_000_050,
        rev: 1,
        msg: "WORMSCOPE Code Red v1/v2 GET /default.ida? with N filler (MS01-033)",
        category: "Attempted Administrator Privilege Gain",
        severity: 1,
    };
    /// Code Red II: the same request with a run of `X` (CERT CA-2001-23,
    /// IN-2001-09).
    pub const CODERED_X: Signature = Signature {
        sid: 9_000_051,
        rev: 1,
        msg: "WORMSCOPE Code Red II GET /default.ida? with X filler (MS01-033)",
        category: "Attempted Administrator Privilege Gain",
        severity: 1,
    };
    /// The same request with a run of another character: a variant or a
    /// tool using the same overflow.
    pub const CODERED_OTHER: Signature = Signature {
        sid: 9_000_052,
        rev: 1,
        msg: "WORMSCOPE Code Red-like GET /default.ida? with overlong filler (MS01-033)",
        category: "Attempted Administrator Privilege Gain",
        severity: 1,
    };
    /// One client sends the Code Red request to many web servers.
    pub const CODERED_SPREAD: Signature = Signature {
        sid: 9_000_053,
        rev: 1,
        msg: "WORMSCOPE Code Red request sent to many web servers",
        category: "A Network Trojan was detected",
        severity: 1,
    };
    /// Witty: datagrams from 4000/udp of the worm's length (768 to 1307
    /// bytes of payload) to many destination addresses and ports (MODEL.md
    /// section 2).
    pub const WITTY_4000: Signature = Signature {
        sid: 9_000_060,
        rev: 1,
        msg: "WORMSCOPE Witty datagrams from 4000/udp to many random ports",
        category: "A Network Trojan was detected",
        severity: 1,
    };

    /// Every signature, by sid.
    pub const ALL: [Signature; 19] = [
        SWEEP_135,
        TRW_135,
        ZEEK_135,
        BRO_135,
        DCERPC_OVERLONG,
        SHELL_BANNER_4444,
        SHELL_TFTP_4444,
        TFTP_RRQ_WORM,
        TFTP_RRQ_AFTER_SHELL,
        TFTP_TRANSFER,
        FLOOD_80,
        WELCHIA_ICMP,
        SLAMMER_1434,
        SLAMMER_SPREAD,
        CODERED_N,
        CODERED_X,
        CODERED_OTHER,
        CODERED_SPREAD,
        WITTY_4000,
    ];
}

/// Transport protocol of an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (type and code).
    Icmp(u8, u8),
}

impl Proto {
    fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
            Proto::Icmp(..) => 1,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Icmp(..) => "ICMP",
        }
    }
}

/// One alert, on the packet that completed the evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Capture time of the packet, µs since the epoch.
    pub ts_us: i64,
    /// Frame number in its capture (Suricata's `pcap_cnt`).
    pub pcap_cnt: u64,
    /// Source address.
    pub src: Ipv4Addr,
    /// Source port (0 for ICMP).
    pub src_port: u16,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Destination port (0 for ICMP).
    pub dst_port: u16,
    /// Protocol.
    pub proto: Proto,
    /// The signature.
    pub sig: Signature,
    /// What was seen, for people.
    pub evidence: String,
}

impl Alert {
    /// A stable hash of the flow's 5-tuple, independent of direction, kept
    /// to 48 bits as Suricata does so JSON readers keep it exact.
    pub fn flow_id(&self) -> u64 {
        let a = (u32::from(self.src), self.src_port);
        let b = (u32::from(self.dst), self.dst_port);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &x in bytes {
                h ^= u64::from(x);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&lo.0.to_be_bytes());
        eat(&lo.1.to_be_bytes());
        eat(&hi.0.to_be_bytes());
        eat(&hi.1.to_be_bytes());
        eat(&[self.proto.number()]);
        (h & 0x0000_ffff_ffff_ffff).max(1)
    }
}

#[derive(Serialize)]
struct EveAlertBody<'a> {
    action: &'static str,
    gid: u32,
    signature_id: u32,
    rev: u32,
    signature: &'static str,
    category: &'static str,
    severity: u8,
    metadata: EveMeta<'a>,
}

#[derive(Serialize)]
struct EveMeta<'a> {
    wormscope_evidence: [&'a str; 1],
}

#[derive(Serialize)]
struct EveRecord<'a> {
    timestamp: String,
    flow_id: u64,
    pcap_cnt: u64,
    event_type: &'static str,
    src_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    dest_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    proto: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    alert: EveAlertBody<'a>,
}

/// Writes alerts as EVE JSON lines.
pub struct EveWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> EveWriter<W> {
    /// Wraps a writer (buffer it: one `write` per alert).
    pub fn new(out: W) -> Self {
        EveWriter { out, written: 0 }
    }

    /// Writes one alert as one line.
    pub fn write(&mut self, a: &Alert) -> io::Result<()> {
        let (src_port, dest_port, icmp_type, icmp_code) = match a.proto {
            Proto::Icmp(t, c) => (None, None, Some(t), Some(c)),
            _ => (Some(a.src_port), Some(a.dst_port), None, None),
        };
        let rec = EveRecord {
            timestamp: eve_timestamp(a.ts_us),
            flow_id: a.flow_id(),
            pcap_cnt: a.pcap_cnt,
            event_type: "alert",
            src_ip: a.src.to_string(),
            src_port,
            dest_ip: a.dst.to_string(),
            dest_port,
            proto: a.proto.name(),
            icmp_type,
            icmp_code,
            alert: EveAlertBody {
                action: "allowed",
                gid: 1,
                signature_id: a.sig.sid,
                rev: a.sig.rev,
                signature: a.sig.msg,
                category: a.sig.category,
                severity: a.sig.severity,
                metadata: EveMeta {
                    wormscope_evidence: [&a.evidence],
                },
            },
        };
        serde_json::to_writer(&mut self.out, &rec)?;
        self.out.write_all(b"\n")?;
        self.written += 1;
        Ok(())
    }

    /// Alerts written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn parts(ts_us: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let secs = ts_us.div_euclid(1_000_000);
    let us = ts_us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    (y, m, d, sod / 3600, (sod % 3600) / 60, sod % 60, us)
}

/// EVE's timestamp: `2003-08-11T19:02:03.123456+0000`.
pub fn eve_timestamp(ts_us: i64) -> String {
    let (y, mo, d, h, mi, s, us) = parts(ts_us);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}+0000")
}

/// RFC 3339 in UTC with microseconds: `2003-08-11T19:02:03.123456Z`.
pub fn rfc3339(ts_us: i64) -> String {
    let (y, mo, d, h, mi, s, us) = parts(ts_us);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        // 2003-08-11T19:02:03.123456Z
        let t = 1_060_628_523_123_456;
        assert_eq!(eve_timestamp(t), "2003-08-11T19:02:03.123456+0000");
        assert_eq!(rfc3339(t), "2003-08-11T19:02:03.123456Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(951_782_400_000_000), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn eve_line_has_the_suricata_fields() {
        let a = Alert {
            ts_us: 1_060_628_523_123_456,
            pcap_cnt: 7,
            src: Ipv4Addr::new(10, 0, 0, 1),
            src_port: 1025,
            dst: Ipv4Addr::new(10, 0, 0, 2),
            dst_port: 135,
            proto: Proto::Tcp,
            sig: sig::DCERPC_OVERLONG,
            evidence: "x".into(),
        };
        let mut w = EveWriter::new(Vec::new());
        w.write(&a).unwrap();
        let out = w.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["event_type"], "alert");
        assert_eq!(v["timestamp"], "2003-08-11T19:02:03.123456+0000");
        assert_eq!(v["pcap_cnt"], 7);
        assert_eq!(v["src_port"], 1025);
        assert_eq!(v["dest_ip"], "10.0.0.2");
        assert_eq!(v["proto"], "TCP");
        assert_eq!(v["alert"]["signature_id"], 9_000_010);
        assert_eq!(v["alert"]["gid"], 1);
        assert_eq!(v["alert"]["action"], "allowed");
        assert!(v["flow_id"].as_u64().unwrap() < 1 << 48);
        // Direction does not change the flow id.
        let mut b = a.clone();
        std::mem::swap(&mut b.src, &mut b.dst);
        std::mem::swap(&mut b.src_port, &mut b.dst_port);
        assert_eq!(a.flow_id(), b.flow_id());
        let sids: std::collections::HashSet<u32> = sig::ALL.iter().map(|s| s.sid).collect();
        assert_eq!(sids.len(), sig::ALL.len());
    }
}
