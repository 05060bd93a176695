//! SVG figures: line charts with optional shaded bands and bar charts with
//! whiskers, drawn with `plotters`' SVG backend and its built-in text
//! layout (no font files, no system library). Each function takes a plain
//! description of the figure and returns the SVG document as a `String`
//! that can be written to a `.svg` file or inlined into HTML as is.
//!
//! This module knows nothing of wormscope's files or series: callers give
//! numbers and labels. It does no I/O and reads no clock; the same
//! description gives the same bytes.
//!
//! ```
//! use wormscope_report::plot::{Chart, Scale, Series, line_chart};
//! let chart = Chart {
//!     title: "Infected hosts".into(),
//!     x_label: "hours".into(),
//!     y_label: "hosts".into(),
//!     series: vec![Series::line("infected", vec![(0.0, 1.0), (1.0, 4.0), (2.0, 9.0)])],
//!     ..Chart::default()
//! };
//! let svg = line_chart(&chart);
//! assert!(svg.starts_with("<svg"));
//! ```

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::numbers::short_number;

/// How values map onto the y axis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    #[default]
    Linear,
    /// Base-10 logarithmic; points with y <= 0 are left out (the line is
    /// broken there) and band edges at or below 0 are drawn at the axis.
    Log,
}

/// One line of a [`Chart`], with an optional shaded band around it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// (x, y) points in increasing x.
    pub points: Vec<(f64, f64)>,
    /// (lower, upper) for each point, e.g. the 5th and 95th percentiles of
    /// an ensemble; same length as `points`.
    pub band: Option<Vec<(f64, f64)>>,
    /// RGB colour; `None` picks the next colour of [`PALETTE`].
    pub color: Option<(u8, u8, u8)>,
    /// Drawn dashed (e.g. a reference or a counterfactual).
    pub dashed: bool,
    /// Line width in pixels (0 means 2).
    pub width: u32,
    /// Drawn as dots at the points, without a line (observations).
    pub markers: bool,
}

impl Series {
    /// A plain line.
    pub fn line(name: &str, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.to_string(),
            points,
            ..Series::default()
        }
    }

    /// A line with a band (lower, upper) at each point.
    pub fn banded(name: &str, points: Vec<(f64, f64)>, band: Vec<(f64, f64)>) -> Series {
        Series {
            band: Some(band),
            ..Series::line(name, points)
        }
    }
}

/// A line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub y_scale: Scale,
    pub series: Vec<Series>,
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    /// At most this many points per series are drawn: longer series are
    /// thinned keeping each bucket's first, lowest and highest point, so
    /// spikes survive. 0 draws everything.
    pub max_points: usize,
    /// The x axis starts at zero when no x is below it (time since a run's
    /// start, whose first row is a step in): `true` by default.
    pub x_from_zero: bool,
    /// Moments marked across the plot, each a thin dashed vertical line
    /// in its colour (a defense's start); those outside the x range, or at
    /// its start (on the axis), are left out.
    pub markers: Vec<Marker>,
}

/// A moment marked on a [`Chart`]'s x axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub color: (u8, u8, u8),
}

impl Default for Chart {
    fn default() -> Chart {
        Chart {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            y_scale: Scale::Linear,
            series: Vec::new(),
            width: 960,
            height: 420,
            max_points: 1500,
            x_from_zero: true,
            markers: Vec::new(),
        }
    }
}

/// Colour-blind-safe colours (Okabe and Ito), used in order.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (0, 0, 0),
    (240, 228, 66),
];

const FONT: &str = "sans-serif";

/// The colour of bar `i` of a bar chart, and of the curve of the same
/// thing drawn beside it (a comparison's variant `i`): the palette in
/// order, again from the start after eight.
pub fn bar_color(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

/// Draws `chart` as an SVG document. An empty chart (no finite points)
/// gives a frame with the title and "no data".
pub fn line_chart(chart: &Chart) -> String {
    let series: Vec<Series> = chart
        .series
        .iter()
        .map(|s| thin(s, chart.max_points))
        .collect();
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        root.fill(&WHITE).expect("drawing into a String");
        match bounds(&series, chart.y_scale, chart.x_from_zero) {
            None => no_data(&root, &chart.title),
            Some((x, y)) => match chart.y_scale {
                Scale::Linear => draw_lines(&root, chart, &series, x.clone(), y.0..y.1, y.0),
                Scale::Log => draw_lines(
                    &root,
                    chart,
                    &series,
                    x.clone(),
                    (y.0..y.1).log_scale(),
                    y.0,
                ),
            },
        }
        root.present().expect("drawing into a String");
    }
    svg
}

