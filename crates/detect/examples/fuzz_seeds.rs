//! Writes seed inputs for the fuzz targets:
//! `fuzz_seeds crates/detect/fuzz/corpus`.
//! Seeds are captures and frame sequences of every behaviour, made with
//! the wire builders (benign filler only).
use std::net::Ipv4Addr;
use std::path::Path;

use wormscope_wire::build::{self, IpOpts, Station, TcpFlow, worm};
use wormscope_wire::capture::LinkType;
use wormscope_wire::write::{PcapNgWriter, PcapWriter};

fn h(s: &str) -> Station {
    Station::new(s.parse().unwrap())
}

fn frames() -> Vec<Vec<Vec<u8>>> {
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    let mut chain = Vec::new();
    let mut f = TcpFlow::new(a, 1500, v, 135);
    chain.extend(f.handshake());
    chain.push(f.client_data(&worm::dcerpc_bind(1)));
    chain.push(f.client_data(&worm::dcerpc_overlong_request(2, 8)));
    let mut sh = TcpFlow::new(a, 1600, v, 4444);
    chain.extend(sh.handshake());
    chain.push(sh.server_data(worm::CMD_BANNER.as_bytes()));
    chain.push(sh.client_data(worm::tftp_command(a.ip, "msblast.exe").as_bytes()));
    let o = IpOpts::default();
    chain.push(build::udp_frame(
        &v,
        &a,
        o,
        2001,
        69,
        &worm::tftp_rrq("msblast.exe"),
    ));
    chain.push(build::udp_frame(
        &a,
        &v,
        o,
        3001,
        2001,
        &worm::tftp_data(1, 512),
    ));
    chain.push(build::udp_frame(
        &a,
        &v,
        o,
        3001,
        2001,
        &worm::tftp_data(2, 32),
    ));
    let mut sweep = Vec::new();
    for i in 0..8u32 {
        let t = Station::new(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 1, 1, 252)) + i));
        sweep.push(worm::probe_syn(&a, &t, 1025, i));
    }
    let mut t = TcpFlow::new(a, 1700, h("10.1.2.9"), 135);
    sweep.push(t.syn());
    sweep.push(t.syn_ack());
    sweep.push(t.refuse());
    let mut flood = Vec::new();
    for i in 0..6u8 {
        flood.push(worm::flood_syn(
            [2; 6],
            [4; 6],
            Ipv4Addr::new(10, 20, i, i),
            Ipv4Addr::new(203, 0, 113, 80),
            u16::from(i),
            1,
        ));
    }
    let mut welchia = Vec::new();
    for i in 0..3u8 {
        welchia.push(worm::welchia_echo(
            &h("10.30.0.9"),
            &Station::new(Ipv4Addr::new(10, 50, 0, i)),
            1,
            1,
        ));
    }
    // Slammer, Code Red (N and X filler, one cut by a snap length) and
    // Witty, as the small configuration counts them.
    let mut random = Vec::new();
    for i in 0..3u8 {
        let d = Station::new(Ipv4Addr::new(10, 60, 0, i));
        random.push(worm::slammer_datagram(
            &h("10.40.0.7"),
            &d,
            1042,
            1434,
            40,
            1,
        ));
        random.push(worm::witty_datagram(
            &h("10.41.0.7"),
            &d,
            4000,
            1000 + u16::from(i),
            20,
            1,
        ));
    }
    for (i, filler) in [b'N', b'X', b'X'].into_iter().enumerate() {
        let mut f = TcpFlow::new(h("10.50.0.9"), 1100 + i as u16, h("10.51.0.1"), 80);
        random.extend(f.handshake());
        let mut req = b"GET /default.ida?".to_vec();
        req.extend(std::iter::repeat_n(filler, 12));
        req.extend_from_slice(b" HTTP/1.0\r\n\r\n");
        let mut seg = f.client_data(&req);
        if i == 2 {
            seg.truncate(64);
        }
        random.push(seg);
    }
    vec![chain, sweep, flood, welchia, random]
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "crates/detect/fuzz/corpus".into());
    let out = Path::new(&out);
    let (rd, dd) = (out.join("reader"), out.join("detector"));
    // Written like every wormscope output (the writer creates the
    // directories).
    let write = |path: std::path::PathBuf, bytes: &[u8]| {
        wormscope_atomic::write_with(&path, |w| w.write_all(bytes))
    };
    for (i, set) in frames().iter().enumerate() {
        for (j, link) in [
            LinkType::ETHERNET,
            LinkType::LINUX_SLL,
            LinkType::LINUX_SLL2,
            LinkType::RAW,
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = PcapWriter::new(Vec::new(), link)?;
            let mut n = PcapNgWriter::new(Vec::new(), link)?;
            for (k, f) in set.iter().enumerate() {
                let f = build::relink(f, link);
                p.write_frame(k as i64 * 100_000, &f)?;
                n.write_frame(k as i64 * 100_000, &f)?;
            }
            write(rd.join(format!("seed-{i}-{j}.pcap")), &p.finish()?)?;
            write(rd.join(format!("seed-{i}-{j}.pcapng")), &n.finish()?)?;
        }
        let mut seq = Vec::new();
        for f in set {
            seq.push(0u8);
            seq.push(40);
            seq.extend_from_slice(&(f.len() as u16).to_be_bytes());
            seq.extend_from_slice(f);
        }
        write(dd.join(format!("seed-{i}.frames")), &seq)?;
    }
    Ok(())
}
