//! Streaming capture reading: pcap and pcapng, one frame at a time, from
//! the stream as it is or inflated ([`mod@crate::inflate`]: gzip, bzip2,
//! xz, zstd, lz4).
//!
//! What it is for: turning a byte stream (a file, a pipe, a generator) into
//! [`Frame`]s — timestamp in microseconds, captured bytes, original length,
//! link type — with memory that stays flat whatever the file size. The file
//! formats are parsed by `pcap-parser` over its circular buffer; this module
//! only drives it, tracks byte offsets and turns its errors into a small
//! typed [`CaptureError`].
//!
//! What it may not touch: packet contents (that is [`mod@crate::decode`]), the
//! file system beyond the reader it is handed (see [`CaptureReader::open`]
//! for the one convenience that opens a path), and anything that writes.
//!
//! Invariants:
//! - it never panics on any input (fuzzed: `crates/detect/fuzz`);
//! - on a truncated or corrupt file it first yields every complete frame
//!   before the damage, then one error carrying the byte offset at which the
//!   damaged record starts;
//! - an input whose first bytes are not a pcap or pcapng header is
//!   [`CaptureErrorKind::Unreadable`], never "truncated".

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

pub use crate::inflate::Compression;
use crate::inflate::Inflate;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{PcapBlockOwned, PcapError};