fn no_data(root: &DrawingArea<SVGBackend, Shift>, title: &str) {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(title.to_string(), (10, 10), (FONT, 20)))
        .expect("drawing into a String");
    root.draw(&Text::new(
        "no data".to_string(),
        (w as i32 / 2 - 30, h as i32 / 2),
        (FONT, 18),
    ))
    .expect("drawing into a String");
}

fn draw_lines<Y>(
    root: &DrawingArea<SVGBackend, Shift>,
    chart: &Chart,
    series: &[Series],
    x: std::ops::Range<f64>,
    y: Y,
    y_floor: f64,
) where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let log = chart.y_scale == Scale::Log;
    let mut cc = ChartBuilder::on(root)
        .caption(&chart.title, (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(78)
        .build_cartesian_2d(x, y)
        .expect("valid ranges");
    cc.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(RGBColor(244, 244, 244))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .expect("drawing into a String");
    let (xr, yr) = (cc.x_range(), cc.y_range());
    // A moment at the axis's start would be drawn over the axis itself:
    // left out with those beyond it.
    for m in chart
        .markers
        .iter()
        .filter(|m| m.x > xr.start && m.x <= xr.end)
    {
        let (r, g, b) = m.color;
        let style = ShapeStyle::from(&RGBColor(r, g, b)).stroke_width(1);
        let line = vec![(m.x, yr.start), (m.x, yr.end)];
        cc.draw_series(DashedLineSeries::new(line, 6, 4, style))
            .expect("drawing into a String");
    }
    let keep = |y: f64| y.is_finite() && (!log || y > 0.0);
    let clamp = |y: f64| if log && y <= 0.0 { y_floor } else { y };
    for (i, s) in series.iter().enumerate() {
        let (r, g, b) = s.color.unwrap_or(PALETTE[i % PALETTE.len()]);
        let color = RGBColor(r, g, b);
        if let Some(band) = &s.band {
            // The band as one polygon per run of finite points: the upper
            // edge forwards, the lower edge back.
            for run in runs(&s.points, |j| {
                s.points[j].0.is_finite() && band[j].0.is_finite() && band[j].1.is_finite()
            }) {
                let mut poly: Vec<(f64, f64)> = run
                    .clone()
                    .map(|j| (s.points[j].0, clamp(band[j].1)))
                    .collect();
                poly.extend(run.rev().map(|j| (s.points[j].0, clamp(band[j].0))));
                cc.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.18))))
                    .expect("drawing into a String");
            }
        }
        let width = if s.width == 0 { 2 } else { s.width };
        let style = ShapeStyle::from(&color).stroke_width(width);
        let mut first = true;
        for run in runs(&s.points, |j| {
            s.points[j].0.is_finite() && keep(s.points[j].1)
        }) {
            let pts: Vec<(f64, f64)> = run.map(|j| s.points[j]).collect();
            let drawn = if s.markers {
                let dots = pts.iter().map(|p| Circle::new(*p, 5, style.filled()));
                cc.draw_series(dots)
            } else if pts.len() == 1 {
                cc.draw_series(std::iter::once(Circle::new(pts[0], 2, style.filled())))
            } else if s.dashed {
                cc.draw_series(DashedLineSeries::new(pts, 8, 5, style))
            } else {
                cc.draw_series(LineSeries::new(pts, style))
            }
            .expect("drawing into a String");
            if first && !s.name.is_empty() {
                // The legend's sample: a dot for dots, three dashes for a
                // dashed line.
                let gap = if s.dashed { 3 } else { 0 };
                let drawn = drawn.label(s.name.clone());
                if s.markers {
                    drawn.legend(move |(x, y)| Circle::new((x + 10, y), 4, style.filled()));
                } else {
                    drawn.legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (6, 0)], style)
                            + PathElement::new(vec![(6 + gap, 0), (14 - gap, 0)], style)
                            + PathElement::new(vec![(14, 0), (20, 0)], style)
                    });
                }
                first = false;
            }
        }
        if first && !s.name.is_empty() {
            // Nothing of it could be drawn: say why in the legend rather
            // than leave out a series the title may name.
            let why = if s.points.iter().any(|p| p.1.is_finite()) {
                "zero throughout"
            } else {
                "no data"
            };
            cc.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .expect("drawing into a String")
                .label(format!("{} ({why})", s.name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], style.stroke_width(1))
                });
        }
    }
    if series.iter().any(|s| !s.name.is_empty()) {
        let (xr, yr) = (cc.x_range(), cc.y_range());
        let to_unit = |(x, y): (f64, f64)| {
            let fx = (x - xr.start) / (xr.end - xr.start);
            let fy = if log {
                (y.max(y_floor).ln() - yr.start.ln()) / (yr.end.ln() - yr.start.ln())
            } else {
                (y - yr.start) / (yr.end - yr.start)
            };
            (fx, fy)
        };
        let named = series.iter().filter(|s| !s.name.is_empty()).count();
        let longest = series
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        let plot_w = f64::from(chart.width.saturating_sub(110)).max(1.0);
        let plot_h = f64::from(chart.height.saturating_sub(100)).max(1.0);
        let box_w = ((longest as f64 * 7.0 + 50.0) / plot_w).min(1.0);
        let box_h = ((named as f64 * 17.0 + 14.0) / plot_h).min(1.0);
        cc.configure_series_labels()
            .position(legend_place(series, box_w, box_h, to_unit))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .label_font((FONT, 13))
            .draw()
            .expect("drawing into a String");
    }
}

