//! # wormscope-wire: packets and capture files
//!
//! The layer of wormscope that touches bytes on the wire, in the manner of
//! smoltcp's `wire`: views over byte buffers whose accessors never panic,
//! beside values that parse and emit.
//!
//! - [`capture`]: streaming pcap/pcapng reader (pcap-parser, circular
//!   buffer: memory stays flat), per-frame records, typed errors with byte
//!   offsets; [`inflate`]: the compressed streams it reads through.
//! - [`mod@decode`]: a frame down to IPv4 and TCP/UDP/ICMP (etherparse slices);
//!   Ethernet with VLAN tags, Linux SLL/SLL2, raw IP. IPv6 is recognised and
//!   left to the caller to skip.
//! - [`dcerpc`], [`tftp`]: the two application protocols of Blaster's chain
//!   that a detector reads field by field.
//! - [`mod@write`]: pcap and pcapng writers, and atomic file writes.
//! - [`build`]: frame builders, including the worm's observable traffic with
//!   benign filler; [`synth`]: an endless realistic mixed capture.
//!
//! **Architecture invariants.** Nothing here sends a packet, opens a socket
//! or contains worm code, exploit bytes or shellcode: where the worm carried
//! code, builders put filler. Decoding and reading never panic on any input.
//! This crate knows nothing about detection, the simulation engine or the
//! CLI.

pub mod build;
pub mod capture;
pub mod dcerpc;
pub mod decode;
pub mod inflate;
pub mod synth;
pub mod tftp;
pub mod write;

pub use capture::{CaptureError, CaptureErrorKind, CaptureFormat, CaptureReader, Frame, LinkType};
pub use decode::{Decoded, Ipv4Packet, TransportLayer, decode};