/// A link-layer header type, as numbered by tcpdump.org's LINKTYPE_ list
/// (and by the pcap `network` / pcapng IDB `linktype` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// LINKTYPE_ETHERNET (1): Ethernet II, possibly with 802.1Q / QinQ tags.
    pub const ETHERNET: LinkType = LinkType(1);
    /// DLT_RAW as numbered on most BSDs and Linux libpcap builds (12).
    pub const DLT_RAW_12: LinkType = LinkType(12);
    /// DLT_RAW as numbered on OpenBSD (14).
    pub const DLT_RAW_14: LinkType = LinkType(14);
    /// LINKTYPE_RAW (101): the packet starts with an IPv4 or IPv6 header.
    pub const RAW: LinkType = LinkType(101);
    /// LINKTYPE_LINUX_SLL (113): Linux "cooked" capture, version 1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// LINKTYPE_IPV4 (228): raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// LINKTYPE_LINUX_SLL2 (276): Linux "cooked" capture, version 2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// LINKTYPE_NULL (0): BSD loopback, a 4-byte address family in the
    /// capturing host's byte order.
    pub const NULL: LinkType = LinkType(0);
    /// LINKTYPE_PPP (9): PPP, with or without the HDLC address and control
    /// bytes.
    pub const PPP: LinkType = LinkType(9);
    /// LINKTYPE_PPP_HDLC (50): PPP in HDLC-like framing (on some links,
    /// Cisco HDLC frames).
    pub const PPP_HDLC: LinkType = LinkType(50);
    /// LINKTYPE_PPP_ETHER (51): PPPoE, the session header first.
    pub const PPP_ETHER: LinkType = LinkType(51);
    /// LINKTYPE_C_HDLC (104): Cisco HDLC, the framing of many backbone
    /// traces.
    pub const C_HDLC: LinkType = LinkType(104);
    /// LINKTYPE_LOOP (108): OpenBSD loopback, the address family in network
    /// byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// LINKTYPE_IPV6 (229): raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// LINKTYPE_IEEE802_11 (105): 802.11 frames, the wireless header
    /// first.
    pub const IEEE802_11: LinkType = LinkType(105);
    /// LINKTYPE_IEEE802_11_PRISM (119): a 144-byte Prism monitor header,
    /// then 802.11.
    pub const IEEE802_11_PRISM: LinkType = LinkType(119);
    /// LINKTYPE_IEEE802_11_RADIOTAP (127): a radiotap header, then 802.11.
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    /// LINKTYPE_IEEE802_11_AVS (163): an AVS monitor header, then 802.11.
    pub const IEEE802_11_AVS: LinkType = LinkType(163);
    /// LINKTYPE_PPI (192): a Per-Packet Information header naming the link
    /// type after it (802.11 or Ethernet are decoded).
    pub const PPI: LinkType = LinkType(192);
    /// LINKTYPE_IEEE802_5 (6): Token Ring, a source-routing field if the
    /// source address says so, then 802.2 LLC.
    pub const IEEE802_5: LinkType = LinkType(6);
    /// LINKTYPE_FDDI (10): FDDI, then 802.2 LLC.
    pub const FDDI: LinkType = LinkType(10);
    /// LINKTYPE_ATM_RFC1483 (100): ATM with RFC 1483 LLC/SNAP
    /// encapsulation, the LLC header first.
    pub const ATM_RFC1483: LinkType = LinkType(100);
    /// LINKTYPE_FRELAY (107): Frame Relay, a Q.922 address, then RFC 2427's
    /// NLPID (or Cisco's Ether type).
    pub const FRELAY: LinkType = LinkType(107);
    /// LINKTYPE_ENC (109): OpenBSD's IPsec encapsulation device, a 12-byte
    /// header naming the address family.
    pub const ENC: LinkType = LinkType(109);
    /// LINKTYPE_PFLOG (117): OpenBSD pf's log device (`pflog0`), a header
    /// of its own length naming the rule, action and address family.
    pub const PFLOG: LinkType = LinkType(117);
    /// LINKTYPE_SUNATM (123): ATM behind SunATM's 4-byte pseudo-header.
    pub const SUNATM: LinkType = LinkType(123);
    /// LINKTYPE_ERF (197): Endace ERF records (DAG capture cards): a
    /// 16-byte record header, extension headers, then the link layer its
    /// type names.
    pub const ERF: LinkType = LinkType(197);
    /// LINKTYPE_IPNET (226): Solaris ipnet, a 24-byte header naming the
    /// address family.
    pub const IPNET: LinkType = LinkType(226);
    /// LINKTYPE_NFLOG (239): Linux netfilter's log (`iptables -j NFLOG`,
    /// `tcpdump -i nflog`): a 4-byte header, then attributes, the packet
    /// among them.
    pub const NFLOG: LinkType = LinkType(239);

    /// Every link type [`mod@crate::decode`] knows how to reach the IP
    /// header of (all but [`LinkType::IPV6`] can carry IPv4).
    pub const DECODED: [LinkType; 29] = [
        LinkType::ETHERNET,
        LinkType::RAW,
        LinkType::DLT_RAW_12,
        LinkType::DLT_RAW_14,
        LinkType::IPV4,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::NULL,
        LinkType::LOOP,
        LinkType::PPP,
        LinkType::PPP_HDLC,
        LinkType::PPP_ETHER,
        LinkType::C_HDLC,
        LinkType::IEEE802_11,
        LinkType::IEEE802_11_PRISM,
        LinkType::IEEE802_11_RADIOTAP,
        LinkType::IEEE802_11_AVS,
        LinkType::PPI,
        LinkType::IEEE802_5,
        LinkType::FDDI,
        LinkType::ATM_RFC1483,
        LinkType::FRELAY,
        LinkType::ENC,
        LinkType::PFLOG,
        LinkType::SUNATM,
        LinkType::ERF,
        LinkType::IPNET,
        LinkType::NFLOG,
        LinkType::IPV6,
    ];

    /// Whether [`mod@crate::decode`] knows how to reach the IP header.
    pub fn is_supported(self) -> bool {
        LinkType::DECODED.contains(&self)
    }
}

