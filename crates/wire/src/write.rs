//! Capture writing: classic pcap (microsecond) and pcapng, to any
//! `io::Write`, and to a file through the one atomic writer,
//! [`wormscope_atomic`].
//!
//! What it is for: test fixtures and, later, exporting a simulated outbreak
//! as a capture that Wireshark, tshark and Suricata read. The two formats
//! are simple enough that the writers are written out here (the fields are
//! those of the libpcap file format and of pcapng, draft-ietf-opsawg-pcapng);
//! their output is read back by `pcap-parser` in the tests, and by tshark
//! when it is installed.
//!
//! What it may not touch: the network (nothing here sends a packet), and
//! any file other than the one [`write_capture_file`] is asked to produce.

use std::io::{self, Write};
use std::path::Path;

use crate::capture::LinkType;

/// The snap length written in headers: the largest frame a writer accepts
/// whole (libpcap's maximum).
pub const SNAPLEN: u32 = 262_144;

fn split_us(ts_us: i64) -> (u32, u32) {
    let secs = ts_us.div_euclid(1_000_000);
    let frac = ts_us.rem_euclid(1_000_000);
    (secs.clamp(0, i64::from(u32::MAX)) as u32, frac as u32)
}

/// Writes a classic pcap file (little-endian, microsecond timestamps).
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte file header.
    pub fn new(mut out: W, link: LinkType) -> io::Result<Self> {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone = 0, sigfigs = 0
        h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
        h[20..24].copy_from_slice(&link.0.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out })
    }

    /// Writes one frame. Frames longer than [`SNAPLEN`] are cut to it, with
    /// the original length kept.
    pub fn write_frame(&mut self, ts_us: i64, data: &[u8]) -> io::Result<()> {
        self.write_frame_len(ts_us, data, data.len() as u32)
    }

    /// Writes one frame whose length on the wire was `orig_len`.
    pub fn write_frame_len(&mut self, ts_us: i64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let data = &data[..data.len().min(SNAPLEN as usize)];
        let (s, us) = split_us(ts_us);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&s.to_le_bytes());
        h[4..8].copy_from_slice(&us.to_le_bytes());
        h[8..12].copy_from_slice(&(data.len() as u32).to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.max(data.len() as u32).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes a pcapng file: one section, one interface (microsecond
/// timestamps, the pcapng default), Enhanced Packet Blocks.
pub struct PcapNgWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the Section Header Block and one Interface Description Block.
    pub fn new(mut out: W, link: LinkType) -> io::Result<Self> {
        // SHB: type, length, byte-order magic, version 1.0, section length
        // unknown (-1), no options, length again.
        let mut shb = Vec::with_capacity(28);
        shb.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        shb.extend_from_slice(&28u32.to_le_bytes());
        shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        shb.extend_from_slice(&28u32.to_le_bytes());
        out.write_all(&shb)?;
        // IDB: type 1, length 20, link type, reserved, snap length, no
        // options (so if_tsresol defaults to 6: microseconds).
        let mut idb = Vec::with_capacity(20);
        idb.extend_from_slice(&1u32.to_le_bytes());
        idb.extend_from_slice(&20u32.to_le_bytes());
        idb.extend_from_slice(&(link.0 as u16).to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&SNAPLEN.to_le_bytes());
        idb.extend_from_slice(&20u32.to_le_bytes());
        out.write_all(&idb)?;
        Ok(PcapNgWriter { out })
    }

    /// Writes one frame as an Enhanced Packet Block on interface 0.
    pub fn write_frame(&mut self, ts_us: i64, data: &[u8]) -> io::Result<()> {
        self.write_frame_len(ts_us, data, data.len() as u32)
    }

    /// Writes one frame whose length on the wire was `orig_len`.
    pub fn write_frame_len(&mut self, ts_us: i64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let data = &data[..data.len().min(SNAPLEN as usize)];
        let padded = data.len().div_ceil(4) * 4;
        let block_len = (32 + padded) as u32;
        let ts = ts_us.max(0) as u64;
        let mut h = [0u8; 28];
        h[0..4].copy_from_slice(&6u32.to_le_bytes());
        h[4..8].copy_from_slice(&block_len.to_le_bytes());
        // interface id 0 (bytes 8..12)
        h[12..16].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
        h[16..20].copy_from_slice(&(ts as u32).to_le_bytes());
        h[20..24].copy_from_slice(&(data.len() as u32).to_le_bytes());
        h[24..28].copy_from_slice(&orig_len.max(data.len() as u32).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..padded - data.len()])?;
        self.out.write_all(&block_len.to_le_bytes())
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Which file format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Classic pcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// Writes `frames` (timestamp in µs, bytes) to `path` atomically in the
/// given format.
pub fn write_capture_file<'a>(
    path: impl AsRef<Path>,
    format: OutputFormat,
    link: LinkType,
    frames: impl IntoIterator<Item = (i64, &'a [u8])>,
) -> io::Result<()> {
    wormscope_atomic::write_with(path.as_ref(), |w| {
        match format {
            OutputFormat::Pcap => {
                let mut pw = PcapWriter::new(w, link)?;
                for (ts, data) in frames {
                    pw.write_frame(ts, data)?;
                }
                pw.finish()?;
            }
            OutputFormat::PcapNg => {
                let mut pw = PcapNgWriter::new(w, link)?;
                for (ts, data) in frames {
                    pw.write_frame(ts, data)?;
                }
                pw.finish()?;
            }
        }
        Ok(())
    })
}
