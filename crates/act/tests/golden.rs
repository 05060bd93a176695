//! Golden files: every rule format for every defense, and both indicator
//! formats, compared byte for byte with `tests/golden/`.
//!
//! The golden files were reviewed against each format's syntax
//! documentation (nft(8), iptables-restore(8) and iptables-extensions(8),
//! `netsh advfirewall firewall add rule /?`, pf.conf(5)); nft and iptables
//! output is also checked by the real tools in `tests/tools.rs`.
//!
//! To regenerate after an intended change, run
//! `WORMSCOPE_BLESS=1 cargo test -p wormscope-act --test golden`
//! and review the diff (`git diff crates/act/tests/golden`).

use std::path::PathBuf;

use wormscope_act::{
    Defense, IocFormat, RuleFormat, RuleOptions, ioc, rules, rules_with, scenario_rules,
    scenario_rules_with,
};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file `name`, or writes it when
/// `WORMSCOPE_BLESS=1`. Returns a description of the mismatch, if any.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(name);
    if std::env::var("WORMSCOPE_BLESS").as_deref() == Ok("1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Some(format!(
                "{}: {e} (run with WORMSCOPE_BLESS=1)",
                path.display()
            ));
        }
    };
    if expected == actual.as_bytes() {
        return None;
    }
    let expected = String::from_utf8_lossy(&expected);
    let line = expected
        .split_inclusive('\n')
        .zip(actual.split_inclusive('\n'))
        .position(|(a, b)| a != b)
        .map_or_else(|| "the end".to_string(), |i| format!("line {}", i + 1));
    Some(format!(
        "{} differs from the output at {line} (WORMSCOPE_BLESS=1 regenerates)",
        path.display()
    ))
}

#[test]
fn golden_rules() {
    let mut failures = Vec::new();
    for defense in Defense::ALL {
        for format in RuleFormat::ALL {
            let name = format!("{}.{}", defense.name(), format.extension());
            failures.extend(check(&name, &rules(defense, format).unwrap()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A scenario's own defense in every format: Witty's ISP filter (its
/// datagrams matched by their source port), Slammer's host firewall, and
/// Code Red's target move (a null route of its flood's address).
#[test]
fn golden_scenario_rules() {
    let load = |name: &'static str| {
        wormscope_scenario::ScenarioSource::Builtin(name)
            .load()
            .unwrap()
    };
    let mut failures = Vec::new();
    for format in RuleFormat::ALL {
        let text = scenario_rules(&load("witty"), "witty", Defense::Isp, format).unwrap();
        failures.extend(check(&format!("witty-isp.{}", format.extension()), &text));
    }
    let text = scenario_rules(&load("slammer"), "slammer", Defense::Host, RuleFormat::Nft).unwrap();
    failures.extend(check("slammer-host.nft", &text));
    for format in RuleFormat::ALL {
        let text =
            scenario_rules(&load("codered2"), "codered2", Defense::TargetMove, format).unwrap();
        failures.extend(check(
            &format!("codered2-target-move.{}", format.extension()),
            &text,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Source-address filtering (BCP 38) around two inside prefixes: the
/// advisory set in the formats that deploy it (netsh refuses it), and a
/// Blaster scenario's section.
#[test]
fn golden_spoof_filter() {
    let options = RuleOptions {
        inside: vec![
            "192.0.2.0/24".parse().unwrap(),
            "198.51.100.0/23".parse().unwrap(),
        ],
        ..RuleOptions::default()
    };
    let mut failures = Vec::new();
    for format in [RuleFormat::Nft, RuleFormat::Iptables, RuleFormat::Pf] {
        let text = rules_with(Defense::SpoofFilter, format, &options).unwrap();
        failures.extend(check(
            &format!("spoof-filter.{}", format.extension()),
            &text,
        ));
    }
    let sample = wormscope_scenario::ScenarioSource::Builtin("blaster-sample")
        .load()
        .unwrap();
    let text = scenario_rules_with(
        &sample,
        "blaster-sample",
        Defense::SpoofFilter,
        RuleFormat::Nft,
        &options,
    )
    .unwrap();
    failures.extend(check("blaster-sample-spoof-filter.nft", &text));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn golden_ioc() {
    let mut failures = Vec::new();
    for format in IocFormat::ALL {
        let name = format!("ioc.{}", format.extension());
        failures.extend(check(&name, &ioc(format)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn output_is_deterministic() {
    for defense in Defense::ALL {
        for format in RuleFormat::ALL {
            assert_eq!(rules(defense, format), rules(defense, format));
        }
    }
    for format in IocFormat::ALL {
        assert_eq!(ioc(format), ioc(format));
    }
}

/// Every rule file opens with a comment citing CA-2003-20 and MS03-026.
#[test]
fn every_output_starts_with_a_citing_header() {
    for defense in Defense::ALL {
        for format in RuleFormat::ALL {
            let text = rules(defense, format).unwrap();
            let marker = match format {
                RuleFormat::Netsh => "@REM ",
                _ => "# ",
            };
            let header: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with(marker.trim_end()))
                .collect();
            assert!(!header.is_empty(), "{defense} {format}: no header");
            let header = header.join("\n");
            assert!(header.contains("CA-2003-20"), "{defense} {format}");
            assert!(header.contains("MS03-026"), "{defense} {format}");
            assert!(header.contains("Drops"), "{defense} {format}");
        }
    }
}

#[test]
fn every_rule_has_a_citing_comment() {
    for defense in Defense::ALL {
        for format in RuleFormat::ALL {
            let text = rules(defense, format).unwrap();
            for rule in defense.rule_set().unwrap().rules {
                assert!(
                    rule.comment.contains("CA-2003-20") || rule.comment.contains("ISPs"),
                    "{}",
                    rule.comment
                );
                assert!(
                    text.contains(&rule.comment),
                    "{defense} {format}: {}",
                    rule.comment
                );
            }
        }
    }
}

#[test]
fn netsh_is_a_crlf_batch_file_without_shell_metacharacters() {
    for defense in Defense::ALL {
        let text = rules(defense, RuleFormat::Netsh).unwrap();
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
        for line in text.lines() {
            let outside_quotes: String = line.split('"').step_by(2).collect();
            assert!(
                !outside_quotes.contains(['&', '|', '<', '>', '^', '%']),
                "{line}"
            );
        }
    }
}

#[test]
fn format_names_parse_with_helpful_errors() {
    for format in RuleFormat::ALL {
        assert_eq!(format.name().parse::<RuleFormat>().unwrap(), format);
    }
    let err = "ufw".parse::<RuleFormat>().unwrap_err().to_string();
    assert!(err.contains("nft, iptables, netsh, pf"), "{err}");
    let err = "dmz".parse::<Defense>().unwrap_err().to_string();
    assert!(
        err.contains("border-filter, isp-filter, host-firewall"),
        "{err}"
    );
    let err = "xml".parse::<IocFormat>().unwrap_err().to_string();
    assert!(err.contains("stix, csv"), "{err}");
}