/// The container format of a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Classic libpcap (either byte order; micro- or nanosecond).
    Pcap,
    /// pcapng.
    PcapNg,
}

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// 1-based frame number in this capture (Wireshark's "frame.number",
    /// Suricata's `pcap_cnt`).
    pub number: u64,
    /// Byte offset in the capture of the record holding this frame.
    pub offset: u64,
    /// Capture time, microseconds since the Unix epoch (UTC).
    pub ts_us: i64,
    /// Link-layer header type of this frame.
    pub link_type: LinkType,
    /// Length of the frame on the wire (may exceed `data.len()` when the
    /// capture used a snap length).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// The two classes of failure a caller must tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureErrorKind {
    /// Nothing could be read: the file cannot be opened, or it is not a pcap
    /// or pcapng capture. (`wormscope detect` exits 2.)
    Unreadable,
    /// The capture was read up to a point, then was cut short or damaged.
    /// Every frame before `offset` was yielded. (`wormscope detect` exits 1.)
    Damaged,
}

/// Why a capture could not be read (further).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The source could not be opened or read at all.
    #[error("cannot read capture: {0}")]
    Io(#[source] io::Error),
    /// The first bytes are not a pcap or pcapng header.
    #[error("unknown capture format (not pcap or pcapng): {0}")]
    UnknownFormat(String),
    /// The data ends in the middle of a record.
    #[error(
        "capture truncated at byte offset {offset}: incomplete record after {frames} good frames"
    )]
    Truncated {
        /// Offset of the first byte of the incomplete record.
        offset: u64,
        /// Frames yielded before it.
        frames: u64,
    },
    /// A record cannot be parsed.
    #[error("capture corrupt at byte offset {offset} after {frames} good frames: {detail}")]
    Corrupt {
        /// Offset of the first byte of the bad record.
        offset: u64,
        /// Frames yielded before it.
        frames: u64,
        /// What was wrong.
        detail: String,
    },
    /// Reading failed after some frames were read.
    #[error("read error at byte offset {offset} after {frames} good frames: {source}")]
    ReadFailed {
        /// Offset at which reading failed.
        offset: u64,
        /// Frames yielded before it.
        frames: u64,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl CaptureError {
    /// Which of the two failure classes this is.
    pub fn kind(&self) -> CaptureErrorKind {
        match self {
            CaptureError::Io(_) | CaptureError::UnknownFormat(_) => CaptureErrorKind::Unreadable,
            _ => CaptureErrorKind::Damaged,
        }
    }

    /// Byte offset of the damage, for [`CaptureErrorKind::Damaged`] errors.
    pub fn offset(&self) -> Option<u64> {
        match self {
            CaptureError::Truncated { offset, .. }
            | CaptureError::Corrupt { offset, .. }
            | CaptureError::ReadFailed { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// Initial size of the circular buffer. Records larger than this grow it, up
/// to [`MAX_RECORD`].
pub const BUFFER_CAPACITY: usize = 1 << 20;
/// The largest record (pcap frame or pcapng block) accepted; anything larger
/// is reported as corrupt. Keeps memory bounded on a hostile length field.
/// (libpcap's own ceiling for a snap length is 256 KiB; pcapng blocks may
/// carry options, so we allow more.)
pub const MAX_RECORD: usize = 16 << 20;
/// The most pcapng interfaces accepted per section.
pub const MAX_INTERFACES: usize = 4096;

/// The bytes sniffed before choosing a parser.
const SNIFF: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: LinkType,
    /// Units per second of this interface's timestamps.
    ts_units: u64,
    ts_offset_s: i64,
}

/// The sniffed head of the stream, handed back in front of the rest.
type Chained<R> = io::Chain<Cursor<Vec<u8>>, R>;

/// The bytes the capture parser reads: the stream as it is, or what a
/// compressed stream inflates to.
enum Source<R: Read> {
    Plain(R),
    Inflating(Box<Inflate<Chained<R>>>),
    /// A compressed stream that failed within the bytes sniffed: what
    /// inflated is read, then this fails.
    Damaged,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Inflating(r) => r.read(buf),
            Source::Damaged => Err(io::Error::other("damaged compressed stream")),
        }
    }
}

enum Inner<R: Read> {
    Pcap(pcap_parser::LegacyPcapReader<Chained<Source<R>>>),
    PcapNg(pcap_parser::PcapNGReader<Chained<Source<R>>>),
}

impl<R: Read> Inner<R> {
    fn it(&mut self) -> &mut dyn PcapReaderIterator {
        match self {
            Inner::Pcap(r) => r,
            Inner::PcapNg(r) => r,
        }
    }
}

/// A streaming reader over a pcap or pcapng byte stream.
///
/// ```no_run
/// # fn main() -> Result<(), wormscope_wire::capture::CaptureError> {
/// let mut reader = wormscope_wire::capture::CaptureReader::open("in.pcapng")?;
/// while let Some(frame) = reader.next_frame()? {
///     println!("{} {} bytes", frame.number, frame.data.len());
/// }
/// # Ok(()) }
/// ```
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    format: CaptureFormat,
    compression: Compression,
    /// Bytes to consume before parsing the next record (the frame last lent).
    pending: usize,
    frames: u64,
    /// What the headers said so far (link types, timestamp units).
    meta: Headers,
    /// A terminal error was returned; further calls return `Ok(None)`.
    done: bool,
    /// Current size of the circular buffer.
    capacity: usize,
    /// Ceiling for `capacity`.
    max_record: usize,
}

impl CaptureReader<File> {
    /// Opens a capture file. An unopenable file or unknown format is a
    /// [`CaptureErrorKind::Unreadable`] error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CaptureError> {
        let file = File::open(path.as_ref()).map_err(CaptureError::Io)?;
        CaptureReader::new(file)
    }
}

