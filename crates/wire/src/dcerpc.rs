//! DCE/RPC connection-oriented PDUs (bind and request), as the detector
//! sees them on 135/tcp.
//!
//! What it is for: recognising a bind to the ISystemActivator interface
//! (UUID 000001a0-0000-0000-c000-000000000046, the DCOM activation interface
//! MS03-026 is reached through) and measuring the server-name component of a
//! UNC path carried in a request's stub data. Two levels, as in smoltcp's
//! `wire`: [`Packet`] is a view over bytes whose accessors never panic (a
//! field that is not there reads as 0 / empty); [`Repr`] is the parsed value,
//! which validates and can be emitted back to bytes.
//!
//! Field layout: the common header of the connection-oriented PDU (C706,
//! "DCE 1.1: Remote Procedure Call", chapter 12): `rpc_vers` 5,
//! `rpc_vers_minor` 0, `PTYPE`, `pfc_flags`, `packed_drep[4]`, `frag_length`,
//! `auth_length`, `call_id`; then the bind body (`max_xmit_frag`,
//! `max_recv_frag`, `assoc_group_id`, the presentation context list) or the
//! request body (`alloc_hint`, `p_cont_id`, `opnum`, stub data).
//!
//! What it may not touch: anything that would make a working DCOM request.
//! The request stub [`activation_stub`] builds is a deliberately simplified,
//! benign structure (a zeroed placeholder and one NDR conformant-varying
//! UTF-16 string holding a path). It is enough for a detector to measure the
//! server name, and nothing else; an overlong name is benign filler
//! characters, never code.

use std::fmt;

/// Length of the common PDU header.
pub const HEADER_LEN: usize = 16;

/// PDU types (C706 12.6.4).
pub mod ptype {
    /// request
    pub const REQUEST: u8 = 0;
    /// response
    pub const RESPONSE: u8 = 2;
    /// fault
    pub const FAULT: u8 = 3;
    /// bind
    pub const BIND: u8 = 11;
    /// bind_ack
    pub const BIND_ACK: u8 = 12;
    /// alter_context
    pub const ALTER_CONTEXT: u8 = 14;
}

/// `pfc_flags`: first and last fragment.
pub const PFC_FIRST_LAST: u8 = 0x03;
/// `pfc_flags`: an object UUID follows the request header.
pub const PFC_OBJECT_UUID: u8 = 0x80;
/// `packed_drep` for little-endian integers, ASCII, IEEE floats.
pub const DREP_LE: [u8; 4] = [0x10, 0, 0, 0];

