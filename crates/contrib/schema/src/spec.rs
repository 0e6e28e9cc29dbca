//! What a table looks like, in one vocabulary for both sides of the comparison: the
//! schema an app's entities describe and the schema its migrations produce.

use std::fmt;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, ColumnDef, ColumnType, Expr, ForeignKeyAction, StringLen, Value};

/// A table: its columns and the constraints and indexes makemigrations manages.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub name: String,
    pub columns: Vec<ColumnSpec>,
    pub uniques: Vec<UniqueSpec>,
    pub indexes: Vec<IndexSpec>,
    pub foreign_keys: Vec<ForeignKeySpec>,
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The indexes makemigrations manages, given the table `entity` describes: those on one
    /// column, and several-column or descending ones the entity declares by name (the rest
    /// belong to hand-written migrations).
    pub fn managed_indexes<'a>(
        &'a self,
        entity: &'a TableSpec,
    ) -> impl Iterator<Item = &'a IndexSpec> {
        self.indexes
            .iter()
            .filter(|i| i.is_simple() || entity.indexes.iter().any(|e| e.name == i.name))
    }
}

/// A column. `Kind::Id` is the auto-incrementing primary key.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    /// Part of a primary key that is not an auto-incrementing id (a natural key).
    pub primary_key: bool,
}

/// A unique constraint, found by its columns: SQLite keeps no name for an inline `UNIQUE`,
/// so a name is only known for a unique index.
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueSpec {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

/// A plain index: one column (what an entity's `#[sea_orm(indexed)]` declares), or
/// several, or descending ones, declared with [`super::EntitySchema::index`]. A
/// descending column is written `-name`, as in Django's `Meta.indexes`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub name: String,
    pub columns: Vec<String>,
}

impl IndexSpec {
    /// An ascending index on one column, which makemigrations always manages; others
    /// only when an entity declares them by name.
    pub fn is_simple(&self) -> bool {
        matches!(self.columns.as_slice(), [c] if !c.starts_with('-'))
    }

    /// The columns with their order: `("created_at", true)` for `-created_at`.
    pub fn ordered(&self) -> impl Iterator<Item = (&str, bool)> {
        self.columns.iter().map(|c| match c.strip_prefix('-') {
            Some(name) => (name, true),
            None => (c.as_str(), false),
        })
    }
}

/// A foreign key, found by its columns (SQLite keeps no constraint names either).
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeySpec {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Action,
    pub on_update: Action,
}

impl ForeignKeySpec {
    /// The name a new constraint gets (PostgreSQL's own convention).
    pub fn name(&self, table: &str) -> String {
        format!("{table}_{}_fkey", self.columns.join("_"))
    }
}

/// What a foreign key does when the row it points to is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl Action {
    pub fn from_sea(action: Option<ForeignKeyAction>) -> Action {
        match action {
            None | Some(ForeignKeyAction::NoAction) => Action::NoAction,
            Some(ForeignKeyAction::Restrict) => Action::Restrict,
            Some(ForeignKeyAction::Cascade) => Action::Cascade,
            Some(ForeignKeyAction::SetNull) => Action::SetNull,
            Some(ForeignKeyAction::SetDefault) => Action::SetDefault,
            Some(_) => Action::NoAction,
        }
    }

    /// As SQLite's `PRAGMA foreign_key_list` spells it.
    pub fn from_sql(text: &str) -> Action {
        match text.to_ascii_uppercase().as_str() {
            "RESTRICT" => Action::Restrict,
            "CASCADE" => Action::Cascade,
            "SET NULL" => Action::SetNull,
            "SET DEFAULT" => Action::SetDefault,
            _ => Action::NoAction,
        }
    }

    pub fn to_sea(self) -> Option<ForeignKeyAction> {
        match self {
            Action::NoAction => None,
            Action::Restrict => Some(ForeignKeyAction::Restrict),
            Action::Cascade => Some(ForeignKeyAction::Cascade),
            Action::SetNull => Some(ForeignKeyAction::SetNull),
            Action::SetDefault => Some(ForeignKeyAction::SetDefault),
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// The `ForeignKeyAction` variant, for generated code.
    pub fn rust(self) -> Option<&'static str> {
        match self {
            Action::NoAction => None,
            Action::Restrict => Some("Restrict"),
            Action::Cascade => Some("Cascade"),
            Action::SetNull => Some("SetNull"),
            Action::SetDefault => Some("SetDefault"),
        }
    }
}