fn read_up_to(reader: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

const PCAP_MAGICS: [[u8; 4]; 6] = [
    [0xd4, 0xc3, 0xb2, 0xa1], // LE micro
    [0xa1, 0xb2, 0xc3, 0xd4], // BE micro
    [0x4d, 0x3c, 0xb2, 0xa1], // LE nano
    [0xa1, 0xb2, 0x3c, 0x4d], // BE nano
    [0x34, 0xcd, 0xb2, 0xa1], // LE modified (Kuznetzov)
    [0xa1, 0xb2, 0xcd, 0x34], // BE modified
];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Identifies the container format from the first bytes, if known.
pub fn sniff_format(head: &[u8]) -> Option<CaptureFormat> {
    let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
    if magic == PCAPNG_MAGIC {
        Some(CaptureFormat::PcapNg)
    } else if PCAP_MAGICS.contains(&magic) {
        Some(CaptureFormat::Pcap)
    } else {
        None
    }
}

impl<R: Read> CaptureReader<R> {
    /// Wraps any byte stream. Reads the first bytes to identify the format.
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        Self::with_limits(reader, BUFFER_CAPACITY, MAX_RECORD)
    }

    /// Like [`CaptureReader::new`] with a chosen initial buffer size and
    /// largest accepted record (memory use is bounded by the latter).
    pub fn with_limits(
        mut reader: R,
        capacity: usize,
        max_record: usize,
    ) -> Result<Self, CaptureError> {
        let capacity = capacity.max(4096);
        let max_record = max_record.max(capacity);
        let sniff = SNIFF.min(capacity);
        let head = read_up_to(&mut reader, sniff).map_err(CaptureError::Io)?;
        // A compressed stream is inflated on the fly and sniffed again:
        // published captures often come as `.pcap.gz` or `.pcap.bz2`, and
        // tshark reads gzip, zstd and lz4 files as they are.
        let compression = Compression::sniff(&head);
        let (head, source) = if compression == Compression::None {
            (head, Source::Plain(reader))
        } else {
            let mut inflate = Inflate::new(compression, Cursor::new(head).chain(reader))
                .expect("a compressed stream");
            let mut inflated = Vec::new();
            // A stream damaged within its first bytes still gives the
            // frames before the damage, then the error.
            let source = match (&mut inflate).take(sniff as u64).read_to_end(&mut inflated) {
                Ok(_) => Source::Inflating(Box::new(inflate)),
                // A stream that ends before its first block is whole (lz4
                // inflates a block only once all of it is there) is cut
                // short, not damaged.
                Err(e) if inflated.is_empty() && e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(CaptureError::UnknownFormat(format!(
                        "a stream compressed with {} that is cut short before any of it \
                         inflates: {e}",
                        compression.name()
                    )));
                }
                Err(e) if inflated.is_empty() => {
                    return Err(CaptureError::UnknownFormat(format!(
                        "a stream compressed with {} that does not inflate: {e}",
                        compression.name()
                    )));
                }
                Err(_) => Source::Damaged,
            };
            (inflated, source)
        };
        let Some(format) = sniff_format(&head) else {
            if compression != Compression::None {
                return Err(CaptureError::UnknownFormat(format!(
                    "a stream compressed with {} that holds no pcap or pcapng capture",
                    compression.name()
                )));
            }
            let shown: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
            return Err(CaptureError::UnknownFormat(if head.is_empty() {
                "empty input".to_string()
            } else {
                format!("first bytes {}", shown.join(" "))
            }));
        };
        let head_len = head.len();
        // Hand the sniffed bytes back in front of the rest of the stream: the
        // parser's first read takes them whole (the buffer is larger).
        let chained = Cursor::new(head).chain(source);
        let header_err = |e: PcapError<&'static [u8]>| -> CaptureError {
            match e {
                PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof
                    if head_len < sniff =>
                {
                    CaptureError::Truncated {
                        offset: 0,
                        frames: 0,
                    }
                }
                other => CaptureError::Corrupt {
                    offset: 0,
                    frames: 0,
                    detail: format!("bad file header: {other}"),
                },
            }
        };
        let inner = match format {
            CaptureFormat::Pcap => Inner::Pcap(
                pcap_parser::LegacyPcapReader::new(capacity, chained).map_err(header_err)?,
            ),
            CaptureFormat::PcapNg => Inner::PcapNg(
                pcap_parser::PcapNGReader::new(capacity, chained).map_err(header_err)?,
            ),
        };
        Ok(CaptureReader {
            inner,
            format,
            compression,
            pending: 0,
            frames: 0,
            meta: Headers {
                pcap_link: LinkType::ETHERNET,
                pcap_units: 1_000_000,
                interfaces: Vec::new(),
            },
            done: false,
            capacity,
            max_record,
        })
    }

    /// How the stream was compressed (byte offsets count the inflated
    /// bytes).
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The container format.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Frames yielded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes of the capture consumed so far (the offset of the next record).
    pub fn offset(&self) -> u64 {
        (self.inner_consumed() + self.pending) as u64
    }

    fn inner_consumed(&self) -> usize {
        match &self.inner {
            Inner::Pcap(r) => r.consumed(),
            Inner::PcapNg(r) => r.consumed(),
        }
    }

    /// What a failed read says: a compressed stream that stops inflating
    /// is damaged, the commonest cause there.
    fn read_error(&self) -> io::Error {
        io::Error::other(match self.compression {
            Compression::None => "read error".to_string(),
            c => format!(
                "read error (the stream compressed with {} is damaged or cut short)",
                c.name()
            ),
        })
    }

    fn fail(&mut self, err: CaptureError) -> Result<Option<Frame<'_>>, CaptureError> {
        self.done = true;
        Err(err)
    }

    fn corrupt(&self, detail: impl Into<String>) -> CaptureError {
        CaptureError::Corrupt {
            offset: self.inner_consumed() as u64,
            frames: self.frames,
            detail: detail.into(),
        }
    }

    /// The next frame, `Ok(None)` at a clean end of the capture, or the
    /// error that stops reading (after which it returns `Ok(None)`).
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        if self.pending > 0 {
            let n = self.pending;
            self.pending = 0;
            self.inner.it().consume(n);
        }
        loop {
            let offset = self.inner_consumed() as u64;
            // The buffer does not move between `data()` and `next()`: only
            // `consume`/`refill` shift it. We remember where it starts so the
            // frame's bytes can be re-borrowed after the parse result is
            // dropped (the borrow checker cannot see through the loop).
            let base = self.inner.it().data().as_ptr() as usize;
            let step = match self.inner.it().next() {
                Ok((len, block)) => Step::Block(len, self.meta.classify(block, base)),
                Err(PcapError::Eof) => Step::Eof,
                Err(PcapError::Incomplete(_)) => Step::Refill,
                Err(PcapError::BufferTooSmall) => Step::Grow,
                Err(PcapError::UnexpectedEof) => Step::Truncated,
                Err(PcapError::ReadError) => Step::ReadError,
                Err(e) => Step::Corrupt(e.to_string()),
            };
            match step {
                Step::Eof => {
                    self.done = true;
                    return Ok(None);
                }
                Step::Refill => {
                    let before = self.inner.it().data().len();
                    if self.inner.it().refill().is_err() {
                        return self.fail(CaptureError::ReadFailed {
                            offset,
                            frames: self.frames,
                            source: self.read_error(),
                        });
                    }
                    let it = self.inner.it();
                    // A full buffer cannot be refilled: the record is larger
                    // than the buffer, so grow it (or give up at the ceiling).
                    if it.data().len() == before && !it.reader_exhausted() && !self.grow() {
                        let e = self.corrupt(format!(
                            "record larger than {} bytes (bad length field)",
                            self.max_record
                        ));
                        return self.fail(e);
                    }
                }
                Step::Grow => {
                    if !self.grow() {
                        let e = self.corrupt(format!(
                            "record larger than {} bytes (bad length field)",
                            self.max_record
                        ));
                        return self.fail(e);
                    }
                    if self.inner.it().refill().is_err() {
                        return self.fail(CaptureError::ReadFailed {
                            offset,
                            frames: self.frames,
                            source: self.read_error(),
                        });
                    }
                }
                Step::Truncated => {
                    return self.fail(CaptureError::Truncated {
                        offset,
                        frames: self.frames,
                    });
                }
                Step::ReadError => {
                    return self.fail(CaptureError::ReadFailed {
                        offset,
                        frames: self.frames,
                        source: self.read_error(),
                    });
                }
                Step::Corrupt(detail) => {
                    let e = self.corrupt(detail);
                    return self.fail(e);
                }
                Step::Block(len, Classified::Skip) => {
                    self.inner.it().consume(len);
                }
                Step::Block(_, Classified::Bad(detail)) => {
                    let e = self.corrupt(detail);
                    return self.fail(e);
                }
                Step::Block(len, Classified::Frame(meta)) => {
                    let in_bounds = meta
                        .start
                        .checked_add(meta.len)
                        .is_some_and(|end| end <= self.inner.it().data().len());
                    if !in_bounds {
                        let e = self.corrupt("frame outside its record");
                        return self.fail(e);
                    }
                    self.pending = len;
                    self.frames += 1;
                    let number = self.frames;
                    let data = match &self.inner {
                        Inner::Pcap(r) => r.data(),
                        Inner::PcapNg(r) => r.data(),
                    };
                    return Ok(Some(Frame {
                        number,
                        offset,
                        ts_us: meta.ts_us,
                        link_type: meta.link_type,
                        orig_len: meta.orig_len,
                        data: data.get(meta.start..meta.start + meta.len).unwrap_or(&[]),
                    }));
                }
            }
        }
    }

    /// Doubles the buffer (up to [`MAX_RECORD`]); false at the ceiling.
    fn grow(&mut self) -> bool {
        if self.capacity >= self.max_record {
            return false;
        }
        let new = (self.capacity * 2).min(self.max_record);
        if self.inner.it().grow(new) {
            self.capacity = new;
            true
        } else {
            false
        }
    }
}

