//! The IANA IPv4 address space registry (one row per /8), compiled in from
//! `data/iana-ipv4-slash8.csv` (a copy of shared/data, as of 2021): which /8s
//! could hold hosts on a given date, and whom each /8 is designated to (a
//! regional registry, or for a legacy block its holder).

use serde::Deserialize;

const REGISTRY_CSV: &str = include_str!("../data/iana-ipv4-slash8.csv");

#[derive(Debug, Deserialize)]
struct Row {
    prefix: String,
    designation: String,
    date: String,
    status: String,
}

impl Row {
    fn first_octet(&self) -> u8 {
        self.prefix
            .split('.')
            .next()
            .and_then(|o| o.parse().ok())
            .expect("registry prefixes start with an octet")
    }
}

fn rows() -> impl Iterator<Item = Row> {
    csv::Reader::from_reader(REGISTRY_CSV.as_bytes())
        .into_deserialize::<Row>()
        .map(|row| row.expect("the compiled-in registry is well formed"))
}

/// The /8s (first octets) listed as ALLOCATED or LEGACY with a date on or
/// before `year_month` (`YYYY-MM`; dates compare as text in that form).
/// RESERVED blocks (0, 10, 127, 224-255 and others) never qualify.
pub fn allocated_slash8s(year_month: &str) -> Vec<u8> {
    let mut out: Vec<u8> = rows()
        .filter(|row| row.status != "RESERVED" && row.date.as_str() <= year_month)
        .map(|row| row.first_octet())
        .collect();
    out.sort_unstable();
    out
}

/// Every /8's designation as the registry words it (`ARIN`, `Administered
/// by RIPE NCC`, `Apple Computer Inc.`, `Multicast`), indexed by the first
/// octet (256 entries), with whether the /8 is RESERVED.
pub fn designations() -> Vec<(String, bool)> {
    let mut out = vec![(String::new(), true); 256];
    for row in rows() {
        let i = usize::from(row.first_octet());
        out[i] = (row.designation, row.status == "RESERVED");
    }
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

    #[test]
    fn designations_cover_every_slash8_in_order() {
        let d = designations();
        assert_eq!(d.len(), 256);
        assert!(d.iter().all(|(name, _)| !name.is_empty()));
        assert_eq!(d[17], ("Apple Computer Inc.".to_string(), false));
        assert_eq!(d[62], ("RIPE NCC".to_string(), false));
        assert_eq!(d[10], ("IANA - Private Use".to_string(), true));
        assert_eq!(d[133].0, "Administered by APNIC");
    }
}
