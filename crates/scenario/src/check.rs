//! Checks a scenario's values against each other and against what the
//! model can run (what serde's types cannot say: sums, orderings, ranges).
//! Returns the first problem as (field path, message).

use crate::schema::{BlasterScenario, PatchDefense, SensorConfig, SensorKind, TargetingKind};
use crate::units::{MaybeDuration, SimDuration, When};

/// The longest span of simulated time a scenario may name: a run's
/// duration and every delay or moment after the start (100 years).
///
/// Why: the engines add a few of these to a time (a reboot after a crash
/// after a user's delay, all near a run's end) in u64 microseconds, and
/// the population core counts in u64 nanoseconds, which hold 584
/// years: four spans of 100 years fit there with room, and an outbreak
/// needs none that long. Longer values are refused where they are read
/// rather than wrapped or cut short where they are added.
pub const MAX_SPAN: SimDuration = SimDuration::from_secs(36_500 * 86_400);

/// The longest of each timing a sequential scanner spends per address:
/// `batch_wait` (Blaster's and Welchia's), `exploit_pause`, `round_trip`,
/// `connect_timeout`, `tftp_block_interval` and `tftp_wait` (5 minutes).
///
/// Why: one scanner may sweep all 2^32 addresses in a single span (2^32 /
/// batch_size batches, each answerer exploited in it), spending per
/// address at most batch_wait (batches of one) + exploit_pause + two round
/// trips + the longer of connect_timeout and tftp_wait (a transfer stops at
/// tftp_wait): 25 minutes. 2^32 x 25 min is 6.4e18 us, a third of u64's
/// 1.8e19, so that sweep plus a run and its delays (each at most
/// [`MAX_SPAN`]) fits in u64 microseconds with room. Blaster's own numbers
/// are 1.8 s and 21 s at most.
pub const MAX_SCAN_WAIT: SimDuration = SimDuration::from_secs(300);

/// Why a span is refused: longer than [`MAX_SPAN`].
pub(crate) fn span_problem(d: SimDuration) -> Option<String> {
    (d > MAX_SPAN).then(|| {
        format!("{d} is longer than {MAX_SPAN} (100 years), the longest span a scenario may name")
    })
}

/// Why a moment is refused: before the start or more than [`MAX_SPAN`]
/// after it.
pub(crate) fn moment_problem(when: When, start: jiff::Timestamp) -> Option<String> {
    match when.after_start(start) {
        Err(e) => Some(e),
        Ok(us) if us > MAX_SPAN.as_micros() => Some(format!(
            "{when} is more than {MAX_SPAN} (100 years) after the start {start}"
        )),
        Ok(_) => None,
    }
}

/// The most kinds of uplink `[worm.bandwidth]` may list (the engine tells a
/// scanner's timings apart by a byte, Welchia's among them).
const MAX_BLASTER_UPLINKS: usize = 64;

/// The most time-series rows a Blaster run may have.
pub const MAX_BLASTER_ROWS: u64 = 10_000_000;

/// Why a run of `duration` cannot be told in rows of `step` (neither
/// zero), if it cannot: every row of a run, of either kind, is a whole
/// step (its time is the step's end), so the last one must end with the
/// run.
pub(crate) fn partial_step_problem(duration: SimDuration, step: SimDuration) -> Option<String> {
    let (d, st) = (duration.as_micros(), step.as_micros());
    if d.is_multiple_of(st) {
        return None;
    }
    let whole = d / st * st;
    Some(format!(
        "{duration} is not a whole number of steps of {step}: make it {} or {}, or change `step`",
        SimDuration::from_micros(whole),
        SimDuration::from_micros(whole + st)
    ))
}

/// What is wrong with a worm's `[worm.stop]`, either kind of scenario's:
/// the field and why.
pub(crate) fn stop_problem(
    stop: &crate::StopConfig,
    start: jiff::Timestamp,
) -> Option<(&'static str, String)> {
    if let Some(e) = stop.at.and_then(|at| moment_problem(at, start)) {
        return Some(("worm.stop.at", e));
    }
    if stop.after_probes == Some(0) {
        return Some(("worm.stop.after_probes", "must be at least 1".into()));
    }
    let crash = stop.crash.as_ref()?;
    if crash.cycle_probes == 0 {
        return Some(("worm.stop.crash.cycle_probes", "must be at least 1".into()));
    }
    if crash.chance_pct.as_pct() <= 0.0 {
        return Some((
            "worm.stop.crash.chance_pct",
            "must be more than 0 (leave the table out for a payload that never crashes)".into(),
        ));
    }
    None
}