/// A column's type, as far as the three databases and sea-query's builders tell them apart.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// The auto-incrementing 64-bit primary key ([`super::editor::id`]).
    Id,
    /// A UTC timestamp with microseconds ([`super::editor::timestamp`]).
    Timestamp,
    String(Option<u32>),
    Char(Option<u32>),
    Text,
    TinyInteger,
    SmallInteger,
    Integer,
    BigInteger,
    Float,
    Double,
    Decimal(Option<(u32, u32)>),
    Boolean,
    Date,
    Time,
    DateTime,
    Json,
    JsonBinary,
    Uuid,
    Blob,
    /// A type sea-query has no builder for, written as the database spells it.
    Other(String),
}

impl Kind {
    /// The kind of an entity's column type; `None` for a type makemigrations cannot write.
    pub fn from_column_type(column_type: &ColumnType) -> Option<Kind> {
        Some(match column_type {
            ColumnType::String(StringLen::N(n)) => Kind::String(Some(*n)),
            ColumnType::String(_) => Kind::String(None),
            ColumnType::Char(n) => Kind::Char(*n),
            ColumnType::Text => Kind::Text,
            ColumnType::TinyInteger | ColumnType::TinyUnsigned => Kind::TinyInteger,
            ColumnType::SmallInteger | ColumnType::SmallUnsigned => Kind::SmallInteger,
            ColumnType::Integer | ColumnType::Unsigned => Kind::Integer,
            ColumnType::BigInteger | ColumnType::BigUnsigned => Kind::BigInteger,
            ColumnType::Float => Kind::Float,
            ColumnType::Double => Kind::Double,
            ColumnType::Decimal(p) => Kind::Decimal(*p),
            ColumnType::Boolean => Kind::Boolean,
            ColumnType::Date => Kind::Date,
            ColumnType::Time => Kind::Time,
            ColumnType::DateTime | ColumnType::Timestamp => Kind::DateTime,
            ColumnType::TimestampWithTimeZone => Kind::Timestamp,
            ColumnType::Json => Kind::Json,
            ColumnType::JsonBinary => Kind::JsonBinary,
            ColumnType::Uuid => Kind::Uuid,
            ColumnType::Blob | ColumnType::VarBinary(_) | ColumnType::Binary(_) => Kind::Blob,
            _ => return None,
        })
    }

    /// The kind of a column as SQLite declares it, which is how sea-query's SQLite builder
    /// writes each type. SQLite spells `integer` and `big_integer` alike (both `integer`).
    pub fn from_sqlite(declared: &str) -> Option<Kind> {
        let declared = declared.trim().to_ascii_lowercase();
        let (base, args) = match declared.split_once('(') {
            Some((base, rest)) => (base.trim(), Some(rest.trim_end_matches(')'))),
            None => (declared.as_str(), None),
        };
        let length = || args.and_then(|a| a.trim().parse::<u32>().ok());
        Some(match base {
            "varchar" => Kind::String(length()),
            "char" => Kind::Char(length()),
            "text" => Kind::Text,
            "tinyint" => Kind::TinyInteger,
            "smallint" => Kind::SmallInteger,
            "integer" => Kind::Integer,
            "bigint" => Kind::BigInteger,
            "float" => Kind::Float,
            "double" => Kind::Double,
            "real" => {
                let (p, s) = args?.split_once(',')?;
                Kind::Decimal(Some((p.trim().parse().ok()?, s.trim().parse().ok()?)))
            }
            "real_decimal" => Kind::Decimal(None),
            "boolean" => Kind::Boolean,
            "date_text" => Kind::Date,
            "time_text" => Kind::Time,
            "datetime_text" | "timestamp_text" => Kind::DateTime,
            "timestamp_with_timezone_text" => Kind::Timestamp,
            "json_text" => Kind::Json,
            "jsonb_text" => Kind::JsonBinary,
            "uuid_text" => Kind::Uuid,
            "blob" | "varbinary_blob" => Kind::Blob,
            _ => return None,
        })
    }

