//! Numbers as people read them, in tables, figures and axes: one home for
//! the formats that writers and the page share. A leaf.

/// A number in a few characters for an axis: `950`, `12.5k`, `3.2M`,
/// `1.5G`, `0.25`.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if scaled == scaled.trunc() || scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 1.0 {
        format!("{scaled:.1}")
    } else {
        // Two significant digits at least, so that the ticks of a small
        // axis (0.0002, 0.0004, ...) read apart.
        let digits = (2 - scaled.abs().log10().floor() as i32).clamp(3, 12) as usize;
        format!("{scaled:.digits$}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// A published or simulated figure as people read it: large values short
/// (`55M`), the rest whole or to three decimals (a fitted K of 1.802 is not
/// rounded to the 1.8 it is compared with).
pub fn figure_number(v: f64) -> String {
    if !v.is_finite() {
        "n/a".into()
    } else if v.abs() >= 10_000.0 {
        short_number(v)
    } else if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}
