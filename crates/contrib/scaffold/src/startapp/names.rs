//! Names: what an app, a model and a field may be called, and their spellings.

use anyhow::{Result, bail};

/// Rust keywords (strict, reserved and weak) and names that would shadow crates every
/// app uses.
const RESERVED: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "union",
    "macro_rules",
    "raw",
    "safe",
    "core",
    "std",
    "alloc",
    "proc_macro",
    "test",
    "web",
    "project",
    "migration",
    "xtask",
    "health",
    "sessions",
    "admin",
    "api",
    "static",
    "templates",
    "config",
];

fn is_snake(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// A project name: a lower-case identifier (`school`, `student_registration`); its title
/// names the site, its API and the sender of its mail.
pub fn check_project(name: &str) -> Result<()> {
    if !is_snake(name) {
        bail!(
            "`{name}` is not a valid project name: use lower-case letters, digits and single underscores, starting with a letter (e.g. `school`)"
        );
    }
    Ok(())
}

/// An app name: a lower-case Rust identifier (`students`, `course_catalog`).
pub fn check_app(name: &str) -> Result<()> {
    if !is_snake(name) {
        bail!(
            "`{name}` is not a valid app name: use lower-case letters, digits and single underscores, starting with a letter (e.g. `students`)"
        );
    }
    if RESERVED.contains(&name) {
        bail!(
            "`{name}` is a reserved word or a name the project already uses; choose another app name"
        );
    }
    Ok(())
}

/// A model name: UpperCamelCase (`Student`, `CourseItem`).
pub fn check_model(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if !valid {
        bail!(
            "`{name}` is not a valid model name: use UpperCamelCase letters and digits (e.g. `Student`)"
        );
    }
    if [
        "Model",
        "Entity",
        "Column",
        "ActiveModel",
        "Relation",
        "PrimaryKey",
        "Self",
    ]
    .contains(&name)
    {
        bail!("`{name}` would clash with the names sea-orm generates; choose another model name");
    }
    Ok(())
}

/// A field name: a lower-case identifier that is not a column the model already has.
pub fn check_field(name: &str) -> Result<()> {
    if !is_snake(name) {
        bail!(
            "`{name}` is not a valid field name: use lower-case letters, digits and underscores (e.g. `first_name`)"
        );
    }
    if RESERVED.contains(&name) || ["id", "created_at", "updated_at"].contains(&name) {
        bail!(
            "`{name}` cannot be a field name (a Rust keyword or a column every model already has)"
        );
    }
    Ok(())
}

/// `course_item` -> `CourseItem`.
pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `CourseItem` -> `course_item`.
pub fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// English plural of a snake_case noun: `student` -> `students`, `class` -> `classes`,
/// `category` -> `categories`. The admin site (`web_modeladmin`) spells the same rule for
/// its headings; this copy keeps the scaffolder free of the framework's crates, so a
/// project's `cargo xtask` builds in seconds.
pub fn plural(word: &str) -> String {
    let vowel_before_y = word.len() >= 2 && "aeiou".contains(&word[word.len() - 2..word.len() - 1]);
    if word.ends_with('y') && !vowel_before_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// `course_item` -> `Course item` (for headings).
pub fn title(snake: &str) -> String {
    let words = snake.replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// `a Student`, `an Enrolment` (`article` is `a` or `A`): "an" before a vowel letter but
/// `u` (a User, a Unit), the common case for model names.
pub fn with_article(article: &str, snake: &str) -> String {
    let title = title(snake);
    let vowel = title.starts_with(['A', 'E', 'I', 'O']);
    format!("{article}{} {title}", if vowel { "n" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles() {
        assert_eq!(with_article("A", "enrolment"), "An Enrolment");
        assert_eq!(with_article("a", "student"), "a Student");
        assert_eq!(with_article("a", "user"), "a User");
        assert_eq!(with_article("a", "order_item"), "an Order item");
    }

    #[test]
    fn spellings() {
        assert_eq!(camel("course_item"), "CourseItem");
        assert_eq!(snake("CourseItem"), "course_item");
        assert_eq!(plural("student"), "students");
        assert_eq!(plural("class"), "classes");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("day"), "days");
        assert_eq!(title("first_name"), "First name");
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in [
            "Students",
            "1st",
            "my-app",
            "fn",
            "web",
            "sessions",
            "a__b",
            "trailing_",
            "",
        ] {
            assert!(check_app(bad).is_err(), "{bad}");
        }
        assert!(check_app("students").is_ok());
        assert!(check_model("student").is_err());
        assert!(check_model("Model").is_err());
        assert!(check_model("CourseItem").is_ok());
        assert!(check_field("id").is_err());
        assert!(check_field("type").is_err());
        assert!(check_field("first_name").is_ok());
    }
}