/// Why a run's start and duration are refused: the run would end past the
/// last moment a date can be computed for (the flood's date rule reads the
/// date of every worm start).
/// What is wrong with `name` as a DNS name a worm resolves: labels of 1
/// to 63 letters, digits, hyphens and underscores, at most 253 characters.
pub(crate) fn host_name_problem(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Some(format!(
            "`{name}` is not a DNS name (labels of letters, digits and hyphens, joined by dots)"
        ));
    }
    None
}

pub(crate) fn end_problem(start: jiff::Timestamp, duration: SimDuration) -> Option<String> {
    let d = jiff::SignedDuration::from_micros(i64::try_from(duration.as_micros()).ok()?);
    start.checked_add(d).err().map(|_| {
        format!(
            "a run of {duration} from {start} would end after {}, the last moment dates are kept for",
            jiff::Timestamp::MAX
        )
    })
}

/// The first problem found, as the field's dotted path and a message.
pub(crate) fn first_problem(s: &BlasterScenario) -> Option<(String, String)> {
    problems(s).into_iter().next()
}

fn problems(s: &BlasterScenario) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: &str, message: String| out.push((field.to_string(), message));

    if s.name.trim().is_empty() {
        bad("name", "must not be empty".into());
    }
    if s.duration == SimDuration::ZERO {
        bad("duration", "must be longer than 0s".into());
    } else if let Some(e) = span_problem(s.duration) {
        bad("duration", e);
    } else if let Some(e) = end_problem(s.start, s.duration) {
        bad("start", e);
    }
    if s.step == SimDuration::ZERO {
        bad("step", "must be longer than 0s".into());
    } else if s.step > s.duration && s.duration != SimDuration::ZERO {
        bad(
            "step",
            format!("{} is longer than the duration {}", s.step, s.duration),
        );
    } else if s.duration.as_micros() / s.step.as_micros() > MAX_BLASTER_ROWS {
        bad(
            "step",
            "gives more than ten million time-series rows; choose a longer step".into(),
        );
    } else if let Some(e) = partial_step_problem(s.duration, s.step) {
        bad("duration", e);
    }

    let w = &s.world;
    if !is_year_month(&w.allocated_by) {
        bad(
            "world.allocated_by",
            format!("`{}` is not a month written YYYY-MM", w.allocated_by),
        );
    }
    if w.networks.is_empty() {
        bad(
            "world.networks",
            "at least one kind of network is needed".into(),
        );
    } else if w.networks.len() > 256 {
        bad(
            "world.networks",
            format!("{} kinds of network; at most 256", w.networks.len()),
        );
    } else {
        let total: f64 = w.networks.iter().map(|n| n.share_pct.as_pct()).sum();
        if (total - 100.0).abs() > 1e-6 {
            bad(
                "world.networks",
                format!("the share_pct of the network kinds sum to {total}, not 100"),
            );
        }
    }
    if let Err(problems) = w.churn.check() {
        for p in problems {
            bad(&format!("world.churn.{}", p.field), p.message);
        }
    }
    if w.churn.enabled && s.start.as_microsecond() < 0 {
        bad(
            "start",
            format!(
                "{} is before 1970-01-01, where [world.churn]'s clock begins: start later, or set world.churn.enabled = false",
                s.start
            ),
        );
    }
    for (i, n) in w.networks.iter().enumerate() {
        let f = |name: &str| format!("world.networks[{i}].{name}");
        if !(16..=24).contains(&n.prefix_len) {
            bad(
                &f("prefix_len"),
                format!("{} is outside 16..=24 (networks tile a /16)", n.prefix_len),
            );
        }
        if !(n.hosts_per_used_slash24.is_finite()
            && n.hosts_per_used_slash24 > 0.0
            && n.hosts_per_used_slash24 <= 254.0)
        {
            bad(
                &f("hosts_per_used_slash24"),
                format!("{} is outside (0, 254]", n.hosts_per_used_slash24),
            );
        }
        let [lo, hi] = n.lan_hosts;
        if lo == 0 || lo > hi || hi > 250 {
            bad(
                &f("lan_hosts"),
                format!("[{lo}, {hi}] must be [least, most] with 1 <= least <= most <= 250"),
            );
        }
        let os_total = n.os.total_pct();
        if (os_total - 100.0).abs() > 1e-6 {
            bad(
                &f("os"),
                format!("the OS shares sum to {os_total}, not 100"),
            );
        }
    }

    let b = &s.worm;
    if !(1..=1024).contains(&b.batch_size) {
        bad(
            "worm.batch_size",
            format!("{} is outside 1..=1024", b.batch_size),
        );
    }
    // A batch that takes no time would let a scanner sweep the whole address
    // space in an instant.
    if b.batch_wait < SimDuration::from_millis(1) {
        bad("worm.batch_wait", "must be at least 1ms".into());
    }
    if let Some(bw) = &b.bandwidth {
        if !(20..=65_535).contains(&bw.probe_bytes) {
            bad(
                "worm.bandwidth.probe_bytes",
                format!(
                    "{} is outside 20..=65535 (an IPv4 packet, header included)",
                    bw.probe_bytes
                ),
            );
        } else if let Some((field, message)) =
            crate::population::uplinks_problem(&bw.uplinks, "worm.bandwidth.uplinks")
        {
            bad(&field, message);
        } else if !(bw.capacity_bits_per_second.is_finite() && bw.capacity_bits_per_second >= 0.0) {
            bad(
                "worm.bandwidth.capacity_bits_per_second",
                format!(
                    "{} is not a finite rate of 0 (no limit) or more",
                    bw.capacity_bits_per_second
                ),
            );
        } else if bw.capacity_bits_per_second > 0.0 && b.targeting == TargetingKind::Sequential {
            // The sequential driver's spans and the sensors that read
            // them hold every address of a batch: a drop would need a
            // draw per probe there.
            bad(
                "worm.bandwidth.capacity_bits_per_second",
                "a network capacity needs random targets (`worm.targeting` \
                 \"uniform-random\", \"local-preference\" or \"permutation\"), \
                 not \"sequential\""
                    .into(),
            );
        } else if bw.capacity_bits_per_second > 0.0 && s.welchia.enabled {
            bad(
                "worm.bandwidth.capacity_bits_per_second",
                "a network capacity is shared by one worm's probes: switch Welchia off \
                 (`[welchia] enabled = false`)"
                    .into(),
            );
        } else if bw.uplinks.len() > MAX_BLASTER_UPLINKS {
            bad(
                "worm.bandwidth.uplinks",
                format!(
                    "{} kinds of uplink; at most {MAX_BLASTER_UPLINKS}",
                    bw.uplinks.len()
                ),
            );
        } else {
            // Each uplink's wait holds to batch_wait's bounds.
            let bits = u64::from(b.batch_size) * u64::from(bw.probe_bytes) * 8;
            for (i, u) in bw.uplinks.iter().enumerate() {
                let wait = SimDuration::from_micros(crate::batch_wait_us(bits, u.bits_per_second));
                let why = if wait < SimDuration::from_millis(1) {
                    Some("under the 1ms a batch takes at least: raise worm.batch_size".to_string())
                } else {
                    scan_wait_problem(wait)
                };
                if let Some(why) = why {
                    bad(
                        &format!("worm.bandwidth.uplinks[{i}].bits_per_second"),
                        format!(
                            "{} bit/s carries a batch of {} {} of {} bytes in {wait}, {why}",
                            u.bits_per_second,
                            b.batch_size,
                            if b.batch_size == 1 { "probe" } else { "probes" },
                            bw.probe_bytes
                        ),
                    );
                }
            }
        }
    }
    for (field, d) in [
        ("worm.batch_wait", b.batch_wait),
        ("worm.exploit_pause", b.exploit_pause),
        ("worm.round_trip", b.round_trip),
        ("worm.connect_timeout", b.connect_timeout),
        ("worm.tftp_block_interval", b.tftp_block_interval),
        ("worm.tftp_wait", b.tftp_wait),
    ] {
        if let Some(e) = scan_wait_problem(d) {
            bad(field, e);
        }
    }
    if let Some(e) = span_problem(b.start_after_boot) {
        bad("worm.start_after_boot", e);
    }
    if let Some(e) = b.local_preference.problem() {
        bad("worm.local_preference.same_slash8_pct", e);
    }
    if b.targeting == TargetingKind::Permutation && b.permutation.is_none() {
        bad(
            "worm.permutation",
            "targeting = \"permutation\" walks the permutation of [worm.permutation] key, which is missing"
                .into(),
        );
    }
    if let Some(list) = &b.hit_list {
        // The world is not built yet: a list longer than its vulnerable
        // hosts with public addresses lists them all (see
        // `wormscope_model::generate::hit_list`).
        let what = "addresses a list can hold";
        if let Some((field, why)) = list.problem(u64::from(u32::MAX), what) {
            bad(field, why);
        }
    }
    if let Some((field, why)) = stop_problem(&b.stop, s.start) {
        bad(field, why);
    }
    let h = &s.hosts;
    for (field, d) in [
        ("hosts.xp_crash_reboot_after", h.xp_crash_reboot_after),
        ("hosts.w2000_crash_reboot_after", h.w2000_crash_reboot_after),
        ("hosts.nt4_crash_reboot_after", h.nt4_crash_reboot_after),
        ("hosts.w2003_crash_reboot_after", h.w2003_crash_reboot_after),
        (
            "hosts.reboot_duration",
            MaybeDuration::After(h.reboot_duration),
        ),
    ] {
        if let Some(e) = d.as_option().and_then(span_problem) {
            bad(field, e);
        }
    }
    if b.tftp_block_bytes == 0 {
        bad("worm.tftp_block_bytes", "must be at least 1".into());
    }
    if b.body_bytes == 0 {
        bad("worm.body_bytes", "must be at least 1".into());
    }

    let p = &s.payload;
    if p.packets_per_second == 0 || p.packets_per_second > 1_000_000 {
        bad(
            "payload.packets_per_second",
            format!("{} is outside 1..=1000000", p.packets_per_second),
        );
    }
    if !(20..=1500).contains(&p.packet_bytes) {
        bad(
            "payload.packet_bytes",
            format!("{} is outside 20..=1500", p.packet_bytes),
        );
    }
    if !(1..=31).contains(&p.first_day_jan_aug) {
        bad(
            "payload.first_day_jan_aug",
            format!("{} is not a day of the month", p.first_day_jan_aug),
        );
    }
    if !(p.first_day_jan_aug..=31).contains(&p.last_day_jan_aug) {
        bad(
            "payload.last_day_jan_aug",
            format!(
                "{} is not a day from first_day_jan_aug ({}) to 31",
                p.last_day_jan_aug, p.first_day_jan_aug
            ),
        );
    }
    if !(1..=13).contains(&p.every_day_from_month) {
        bad(
            "payload.every_day_from_month",
            format!(
                "{} is not a month 1..=12 (or 13: never)",
                p.every_day_from_month
            ),
        );
    }

    let d = &s.defenses;
    for (field, e) in patch_problems(&d.patch) {
        bad(&field, e);
    }
    // A section switched off is never read: its moment may lie before a
    // start the file moved (switching it on, a spec checks it again).
    for (field, at) in crate::variant::Defended::moments(s) {
        if let Some(e) = moment_problem(at, s.start) {
            bad(field, e);
        }
    }
    if let Some(e) = moment_problem(s.welchia.release, s.start).filter(|_| s.welchia.enabled) {
        bad(
            "welchia.release",
            format!("{e}: release Welchia later, or switch it off (`[welchia] enabled = false`)"),
        );
    }
    let f = &s.flaws;
    if f.boot_tick[0] > f.boot_tick[1] {
        bad(
            "flaws.boot_tick",
            format!(
                "[{}, {}] must be [least, most]",
                f.boot_tick[0], f.boot_tick[1]
            ),
        );
    }
    for (i, d) in f.boot_tick.iter().enumerate() {
        if let Some(e) = span_problem(*d) {
            bad(&format!("flaws.boot_tick[{i}]"), e);
        }
    }
    if f.tick_granularity < SimDuration::from_millis(1) {
        bad("flaws.tick_granularity", "must be at least 1ms".into());
    } else if let Some(e) = span_problem(f.tick_granularity) {
        bad("flaws.tick_granularity", e);
    }
    let w = &s.welchia;
    if !(1..=1024).contains(&w.batch_size) {
        bad(
            "welchia.batch_size",
            format!("{} is outside 1..=1024", w.batch_size),
        );
    }
    if w.batch_wait < SimDuration::from_millis(1) {
        bad("welchia.batch_wait", "must be at least 1ms".into());
    } else if let Some(e) = scan_wait_problem(w.batch_wait) {
        bad("welchia.batch_wait", e);
    }
    if d.users.enabled && d.users.delay == SimDuration::ZERO {
        bad(
            "defenses.users.delay",
            "must be longer than 0s (a user reacts after the symptom)".into(),
        );
    } else if let Some(e) = span_problem(d.users.delay) {
        bad("defenses.users.delay", e);
    }
    for (i, sensor) in s.sensors.iter().enumerate() {
        sensor_problems(i, sensor, &s.sensors[..i], &mut bad);
    }
    if s.runs == 0 || s.runs > 1_000 {
        bad("runs", format!("{} is not between 1 and 1000", s.runs));
    }
    if let Some((field, message)) = crate::figure::figures_problem(&s.validation) {
        bad(&field, message);
    }
    let c = &s.capture;
    if !(c.background_pps.is_finite() && (0.0..=1e6).contains(&c.background_pps)) {
        bad(
            "capture.background_pps",
            format!("{} is outside 0..=1000000", c.background_pps),
        );
    }
    if c.max_packets == 0 {
        bad("capture.max_packets", "must be at least 1".into());
    }
    out
}