/// Where in the plot the legend box (`w` x `h`, as shares of the plot)
/// covers the fewest points of the lines, their bands and the segments
/// between them: a corner, else the middle of a side, else the centre;
/// ties go to upper left, upper right, lower right, lower left, then the
/// sides' middles.
fn legend_place(
    series: &[Series],
    w: f64,
    h: f64,
    to_unit: impl Fn((f64, f64)) -> (f64, f64),
) -> SeriesLabelPosition {
    let (mx, my) = ((1.0 - w) / 2.0, (1.0 - h) / 2.0);
    let places = [
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - h),
        (SeriesLabelPosition::UpperRight, 1.0 - w, 1.0 - h),
        (SeriesLabelPosition::LowerRight, 1.0 - w, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
        (SeriesLabelPosition::UpperMiddle, mx, 1.0 - h),
        (SeriesLabelPosition::MiddleRight, 1.0 - w, my),
        (SeriesLabelPosition::LowerMiddle, mx, 0.0),
        (SeriesLabelPosition::MiddleLeft, 0.0, my),
        (SeriesLabelPosition::MiddleMiddle, mx, my),
    ];
    let mut counts = [0usize; 9];
    let mut count = |(fx, fy): (f64, f64)| {
        for (c, &(_, x0, y0)) in places.iter().enumerate() {
            // A margin around the box, so lines do not graze it.
            if fx >= x0 - 0.02 && fx <= x0 + w + 0.02 && fy >= y0 - 0.03 && fy <= y0 + h + 0.03 {
                counts[c] += 1;
            }
        }
    };
    for s in series {
        let mut last: Option<(f64, f64)> = None;
        for (j, &(x, y)) in s.points.iter().enumerate() {
            if let Some(b) = &s.band {
                // The band's inside counts too: sample between its edges.
                let (lo, hi) = b[j];
                for k in 0..=4 {
                    let v = lo + (hi - lo) * f64::from(k) / 4.0;
                    if v.is_finite() {
                        count(to_unit((x, v)));
                    }
                }
            }
            if !(x.is_finite() && y.is_finite()) {
                last = None;
                continue;
            }
            let here = to_unit((x, y));
            count(here);
            // A long segment (a guide drawn from two points) crosses the
            // box without a point inside it: sample along it.
            if let Some(from) = last.filter(|_| !s.markers) {
                let steps = ((here.0 - from.0).abs().max((here.1 - from.1).abs()) * 50.0) as usize;
                for k in 1..steps.min(50) {
                    let t = k as f64 / steps as f64;
                    count((
                        from.0 + (here.0 - from.0) * t,
                        from.1 + (here.1 - from.1) * t,
                    ));
                }
            }
            last = Some(here);
        }
    }
    let best = (0..places.len())
        .min_by_key(|&c| (counts[c], c))
        .expect("nine places");
    places[best].0.clone()
}

