//! Detection parameters, with their published sources.
//!
//! What it is for: every threshold the detector uses, in one value the CLI
//! can build and a test can change. Defaults come from MODEL.md section 5
//! ("Detection baselines"), which cites Zeek's `scan.zeek`, Bro 1.x's
//! `blaster.bro` and the Threshold Random Walk of Jung, Paxson, Berger and
//! Balakrishnan (IEEE S&P 2004), and from MODEL.md section 2 (Slammer,
//! Code Red, Witty), Microsoft's SQL Server Resolution Protocol
//! specification ([MC-SQLR]) and CERT's Code Red advisories (CA-2001-19,
//! CA-2001-23, IN-2001-09); the rest are documented choices.
//!
//! What it may not touch: no state, no I/O.

/// Microseconds in a second.
pub const SECOND_US: i64 = 1_000_000;

/// All detection parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectConfig {
    /// TCP destination ports whose connection attempts feed the scan
    /// detectors (TRW, Zeek-like, blaster.bro-like, sequential sweep).
    /// Default `[135]`: the worm's port. Scans of other ports (a port-80
    /// sweep, say) are deliberately not this detector's business.
    pub scan_ports: Vec<u16>,

    /// TRW: probability that a benign source's first contact succeeds,
    /// theta0 = 0.8 (Jung et al. 2004; MODEL.md section 5).
    pub trw_theta0: f64,
    /// TRW: probability that a scanner's first contact succeeds,
    /// theta1 = 0.2 (same source).
    pub trw_theta1: f64,
    /// TRW: desired detection probability P_D = 0.99 (same source).
    pub trw_p_d: f64,
    /// TRW: tolerated false-positive probability P_F = 0.01 (same source).
    /// With the defaults eta1 = P_D/P_F = 99 and eta0 = (1-P_D)/(1-P_F) ~
    /// 0.0101: each failure multiplies the likelihood ratio by
    /// (1-theta1)/(1-theta0) = 4, each success by theta1/theta0 = 0.25, so
    /// four straight failures flag a scanner.
    pub trw_p_f: f64,
    /// How long a first contact may stay unanswered before it counts as a
    /// failure ("no answer", MODEL.md section 5). 3 s: the classic initial
    /// SYN retransmission timeout; the worm itself waits 1.8 s.
    pub connect_timeout_us: i64,

    /// Zeek `scan.zeek`-like address scan: distinct destinations with
    /// *failed* connections on a scan port, per source, within
    /// [`DetectConfig::zeek_window_us`]. Default 25 (MODEL.md section 5);
    /// we alert when the count reaches it.
    pub zeek_threshold: usize,
    /// Zeek's measurement interval: 5 minutes (MODEL.md section 5).
    pub zeek_window_us: i64,

    /// Bro 1.x `blaster.bro`-like: distinct destinations of 135/tcp
    /// connection attempts per source; alert at 50, one alert per scanner
    /// (MODEL.md section 5).
    pub bro_threshold: usize,

    /// Per-source state expires this long after its last update: Bro's
    /// 5-minute rule from `blaster.bro` (MODEL.md section 5). Applies to
    /// every per-source, per-connection and per-prefix table.
    pub state_expiry_us: i64,

    /// Sequential sweep: consecutive 135/tcp destinations of one source that
    /// rise by at most this much count as one run (the worm scans strictly
    /// upward, one address after the other; a little slack covers packets
    /// the capture missed).
    pub sweep_max_gap: u32,
    /// Sequential sweep: run length that flags the source.
    pub sweep_min_run: u32,
    /// Sequential sweep: /24 boundaries the run must cross ("consecutive
    /// destinations rising across /24s").
    pub sweep_min_crossings: u32,

    /// DCE/RPC: a UNC server-name component at least this long (characters)
    /// in a request after an ISystemActivator bind is "overlong". 64: longer
    /// than any NetBIOS name (15) and any DNS label (63). Legitimate
    /// activation carries a short name or none.
    pub overlong_server_name: usize,

    /// Flood: SYNs to 80/tcp of the payload's shape (40-byte datagram,
    /// source port 1000-1999, window 16384, TTL 65-128) from one /16 to one
    /// destination within [`DetectConfig::flood_window_us`]. 100 in 5 s is
    /// 20 pps, well under one host's 50 pps (MODEL.md section 1).
    pub flood_min_syns: u32,
    /// Flood: distinct (spoofed) source addresses those SYNs must carry.
    pub flood_min_sources: usize,
    /// Flood: measurement window.
    pub flood_window_us: i64,

    /// Welchia: distinct destinations of 92-byte 0xAA echo requests per
    /// source within the state expiry that make a sweep.
    pub welchia_min_targets: usize,

    /// Slammer: the UDP destination port of the SQL Server Resolution
    /// Service, 1434 (MODEL.md section 2: "a single 376-byte UDP payload to
    /// port 1434"; Microsoft's [MC-SQLR] protocol specification).
    pub slammer_port: u16,
    /// Slammer: a datagram to [`DetectConfig::slammer_port`] whose first
    /// payload byte is 0x04 (CLNT_UCAST_INST, [MC-SQLR] section 2.2.3: a
    /// request for one instance's connection details) and whose payload, as the IPv4 and
    /// UDP headers give it (not the captured bytes, which a snap length may
    /// cut), is at least this long is overlong. 64: a legitimate
    /// CLNT_UCAST_INST is the type byte, an instance name of at most 32
    /// bytes ([MC-SQLR] 2.2.3) and a terminating zero, 34 bytes at most;
    /// the worm's was 376 (MODEL.md section 2). Browsing requests
    /// (CLNT_BCAST_EX 0x02, CLNT_UCAST_EX 0x03) are one byte.
    pub slammer_min_payload: usize,
    /// Slammer: distinct destinations of such datagrams from one source
    /// within the state expiry that add "spreading" to the single
    /// datagram's evidence. 10, as for Welchia.
    pub slammer_min_targets: usize,

    /// Code Red: the TCP destination port of the web servers it attacked, 80
    /// (MODEL.md section 2; CERT CA-2001-19).
    pub codered_port: u16,
    /// Code Red: an HTTP `GET /default.ida?` request whose query starts with
    /// a run of at least this many copies of one character is the worm's
    /// (CERT CA-2001-19: the request is `/default.ida?` then a long run of
    /// `N`; Code Red II's, CA-2001-23 / IN-2001-09, a run of `X`; 224 in
    /// both, per the published log lines). 100: under half the worm's run;
    /// Indexing Service queries (`CiRestriction=...`) do not repeat one
    /// character a hundred times.
    pub codered_min_filler: usize,
    /// Code Red: when the capture's snap length cut the segment inside the
    /// run, a run that reaches the cut and is at least this long counts
    /// (the rest of the run is not in the file). 16: 17 bytes of
    /// `GET /default.ida?` and 16 of one character fit in a 96-byte snap
    /// length with Ethernet, IPv4 and TCP headers.
    pub codered_min_filler_cut: usize,
    /// Code Red: distinct servers sent such a request by one client within
    /// the state expiry that add "spreading" to its evidence. 3: one or
    /// two servers can be a tester's target; the worm sends to every web
    /// server it finds.
    pub codered_min_targets: usize,

    /// Witty: the UDP source port, 4000 (MODEL.md section 2: "one UDP
    /// datagram from source port 4000"; ICQ's port, whose packets the
    /// vulnerable ISS PAM parser read).
    pub witty_src_port: u16,
    /// Witty: the shortest UDP payload of the worm's datagrams, 768 bytes
    /// (MODEL.md section 2: "768-1307 bytes"). Read from the IPv4 and UDP
    /// headers, so captures with a snap length (or CAIDA's, whose payload
    /// is removed) still show it.
    pub witty_min_payload: usize,
    /// Witty: the longest, 1307 bytes (MODEL.md section 2). Kumar, Paxson
    /// and Weaver (IMC 2005) give the length as 768 plus a random number
    /// below 512; 1307 keeps MODEL.md's bound, which covers both readings.
    pub witty_max_payload: usize,
    /// Witty: distinct destination addresses of such datagrams from one
    /// source within [`DetectConfig::witty_window_us`] before it is called
    /// infected. 10: port 4000 was also ICQ's, and an ICQ server answers
    /// many clients from it, but with short datagrams; ten of the worm's
    /// length to ten hosts is a scan (the worm sent 20,000 per round,
    /// F-Secure's description; 357 packets per second on average, MODEL.md).
    pub witty_min_targets: usize,
    /// Witty: distinct destination ports among them (the worm's are random
    /// per datagram; an ICQ reply goes back to the client's port). 10.
    pub witty_min_ports: usize,
    /// Witty: the window in which those are counted, 1 hour: a /8
    /// telescope sees about 1 in 256 of a host's datagrams, and a host on a
    /// 56 kbit/s modem sends about 7 of the worm's a second (MODEL.md's 357
    /// is the average), so the telescope sees ten of a slow host's in six to
    /// seven minutes, and of a host cut off early fewer still. The datagrams
    /// counted are unsolicited (none answers a datagram its destination
    /// sent to the port within the window), which a server on the port
    /// does not send, so the window can be long. Also how long such a
    /// question is remembered.
    pub witty_window_us: i64,

    /// Worm file names (lower case) a TFTP read request is matched against:
    /// msblast.exe and the variants' names (MODEL.md section 1).
    pub worm_filenames: Vec<String>,

    /// Bound on tracked scanning sources (state beyond it is not created
    /// and counted in `Stats::state_dropped`).
    pub max_sources: usize,
    /// Bound on first contacts awaiting an answer.
    pub max_pending: usize,
    /// Bound on the per-source set of hosts already contacted (TRW's first
    /// contact test). When full it is cleared: a later contact may count as
    /// "first" again, which can only delay a verdict, not invent one.
    pub max_contacts_per_source: usize,
    /// Bound on tracked TCP connections to 135 and 4444 and TFTP transfers.
    pub max_conns: usize,
    /// Bytes of a DCE/RPC stream kept per connection.
    pub rpc_buffer: usize,
    /// Bound on host rows kept for clean hosts (hosts with evidence are
    /// always kept, up to twice this).
    pub max_hosts: usize,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            scan_ports: vec![135],
            trw_theta0: 0.8,
            trw_theta1: 0.2,
            trw_p_d: 0.99,
            trw_p_f: 0.01,
            connect_timeout_us: 3 * SECOND_US,
            zeek_threshold: 25,
            zeek_window_us: 300 * SECOND_US,
            bro_threshold: 50,
            state_expiry_us: 300 * SECOND_US,
            sweep_max_gap: 16,
            sweep_min_run: 64,
            sweep_min_crossings: 1,
            overlong_server_name: 64,
            flood_min_syns: 100,
            flood_min_sources: 50,
            flood_window_us: 5 * SECOND_US,
            welchia_min_targets: 10,
            slammer_port: 1434,
            slammer_min_payload: 64,
            slammer_min_targets: 10,
            codered_port: 80,
            codered_min_filler: 100,
            codered_min_filler_cut: 16,
            codered_min_targets: 3,
            witty_src_port: 4000,
            witty_min_payload: 768,
            witty_max_payload: 1307,
            witty_min_targets: 10,
            witty_min_ports: 10,
            witty_window_us: 3_600 * SECOND_US,
            worm_filenames: [
                "msblast.exe",
                "penis32.exe",
                "teekids.exe",
                "mslaugh.exe",
                "enbiei.exe",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            max_sources: 65_536,
            max_pending: 262_144,
            max_contacts_per_source: 256,
            max_conns: 16_384,
            rpc_buffer: 8 * 1024,
            max_hosts: 1 << 20,
        }
    }
}