/// The problems of a `[defenses.patch]` section's curve, of any kind of
/// scenario, as (field path, message); its start is one of the moments
/// (`Defended::moments`).
pub(crate) fn patch_problems(patch: &PatchDefense) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: &str, message: String| out.push((field.to_string(), message));
    let curve = &patch.curve;
    if curve.is_empty() {
        bad("defenses.patch.curve", "needs at least one point".into());
    }
    for (i, (t, _)) in curve.iter().enumerate() {
        if let Some(e) = span_problem(*t) {
            bad(&format!("defenses.patch.curve[{i}]"), e);
        }
    }
    for pair in curve.windows(2) {
        let ((t0, p0), (t1, p1)) = (pair[0], pair[1]);
        if t1 <= t0 || p1 < p0 {
            bad(
                "defenses.patch.curve",
                format!(
                    "points must rise in time and share: [{t1}, {}] follows [{t0}, {}]",
                    p1.as_pct(),
                    p0.as_pct()
                ),
            );
        }
    }
    out
}

/// Why a scanner's wait is refused: longer than [`MAX_SCAN_WAIT`].
pub(crate) fn scan_wait_problem(d: SimDuration) -> Option<String> {
    (d > MAX_SCAN_WAIT).then(|| {
        format!(
            "{d} is longer than {MAX_SCAN_WAIT}, the longest a scanner may spend on one step \
             (a sweep of all 2^32 addresses must fit the simulated clock)"
        )
    })
}

