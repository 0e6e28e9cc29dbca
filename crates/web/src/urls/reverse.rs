//! Reversing: a route name and its parameters back to a path (Django's `reverse`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Display};
use std::sync::Arc;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
    CatchAll(String),
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    pub(super) fn parse(path: &str) -> Result<Pattern, String> {
        if !path.starts_with('/') {
            return Err("paths start with `/`".into());
        }
        let mut segments = Vec::new();
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').ok_or("unclosed `{`")? + start;
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_string()));
            }
            let param = &rest[start + 1..end];
            if param.is_empty() {
                return Err("empty parameter name `{}`".into());
            }
            segments.push(match param.strip_prefix('*') {
                Some(name) => Segment::CatchAll(name.to_string()),
                None => Segment::Param(param.to_string()),
            });
            rest = &rest[end + 1..];
        }
        if path.contains(":") && !path.contains('{') {
            return Err("axum 0.8 paths use `{param}`, not `:param`".into());
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        Ok(Pattern { segments })
    }

    fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) | Segment::CatchAll(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// Characters escaped in a catch-all parameter (besides controls): those with a meaning in
/// URLs or in HTML attributes, so a reversed path is safe to print unescaped in a template.
const CATCH_ALL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'\'')
    .add(b'&')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|');
/// Characters escaped in a path segment: those of [`CATCH_ALL`] and `/`.
const SEGMENT: &AsciiSet = &CATCH_ALL.add(b'/');

/// Why a name could not be reversed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReverseError {
    UnknownName { name: String },
    MissingParam { name: String, param: String },
    UnexpectedParam { name: String, param: String },
    EmptyParam { name: String, param: String },
}

impl Display for ReverseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReverseError::UnknownName { name } => {
                write!(
                    f,
                    "no route is named `{name}` (names are `app:name`; `project routes` lists them)"
                )
            }
            ReverseError::MissingParam { name, param } => {
                write!(f, "route `{name}` needs the parameter `{param}`")
            }
            ReverseError::UnexpectedParam { name, param } => {
                write!(f, "route `{name}` has no parameter `{param}`")
            }
            ReverseError::EmptyParam { name, param } => {
                write!(f, "parameter `{param}` of route `{name}` is empty")
            }
        }
    }
}

impl std::error::Error for ReverseError {}

/// Route names to paths. Cheap to clone; also an extractor for handlers.
#[derive(Clone, Default)]
pub struct Reverser(pub(super) Arc<HashMap<String, Pattern>>);

impl Reverser {
    /// The path of route `name` with `params` filled in (percent-encoded):
    /// `reverse("catalog:product_detail", &[("slug", &slug)])`.
    pub fn reverse(
        &self,
        name: &str,
        params: &[(&str, &dyn Display)],
    ) -> Result<String, ReverseError> {
        let params: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.reverse_with(
            name,
            |key| {
                params
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            },
            || params.iter().map(|(k, _)| (*k).to_string()).collect(),
        )
    }

    /// Like [`Reverser::reverse`] with the parameters in a map (used by templates).
    pub fn reverse_map(
        &self,
        name: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<String, ReverseError> {
        self.reverse_with(
            name,
            |key| params.get(key).cloned(),
            || params.keys().cloned().collect(),
        )
    }

    fn reverse_with(
        &self,
        name: &str,
        lookup: impl Fn(&str) -> Option<String>,
        given: impl Fn() -> Vec<String>,
    ) -> Result<String, ReverseError> {
        let pattern = self.0.get(name).ok_or_else(|| ReverseError::UnknownName {
            name: name.to_string(),
        })?;
        for key in given() {
            if !pattern.params().any(|p| p == key) {
                return Err(ReverseError::UnexpectedParam {
                    name: name.to_string(),
                    param: key,
                });
            }
        }
        let mut out = String::new();
        for segment in &pattern.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(param) | Segment::CatchAll(param) => {
                    let value = lookup(param).ok_or_else(|| ReverseError::MissingParam {
                        name: name.to_string(),
                        param: param.clone(),
                    })?;
                    if value.is_empty() {
                        return Err(ReverseError::EmptyParam {
                            name: name.to_string(),
                            param: param.clone(),
                        });
                    }
                    let set = if matches!(segment, Segment::CatchAll(_)) {
                        CATCH_ALL
                    } else {
                        SEGMENT
                    };
                    out.extend(utf8_percent_encode(&value, set));
                }
            }
        }
        Ok(out)
    }

    /// Whether a route has this name.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The parameter names of route `name`.
    pub fn params(&self, name: &str) -> Option<Vec<String>> {
        self.0
            .get(name)
            .map(|p| p.params().map(String::from).collect())
    }
}

/// Percent-encodes what could break out of a URL or an HTML attribute, keeping `/`.
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, CATCH_ALL).to_string()
}

impl From<ReverseError> for crate::Error {
    fn from(err: ReverseError) -> Self {
        crate::Error::internal(err)
    }
}
