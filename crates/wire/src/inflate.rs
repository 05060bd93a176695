//! Compressed capture streams: which compression a stream's first bytes
//! announce, and a reader of what it inflates to.
//!
//! What it is for: captures are published compressed (`.pcap.gz`,
//! `.pcap.bz2`, `.pcap.xz`, and the zstd and lz4 files Wireshark writes);
//! [`crate::capture::CaptureReader`] sniffs the head of a stream here and
//! reads the capture through an [`Inflate`]. Every decoder is pure Rust and
//! streams: memory stays flat whatever the file's size. Concatenated
//! members, streams or frames (`cat a.gz b.gz`) read as one stream, as the
//! command-line tools and tshark read them.
//!
//! What it may not touch: the capture formats (that is
//! [`mod@crate::capture`]) and anything that writes.

use std::io::{self, Read};

use bzip2::read::MultiBzDecoder;
use flate2::read::MultiGzDecoder;
use lz4_flex::frame::FrameDecoder as Lz4Decoder;
use lzma_rust2::XzReader;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// How a capture stream is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (one or more members, as `gzip` and `tcpdump | gzip` write).
    Gzip,
    /// bzip2 (one or more streams).
    Bzip2,
    /// xz (one or more streams).
    Xz,
    /// Zstandard (one or more frames; skippable frames are skipped).
    Zstd,
    /// LZ4 frames (not the headerless block format).
    Lz4,
}

impl Compression {
    /// Every compression a stream may be read through, `None` last.
    pub const ALL: [Compression; 6] = [
        Compression::Gzip,
        Compression::Bzip2,
        Compression::Xz,
        Compression::Zstd,
        Compression::Lz4,
        Compression::None,
    ];

    /// The compression whose magic number `head` starts with, or
    /// [`Compression::None`].
    pub fn sniff(head: &[u8]) -> Compression {
        // Each format's own magic: RFC 1952 for gzip, "BZh" and a block
        // size digit for bzip2, the xz and zstd specifications' six and
        // four bytes, LZ4's frame magic 0x184D2204 (little-endian).
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
            Compression::Lz4
        } else {
            Compression::None
        }
    }

    /// The format's name, as its tool is called.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Lz4 => "lz4",
        }
    }
}

/// What a compressed stream inflates to, as a reader.
pub enum Inflate<R: Read> {
    Gzip(MultiGzDecoder<R>),
    Bzip2(MultiBzDecoder<R>),
    // Boxed, as zstd's: their state is kilobytes, the others' a few words.
    Xz(Box<XzReader<R>>),
    Zstd(Box<ZstdFrames<R>>),
    Lz4(Lz4Frames<R>),
}

impl<R: Read> Inflate<R> {
    /// A reader of what `reader`, compressed as `compression`, inflates to;
    /// `None` for [`Compression::None`].
    pub fn new(compression: Compression, reader: R) -> Option<Inflate<R>> {
        Some(match compression {
            Compression::None => return None,
            Compression::Gzip => Inflate::Gzip(MultiGzDecoder::new(reader)),
            Compression::Bzip2 => Inflate::Bzip2(MultiBzDecoder::new(reader)),
            Compression::Xz => Inflate::Xz(Box::new(XzReader::new(reader, true))),
            Compression::Zstd => Inflate::Zstd(Box::new(ZstdFrames::new(reader))),
            Compression::Lz4 => Inflate::Lz4(Lz4Frames(Lz4Decoder::new(Peeking::new(reader)))),
        })
    }
}

impl<R: Read> Read for Inflate<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Inflate::Gzip(r) => r.read(buf),
            Inflate::Bzip2(r) => r.read(buf),
            Inflate::Xz(r) => r.read(buf),
            Inflate::Zstd(r) => r.read(buf),
            Inflate::Lz4(r) => r.read(buf),
        }
    }
}

/// Every Zstandard frame of a stream, one after another (`ruzstd`'s own
/// reader stops after the first), skipping skippable frames.
pub struct ZstdFrames<R: Read> {
    source: Peeking<R>,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: Read> ZstdFrames<R> {
    fn new(reader: R) -> ZstdFrames<R> {
        ZstdFrames {
            source: Peeking::new(reader),
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }
}

/// A decoder's error: the stream was cut short when nothing of it is left
/// (the decoder wanted more), damaged otherwise.
fn zstd_error<R: Read>(e: FrameDecoderError, source: &mut Peeking<R>) -> io::Error {
    let kind = match source.at_end() {
        Ok(true) => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, format!("zstd: {e}"))
}

impl<R: Read> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.source.at_end()? {
                    return Ok(0);
                }
                match self.decoder.init(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let want = u64::from(length);
                        let skipped =
                            io::copy(&mut (&mut self.source).take(want), &mut io::sink())?;
                        if skipped < want {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "zstd: a skippable frame cut short",
                            ));
                        }
                    }
                    Err(e) => return Err(zstd_error(e, &mut self.source)),
                }
                continue;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() {
                self.in_frame = false;
                continue;
            }
            if let Err(e) = self
                .decoder
                .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
            {
                return Err(zstd_error(e, &mut self.source));
            }
        }
    }
}

/// Every LZ4 frame of a stream, one after another (`lz4_flex`'s reader
/// ends its output at each frame's end).
pub struct Lz4Frames<R: Read>(Lz4Decoder<Peeking<R>>);

impl<R: Read> Read for Lz4Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n > 0 || buf.is_empty() || self.0.get_mut().at_end()? {
                return Ok(n);
            }
        }
    }
}

/// A reader that can tell whether anything is left without losing it.
struct Peeking<R: Read> {
    inner: R,
    peeked: Option<u8>,
}

impl<R: Read> Peeking<R> {
    fn new(inner: R) -> Peeking<R> {
        Peeking {
            inner,
            peeked: None,
        }
    }

    fn at_end(&mut self) -> io::Result<bool> {
        if self.peeked.is_some() {
            return Ok(false);
        }
        let mut one = [0u8; 1];
        loop {
            match self.inner.read(&mut one) {
                Ok(0) => return Ok(true),
                Ok(_) => {
                    self.peeked = Some(one[0]);
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl<R: Read> Read for Peeking<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.peeked.take(), buf.first_mut()) {
            (Some(b), Some(first)) => {
                *first = b;
                Ok(1)
            }
            (Some(b), None) => {
                self.peeked = Some(b);
                Ok(0)
            }
            (None, _) => self.inner.read(buf),
        }
    }
}