/// The most addresses a distributed sensor may monitor (its address list
/// is held in memory).
const MAX_SENSOR_ADDRESSES: u32 = 10_000_000;

pub(crate) fn sensor_problems(
    i: usize,
    sensor: &SensorConfig,
    earlier: &[SensorConfig],
    bad: &mut impl FnMut(&str, String),
) {
    let f = |name: &str| format!("sensors[{i}].{name}");
    let name = &sensor.name;
    if name.trim().is_empty() || name.contains([',', '"', '\n']) {
        bad(
            &f("name"),
            "must be a non-empty name without commas, quotes or line breaks".into(),
        );
    } else if earlier.iter().any(|e| e.name == *name) {
        bad(&f("name"), format!("`{name}` names two sensors"));
    }
    let kind = sensor.kind.name();
    if let Some(p) = sensor.prefix
        && p.prefix_len() == 0
    {
        bad(
            &f("prefix"),
            "a sensor cannot watch the whole space (/0): some of it must lie outside".into(),
        );
    }
    let not_for = || format!("does not apply to a {kind} sensor; remove it");
    match sensor.kind {
        SensorKind::Telescope => {
            if sensor.prefix.is_none() {
                bad(
                    &f("prefix"),
                    "a telescope needs the dark prefix it watches".into(),
                );
            }
        }
        SensorKind::Edge => {}
        SensorKind::Distributed => {
            match sensor.addresses {
                None => bad(
                    &f("addresses"),
                    "a distributed sensor needs a number of monitored addresses".into(),
                ),
                Some(n) if n == 0 || n > MAX_SENSOR_ADDRESSES => bad(
                    &f("addresses"),
                    format!("{n} is outside 1..={MAX_SENSOR_ADDRESSES}"),
                ),
                Some(_) => {}
            }
            match sensor.report_delay.map(span_problem) {
                None => bad(
                    &f("report_delay"),
                    "a distributed sensor needs a reporting delay (0s for none)".into(),
                ),
                Some(Some(e)) => bad(&f("report_delay"), e),
                Some(None) => {}
            }
            if sensor.prefix.is_some() {
                bad(&f("prefix"), not_for());
            }
        }
    }
    if sensor.kind != SensorKind::Distributed {
        if sensor.addresses.is_some() {
            bad(&f("addresses"), not_for());
        }
        if sensor.report_delay.is_some() {
            bad(&f("report_delay"), not_for());
        }
    }
}

fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}
