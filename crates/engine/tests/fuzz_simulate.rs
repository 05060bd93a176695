//! Fuzzing a short `simulate`: arbitrary Blaster scenarios laid over the
//! built-in one and forced small (one /20 or smaller, at most three
//! simulated hours, at most ten thousand rows), read, and if they validate,
//! a world generated and one run of the engine. Every run must finish:
//! never a panic or an arithmetic overflow (overflow checks are on under
//! `cargo test`). The values lean to the extremes the scenario accepts
//! (zero, one, the largest, the bounds of issue 14) and to odd ones it must
//! refuse. Random-scanning scenarios (over `codered2` or `slammer`, at most
//! 200 vulnerable hosts and ten minutes) run the same way.
//!
//! The tests at the end are overflows in the engine and model that this
//! target found with the scenario's bounds lifted: a file cannot reach
//! them, a scenario built in code can, and the engine's times saturate
//! instead (a moment past the end of `u64` is never run).
//!
//! `tests/corpus/simulate/*.toml` are replayed on every run; each starts
//! with `# expect: run` or `# expect: refused FIELD`. Proptest's own
//! regressions are in `fuzz_simulate.proptest-regressions`. Run longer with
//! `WORMSCOPE_FUZZ_CASES=2000 cargo test -p wormscope-engine --test fuzz_simulate`.

use std::path::Path;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use wormscope_scenario::{BlasterScenario, ScenarioError, parse};

fn cases(default: u32) -> u32 {
    std::env::var("WORMSCOPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What became of one input.
#[derive(Debug)]
enum Outcome {
    Refused(ScenarioError),
    /// The world generator refused it (too large).
    NoWorld,
    Ran,
}

/// Reads the text laid over `blaster`, generates the world and runs it.
fn run(text: &str) -> Outcome {
    let s: BlasterScenario = match parse(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => return Outcome::Refused(e),
    };
    assert!(
        s.world.only_in.iter().all(|p| p.prefix_len() >= 20) && !s.world.only_in.is_empty(),
        "the fuzz inputs stay small: {:?}",
        s.world.only_in
    );
    let Ok(world) = wormscope_model::generate::generate(&s) else {
        return Outcome::NoWorld;
    };
    let result = wormscope_engine::simulate_blaster(&s, &world, &mut |_| {});
    assert_eq!(result.step, s.step.as_micros());
    Outcome::Ran
}

#[test]
fn overflow_checks_are_on() {
    let sum = std::panic::catch_unwind(|| std::hint::black_box(u64::MAX) + std::hint::black_box(1));
    assert!(
        sum.is_err(),
        "overflow checks are off: this fuzz test cannot see overflows"
    );
}

#[test]
fn the_corpus_replays_with_its_expected_outcome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/simulate");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{name}: the first line says `# expect: ...`"));
        let random = text.contains("base = \"codered2\"") || text.contains("base = \"slammer\"");
        let got = if random {
            run_random(&text)
        } else {
            run(&text)
        };
        match (expect.split_once(' '), got) {
            (None, Outcome::Ran) if expect == "run" => {}
            (Some(("refused", field)), Outcome::Refused(e))
                if e.field.as_deref() == Some(field) => {}
            (_, got) => panic!("{name}: expected {expect}, got {got:?}"),
        }
    }
    assert!(paths.len() >= 4, "the corpus holds {} inputs", paths.len());
}

// ---- the scenario text, field by field ----

