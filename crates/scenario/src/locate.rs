//! Finding the line of a field in the user's text, so that every error can
//! name it. Works on the raw text (with `toml_edit`'s spans), never on the
//! merged scenario: a field that came from a built-in default has no line.

use std::ops::Range;

use toml_edit::{Item, Table, TableLike, Value};

/// 1-based line of a byte offset.
pub(crate) fn line_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line where a dotted field path (`world.networks[1].os.xp_pct`)
/// is written, or of its nearest written parent.
pub(crate) fn line_of_path(text: &str, path: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text.to_string()).ok()?;
    let mut best = None;
    let mut node = Node::Table(doc.as_table());
    for segment in segments(path) {
        let Some((span, next)) = node.child(&segment) else {
            break;
        };
        if let Some(span) = span {
            best = Some(line_of_offset(text, span.start));
        }
        node = next;
    }
    best
}

/// The dotted field written on 1-based `line` of a text that may not
/// parse as TOML (a number out of range, a broken value): the key that
/// line sets, under the nearest table header above it (`[[t]]` headers
/// counted, so the second `[[world.networks]]` is `world.networks[1]`).
/// Read from the lines alone; `None` when the line sets no key.
pub(crate) fn field_at_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?.trim_start();
    let (key, _) = here.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let bare = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !bare(key) {
        return None;
    }
    let header = lines[..line - 1].iter().rev().find_map(|l| {
        let l = l.trim();
        let name = |open: &str, close: &str| {
            l.strip_prefix(open)?
                .split(close)
                .next()
                .map(str::trim)
                .filter(|n| bare(n))
        };
        match name("[[", "]]") {
            Some(n) => Some((n, true)),
            None => name("[", "]").map(|n| (n, false)),
        }
    });
    Some(match header {
        None => key.to_string(),
        Some((table, false)) => format!("{table}.{key}"),
        Some((table, true)) => {
            let nth = lines[..line - 1]
                .iter()
                .filter(|l| {
                    l.trim()
                        .strip_prefix("[[")
                        .and_then(|r| r.split("]]").next())
                        .is_some_and(|n| n.trim() == table)
                })
                .count();
            format!("{table}[{}].{key}", nth - 1)
        }
    })
}

/// A place in a parsed document that a path segment can step into.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn table_like(self) -> Option<&'a dyn TableLike> {
        match self {
            Node::Item(item) => item.as_table_like(),
            Node::Table(table) => Some(table),
            Node::Value(Value::InlineTable(t)) => Some(t),
            Node::Value(_) => None,
        }
    }

    fn child(self, segment: &Segment<'_>) -> Option<(Option<Range<usize>>, Node<'a>)> {
        match *segment {
            Segment::Key(key) => {
                let (k, v) = self.table_like()?.get_key_value(key)?;
                Some((k.span().or_else(|| v.span()), Node::Item(v)))
            }
            Segment::Index(i) => match self {
                Node::Item(Item::ArrayOfTables(a)) => {
                    let t = a.get(i)?;
                    Some((t.span(), Node::Table(t)))
                }
                Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)) => {
                    let v = a.get(i)?;
                    Some((v.span(), Node::Value(v)))
                }
                _ => None,
            },
        }
    }
}

pub(crate) enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2].c` into keys and indices.
pub(crate) fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_tables_arrays_and_inline_tables() {
        let text = "a = 1\n[t]\nb = 2\n[[arr]]\nx = 1\n[[arr]]\nx = 2\nos = { y = 3,\n z = 4 }\n";
        assert_eq!(line_of_path(text, "a"), Some(1));
        assert_eq!(line_of_path(text, "t.b"), Some(3));
        assert_eq!(line_of_path(text, "arr[1].x"), Some(7));
        assert_eq!(line_of_path(text, "arr[1].os.z"), Some(9));
        // A missing leaf points at its nearest written parent.
        assert_eq!(line_of_path(text, "t.missing"), Some(2));
        assert_eq!(line_of_path(text, "nothing"), None);
    }

    #[test]
    fn names_the_key_on_a_line_of_text_that_does_not_parse() {
        let text = "seed = 99999999999999999999\n[worm]\nbatch_size = 1e999x\n\
                    [[world.networks]]\nname = \"a\"\n[[world.networks]]\n\
                    share_pct = -\nos = { xp_pct = ?? }\n# a comment\n";
        assert_eq!(field_at_line(text, 1).as_deref(), Some("seed"));
        assert_eq!(field_at_line(text, 3).as_deref(), Some("worm.batch_size"));
        assert_eq!(
            field_at_line(text, 5).as_deref(),
            Some("world.networks[0].name")
        );
        assert_eq!(
            field_at_line(text, 7).as_deref(),
            Some("world.networks[1].share_pct")
        );
        // Inside an inline table: the field that holds it.
        assert_eq!(
            field_at_line(text, 8).as_deref(),
            Some("world.networks[1].os")
        );
        assert_eq!(field_at_line(text, 9), None, "a comment sets nothing");
        assert_eq!(field_at_line(text, 2), None, "a header sets nothing");
        assert_eq!(field_at_line(text, 99), None);
        assert_eq!(field_at_line(text, 0), None);
    }
}