impl DetectConfig {
    /// TRW upper threshold eta1 = P_D / P_F.
    pub fn trw_eta1(&self) -> f64 {
        self.trw_p_d / self.trw_p_f
    }
    /// TRW lower threshold eta0 = (1 - P_D) / (1 - P_F).
    pub fn trw_eta0(&self) -> f64 {
        (1.0 - self.trw_p_d) / (1.0 - self.trw_p_f)
    }
    /// Likelihood-ratio factor for a successful first contact.
    pub fn trw_success_factor(&self) -> f64 {
        self.trw_theta1 / self.trw_theta0
    }
    /// Likelihood-ratio factor for a failed first contact.
    pub fn trw_failure_factor(&self) -> f64 {
        (1.0 - self.trw_theta1) / (1.0 - self.trw_theta0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trw_numbers_match_the_paper() {
        let c = DetectConfig::default();
        assert!((c.trw_eta1() - 99.0).abs() < 1e-9);
        assert!((c.trw_eta0() - 0.010101).abs() < 1e-5);
        assert!((c.trw_failure_factor() - 4.0).abs() < 1e-9);
        assert!((c.trw_success_factor() - 0.25).abs() < 1e-9);
        // Four failures cross eta1, three do not.
        assert!(4f64.powi(4) >= c.trw_eta1() && 4f64.powi(3) < c.trw_eta1());
    }
}