/// State taken from file headers, IDBs and SHBs.
struct Headers {
    /// pcap: link type and timestamp units from the file header.
    pcap_link: LinkType,
    pcap_units: u64,
    /// pcapng: interfaces of the current section.
    interfaces: Vec<Interface>,
}

impl Headers {
    fn classify(&mut self, block: PcapBlockOwned<'_>, base: usize) -> Classified {
        let rel = |data: &[u8]| (data.as_ptr() as usize).wrapping_sub(base);
        match block {
            PcapBlockOwned::LegacyHeader(h) => {
                // The link type is the field's low 16 bits; the high
                // ones may say that frames end in an FCS (libpcap's
                // LT_LINKTYPE), which decoding ignores (IP gives lengths).
                self.pcap_link = LinkType(h.network.0 as u32 & 0xffff);
                self.pcap_units = if h.is_nanosecond_precision() {
                    1_000_000_000
                } else {
                    1_000_000
                };
                Classified::Skip
            }
            PcapBlockOwned::Legacy(b) => {
                let units = self.pcap_units;
                let frac = u64::from(b.ts_usec);
                let us = if units == 1_000_000 {
                    frac
                } else {
                    frac / 1000
                };
                Classified::Frame(FrameMeta {
                    start: rel(b.data),
                    len: b.data.len(),
                    ts_us: i64::from(b.ts_sec) * 1_000_000 + us as i64,
                    link_type: self.pcap_link,
                    orig_len: b.origlen,
                })
            }
            PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                self.interfaces.clear();
                Classified::Skip
            }
            PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                if self.interfaces.len() >= MAX_INTERFACES {
                    return Classified::Bad(format!("more than {MAX_INTERFACES} interfaces"));
                }
                let Some(ts_units) = idb.ts_resolution() else {
                    return Classified::Bad(format!(
                        "bad if_tsresol {} on interface {}",
                        idb.if_tsresol,
                        self.interfaces.len()
                    ));
                };
                self.interfaces.push(Interface {
                    link_type: LinkType(idb.linktype.0 as u32),
                    ts_units: ts_units.max(1),
                    ts_offset_s: idb.ts_offset(),
                });
                Classified::Skip
            }
            PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                let Some(iface) = self.interfaces.get(epb.if_id as usize).copied() else {
                    return Classified::Bad(format!(
                        "packet on undeclared interface {}",
                        epb.if_id
                    ));
                };
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let us = (u128::from(ticks) * 1_000_000 / u128::from(iface.ts_units)) as i128
                    + i128::from(iface.ts_offset_s) * 1_000_000;
                let data = epb.packet_data();
                Classified::Frame(FrameMeta {
                    start: rel(data),
                    len: data.len(),
                    ts_us: us.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
                    link_type: iface.link_type,
                    orig_len: epb.origlen,
                })
            }
            PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                let Some(iface) = self.interfaces.first().copied() else {
                    return Classified::Bad("simple packet before any interface".into());
                };
                let data = spb.packet_data();
                Classified::Frame(FrameMeta {
                    start: rel(data),
                    len: data.len(),
                    // A simple packet block has no timestamp.
                    ts_us: 0,
                    link_type: iface.link_type,
                    orig_len: spb.orig_len(),
                })
            }
            PcapBlockOwned::NG(_) => Classified::Skip,
        }
    }
}

#[derive(Debug)]
struct FrameMeta {
    start: usize,
    len: usize,
    ts_us: i64,
    link_type: LinkType,
    orig_len: u32,
}

#[derive(Debug)]
enum Classified {
    Skip,
    Frame(FrameMeta),
    Bad(String),
}

enum Step {
    Block(usize, Classified),
    Eof,
    Refill,
    Grow,
    Truncated,
    ReadError,
    Corrupt(String),
}
