//! TFTP packets (RFC 1350): read/write requests, data, acknowledgements,
//! errors.
//!
//! What it is for: the third stage of Blaster's chain, where the victim asks
//! the attacker's temporary TFTP server for the worm by name and receives it
//! in 512-byte blocks (MODEL.md section 1). [`Repr`] parses and emits;
//! parsing never panics. Data built here for tests is filler, never a file.
//!
//! What it may not touch: UDP and IP (the caller hands the UDP payload).

/// The block size of RFC 1350.
pub const BLOCK_SIZE: usize = 512;

/// Opcodes.
pub mod opcode {
    /// Read request.
    pub const RRQ: u16 = 1;
    /// Write request.
    pub const WRQ: u16 = 2;
    /// Data.
    pub const DATA: u16 = 3;
    /// Acknowledgement.
    pub const ACK: u16 = 4;
    /// Error.
    pub const ERROR: u16 = 5;
}

/// The opcode of a TFTP payload, if it has one. Never panics.
pub fn opcode_of(payload: &[u8]) -> Option<u16> {
    match payload {
        [a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    }
}

/// A parsed TFTP packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repr<'a> {
    /// RRQ: file name and transfer mode (both NUL-terminated on the wire).
    ReadRequest {
        /// File name bytes (not necessarily UTF-8).
        filename: &'a [u8],
        /// Mode, e.g. `octet`.
        mode: &'a [u8],
    },
    /// WRQ.
    WriteRequest {
        /// File name bytes.
        filename: &'a [u8],
        /// Mode.
        mode: &'a [u8],
    },
    /// DATA: block number and up to 512 bytes.
    Data {
        /// Block number (1-based).
        block: u16,
        /// Data bytes.
        data: &'a [u8],
    },
    /// ACK of a block.
    Ack {
        /// Block number.
        block: u16,
    },
    /// ERROR.
    Error {
        /// Error code.
        code: u16,
        /// Message bytes.
        message: &'a [u8],
    },
}

/// Why a payload is not TFTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Too short for its opcode.
    #[error("TFTP packet truncated")]
    Truncated,
    /// Unknown opcode.
    #[error("unknown TFTP opcode {0}")]
    Opcode(u16),
    /// A request without its NUL terminators, or data over 512 bytes.
    #[error("malformed TFTP packet")]
    Malformed,
}

fn cstr(b: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let nul = b.iter().position(|&c| c == 0).ok_or(Error::Malformed)?;
    Ok((&b[..nul], &b[nul + 1..]))
}

impl<'a> Repr<'a> {
    /// Parses a UDP payload.
    pub fn parse(payload: &'a [u8]) -> Result<Repr<'a>, Error> {
        let op = opcode_of(payload).ok_or(Error::Truncated)?;
        let rest = &payload[2..];
        let u16_at = |i: usize| -> Result<u16, Error> {
            match rest.get(i..i + 2) {
                Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
                _ => Err(Error::Truncated),
            }
        };
        match op {
            opcode::RRQ | opcode::WRQ => {
                let (filename, rest) = cstr(rest)?;
                let (mode, _options) = cstr(rest)?;
                if filename.is_empty() {
                    return Err(Error::Malformed);
                }
                Ok(if op == opcode::RRQ {
                    Repr::ReadRequest { filename, mode }
                } else {
                    Repr::WriteRequest { filename, mode }
                })
            }
            opcode::DATA => {
                let block = u16_at(0)?;
                let data = &rest[2..];
                if data.len() > BLOCK_SIZE {
                    return Err(Error::Malformed);
                }
                Ok(Repr::Data { block, data })
            }
            opcode::ACK => Ok(Repr::Ack { block: u16_at(0)? }),
            opcode::ERROR => {
                let code = u16_at(0)?;
                let (message, _) = cstr(&rest[2..])?;
                Ok(Repr::Error { code, message })
            }
            other => Err(Error::Opcode(other)),
        }
    }

    /// Emits the packet.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Repr::ReadRequest { filename, mode } | Repr::WriteRequest { filename, mode } => {
                let op = if matches!(self, Repr::ReadRequest { .. }) {
                    opcode::RRQ
                } else {
                    opcode::WRQ
                };
                out.extend_from_slice(&op.to_be_bytes());
                out.extend_from_slice(filename);
                out.push(0);
                out.extend_from_slice(mode);
                out.push(0);
            }
            Repr::Data { block, data } => {
                out.extend_from_slice(&opcode::DATA.to_be_bytes());
                out.extend_from_slice(&block.to_be_bytes());
                out.extend_from_slice(data);
            }
            Repr::Ack { block } => {
                out.extend_from_slice(&opcode::ACK.to_be_bytes());
                out.extend_from_slice(&block.to_be_bytes());
            }
            Repr::Error { code, message } => {
                out.extend_from_slice(&opcode::ERROR.to_be_bytes());
                out.extend_from_slice(&code.to_be_bytes());
                out.extend_from_slice(message);
                out.push(0);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrq_literal_round_trip() {
        let wire = b"\x00\x01msblast.exe\x00octet\x00";
        let r = Repr::parse(wire).unwrap();
        assert_eq!(
            r,
            Repr::ReadRequest {
                filename: b"msblast.exe",
                mode: b"octet"
            }
        );
        assert_eq!(r.to_bytes(), wire.to_vec());
    }

    #[test]
    fn data_ack_error_round_trip() {
        let filler = [b'F'; 512];
        let d = Repr::Data {
            block: 7,
            data: &filler,
        };
        let bytes = d.to_bytes();
        assert_eq!(&bytes[..4], &[0, 3, 0, 7]);
        assert_eq!(Repr::parse(&bytes).unwrap(), d);
        assert_eq!(Repr::parse(&[0, 4, 0, 7]).unwrap(), Repr::Ack { block: 7 });
        let e = Repr::Error {
            code: 1,
            message: b"File not found",
        };
        assert_eq!(Repr::parse(&e.to_bytes()).unwrap(), e);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for b in [
            &b""[..],
            b"\x00",
            b"\x00\x01abc",
            b"\x00\x03\x00",
            b"\x00\x09xx",
        ] {
            assert!(Repr::parse(b).is_err());
        }
        let over = [0u8; 2 + 2 + 513];
        let mut over = over.to_vec();
        over[1] = 3;
        assert_eq!(Repr::parse(&over), Err(Error::Malformed));
    }
}
