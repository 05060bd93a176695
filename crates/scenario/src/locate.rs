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
}