    /// Sets the type on a sea-query column (not for `Id` and `Timestamp`, which the
    /// editor's helpers build per backend).
    fn apply(&self, def: &mut ColumnDef) {
        match self {
            Kind::Id | Kind::BigInteger => def.big_integer(),
            Kind::Timestamp => def.timestamp_with_time_zone(),
            Kind::String(Some(n)) => def.string_len(*n),
            Kind::String(None) => def.string(),
            Kind::Char(Some(n)) => def.char_len(*n),
            Kind::Char(None) => def.char(),
            Kind::Text => def.text(),
            Kind::TinyInteger => def.tiny_integer(),
            Kind::SmallInteger => def.small_integer(),
            Kind::Integer => def.integer(),
            Kind::Float => def.float(),
            Kind::Double => def.double(),
            Kind::Decimal(Some((p, s))) => def.decimal_len(*p, *s),
            Kind::Decimal(None) => def.decimal(),
            Kind::Boolean => def.boolean(),
            Kind::Date => def.date(),
            Kind::Time => def.time(),
            Kind::DateTime => def.date_time(),
            Kind::Json => def.json(),
            Kind::JsonBinary => def.json_binary(),
            Kind::Uuid => def.uuid(),
            Kind::Blob => def.blob(),
            Kind::Other(name) => def.custom(Alias::new(name)),
        };
    }