/// A UUID, held in its textual (big-endian field) byte order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// Builds a UUID from its four textual fields.
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Uuid {
        let a = d1.to_be_bytes();
        let b = d2.to_be_bytes();
        let c = d3.to_be_bytes();
        Uuid([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }

    /// NDR encoding: the first three fields in the PDU's integer byte order.
    pub fn to_ndr(self, little_endian: bool) -> [u8; 16] {
        let mut out = self.0;
        if little_endian {
            out[0..4].reverse();
            out[4..6].reverse();
            out[6..8].reverse();
        }
        out
    }

    /// Decodes an NDR-encoded UUID.
    pub fn from_ndr(bytes: [u8; 16], little_endian: bool) -> Uuid {
        // The transform is its own inverse.
        Uuid(Uuid(bytes).to_ndr(little_endian))
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            b[0],
            b[1],
            b[2],
            b[3],
            b[4],
            b[5],
            b[6],
            b[7],
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// ISystemActivator, 000001a0-0000-0000-c000-000000000046.
pub const ISYSTEMACTIVATOR: Uuid =
    Uuid::from_fields(0x0000_01a0, 0, 0, [0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
/// The NDR transfer syntax, 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2.
pub const NDR_SYNTAX: SyntaxId = SyntaxId {
    uuid: Uuid::from_fields(
        0x8a88_5d04,
        0x1ceb,
        0x11c9,
        [0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60],
    ),
    version: 2,
    minor: 0,
};

/// An interface or transfer syntax identifier with its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxId {
    /// Interface UUID.
    pub uuid: Uuid,
    /// Major version.
    pub version: u16,
    /// Minor version.
    pub minor: u16,
}

/// A view over the bytes of one PDU. Accessors never panic: a field beyond
/// the end of the buffer reads as zero.
#[derive(Clone, Copy, Debug)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer that holds at least a common header of version 5.0.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, Error> {
        let p = Packet { buffer };
        p.check()?;
        Ok(p)
    }

    /// Checks the header: long enough, version 5.0, sane fragment length.
    pub fn check(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if self.version() != 5 || self.version_minor() > 1 {
            return Err(Error::Version);
        }
        if usize::from(self.frag_length()) < HEADER_LEN {
            return Err(Error::Malformed);
        }
        Ok(())
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    fn u16_at(&self, i: usize) -> u16 {
        let (a, b) = (self.byte(i), self.byte(i + 1));
        if self.little_endian() {
            u16::from_le_bytes([a, b])
        } else {
            u16::from_be_bytes([a, b])
        }
    }

    fn u32_at(&self, i: usize) -> u32 {
        let b = [
            self.byte(i),
            self.byte(i + 1),
            self.byte(i + 2),
            self.byte(i + 3),
        ];
        if self.little_endian() {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }

    /// `rpc_vers`.
    pub fn version(&self) -> u8 {
        self.byte(0)
    }
    /// `rpc_vers_minor`.
    pub fn version_minor(&self) -> u8 {
        self.byte(1)
    }
    /// `PTYPE`.
    pub fn ptype(&self) -> u8 {
        self.byte(2)
    }
    /// `pfc_flags`.
    pub fn flags(&self) -> u8 {
        self.byte(3)
    }
    /// Integer representation of `packed_drep`: little-endian when set.
    pub fn little_endian(&self) -> bool {
        self.byte(4) & 0x10 != 0
    }
    /// `frag_length`: the PDU's total length.
    pub fn frag_length(&self) -> u16 {
        self.u16_at(8)
    }
    /// `auth_length`.
    pub fn auth_length(&self) -> u16 {
        self.u16_at(10)
    }
    /// `call_id`.
    pub fn call_id(&self) -> u32 {
        self.u32_at(12)
    }
    /// The body: bytes after the header up to `frag_length` (or the end of
    /// the buffer, if shorter).
    pub fn body(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = usize::from(self.frag_length()).min(b.len());
        b.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl<'a> Packet<&'a [u8]> {
    /// [`Packet::body`] with the buffer's own lifetime.
    pub fn body_slice(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buffer;
        let end = usize::from(self.frag_length()).min(b.len());
        b.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

/// Why a PDU could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Shorter than its header or declared length.
    #[error("DCE/RPC PDU truncated")]
    Truncated,
    /// Not version 5.0/5.1.
    #[error("not a DCE/RPC 5.x PDU")]
    Version,
    /// A length or count that does not fit.
    #[error("malformed DCE/RPC PDU")]
    Malformed,
}

/// One presentation context of a bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextElem {
    /// `p_cont_id`.
    pub context_id: u16,
    /// The interface asked for.
    pub abstract_syntax: SyntaxId,
    /// Transfer syntaxes offered.
    pub transfer_syntaxes: Vec<SyntaxId>,
}

/// A parsed PDU. Only the two types the detector needs are broken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repr<'a> {
    /// A bind (PTYPE 11).
    Bind {
        /// `call_id`.
        call_id: u32,
        /// `max_xmit_frag`.
        max_xmit_frag: u16,
        /// `max_recv_frag`.
        max_recv_frag: u16,
        /// `assoc_group_id`.
        assoc_group: u32,
        /// Presentation contexts.
        contexts: Vec<ContextElem>,
    },
    /// A request (PTYPE 0).
    Request {
        /// `call_id`.
        call_id: u32,
        /// `alloc_hint`.
        alloc_hint: u32,
        /// `p_cont_id`.
        context_id: u16,
        /// `opnum`.
        opnum: u16,
        /// Stub data (possibly cut short by the capture or the caller).
        stub: &'a [u8],
    },
    /// Any other PDU type.
    Other {
        /// `PTYPE`.
        ptype: u8,
        /// `call_id`.
        call_id: u32,
    },
}

/// Most contexts accepted in one bind (real binds carry a handful).
const MAX_CONTEXTS: usize = 64;

impl<'a> Repr<'a> {
    /// Parses a PDU. The body may be shorter than `frag_length` (a PDU split
    /// over TCP segments, or cut by a snap length): a request's stub is then
    /// what is there; a bind must be complete.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Repr<'a>, Error> {
        packet.check()?;
        let body = packet.body_slice();
        let le = packet.little_endian();
        let u16_at = |b: &[u8], i: usize| -> Result<u16, Error> {
            let s: [u8; 2] = b
                .get(i..i + 2)
                .ok_or(Error::Truncated)?
                .try_into()
                .map_err(|_| Error::Truncated)?;
            Ok(if le {
                u16::from_le_bytes(s)
            } else {
                u16::from_be_bytes(s)
            })
        };
        let u32_at = |b: &[u8], i: usize| -> Result<u32, Error> {
            let s: [u8; 4] = b
                .get(i..i + 4)
                .ok_or(Error::Truncated)?
                .try_into()
                .map_err(|_| Error::Truncated)?;
            Ok(if le {
                u32::from_le_bytes(s)
            } else {
                u32::from_be_bytes(s)
            })
        };
        let syntax_at = |b: &[u8], i: usize| -> Result<SyntaxId, Error> {
            let raw: [u8; 16] = b
                .get(i..i + 16)
                .ok_or(Error::Truncated)?
                .try_into()
                .map_err(|_| Error::Truncated)?;
            Ok(SyntaxId {
                uuid: Uuid::from_ndr(raw, le),
                version: u16_at(b, i + 16)?,
                minor: u16_at(b, i + 18)?,
            })
        };
        match packet.ptype() {
            ptype::BIND | ptype::ALTER_CONTEXT => {
                let max_xmit_frag = u16_at(body, 0)?;
                let max_recv_frag = u16_at(body, 2)?;
                let assoc_group = u32_at(body, 4)?;
                let n = usize::from(*body.get(8).ok_or(Error::Truncated)?);
                if n > MAX_CONTEXTS {
                    return Err(Error::Malformed);
                }
                let mut contexts = Vec::with_capacity(n);
                let mut at = 12;
                for _ in 0..n {
                    let context_id = u16_at(body, at)?;
                    let n_ts = usize::from(*body.get(at + 2).ok_or(Error::Truncated)?);
                    let abstract_syntax = syntax_at(body, at + 4)?;
                    at += 24;
                    let mut transfer_syntaxes = Vec::with_capacity(n_ts.min(8));
                    for _ in 0..n_ts {
                        transfer_syntaxes.push(syntax_at(body, at)?);
                        at += 20;
                    }
                    contexts.push(ContextElem {
                        context_id,
                        abstract_syntax,
                        transfer_syntaxes,
                    });
                }
                Ok(Repr::Bind {
                    call_id: packet.call_id(),
                    max_xmit_frag,
                    max_recv_frag,
                    assoc_group,
                    contexts,
                })
            }
            ptype::REQUEST => {
                let alloc_hint = u32_at(body, 0)?;
                let context_id = u16_at(body, 4)?;
                let opnum = u16_at(body, 6)?;
                let stub_start = if packet.flags() & PFC_OBJECT_UUID != 0 {
                    24
                } else {
                    8
                };
                let auth = usize::from(packet.auth_length());
                let stub = body.get(stub_start..).unwrap_or(&[]);
                // Drop a trailing auth verifier when the PDU is complete.
                let stub =
                    if auth > 0 && body.len() + HEADER_LEN == usize::from(packet.frag_length()) {
                        stub.get(..stub.len().saturating_sub(auth + 8))
                            .unwrap_or(&[])
                    } else {
                        stub
                    };
                Ok(Repr::Request {
                    call_id: packet.call_id(),
                    alloc_hint,
                    context_id,
                    opnum,
                    stub,
                })
            }
            other => Ok(Repr::Other {
                ptype: other,
                call_id: packet.call_id(),
            }),
        }
    }

    /// Whether this is a bind that asks for `iface`.
    pub fn binds(&self, iface: Uuid) -> bool {
        matches!(self, Repr::Bind { contexts, .. } if contexts.iter().any(|c| c.abstract_syntax.uuid == iface))
    }

    /// The PDU's length when emitted (little-endian, no auth).
    pub fn buffer_len(&self) -> usize {
        match self {
            Repr::Bind { contexts, .. } => {
                HEADER_LEN
                    + 12
                    + contexts
                        .iter()
                        .map(|c| 24 + 20 * c.transfer_syntaxes.len())
                        .sum::<usize>()
            }
            Repr::Request { stub, .. } => HEADER_LEN + 8 + stub.len(),
            Repr::Other { .. } => HEADER_LEN,
        }
    }

    /// Emits the PDU (little-endian data representation, first and last
    /// fragment, no authentication).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buffer_len());
        let (ptype, call_id) = match self {
            Repr::Bind { call_id, .. } => (ptype::BIND, *call_id),
            Repr::Request { call_id, .. } => (ptype::REQUEST, *call_id),
            Repr::Other { ptype, call_id } => (*ptype, *call_id),
        };
        out.extend_from_slice(&[5, 0, ptype, PFC_FIRST_LAST]);
        out.extend_from_slice(&DREP_LE);
        out.extend_from_slice(&(self.buffer_len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&call_id.to_le_bytes());
        let syntax = |out: &mut Vec<u8>, s: &SyntaxId| {
            out.extend_from_slice(&s.uuid.to_ndr(true));
            out.extend_from_slice(&s.version.to_le_bytes());
            out.extend_from_slice(&s.minor.to_le_bytes());
        };
        match self {
            Repr::Bind {
                max_xmit_frag,
                max_recv_frag,
                assoc_group,
                contexts,
                ..
            } => {
                out.extend_from_slice(&max_xmit_frag.to_le_bytes());
                out.extend_from_slice(&max_recv_frag.to_le_bytes());
                out.extend_from_slice(&assoc_group.to_le_bytes());
                out.extend_from_slice(&[contexts.len() as u8, 0, 0, 0]);
                for c in contexts {
                    out.extend_from_slice(&c.context_id.to_le_bytes());
                    out.extend_from_slice(&[c.transfer_syntaxes.len() as u8, 0]);
                    syntax(&mut out, &c.abstract_syntax);
                    for t in &c.transfer_syntaxes {
                        syntax(&mut out, t);
                    }
                }
            }
            Repr::Request {
                alloc_hint,
                context_id,
                opnum,
                stub,
                ..
            } => {
                out.extend_from_slice(&alloc_hint.to_le_bytes());
                out.extend_from_slice(&context_id.to_le_bytes());
                out.extend_from_slice(&opnum.to_le_bytes());
                out.extend_from_slice(stub);
            }
            Repr::Other { .. } => {}
        }
        out
    }
}

/// A bind to ISystemActivator 0.0 with the NDR transfer syntax, as any DCOM
/// client sends it (legitimate activation uses the same bind).
pub fn bind_isystemactivator(call_id: u32) -> Repr<'static> {
    Repr::Bind {
        call_id,
        max_xmit_frag: 5840,
        max_recv_frag: 5840,
        assoc_group: 0,
        contexts: vec![ContextElem {
            context_id: 0,
            abstract_syntax: SyntaxId {
                uuid: ISYSTEMACTIVATOR,
                version: 0,
                minor: 0,
            },
            transfer_syntaxes: vec![NDR_SYNTAX],
        }],
    }
}

/// Opnum used for the activation-like request (RemoteCreateInstance's slot
/// on ISystemActivator). Only a number here: the stub is not DCOM.
pub const ACTIVATION_OPNUM: u16 = 4;

/// The benign stand-in for an activation request's stub: 32 zero bytes (a
/// placeholder where real DCOM puts its ORPC headers — deliberately not
/// reproduced) and one NDR conformant-varying UTF-16LE string holding
/// `path` and a terminating NUL.
pub fn activation_stub(path: &str) -> Vec<u8> {
    let units: Vec<u16> = path.encode_utf16().chain(std::iter::once(0)).collect();
    let mut out = vec![0u8; 32];
    let n = units.len() as u32;
    out.extend_from_slice(&n.to_le_bytes()); // max_count
    out.extend_from_slice(&0u32.to_le_bytes()); // offset
    out.extend_from_slice(&n.to_le_bytes()); // actual_count
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out
}

/// The longest server-name component of a UNC path (`\\server\...`) found
/// in `stub`, in characters, looking at UTF-16LE and at 8-bit strings. The
/// name ends at the next backslash, a NUL, or the end of the data (so a
/// name cut by the capture still counts what was seen). `None` when there is
/// no UNC prefix.
pub fn longest_unc_server_name(stub: &[u8]) -> Option<usize> {
    let mut best: Option<usize> = None;
    // UTF-16LE: 5c 00 5c 00, then code units up to 5c 00 / 00 00.
    let mut i = 0;
    while let Some(pos) = find(stub.get(i..).unwrap_or(&[]), &[0x5c, 0, 0x5c, 0]) {
        let start = i + pos + 4;
        let mut n = 0;
        let mut j = start;
        while let (Some(&lo), Some(&hi)) = (stub.get(j), stub.get(j + 1)) {
            if (lo == 0x5c || lo == 0) && hi == 0 {
                break;
            }
            n += 1;
            j += 2;
        }
        best = Some(best.map_or(n, |b| b.max(n)));
        i = start;
    }
    // 8-bit: 5c 5c, then bytes up to 5c / 00.
    let mut i = 0;
    while let Some(pos) = find(stub.get(i..).unwrap_or(&[]), &[0x5c, 0x5c]) {
        let start = i + pos + 2;
        let n = stub
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&b| b != 0x5c && b != 0)
            .count();
        // Skip the UTF-16 case already measured (its second byte is 0).
        if n > 0 {
            best = Some(best.map_or(n, |b| b.max(n)));
        }
        i = start;
    }
    best
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bind to ISystemActivator written out field by field.
    const BIND: [u8; 72] = [
        0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, // vers 5.0, bind, first|last, drep LE
        0x48, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // frag_length 72, auth 0, call_id 1
        0xd0, 0x16, 0xd0, 0x16, 0x00, 0x00, 0x00, 0x00, // max xmit/recv 5840, assoc group 0
        0x01, 0x00, 0x00, 0x00, // one context
        0x00, 0x00, 0x01, 0x00, // context id 0, one transfer syntax
        0xa0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 000001a0-0000-0000-
        0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, // c000-000000000046
        0x00, 0x00, 0x00, 0x00, // version 0.0
        0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, // NDR 8a885d04-1ceb-11c9-
        0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, // 9fe8-08002b104860
        0x02, 0x00, 0x00, 0x00, // version 2
    ];

    #[test]
    fn bind_round_trip_literal() {
        let repr = bind_isystemactivator(1);
        assert_eq!(repr.to_bytes(), BIND.to_vec());
        let p = Packet::new_checked(&BIND[..]).unwrap();
        assert_eq!(p.ptype(), ptype::BIND);
        assert_eq!(p.frag_length(), 72);
        let parsed = Repr::parse(&p).unwrap();
        assert_eq!(parsed, repr);
        assert!(parsed.binds(ISYSTEMACTIVATOR));
        assert_eq!(
            ISYSTEMACTIVATOR.to_string(),
            "000001a0-0000-0000-c000-000000000046"
        );
    }

    #[test]
    fn request_round_trip_and_server_name() {
        let stub = activation_stub("\\\\FILESRV\\share\\report.doc");
        let repr = Repr::Request {
            call_id: 2,
            alloc_hint: stub.len() as u32,
            context_id: 0,
            opnum: ACTIVATION_OPNUM,
            stub: &stub,
        };
        let bytes = repr.to_bytes();
        assert_eq!(&bytes[..4], &[5, 0, 0, 3]);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let parsed = Repr::parse(&p).unwrap();
        assert_eq!(parsed, repr);
        let Repr::Request { stub: s, .. } = parsed else {
            unreachable!()
        };
        assert_eq!(longest_unc_server_name(s), Some(7));
        let long = activation_stub(&format!("\\\\{}\\c$", "A".repeat(300)));
        assert_eq!(longest_unc_server_name(&long), Some(300));
        assert_eq!(longest_unc_server_name(&activation_stub("C:\\x")), None);
    }

    #[test]
    fn views_never_panic_on_short_input() {
        for n in 0..20 {
            let b = &BIND[..n];
            let p = Packet::new_unchecked(b);
            let _ = (p.ptype(), p.frag_length(), p.call_id(), p.body());
            assert!(Packet::new_checked(b).is_err() || n >= HEADER_LEN);
            if let Ok(p) = Packet::new_checked(b) {
                assert!(Repr::parse(&p).is_err());
            }
        }
    }
}
