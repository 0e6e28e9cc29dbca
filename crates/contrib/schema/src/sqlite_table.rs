//! SQLite's table rebuild: its `CREATE TABLE` statement as a list of column definitions
//! and table constraints, edited and replayed (<https://sqlite.org/lang_altertable.html>,
//! "Making Other Kinds Of Table Schema Changes"). Editing the statement's text keeps
//! what makemigrations does not manage, such as `CHECK` constraints, as it was.

use sea_orm::DbErr;
use sea_orm::sqlx::{self, Row, SqliteConnection};

use super::spec::Action;

/// The parts of a `CREATE TABLE (…)` statement, split at its top-level commas.
#[derive(Debug, Clone)]
pub struct CreateTable {
    parts: Vec<String>,
    /// What follows the closing parenthesis (`WITHOUT ROWID`, `STRICT`).
    suffix: String,
}

const CONSTRAINT_STARTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

impl CreateTable {
    pub fn parse(sql: &str) -> Result<CreateTable, DbErr> {
        let open = sql.find('(');
        let close = sql.rfind(')');
        let (Some(open), Some(close)) = (open, close) else {
            return Err(DbErr::Migration(format!(
                "cannot read the table definition {sql:?}"
            )));
        };
        let mut parts = Vec::new();
        let mut depth = 0;
        let mut quote: Option<char> = None;
        let mut current = String::new();
        for ch in sql[open + 1..close].chars() {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"' | '`') => quote = Some(ch),
                (None, '[') => quote = Some(']'),
                (None, '(') => depth += 1,
                (None, ')') => depth -= 1,
                (None, ',') if depth == 0 => {
                    parts.push(current.trim().to_string());
                    current.clear();
                    continue;
                }
                _ => {}
            }
            current.push(ch);
        }
        parts.push(current.trim().to_string());
        Ok(CreateTable {
            parts,
            suffix: sql[close + 1..].trim().to_string(),
        })
    }

    pub fn to_sql(&self, table: &str) -> String {
        format!(
            "CREATE TABLE \"{table}\" ( {} ) {}",
            self.parts.join(", "),
            self.suffix
        )
    }

    fn is_constraint(part: &str) -> bool {
        let first = tokens(part).into_iter().next().unwrap_or_default();
        CONSTRAINT_STARTS.contains(&first.to_ascii_uppercase().as_str())
    }

    /// The column a part defines; `None` for a table constraint.
    fn column_name(part: &str) -> Option<String> {
        if Self::is_constraint(part) {
            return None;
        }
        tokens(part).first().map(|t| unquote(t))
    }

    /// The names of the columns, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| Self::column_name(p))
            .collect()
    }

    fn column_position(&self, name: &str) -> Result<usize, DbErr> {
        self.parts
            .iter()
            .position(|p| Self::column_name(p).as_deref() == Some(name))
            .ok_or_else(|| DbErr::Migration(format!("the table has no column `{name}`")))
    }

    /// Adds a column (after the last column) or a table constraint (at the end).
    pub fn add_part(&mut self, part: String) {
        if Self::is_constraint(&part) {
            self.parts.push(part);
        } else {
            let at = self
                .parts
                .iter()
                .rposition(|p| !Self::is_constraint(p))
                .map_or(0, |i| i + 1);
            self.parts.insert(at, part);
        }
    }

    /// Removes a column and the table constraints that name it.
    pub fn remove_column(&mut self, name: &str) -> Result<(), DbErr> {
        let at = self.column_position(name)?;
        self.parts.remove(at);
        let quoted = format!("\"{name}\"");
        self.parts.retain(|p| {
            !(Self::is_constraint(p)
                && (constraint_columns(p).iter().any(|c| c == name) || p.contains(&quoted)))
        });
        Ok(())
    }

    /// Replaces a column's type, nullability and default with those of `new` (a column
    /// definition), keeping its other constraints.
    pub fn alter_column(&mut self, name: &str, new: &str) -> Result<(), DbErr> {
        let at = self.column_position(name)?;
        let old = ColumnParts::of(&self.parts[at]);
        self.parts[at] = ColumnParts {
            kept: old.kept,
            ..ColumnParts::of(new)
        }
        .join();
        Ok(())
    }

    /// Removes the unique constraint on exactly `columns`.
    pub fn remove_unique(&mut self, columns: &[&str]) -> Result<(), DbErr> {
        self.remove_constraint(columns, "UNIQUE", |c| c.eq_ignore_ascii_case("UNIQUE"))
    }

    /// Removes the foreign key on exactly `columns`.
    pub fn remove_foreign_key(&mut self, columns: &[&str]) -> Result<(), DbErr> {
        self.remove_constraint(columns, "FOREIGN", |c| {
            c.to_ascii_uppercase().starts_with("REFERENCES")
        })
    }

    /// Removes a constraint on exactly `columns`: written on the column (a clause `inline`
    /// recognizes) when there is one column, else the table constraint starting `keyword`.
    fn remove_constraint(
        &mut self,
        columns: &[&str],
        keyword: &str,
        inline: impl Fn(&str) -> bool,
    ) -> Result<(), DbErr> {
        if let [column] = columns {
            let at = self.column_position(column)?;
            let mut parts = ColumnParts::of(&self.parts[at]);
            let before = parts.kept.len();
            parts.kept.retain(|c| !inline(c));
            if parts.kept.len() < before {
                self.parts[at] = parts.join();
                return Ok(());
            }
        }
        self.remove_table_constraint(keyword, columns)
    }

    fn remove_table_constraint(&mut self, keyword: &str, columns: &[&str]) -> Result<(), DbErr> {
        let at = self.parts.iter().position(|p| {
            let words = tokens(p);
            let kind = words
                .iter()
                .position(|w| CONSTRAINT_STARTS[1..].contains(&w.to_ascii_uppercase().as_str()));
            kind.is_some_and(|k| words[k].eq_ignore_ascii_case(keyword))
                && constraint_columns(p) == columns
        });
        match at {
            Some(at) => {
                self.parts.remove(at);
                Ok(())
            }
            None => Err(DbErr::Migration(format!(
                "the table has no {keyword} constraint on ({})",
                columns.join(", ")
            ))),
        }
    }
}