    /// The builder call that sets this type, as written in a migration.
    fn rust(&self) -> String {
        match self {
            Kind::Id | Kind::BigInteger => ".big_integer()".into(),
            Kind::Timestamp => ".timestamp_with_time_zone()".into(),
            Kind::String(Some(n)) => format!(".string_len({n})"),
            Kind::String(None) => ".string()".into(),
            Kind::Char(Some(n)) => format!(".char_len({n})"),
            Kind::Char(None) => ".char()".into(),
            Kind::Text => ".text()".into(),
            Kind::TinyInteger => ".tiny_integer()".into(),
            Kind::SmallInteger => ".small_integer()".into(),
            Kind::Integer => ".integer()".into(),
            Kind::Float => ".float()".into(),
            Kind::Double => ".double()".into(),
            Kind::Decimal(Some((p, s))) => format!(".decimal_len({p}, {s})"),
            Kind::Decimal(None) => ".decimal()".into(),
            Kind::Boolean => ".boolean()".into(),
            Kind::Date => ".date()".into(),
            Kind::Time => ".time()".into(),
            Kind::DateTime => ".date_time()".into(),
            Kind::Json => ".json()".into(),
            Kind::JsonBinary => ".json_binary()".into(),
            Kind::Uuid => ".uuid()".into(),
            Kind::Blob => ".blob()".into(),
            Kind::Other(name) => format!(".custom(Alias::new({name:?}))"),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Kind::Other(name) = self {
            return f.write_str(name);
        }
        let text = self.rust();
        f.write_str(text.trim_start_matches('.').trim_end_matches("()"))
    }
}

/// A column default makemigrations can write.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl DefaultValue {
    /// From an entity's `default_value`; `None` when it is an expression.
    pub fn from_expr(expr: &Expr) -> Option<DefaultValue> {
        let Expr::Value(value) = expr else {
            return None;
        };
        Some(match value {
            Value::Bool(Some(b)) => DefaultValue::Bool(*b),
            Value::TinyInt(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::SmallInt(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::Int(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::BigInt(Some(n)) => DefaultValue::Int(*n),
            Value::TinyUnsigned(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::SmallUnsigned(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::Unsigned(Some(n)) => DefaultValue::Int(i64::from(*n)),
            Value::BigUnsigned(Some(n)) => DefaultValue::Int(i64::try_from(*n).ok()?),
            Value::Float(Some(x)) => DefaultValue::Float(f64::from(*x)),
            Value::Double(Some(x)) => DefaultValue::Float(*x),
            Value::String(Some(s)) => DefaultValue::Str(s.to_string()),
            Value::Char(Some(c)) => DefaultValue::Str(c.to_string()),
            _ => return None,
        })
    }

    /// From SQLite's `dflt_value` (the default's SQL text).
    pub fn from_sqlite(text: &str) -> Option<DefaultValue> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            return Some(DefaultValue::Str(inner.replace("''", "'")));
        }
        match text.to_ascii_uppercase().as_str() {
            "TRUE" => return Some(DefaultValue::Bool(true)),
            "FALSE" => return Some(DefaultValue::Bool(false)),
            _ => {}
        }
        if let Ok(n) = text.parse::<i64>() {
            return Some(DefaultValue::Int(n));
        }
        text.parse::<f64>().ok().map(DefaultValue::Float)
    }

    fn value(&self) -> Value {
        match self {
            DefaultValue::Bool(b) => (*b).into(),
            DefaultValue::Int(n) => (*n).into(),
            DefaultValue::Float(x) => (*x).into(),
            DefaultValue::Str(s) => s.clone().into(),
        }
    }

    fn rust(&self) -> String {
        match self {
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Int(n) => n.to_string(),
            DefaultValue::Float(x) => format!("{x:?}"),
            DefaultValue::Str(s) => format!("{s:?}"),
        }
    }
}

impl ColumnSpec {
    /// The sea-query column for `backend`, exactly as the generated code builds it.
    pub fn def(&self, backend: DbBackend) -> ColumnDef {
        let name = Alias::new(&self.name);
        let mut def = match self.kind {
            Kind::Id => return super::editor::id_for(backend, name),
            Kind::Timestamp => super::editor::timestamp_for(backend, name),
            _ => {
                let mut def = ColumnDef::new(name);
                self.kind.apply(&mut def);
                def
            }
        };
        if self.nullable {
            def.null();
        } else {
            def.not_null();
        }
        if let Some(default) = &self.default {
            def.default(default.value());
        }
        if self.primary_key {
            def.primary_key();
        }
        def
    }

    /// The same column as Rust source; `iden` is the `Enum::Variant` naming it.
    pub fn rust(&self, iden: &str) -> String {
        let mut code = match self.kind {
            Kind::Id => return format!("editor::id(manager, {iden})"),
            Kind::Timestamp if self.nullable => format!("editor::timestamp_null(manager, {iden})"),
            Kind::Timestamp => format!("editor::timestamp(manager, {iden})"),
            _ => format!(
                "ColumnDef::new({iden}){}{}",
                self.kind.rust(),
                if self.nullable {
                    ".null()"
                } else {
                    ".not_null()"
                }
            ),
        };
        if let Some(default) = &self.default {
            code.push_str(&format!(".default({})", default.rust()));
        }
        if self.primary_key {
            code.push_str(".primary_key()");
        }
        // A builder chain borrows; the timestamp helpers return an owned column, which
        // needs `.to_owned()` only after more calls on it.
        if self.kind != Kind::Timestamp || self.default.is_some() || self.primary_key {
            code.push_str(".to_owned()");
        }
        code
    }

    /// How the column reads in a list of changes: `varchar(64) NOT NULL DEFAULT 'USD'`.
    pub fn describe(&self) -> String {
        let mut text = self.kind.to_string();
        text.push_str(if self.nullable { " null" } else { " not null" });
        if let Some(default) = &self.default {
            text.push_str(&format!(" default {}", default.rust()));
        }
        text
    }
}
