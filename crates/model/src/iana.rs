//! The IANA IPv4 address space registry (one row per /8), compiled in from
//! `data/iana-ipv4-slash8.csv` (a copy of shared/data, as of 2021): which /8s
//! could hold hosts on a given date.

use serde::Deserialize;

const REGISTRY_CSV: &str = include_str!("../data/iana-ipv4-slash8.csv");

#[derive(Debug, Deserialize)]
struct Row {
    prefix: String,
    #[allow(dead_code)]
    designation: String,
    date: String,
    status: String,
}

/// The /8s (first octets) listed as ALLOCATED or LEGACY with a date on or
/// before `year_month` (`YYYY-MM`; dates compare as text in that form).
/// RESERVED blocks (0, 10, 127, 224-255 and others) never qualify.
pub fn allocated_slash8s(year_month: &str) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(REGISTRY_CSV.as_bytes());
    let mut out = Vec::new();
    for row in reader.deserialize::<Row>() {
        let row = row.expect("the compiled-in registry is well formed");
        if row.status == "RESERVED" || row.date.as_str() > year_month {
            continue;
        }
        let first: u8 = row
            .prefix
            .split('.')
            .next()
            .and_then(|o| o.parse().ok())
            .expect("registry prefixes start with an octet");
        out.push(first);
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn august_2003_has_133_allocated_slash8s() {
        // shared/data/README.md: "in August 2003, 133 of the 256 /8s were
        // allocated or legacy".
        let a = allocated_slash8s("2003-08");
        assert_eq!(a.len(), 133);
        for reserved in [0u8, 10, 127, 224, 240, 255] {
            assert!(!a.contains(&reserved), "{reserved}");
        }
        assert!(a.contains(&4) && a.contains(&38) && a.contains(&24));
        // 1/8 went to APNIC in 2010.
        assert!(!a.contains(&1));
    }
}