/// `FOREIGN KEY ("a") REFERENCES "t" ("id") ON DELETE CASCADE`.
pub fn foreign_key_clause(
    columns: &[String],
    ref_table: &str,
    ref_columns: &[String],
    on_delete: Action,
    on_update: Action,
) -> String {
    let list = |cols: &[String]| {
        cols.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut clause = format!(
        "FOREIGN KEY ({}) REFERENCES \"{ref_table}\" ({})",
        list(columns),
        list(ref_columns)
    );
    if on_delete != Action::NoAction {
        clause.push_str(&format!(" ON DELETE {}", on_delete.sql()));
    }
    if on_update != Action::NoAction {
        clause.push_str(&format!(" ON UPDATE {}", on_update.sql()));
    }
    clause
}

/// A column definition split into its name and type, its nullability, its default and the
/// constraints kept through an alteration.
struct ColumnParts {
    head: String,
    nullability: Option<String>,
    default: Option<String>,
    kept: Vec<String>,
}

impl ColumnParts {
    fn of(part: &str) -> ColumnParts {
        let words = tokens(part);
        let starts = |i: usize| {
            let w = words[i].to_ascii_uppercase();
            match w.as_str() {
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "DEFAULT" | "COLLATE"
                | "REFERENCES" | "GENERATED" | "AS" => true,
                "NOT" => words
                    .get(i + 1)
                    .is_some_and(|n| n.eq_ignore_ascii_case("NULL")),
                "NULL" => {
                    !words[i - 1].eq_ignore_ascii_case("SET")
                        && !words[i - 1].eq_ignore_ascii_case("NOT")
                }
                _ => false,
            }
        };
        let first_clause = (1..words.len()).find(|&i| starts(i)).unwrap_or(words.len());
        let mut parts = ColumnParts {
            head: words[..first_clause].join(" "),
            nullability: None,
            default: None,
            kept: Vec::new(),
        };
        let mut i = first_clause;
        let mut prefix: Option<String> = None;
        while i < words.len() {
            let upper = words[i].to_ascii_uppercase();
            let mut end = i + 1;
            match upper.as_str() {
                "CONSTRAINT" => {
                    prefix = Some(words[i..(i + 2).min(words.len())].join(" "));
                    i += 2;
                    continue;
                }
                "DEFAULT" => end = (i + 2).min(words.len()),
                "NOT" => end = i + 2,
                _ => {
                    while end < words.len() && !starts(end) {
                        end += 1;
                    }
                }
            }
            let clause = words[i..end].join(" ");
            match upper.as_str() {
                "NOT" | "NULL" => parts.nullability = Some(clause),
                "DEFAULT" => parts.default = Some(clause),
                _ => parts.kept.push(match prefix.take() {
                    Some(p) => format!("{p} {clause}"),
                    None => clause,
                }),
            }
            i = end;
        }
        parts
    }

    fn join(&self) -> String {
        let mut text = vec![self.head.clone()];
        text.extend(self.nullability.clone());
        text.extend(self.default.clone());
        text.extend(self.kept.iter().cloned());
        text.join(" ")
    }
}

/// Words, quoted names and strings, and parenthesized groups, each one token.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                i += 1;
                while i < chars.len() {
                    if chars[i] == close {
                        // A doubled quote is an escaped one.
                        if chars.get(i + 1) == Some(&close) && close != ']' {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            '(' => i = after_group(&chars, i),
            _ => {
                while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' {
                    i += 1;
                }
                // A type's arguments belong to it: `varchar(64)`.
                if i < chars.len() && chars[i] == '(' {
                    i = after_group(&chars, i);
                }
            }
        }
        out.push(chars[start..i.min(chars.len())].iter().collect());
    }
    out
}