fn sel(options: &[&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(options.to_vec())
        .prop_map(str::to_string)
        .boxed()
}

fn quoted(s: BoxedStrategy<String>) -> BoxedStrategy<String> {
    s.prop_map(|v| format!("\"{v}\"")).boxed()
}

/// A line `name = value`, present in 40 % of the inputs.
fn field(name: &'static str, value: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
    prop::option::weighted(0.4, value.prop_map(move |v| format!("{name} = {v}"))).boxed()
}

/// A line `name = value` in every input (a field whose default would
/// refuse most inputs: the built-in's moments are timestamps of August 2003,
/// before many of the starts drawn here).
fn always(name: &'static str, value: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
    value
        .prop_map(move |v| Some(format!("{name} = {v}")))
        .boxed()
}

/// A `[header]` table of the fields that are present (none: no table).
fn section(
    header: &'static str,
    fields: Vec<BoxedStrategy<Option<String>>>,
) -> BoxedStrategy<String> {
    fields
        .prop_map(move |lines| {
            let body: Vec<String> = lines.into_iter().flatten().collect();
            if body.is_empty() {
                String::new()
            } else {
                format!("[{header}]\n{}\n", body.join("\n"))
            }
        })
        .boxed()
}

/// Mostly a value the scenario accepts; one time in a hundred an odd one it
/// must refuse (the reader's own fuzz target covers those at length: here
/// most inputs should run).
fn or_odd(valid: BoxedStrategy<String>, odd: &[&'static str]) -> BoxedStrategy<String> {
    prop_oneof![100 => valid, 1 => sel(odd)].boxed()
}

fn pct() -> BoxedStrategy<String> {
    or_odd(
        prop_oneof![
            sel(&["0.0", "100.0", "50.0", "1e-9", "99.9999", "-0.0"]),
            (0.0f64..=100.0).prop_map(|p| format!("{p:?}")),
        ]
        .boxed(),
        &["100.0001", "nan", "-1.0"],
    )
}

fn int(
    extremes: &[&'static str],
    range: std::ops::RangeInclusive<i64>,
    odd: &[&'static str],
) -> BoxedStrategy<String> {
    or_odd(
        prop_oneof![sel(extremes), range.prop_map(|n| n.to_string())].boxed(),
        odd,
    )
}

const DELAYS: &[&str] = &[
    "0s",
    "1us",
    "1ms",
    "1s",
    "20s",
    "60s",
    "5m",
    "30m",
    "3h",
    "1d",
    "36500d",
    "213503982d",
    "106751991d",
    "18446744073709551615us",
    "9223372036854775807us",
    "100000000d",
];

/// A delay, from nothing to its bound of 100 years.
fn delay() -> BoxedStrategy<String> {
    or_odd(quoted(sel(DELAYS)), &["\"36500d1us\"", "\"never\""])
}

/// A delay that may never come (a crash's reboot).
fn maybe_delay() -> BoxedStrategy<String> {
    or_odd(
        prop_oneof![quoted(sel(DELAYS)), Just("\"never\"".to_string())].boxed(),
        &["\"36500d1us\"", "\"nevermore\""],
    )
}

/// A sequential scanner's timing: 0s to its 5-minute bound.
fn scan_wait() -> BoxedStrategy<String> {
    or_odd(
        quoted(sel(&[
            "0s",
            "1us",
            "1ms",
            "100ms",
            "1.8s",
            "21s",
            "5m",
            "10h",
            "1000d",
            "213503982d",
            "4294967296us",
            "4294968us",
        ])),
        &["\"5m1ms\"", "\"10h\""],
    )
}

/// A batch wait: 1ms to 5 minutes.
fn batch_wait() -> BoxedStrategy<String> {
    or_odd(
        quoted(sel(&[
            "1ms",
            "2ms",
            "100ms",
            "1.8s",
            "5m",
            "10h",
            "1000d",
            "213503982d",
            "4294967296us",
            "4294968us",
            "2h",
        ])),
        &["\"0s\"", "\"10h\""],
    )
}

/// A moment: a duration after the start, or a timestamp (after the start
/// or not, depending on the start).
fn moment() -> BoxedStrategy<String> {
    or_odd(
        prop_oneof![
            15 => quoted(sel(&["0s", "1us", "10m", "1h", "3h", "36500d", "213503982d", "100000000d"])),
            1 => quoted(sel(&[
                "2003-08-11T19:00:00Z",
                "2003-08-11T20:00:00Z",
                "2003-08-16T00:00:00Z",
                "2103-08-01T00:00:00Z",
            ])),
        ]
        .boxed(),
        &["\"36501d\"", "\"9999-12-30T22:00:00Z\""],
    )
}

fn port_rules() -> BoxedStrategy<String> {
    sel(&[
        "[]",
        "[\"*\"]",
        "[\"135/tcp\"]",
        "[\"135/tcp\", \"4444/tcp\", \"69/udp\"]",
        "[\"69/udp\", \"135/tcp\", \"135/udp\", \"139/tcp\", \"445/tcp\", \"4444/tcp\"]",
        "[\"80/tcp\"]",
    ])
}

fn host_defense(header: &'static str) -> BoxedStrategy<String> {
    section(
        header,
        vec![
            field("enabled", bool()),
            field("start", moment()),
            field("coverage_pct", pct()),
        ],
    )
}

fn filter_defense(header: &'static str) -> BoxedStrategy<String> {
    section(
        header,
        vec![
            field("enabled", bool()),
            always("start", moment()),
            field("coverage_pct", pct()),
            field("blocks_in", port_rules()),
            field("blocks_out", port_rules()),
        ],
    )
}

/// The world, forced small: `only_in` always one or two prefixes of /20
/// to /32 somewhere in IPv4 (allocated or not), and sometimes other kinds
/// of networks.
fn world() -> BoxedStrategy<String> {
    let prefix = (any::<u32>(), 20u8..=32).prop_map(|(addr, len)| {
        let base = addr & (u32::MAX << (32 - len));
        format!("\"{}/{len}\"", std::net::Ipv4Addr::from(base))
    });
    let known = sel(&[
        "\"61.4.0.0/20\"",
        "\"24.0.0.0/20\"",
        "\"64.12.96.0/20\"",
        "\"44.0.0.0/20\"",
        "\"10.0.0.0/20\"",
        "\"224.0.0.0/20\"",
        "\"255.255.240.0/20\"",
        "\"0.0.0.0/20\"",
        "\"61.4.0.7/32\"",
    ]);
    let only_in = prop::collection::vec(prop_oneof![3 => known, 1 => prefix.boxed()], 1..3)
        .prop_map(|ps| format!("only_in = [{}]", ps.join(", ")));
    let networks = prop_oneof![
        2 => Just(String::new()),
        1 => prop::sample::select(vec![vec![100.0], vec![50.0, 50.0], vec![20.0, 30.0, 50.0]])
            .prop_flat_map(|shares| {
                shares
                    .iter()
                    .map(|s| network_kind(*s))
                    .collect::<Vec<_>>()
            })
            .prop_map(|kinds| kinds.concat()),
    ];
    let allocated = or_odd(
        quoted(sel(&["2003-08", "1990-01", "2024-12"])),
        &["\"2003-13\""],
    );
    let used = prop_oneof![3 => Just("100.0".to_string()), 1 => pct()];
    (
        only_in,
        field("allocated_by", allocated),
        always("used_slash16_pct", used.boxed()),
        networks,
    )
        .prop_map(|(only_in, allocated, used, networks)| {
            let mut out = format!("[world]\n{only_in}\n");
            for line in [allocated, used].into_iter().flatten() {
                out.push_str(&line);
                out.push('\n');
            }
            out + &networks
        })
        .boxed()
}

fn network_kind(share: f64) -> BoxedStrategy<String> {
    let os = sel(&[
        "{ xp_pct = 100.0, w2000_pct = 0.0, nt4_pct = 0.0, w2003_pct = 0.0, other_pct = 0.0 }",
        "{ xp_pct = 0.0, w2000_pct = 100.0, nt4_pct = 0.0, w2003_pct = 0.0, other_pct = 0.0 }",
        "{ xp_pct = 0.0, w2000_pct = 0.0, nt4_pct = 50.0, w2003_pct = 50.0, other_pct = 0.0 }",
        "{ xp_pct = 0.0, w2000_pct = 0.0, nt4_pct = 0.0, w2003_pct = 0.0, other_pct = 100.0 }",
        "{ xp_pct = 33.0, w2000_pct = 9.0, nt4_pct = 1.0, w2003_pct = 0.0, other_pct = 57.0 }",
    ]);
    let hosts = or_odd(
        prop_oneof![
            sel(&["254.0", "0.001", "1.0"]),
            (0.001f64..254.0).prop_map(|h| format!("{h:?}")),
        ]
        .boxed(),
        &["254.1", "0.0"],
    );
    let lan = or_odd(
        sel(&["[1, 1]", "[1, 250]", "[250, 250]", "[1, 3]"]),
        &["[0, 1]", "[3, 2]"],
    );
    (
        (
            int(&["16", "24", "20"], 16..=24, &["15", "25"]),
            pct(),
            hosts,
            pct(),
            lan,
        ),
        (pct(), port_rules(), port_rules(), os, pct(), pct()),
    )
        .prop_map(
            move |(
                (prefix_len, slash24_used, hosts, nat, lan),
                (firewall, fw_in, fw_out, os, patched, other_rpc),
            )| {
                format!(
                    "[[world.networks]]\nname = \"k{share}\"\nshare_pct = {share:?}\n\
                     prefix_len = {prefix_len}\nslash24_used_pct = {slash24_used}\n\
                     hosts_per_used_slash24 = {hosts}\nnat_pct = {nat}\nlan_hosts = {lan}\n\
                     firewall_pct = {firewall}\nfirewall_blocks_in = {fw_in}\n\
                     firewall_blocks_out = {fw_out}\nos = {os}\npatched_pct = {patched}\n\
                     other_rpc_open_pct = {other_rpc}\n"
                )
            },
        )
        .boxed()
}

fn bool() -> BoxedStrategy<String> {
    sel(&["true", "false"])
}

fn scenario_text() -> impl Strategy<Value = String> {
    // Duration and step: at most three hours and ten thousand rows.
    let span = or_odd(
        sel(&[
            "duration = \"1us\"\nstep = \"1us\"",
            "duration = \"1ms\"\nstep = \"1us\"",
            "duration = \"1s\"\nstep = \"1ms\"",
            "duration = \"10m\"\nstep = \"1m\"",
            "duration = \"1h\"\nstep = \"1m\"",
            "duration = \"90m\"\nstep = \"1s\"",
            "duration = \"2h\"\nstep = \"7m\"",
            "duration = \"3h\"\nstep = \"10m\"",
            "duration = \"3h\"\nstep = \"3h\"",
        ]),
        &["duration = \"1h\"\nstep = \"2h\"", "duration = \"0s\""],
    );
    let seed = prop_oneof![
        sel(&["0", "1", "9223372036854775807"]),
        (0i64..=i64::MAX).prop_map(|n| n.to_string())
    ];
    let start = prop_oneof![
        3 => quoted(sel(&["2003-08-11T19:00:00Z", "2003-08-15T23:00:00Z"])),
        1 => quoted(sel(&[
            "2003-08-31T22:30:00Z",
            "2003-12-31T23:00:00Z",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T19:00:00Z",
        ])),
    ];
    let top = (
        seed,
        or_odd(start.boxed(), &["\"9999-12-30T21:00:00Z\""]),
        span,
    )
        .prop_map(|(seed, start, span)| format!("seed = {seed}\nstart = {start}\n{span}\n"));
    let worm = section(
        "worm",
        vec![
            field(
                "initial_infected",
                int(&["0", "1", "4294967295", "100"], 0..=300, &["-1"]),
            ),
            field("batch_size", int(&["1", "1024"], 1..=1024, &["0", "1025"])),
            field("batch_wait", batch_wait()),
            field("local_start_pct", pct()),
            field("guess_xp_pct", pct()),
            field("exploit_pause", scan_wait()),
            field("round_trip", scan_wait()),
            field("connect_timeout", scan_wait()),
            field("body_bytes", int(&["1", "4294967295"], 1..=100_000, &["0"])),
            field(
                "tftp_block_bytes",
                int(&["1", "4294967295"], 1..=100_000, &["0"]),
            ),
            field("tftp_block_interval", scan_wait()),
            field("tftp_wait", scan_wait()),
            field("start_after_boot", delay()),
            field(
                "targeting",
                quoted(sel(&[
                    "sequential",
                    "uniform-random",
                    "local-preference",
                    "permutation",
                ])),
            ),
        ],
    );
    let hit_list = prop_oneof![
        3 => Just(String::new()),
        1 => section(
            "worm.hit_list",
            vec![
                always("hosts", int(&["1", "4294967295"], 1..=5000, &["0"])),
                always(
                    "probes_per_second",
                    or_odd(sel(&["1e-300", "0.5", "100", "10000000"]), &["0", "1e8"]),
                ),
            ],
        ),
    ];
    // The walk's key, at its edges (the built-in has one).
    let permutation = prop_oneof![
        3 => Just(String::new()),
        1 => section(
            "worm.permutation",
            vec![always(
                "key",
                int(&["0", "9223372036854775807"], 0..=1000, &["-1"]),
            )],
        ),
    ];
    // Blaster's stop: a date, a probe limit, a payload that crashes its
    // host.
    let stop = prop_oneof![
        3 => Just(String::new()),
        1 => section("worm.stop", vec![always("at", moment())]),
        1 => Just("[worm.stop]\nafter_probes = 5\n".to_string()),
        1 => section(
            "worm.stop.crash",
            vec![
                always("cycle_probes", int(&["1", "9223372036854775807"], 1..=5000, &["0"])),
                always("chance_pct", pct()),
            ],
        ),
    ];
    let worm = (worm, permutation, hit_list, stop).prop_map(|(w, p, h, t)| w + &p + &h + &t);
    let hosts = section(
        "hosts",
        vec![
            field("xp_crash_reboot_after", maybe_delay()),
            field("w2000_crash_reboot_after", maybe_delay()),
            field("nt4_crash_reboot_after", maybe_delay()),
            field("w2003_crash_reboot_after", maybe_delay()),
            field("reboot_duration", delay()),
        ],
    );
    let payload = section(
        "payload",
        vec![
            field(
                "packets_per_second",
                int(&["1", "1000000"], 1..=1_000_000, &["0"]),
            ),
            field("packet_bytes", int(&["20", "1500"], 20..=1500, &["19"])),
            field("first_day_jan_aug", int(&["1", "31"], 1..=31, &["0", "32"])),
            field(
                "every_day_from_month",
                int(&["1", "12", "13"], 1..=13, &["14"]),
            ),
            field("last_day_jan_aug", int(&["16", "31"], 1..=31, &["0", "32"])),
            field(
                "date_checked",
                or_odd(quoted(sel(&["at_start", "always"])), &["\"daily\"", "1"]),
            ),
            field("nat_rewrites_spoofed_source", bool()),
        ],
    );
    let curve = or_odd(
        sel(&[
            "[[\"0s\", 100.0]]",
            "[[\"0s\", 0.0], [\"1us\", 100.0]]",
            "[[\"1h\", 50.0], [\"36500d\", 100.0]]",
            "[[\"0s\", 0.0], [\"7d\", 33.0]]",
        ]),
        &["[]", "[[\"1h\", 50.0], [\"1h\", 60.0]]"],
    );
    let defenses = (
        section(
            "defenses.patch",
            vec![
                field("enabled", bool()),
                field("start", moment()),
                field("curve", curve),
            ],
        ),
        filter_defense("defenses.isp_filter"),
        filter_defense("defenses.border_filter"),
        host_defense("defenses.host_firewall"),
        host_defense("defenses.dcom_disabled"),
        section(
            "defenses.users",
            vec![
                field("enabled", bool()),
                field("notice_pct", pct()),
                field("delay", delay()),
                field("action", quoted(sel(&["clean", "unplug"]))),
            ],
        ),
        section(
            "defenses.cleanup",
            vec![
                field("enabled", bool()),
                always("start", moment()),
                field("per_day_pct", pct()),
            ],
        ),
        section(
            "defenses.dns_takedown",
            vec![field("enabled", bool()), always("at", moment())],
        ),
        host_defense("defenses.spoof_filter"),
        section(
            "defenses.target_move",
            vec![field("enabled", bool()), always("at", moment())],
        ),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i, j)| [a, b, c, d, e, f, g, h, i, j].concat());
    let welchia = section(
        "welchia",
        vec![
            field("enabled", bool()),
            always("release", moment()),
            field(
                "initial_infected",
                int(&["0", "1", "4294967295"], 0..=100, &["-1"]),
            ),
            field("batch_size", int(&["1", "1024"], 1..=1024, &["0"])),
            field("batch_wait", batch_wait()),
            field("local_start_pct", pct()),
            field("guess_xp_pct", pct()),
        ],
    );
    let flaws = section(
        "flaws",
        vec![
            field("os_guess", bool()),
            field("stage2_reachback", bool()),
            field("flood_target", bool()),
            field("start_seed", bool()),
            field(
                "boot_tick",
                or_odd(
                    sel(&[
                        "[\"0s\", \"0s\"]",
                        "[\"0s\", \"36500d\"]",
                        "[\"1us\", \"1us\"]",
                        "[\"20s\", \"60s\"]",
                    ]),
                    &["[\"60s\", \"20s\"]"],
                ),
            ),
            field(
                "tick_granularity",
                or_odd(
                    quoted(sel(&["1ms", "15.625ms", "1s", "36500d"])),
                    &["\"1us\""],
                ),
            ),
        ],
    );
    (top, world(), worm, hosts, payload, defenses, welchia, flaws).prop_map(
        |(top, world, worm, hosts, payload, defenses, welchia, flaws)| {
            [top, world, worm, hosts, payload, defenses, welchia, flaws].concat()
        },
    )
}

// ---- random-scanning scenarios ----

/// Reads a random-scanning scenario and runs it once.
fn run_random(text: &str) -> Outcome {
    let s = match wormscope_scenario::parse_population(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => return Outcome::Refused(e),
    };
    let run = wormscope_engine::population::simulate_population(&s, s.seed, &mut |_| {});
    assert_eq!(run.step_us, s.step.as_micros());
    // No more flood than every host sending all the run long.
    let flood: u128 = run.rows.iter().map(|r| u128::from(r.flood_packets)).sum();
    let most = s.payload.as_ref().map_or(0, |p| {
        u128::from(p.packets_per_second)
            * u128::from(s.population.vulnerable)
            * u128::from(s.duration.as_micros()).div_ceil(1_000_000)
    });
    assert!(flood <= most, "{flood} flood packets, at most {most}");
    assert!(run.infection_times_us.len() as u64 <= s.population.vulnerable);
    for seen in &run.sensors {
        let sources: u64 = seen.new_sources.iter().sum();
        assert!(
            sources <= run.infection_times_us.len() as u64,
            "{}",
            seen.sensor.name
        );
        for (i, row) in run.rows.iter().enumerate() {
            assert!(seen.incoming[i] <= seen.probes[i]);
            if seen.sensor.delay_us == 0 {
                assert!(
                    seen.probes[i] <= row.probes_delivered,
                    "{}",
                    seen.sensor.name
                );
            }
        }
    }
    Outcome::Ran
}

/// A random-scanning worm over `codered2` or `slammer`, drawing its targets
/// (uniformly or by local preference) or walking a permutation, kept
/// cheap: at
/// most 200 vulnerable hosts in at least 2^16 addresses, ten simulated
/// minutes, 100 probes a second or 1 Mbit/s per host, with the extremes
/// that reach the clock's saturation (near-zero rates and capacities, huge
/// probe quotas).
fn random_scan_text() -> impl Strategy<Value = String> {
    let span = sel(&[
        "duration = \"1us\"\nstep = \"1us\"",
        "duration = \"1s\"\nstep = \"1ms\"",
        "duration = \"10m\"\nstep = \"1s\"",
        "duration = \"10m\"\nstep = \"10m\"",
        "duration = \"7m\"\nstep = \"1m\"",
    ]);
    let top = (
        sel(&["base = \"codered2\"", "base = \"slammer\""]),
        prop_oneof![
            sel(&["0", "9223372036854775807"]),
            (0i64..1000).prop_map(|n| n.to_string())
        ],
        quoted(sel(&[
            "2001-07-19T10:00:00Z",
            "2003-01-25T05:29:00Z",
            "9999-12-30T21:50:00Z",
        ])),
        span,
        prop_oneof![3 => Just("validation = []\n"), 1 => Just("")],
    )
        .prop_map(|(base, seed, start, span, validation)| {
            format!("{base}\nseed = {seed}\nstart = {start}\n{span}\n{validation}")
        });
    let vulnerable = prop_oneof![Just(1i64), Just(200), 1i64..=200];
    let population = (
        vulnerable.prop_flat_map(|v| (Just(v), 1..=v)),
        int(&["0", "65000"], 0..=10_000, &["9223372036854775807"]),
        int(&["16", "32"], 16..=32, &["7", "33"]),
        // Enterprise networks (where a border filter stands): the
        // built-in's, or any share in networks of any length.
        prop_oneof![
            2 => Just(String::new()),
            1 => (
                sel(&["0", "50", "100"]),
                int(&["1", "16", "32"], 1..=32, &["0", "33"]),
            )
                .prop_map(|(pct, len)| format!(
                    "[population.enterprises]\nshare_pct = {pct}\nprefix_len = {len}\n"
                )),
        ],
    )
        .prop_map(|((v, i), o, b, enterprises)| {
            format!(
                "[population]\nvulnerable = {v}\nother_hosts = {o}\n\
                 initial_infected = {i}\nscan_space_bits = {b}\n{enterprises}"
            )
        });
    // Where the vulnerable hosts live: the built-in's allocated /8s, or
    // anywhere (placed only when an edge, a filter, a permutation or local
    // preference asks), spread or gathered in clusters.
    let clusters = prop_oneof![
        3 => Just(String::new()),
        1 => (sel(&["8", "16", "20", "24"]), sel(&["1", "3", "100"])).prop_map(|(len, n)| format!(
            "[population.clusters]\nprefix_len = {len}\ncount = {n}\n"
        )),
    ];
    let population = (
        population,
        sel(&["", "hosts_in = \"anywhere\"\n"]),
        clusters,
    )
        .prop_map(|(population, hosts_in, clusters)| {
            let population = match population.find("[population.enterprises]") {
                Some(i) => format!("{}{hosts_in}{}", &population[..i], &population[i..]),
                None => format!("{population}{hosts_in}"),
            };
            format!("{population}{clusters}")
        });
    let rate_pps = prop_oneof![
        sel(&["1e-300", "1e-9", "0.001", "1.0", "100.0"]),
        (0.001f64..100.0).prop_map(|r| format!("{r:?}")),
    ];
    let tcp = (
        int(&["0", "80", "65535"], 0..=65_535, &["65536"]),
        delay(),
        rate_pps,
    )
        .prop_map(|(port, d, pps)| {
            format!(
                "[worm.delivery]\nkind = \"tcp-exploit\"\nport = {port}\nduration = {d}\n\
                 [worm.rate]\nkind = \"probe-rate\"\nprobes_per_second = {pps}\n"
            )
        });
    let udp = (
        int(&["28", "404", "65535"], 28..=65_535, &["27"]),
        sel(&["1000", "1544000", "1000000"]),
        sel(&["0", "1e-300", "1.0", "1000.0", "1e6", "1e12"]),
    )
        .prop_map(|(bytes, bps, cap)| {
            format!(
                "[worm.delivery]\nkind = \"udp-packet\"\nport = 1434\npacket_bytes = {bytes}\n\
                 [worm.rate]\nkind = \"bandwidth\"\n\
                 uplinks = [{{ name = \"u\", share_pct = 100, bits_per_second = {bps} }}]\n\
                 capacity_bits_per_second = {cap}\n"
            )
        });
    let stop = section(
        "worm.stop",
        vec![
            // Always: codered2's stop date would precede most starts.
            always("at", moment()),
            field(
                "after_probes",
                int(&["1", "9223372036854775807"], 1..=1000, &["0"]),
            ),
        ],
    );
    // Always: the built-ins' sensors (the telescope 44.0.0.0/8) lie outside
    // a small scan space, so each case gives its own or none: (top-level
    // keys, tables).
    let prefix = || sel(&["0.0.0.0/24", "0.0.128.0/17", "0.0.0.0/30"]);
    let sensors = prop_oneof![
        2 => Just(("sensors = []\ntelescopes = []\n".to_string(), String::new())),
        1 => prefix().prop_map(|p| (
            "sensors = []\n".to_string(),
            format!("[[telescopes]]\nname = \"t\"\nprefix = \"{p}\"\n"),
        )),
        2 => (prefix(), sel(&["0.0.64.0/18", "0.0.0.0/16"]), 1u32..=50).prop_map(|(p, e, n)| (
            String::new(),
            format!(
                "[[sensors]]\nname = \"t\"\nkind = \"telescope\"\nprefix = \"{p}\"\n\
                 [[sensors]]\nname = \"e\"\nkind = \"edge\"\n\
                 [[sensors]]\nname = \"e2\"\nkind = \"edge\"\nprefix = \"{e}\"\n\
                 [[sensors]]\nname = \"d\"\nkind = \"distributed\"\naddresses = {n}\n\
                 report_delay = \"0s\"\n"
            ),
        )),
    ];
    // ISP or enterprise border filtering: any share, from the start or
    // later, dropping every port, the worm's own (Slammer's), or none of
    // the worm's (refused).
    let isp = prop_oneof![
        2 => Just(String::new()),
        1 => (
            sel(&["isp_filter", "border_filter"]),
            sel(&["0", "50", "100"]),
            sel(&["\"0h\"", "\"2m\"", "\"36500d\""]),
            sel(&["[\"*\"]", "[\"1434/udp\"]", "[]"]),
            sel(&["[\"*\"]", "[\"1434/udp\"]", "[\"135/tcp\"]"]),
        )
            .prop_map(|(section, pct, start, blocks_in, blocks_out)| format!(
                "[defenses.{section}]\nenabled = true\nstart = {start}\ncoverage_pct = {pct}\n\
                 blocks_in = {blocks_in}\nblocks_out = {blocks_out}\n"
            )),
    ];
    // A flood (`[payload]`, codered2's own or laid over slammer) at its
    // limits, with its target moved or not (without a flood, refused).
    let flood = (
        prop_oneof![
            2 => Just(String::new()),
            1 => (
                int(&["1", "28", "31"], 1..=31, &["0", "32"]),
                int(&["1", "31"], 1..=31, &["0", "32"]),
                int(&["1", "1000000"], 1..=1000, &["0", "1000001"]),
                // A name it resolves, or the address it carries.
                sel(&["", "name = \"www1.whitehouse.gov\"\n", "name = \"a..b\"\n"]),
                // When it reads the date, and from which month every day.
                sel(&[
                    "",
                    "date_checked = \"at_start\"\n",
                    "date_checked = \"always\"\nevery_day_from_month = 1\n",
                    "date_checked = \"at_start\"\nevery_day_from_month = 12\n",
                    "every_day_from_month = 14\n",
                    "date_checked = \"never\"\n",
                ]),
            )
                .prop_map(|(first, last, pps, name, days)| format!(
                    "[payload]\nfirst_day = {first}\nlast_day = {last}\n\
                     packets_per_second = {pps}\npacket_bytes = 41\ntarget = \"192.0.2.1\"\n{name}{days}"
                )),
        ],
        prop_oneof![
            3 => Just(String::new()),
            1 => (sel(&["true", "false"]), moment()).prop_map(|(on, at)| format!(
                "[defenses.target_move]\nenabled = {on}\nsource = \"s\"\nat = {at}\n"
            )),
        ],
        prop_oneof![
            3 => Just(String::new()),
            1 => (sel(&["true", "false"]), moment()).prop_map(|(on, at)| format!(
                "[defenses.dns_takedown]\nenabled = {on}\nsource = \"s\"\nat = {at}\n"
            )),
        ],
    )
        .prop_map(|(payload, moved, taken_down)| payload + &moved + &taken_down);
    // Uniform draws (the built-ins' own), a permutation walk at its keys'
    // edges, local preference with any shares (over 100 refused), or a
    // sequential walk with any local share (outside 0..=100 refused).
    let targeting = prop_oneof![
        2 => Just(String::new()),
        1 => (
            sel(&["0", "37.5", "100"]),
            sel(&["0", "50", "62.5", "100"]),
        )
            .prop_map(|(s16, s8)| format!(
                "[worm]\ntargeting = \"local-preference\"\n[worm.local_preference]\n\
                 same_slash16_pct = {s16}\nsame_slash8_pct = {s8}\n"
            )),
        1 => prop_oneof![
            sel(&["0", "1", "9223372036854775807"]),
            (0i64..i64::MAX).prop_map(|k| k.to_string())
        ]
        .prop_map(|key| format!(
            "[worm]\ntargeting = \"permutation\"\n[worm.permutation]\nkey = {key}\n"
        )),
        1 => prop_oneof![
            Just(String::new()),
            sel(&["0", "40", "100", "101", "-1"])
                .prop_map(|pct| format!("[worm.sequential]\nlocal_start_pct = {pct}\n")),
        ]
        .prop_map(|start| format!("[worm]\ntargeting = \"sequential\"\n{start}")),
    ];
    (
        top,
        population,
        targeting,
        prop_oneof![tcp, udp],
        stop,
        isp,
        flood,
        sensors,
    )
        .prop_map(|(top, p, targeting, w, stop, isp, flood, (keys, tables))| {
            // A top-level key cannot follow a table: keys go first, arrays
            // of tables last.
            [top, keys, p, targeting, w, stop, isp, flood, tables].concat()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    /// Small runs of arbitrary scenarios finish (or the scenario is
    /// refused with a located error).
    #[test]
    fn small_runs_of_arbitrary_scenarios_finish(text in scenario_text()) {
        if let Outcome::Refused(e) = run(&text) {
            prop_assert_eq!(e.file.as_str(), "fuzz.toml");
        }
    }

    /// Short runs of arbitrary random-scanning scenarios finish too.
    #[test]
    fn short_random_scanning_runs_finish(text in random_scan_text()) {
        if let Outcome::Refused(e) = run_random(&text) {
            prop_assert_eq!(e.file.as_str(), "fuzz.toml");
        }
    }
}

// ---- overflows in the engine and model past the scenario's bounds ----
//
// Found by this fuzz target with the scenario's time bounds (MAX_SPAN,
// MAX_SCAN_WAIT) lifted. A scenario file cannot reach them any more (the
// reader refuses the values, exit 2), but a scenario built in code and run
// without `wormscope_scenario::check` still does. The engine's owner is
// making these sums saturate; each test passes once its sum does.

/// A small world with enough going on: a /20 of broadband and enterprise
/// space, fifty patient zeros, three hours, XP reboots after crashes.
const SMALL: &str = r#"
seed = 3
duration = "3h"
step = "10m"
[world]
only_in = ["61.4.0.0/20"]
used_slash16_pct = 100.0
[worm]
initial_infected = 50
[welchia]
enabled = false
"#;

/// Runs SMALL changed in code past what the reader accepts.
fn run_unchecked(change: impl FnOnce(&mut BlasterScenario)) {
    let mut s = parse(SMALL, "small.toml").unwrap();
    change(&mut s);
    assert!(
        wormscope_scenario::check(&s).is_err(),
        "the change is past the scenario's bounds"
    );
    let world = wormscope_model::generate::generate(&s).unwrap();
    wormscope_engine::simulate_blaster(&s, &world, &mut |_| {});
}

fn never_ending() -> wormscope_scenario::SimDuration {
    wormscope_scenario::SimDuration::from_micros(u64::MAX)
}

fn days(d: u64) -> wormscope_scenario::SimDuration {
    wormscope_scenario::SimDuration::from_secs(d * 86_400)
}

#[test]
fn engine_span_batch_times_with_a_1000_day_batch_wait() {
    run_unchecked(|s| s.worm.batch_wait = days(1000));
}

#[test]
fn engine_reboot_end_with_an_endless_reboot() {
    run_unchecked(|s| s.hosts.reboot_duration = never_ending());
}

#[test]
fn engine_worm_start_after_an_endless_boot() {
    run_unchecked(|s| s.worm.start_after_boot = never_ending());
}

#[test]
fn engine_user_action_after_an_endless_delay() {
    run_unchecked(|s| {
        s.defenses.users.enabled = true;
        s.defenses.users.notice_pct = wormscope_scenario::Percent::new(100.0).unwrap();
        s.defenses.users.delay = never_ending();
    });
}

#[test]
fn engine_crash_reboot_after_an_endless_countdown() {
    run_unchecked(|s| {
        s.hosts.xp_crash_reboot_after = wormscope_scenario::MaybeDuration::After(never_ending());
    });
}

#[test]
fn engine_static_answerers_with_an_endless_exploit_pause() {
    run_unchecked(|s| s.worm.exploit_pause = days(213_503_982));
}

#[test]
fn model_tftp_transfer_of_many_blocks_far_apart() {
    run_unchecked(|s| {
        s.worm.body_bytes = u32::MAX;
        s.worm.tftp_block_bytes = 1;
        s.worm.tftp_block_interval = days(1000);
    });
}

#[test]
fn model_exploit_timings_that_sum_past_u64() {
    run_unchecked(|s| {
        s.worm.exploit_pause = never_ending();
        s.worm.connect_timeout = never_ending();
    });
}

/// Runs a small Code Red changed in code past what the reader accepts.
fn run_random_unchecked(change: impl FnOnce(&mut wormscope_scenario::PopulationScenario)) {
    let text = "base = \"codered2\"\nduration = \"10m\"\nstep = \"1m\"\n\
                telescopes = []\nsensors = []\nvalidation = []\n[population]\nvulnerable = 100\n\
                other_hosts = 0\ninitial_infected = 10\nscan_space_bits = 16\n\
                [worm.stop]\nat = \"1h\"\n";
    let mut s = wormscope_scenario::parse_population(text, "small.toml").unwrap();
    change(&mut s);
    assert!(wormscope_scenario::check_population(&s).is_err());
    wormscope_engine::population::simulate_population(&s, s.seed, &mut |_| {});
}

#[test]
fn engine_random_stop_date_past_the_nanosecond_clock() {
    run_random_unchecked(|s| {
        s.worm.stop.at = Some(wormscope_scenario::When::After(days(213_503_982)));
    });
}

#[test]
fn engine_random_victim_start_past_the_nanosecond_clock() {
    run_random_unchecked(|s| {
        s.worm.delivery = wormscope_scenario::population::DeliveryConfig::TcpExploit {
            port: 80,
            duration: days(213_503_982),
        };
    });
}

/// Hit lists, crashing payloads and patching at the edges the reader
/// accepts: every host on the list at the fastest rate or the slowest, a
/// crash at once or after i64::MAX probes (the most TOML holds), everyone
/// patched at once or never. Runs with overflow checks on (the test
/// profile), so a sum past u64 panics here.
#[test]
fn engine_random_hit_lists_crashes_and_patches_at_their_limits() {
    let base = "base = \"witty\"\nduration = \"10m\"\nstep = \"1m\"\n\
                telescopes = []\nsensors = []\nvalidation = []\n[population]\nvulnerable = 200\n\
                other_hosts = 0\ninitial_infected = 3\nscan_space_bits = 12\n";
    let cases = [
        "[worm.hit_list]\nhosts = 197\nprobes_per_second = 10000000\n",
        "[worm.hit_list]\nhosts = 197\nprobes_per_second = 1e-300\n",
        "[worm.stop.crash]\ncycle_probes = 9223372036854775807\nchance_pct = 100\n",
        "[worm.stop.crash]\ncycle_probes = 1\nchance_pct = 1e-300\n",
        "[worm.stop.crash]\ncycle_probes = 1\nchance_pct = 100\n",
        "[defenses.patch]\nenabled = true\ncurve = [[\"0h\", 100.0]]\n",
        "[defenses.patch]\nenabled = true\nstart = \"36500d\"\ncurve = [[\"0h\", 0.0], [\"36500d\", 100.0]]\n",
    ];
    for extra in cases {
        let s = wormscope_scenario::parse_population(&format!("{base}{extra}"), "edge.toml")
            .unwrap_or_else(|e| panic!("{extra}: {e}"));
        let r = wormscope_engine::population::simulate_population(&s, 1, &mut |_| {});
        assert!(r.infection_times_us.len() >= 3, "{extra}");
        let delivered = r.total(|row| row.probes_delivered);
        let accounted = r.total(|row| {
            row.probes_infecting
                + row.probes_infected
                + row.probes_other
                + row.probes_empty
                + row.probes_blocked
        });
        assert_eq!(delivered, accounted, "{extra}");
    }
}