/// Index ranges of consecutive points that pass `ok`.
fn runs(points: &[(f64, f64)], ok: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for j in 0..=points.len() {
        let good = j < points.len() && ok(j);
        match (good, start) {
            (true, None) => start = Some(j),
            (false, Some(s)) => {
                out.push(s..j);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The x range and (y_min, y_max) over every drawable point and band
/// edge, padded; `None` if nothing is drawable.
/// The axes' ranges: y over what can be drawn (on a log axis, the
/// positive values), x over every point with a value, drawn or not, so
/// that charts of one run share their time axis even where one series is
/// zero (a gap on a log axis) to the end.
fn bounds(
    series: &[Series],
    scale: Scale,
    x_from_zero: bool,
) -> Option<(std::ops::Range<f64>, (f64, f64))> {
    let ok = |y: f64| y.is_finite() && (scale == Scale::Linear || y > 0.0);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let (mut any_x0, mut any_x1) = (f64::MAX, f64::MIN);
    for s in series {
        for (j, &(x, y)) in s.points.iter().enumerate() {
            if !x.is_finite() {
                continue;
            }
            let mut ys = vec![y];
            if let Some(b) = &s.band {
                ys.extend([b[j].0, b[j].1]);
            }
            if ys.iter().any(|y| y.is_finite()) {
                any_x0 = any_x0.min(x);
                any_x1 = any_x1.max(x);
            }
            for y in ys.into_iter().filter(|&y| ok(y)) {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    if x0 > x1 {
        return None;
    }
    (x0, x1) = (any_x0, any_x1);
    if x_from_zero && x0 > 0.0 {
        x0 = 0.0;
    }
    if x0 == x1 {
        x1 = x0 + 1.0;
    }
    match scale {
        Scale::Linear => {
            // Counts start at zero: keep zero on the axis.
            y0 = y0.min(0.0);
            if y1 <= y0 {
                y1 = y0 + 1.0;
            }
            y1 += (y1 - y0) * 0.05;
        }
        Scale::Log => {
            if y1 <= y0 {
                y1 = y0 * 10.0;
            }
            // Whole decades, so that the top and bottom ones are labelled.
            y0 = 10f64.powf(y0.log10().floor());
            y1 = 10f64.powf(y1.log10().ceil());
        }
    }
    Some((x0..x1, (y0, y1)))
}

/// Keeps at most about `max` points: per bucket the first, the lowest and
/// the highest, in x order. Bands follow the points kept.
fn thin(s: &Series, max: usize) -> Series {
    let n = s.points.len();
    if max == 0 || n <= max {
        return s.clone();
    }
    let buckets = (max / 3).max(1);
    let mut keep = Vec::with_capacity(max + 1);
    for b in 0..buckets {
        let (lo, hi) = (b * n / buckets, (b + 1) * n / buckets);
        if lo >= hi {
            continue;
        }
        let y = |j: usize| s.points[j].1;
        let min = (lo..hi)
            .min_by(|&a, &c| y(a).total_cmp(&y(c)))
            .expect("non-empty");
        let max = (lo..hi)
            .max_by(|&a, &c| y(a).total_cmp(&y(c)))
            .expect("non-empty");
        let mut idx = [lo, min, max];
        idx.sort_unstable();
        for j in idx {
            if keep.last() != Some(&j) {
                keep.push(j);
            }
        }
    }
    if keep.last() != Some(&(n - 1)) {
        keep.push(n - 1);
    }
    Series {
        points: keep.iter().map(|&j| s.points[j]).collect(),
        band: s
            .band
            .as_ref()
            .map(|b| keep.iter().map(|&j| b[j]).collect()),
        ..s.clone()
    }
}

/// One bar: category label, height, optional (lower, upper) whisker.
pub type Bar = (String, f64, Option<(f64, f64)>);

/// A bar chart: one bar per category with an optional whisker.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub y_label: String,
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
}

impl Default for BarChart {
    fn default() -> BarChart {
        BarChart {
            title: String::new(),
            y_label: String::new(),
            bars: Vec::new(),
            width: 960,
            height: 380,
        }
    }
}

/// Draws `chart` as an SVG document: bars from zero, whiskers in black.
/// Category labels are written under the bars (long ones are shortened
/// with an ellipsis).
pub fn bar_chart(chart: &BarChart) -> String {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        root.fill(&WHITE).expect("drawing into a String");
        let finite = |v: f64| v.is_finite();
        let mut hi = 0.0f64;
        let mut lo = 0.0f64;
        for (_, v, w) in &chart.bars {
            for y in std::iter::once(*v).chain(w.iter().flat_map(|&(a, b)| [a, b])) {
                if finite(y) {
                    hi = hi.max(y);
                    lo = lo.min(y);
                }
            }
        }
        if chart.bars.is_empty() {
            no_data(&root, &chart.title);
        } else {
            if hi <= lo {
                hi = lo + 1.0;
            }
            let pad = (hi - lo) * 0.08;
            let n = chart.bars.len();
            // As many characters as fit under a bar (about 7 pixels each).
            let fit = ((chart.width.saturating_sub(110) as usize / n) / 7).clamp(6, 60);
            let labels: Vec<String> = chart.bars.iter().map(|b| ellipsis(&b.0, fit)).collect();
            let mut cc = ChartBuilder::on(&root)
                .caption(&chart.title, (FONT, 20))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(78)
                .build_cartesian_2d(
                    -0.5f64..n as f64 - 0.5,
                    (if lo < 0.0 { lo - pad } else { 0.0 })..hi + pad,
                )
                .expect("valid ranges");
            cc.configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|v| {
                    let i = v.round();
                    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                        labels[i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| short_number(*v))
                .y_desc(&chart.y_label)
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 14))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .expect("drawing into a String");
            for (i, (_, v, w)) in chart.bars.iter().enumerate() {
                let x = i as f64;
                let (r, g, b) = bar_color(i);
                if finite(*v) {
                    cc.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.35, 0.0), (x + 0.35, *v)],
                        RGBColor(r, g, b).mix(0.75).filled(),
                    )))
                    .expect("drawing into a String");
                }
                if let Some((a, b)) = w
                    && finite(*a)
                    && finite(*b)
                {
                    let style = ShapeStyle::from(&BLACK).stroke_width(2);
                    for path in [
                        vec![(x, *a), (x, *b)],
                        vec![(x - 0.12, *a), (x + 0.12, *a)],
                        vec![(x - 0.12, *b), (x + 0.12, *b)],
                    ] {
                        cc.draw_series(std::iter::once(PathElement::new(path, style)))
                            .expect("drawing into a String");
                    }
                }
            }
        }
        root.present().expect("drawing into a String");
    }
    svg
}

fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(series: Vec<Series>, scale: Scale) -> Chart {
        Chart {
            title: "T <&> title".into(),
            x_label: "hours".into(),
            y_label: "hosts".into(),
            y_scale: scale,
            series,
            ..Chart::default()
        }
    }

    #[test]
    fn markers_are_dashed_lines_across_the_plot_where_the_axis_reaches() {
        let pts: Vec<(f64, f64)> = (0..=10).map(|i| (i as f64, (i * 10) as f64)).collect();
        let with = |markers: Vec<Marker>| {
            line_chart(&Chart {
                markers,
                ..chart(vec![Series::line("hosts", pts.clone())], Scale::Linear)
            })
        };
        let plain = with(Vec::new());
        let mark = |x: f64| Marker {
            x,
            color: (1, 2, 3),
        };
        let marked = with(vec![mark(4.0)]);
        // A dashed line: several strokes of the marker's colour, one wide.
        let dashes = marked
            .matches("stroke=\"#010203\" stroke-width=\"1\"")
            .count();
        assert!(dashes > 3, "{dashes} dashes");
        assert!(!plain.contains("#010203"));
        // Outside the axis, or on it: left out.
        assert_eq!(with(vec![mark(11.0)]), plain);
        assert_eq!(with(vec![mark(-1.0)]), plain);
        assert_eq!(with(vec![mark(0.0)]), plain);
        assert_ne!(with(vec![mark(10.0)]), plain, "the last moment is drawn");
    }

    #[test]
    fn lines_bands_and_legends_are_drawn_and_text_escaped() {
        let pts: Vec<(f64, f64)> = (0..50).map(|i| (i as f64, (i * i) as f64)).collect();
        let band: Vec<(f64, f64)> = pts.iter().map(|p| (p.1 * 0.5, p.1 * 2.0)).collect();
        let svg = line_chart(&chart(
            vec![
                Series::banded("median", pts.clone(), band),
                Series::line("other", pts),
            ],
            Scale::Linear,
        ));
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("T &lt;&amp;&gt; title"));
        assert!(svg.contains("median"), "legend: {svg}");
        assert!(svg.contains("<polygon"), "band");
        // Each series: its line and the legend's sample (three pieces).
        assert_eq!(
            svg.matches("stroke=\"#0072B2\" stroke-width=\"2\"").count(),
            1 + 3
        );
        assert_eq!(
            svg.matches("stroke=\"#D55E00\" stroke-width=\"2\"").count(),
            1 + 3
        );
        // Deterministic.
        let again = line_chart(&chart(
            vec![Series::line("x", vec![(0.0, 1.0), (1.0, 2.0)])],
            Scale::Linear,
        ));
        assert_eq!(
            again,
            line_chart(&chart(
                vec![Series::line("x", vec![(0.0, 1.0), (1.0, 2.0)])],
                Scale::Linear,
            ))
        );
    }

    #[test]
    fn log_scale_breaks_lines_at_zero_and_empty_charts_say_so() {
        let pts = vec![(0.0, 10.0), (1.0, 0.0), (2.0, 100.0), (3.0, 1000.0)];
        let svg = line_chart(&chart(vec![Series::line("p", pts)], Scale::Log));
        // The point before the zero is a run of its own (a dot), the two
        // after it a line, plus the legend's sample (three pieces).
        let line = "stroke=\"#0072B2\" stroke-width=\"2\"";
        assert_eq!(svg.matches(line).count(), 1 + 3, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
        let empty = line_chart(&chart(
            vec![Series::line("z", vec![(0.0, 0.0)])],
            Scale::Log,
        ));
        assert!(empty.contains("no data"));
        // A series zero throughout cannot be drawn on a log axis: its
        // legend entry says so. The x axis still runs to the last point
        // of any series, drawn or not, and starts at zero.
        let svg = line_chart(&chart(
            vec![
                Series::line("offered", vec![(1.0, 10.0), (2.0, 100.0), (3.0, 0.0)]),
                Series::line("dropped", vec![(1.0, 0.0), (2.0, 0.0), (3.0, 0.0)]),
            ],
            Scale::Log,
        ));
        assert!(svg.contains("dropped (zero throughout)"), "{svg}");
        assert!(
            svg.contains("\n0\n</text>") && svg.contains("\n3\n</text>"),
            "{svg}"
        );
        // Whole decades: the top one (100) is labelled, and none above.
        assert!(svg.contains("\n100\n</text>"), "{svg}");
        assert!(!svg.contains("\n1000\n</text>"), "{svg}");
    }

    #[test]
    fn the_legend_goes_where_it_covers_least() {
        let at = |series: &[Series]| {
            let p = legend_place(series, 0.3, 0.2, |p| p);
            format!("{p:?}")
        };
        // A guide of two points level across the top: no point lies in
        // the upper corners, but the line does.
        let guide = Series::line("guide", vec![(0.0, 0.95), (1.0, 0.95)]);
        assert_eq!(at(std::slice::from_ref(&guide)), "LowerRight");
        // Points in every corner and along the top and bottom: the middle
        // of a side.
        let mut pts = Vec::new();
        for k in 0..=20 {
            let x = f64::from(k) / 20.0;
            pts.extend([(x, 0.02), (x, 0.98)]);
        }
        let dots = Series {
            markers: true,
            ..Series::line("dots", pts)
        };
        assert_eq!(at(&[dots]), "MiddleRight");
    }

    #[test]
    fn thinning_keeps_spikes_and_ends() {
        let mut pts: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, 1.0)).collect();
        pts[4321].1 = 99.0;
        let s = thin(&Series::line("s", pts), 300);
        assert!(s.points.len() <= 302, "{}", s.points.len());
        assert!(s.points.contains(&(4321.0, 99.0)));
        assert_eq!(s.points.last(), Some(&(9999.0, 1.0)));
        assert!(s.points.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn bars_have_whiskers() {
        let svg = bar_chart(&BarChart {
            title: "infected after 7 days".into(),
            y_label: "hosts".into(),
            bars: vec![
                ("baseline".into(), 100.0, Some((80.0, 120.0))),
                ("a very long variant name indeed, longer than any bar of this chart could hold under it".into(), 50.0, None),
            ],
            ..BarChart::default()
        });
        assert_eq!(
            svg.matches("<rect").count(),
            1 + 2,
            "background and two bars"
        );
        assert!(svg.contains("baseline"));
        assert!(svg.contains('…'));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(950.0), "950");
        assert_eq!(short_number(12_500.0), "12.5k");
        assert_eq!(short_number(3_200_000.0), "3.2M");
        assert_eq!(short_number(0.25), "0.25");
        // A small axis's ticks stay apart.
        assert_eq!(short_number(0.0002), "0.0002");
        assert_eq!(short_number(0.0016), "0.0016");
        assert_eq!(short_number(0.00125), "0.00125");
        assert_eq!(short_number(0.125), "0.125");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(1.5e9), "1.5G");
    }
}