/// The index just past the parenthesized group that opens at `open`.
fn after_group(chars: &[char], open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

fn unquote(name: &str) -> String {
    let trimmed = name
        .strip_prefix(['"', '`', '['])
        .and_then(|n| n.strip_suffix(['"', '`', ']']));
    trimmed.unwrap_or(name).to_string()
}

/// The columns a table constraint lists first: `UNIQUE ("a", "b")` → `[a, b]`.
fn constraint_columns(part: &str) -> Vec<String> {
    let words = tokens(part);
    let Some(group) = words.iter().find(|w| w.starts_with('(')) else {
        return Vec::new();
    };
    group[1..group.len() - 1]
        .split(',')
        .map(|c| unquote(c.trim()))
        .collect()
}

fn migration_error(e: sqlx::Error) -> DbErr {
    DbErr::Migration(e.to_string())
}

/// Runs the rebuild on one connection (a pragma holds per connection).
pub async fn rebuild_on(
    conn: &mut SqliteConnection,
    table: &str,
    edit: impl FnOnce(&mut CreateTable) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(migration_error)?;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(migration_error)?;
    match swap(conn, table, edit).await {
        Ok(()) => sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(migration_error),
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(e)
        }
    }
}

async fn swap(
    conn: &mut SqliteConnection,
    table: &str,
    edit: impl FnOnce(&mut CreateTable) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let sql: Option<String> =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(table)
            .fetch_optional(&mut *conn)
            .await
            .map_err(migration_error)?;
    let sql = sql.ok_or_else(|| DbErr::Migration(format!("there is no table `{table}`")))?;
    let dependents: Vec<String> = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') \
         AND sql IS NOT NULL ORDER BY type, rowid",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(migration_error)?
    .iter()
    .map(|row| row.get::<String, _>(0))
    .collect();
    let old = CreateTable::parse(&sql)?;
    let mut new = old.clone();
    edit(&mut new).map_err(|e| DbErr::Migration(format!("table `{table}`: {e}")))?;
    let old_columns = old.column_names();
    let copied: Vec<String> = new
        .column_names()
        .into_iter()
        .filter(|c| old_columns.contains(c))
        .map(|c| format!("\"{c}\""))
        .collect();
    let temporary = format!("__rebuild_{table}");
    let statements = [
        new.to_sql(&temporary),
        format!(
            "INSERT INTO \"{temporary}\" ({cols}) SELECT {cols} FROM \"{table}\"",
            cols = copied.join(", ")
        ),
        format!("DROP TABLE \"{table}\""),
        format!("ALTER TABLE \"{temporary}\" RENAME TO \"{table}\""),
    ];
    for statement in statements.iter().chain(dependents.iter()) {
        sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                DbErr::Migration(format!("rebuilding table `{table}`: {e} (in {statement})"))
            })?;
    }
    let broken: Vec<String> = sqlx::query("SELECT \"table\" FROM pragma_foreign_key_check(?)")
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(migration_error)?
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
    if !broken.is_empty() {
        return Err(DbErr::Migration(format!(
            "after rebuilding `{table}`, {} of its rows point at rows that do not exist",
            broken.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTS: &str = r#"CREATE TABLE "products" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "sku" varchar(64) NOT NULL UNIQUE, "price_cents" integer NOT NULL CHECK ("price_cents" >= 0), "currency" char(3) NOT NULL DEFAULT 'USD', "owner_id" integer NULL, FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE SET NULL )"#;

    #[test]
    fn altering_a_column_keeps_its_checks_and_unique() {
        let mut t = CreateTable::parse(PRODUCTS).unwrap();
        t.alter_column("price_cents", r#""price_cents" integer NULL DEFAULT 5"#)
            .unwrap();
        t.alter_column("sku", r#""sku" varchar(100) NOT NULL"#)
            .unwrap();
        t.alter_column("currency", r#""currency" char(3) NOT NULL"#)
            .unwrap();
        let sql = t.to_sql("products");
        assert!(
            sql.contains(r#""price_cents" integer NULL DEFAULT 5 CHECK ("price_cents" >= 0)"#),
            "{sql}"
        );
        assert!(
            sql.contains(r#""sku" varchar(100) NOT NULL UNIQUE"#),
            "{sql}"
        );
        assert!(sql.contains(r#""currency" char(3) NOT NULL,"#), "{sql}");
    }

    #[test]
    fn constraints_are_found_by_their_columns() {
        let mut t = CreateTable::parse(PRODUCTS).unwrap();
        t.remove_unique(&["sku"]).unwrap();
        t.remove_foreign_key(&["owner_id"]).unwrap();
        assert!(t.remove_foreign_key(&["owner_id"]).is_err());
        let sql = t.to_sql("products");
        assert!(!sql.contains("UNIQUE") && !sql.contains("FOREIGN"), "{sql}");
        t.add_part(foreign_key_clause(
            &["owner_id".into()],
            "users",
            &["id".into()],
            Action::Cascade,
            Action::NoAction,
        ));
        t.add_part(r#""body" text NULL"#.into());
        assert_eq!(
            t.column_names(),
            ["id", "sku", "price_cents", "currency", "owner_id", "body"]
        );
        t.remove_column("owner_id").unwrap();
        assert!(!t.to_sql("p").contains("owner_id"));
    }
}
