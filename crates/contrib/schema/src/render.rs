//! Writes a list of operations as a migration file, the way the hand-written ones read:
//! a `DeriveIden` enum per table, `up` running the operations and `down` their inverses
//! in reverse order, formatted by rustfmt.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::operations::Operation;

/// The identifier enums a migration declares: one per table, one variant per column used.
#[derive(Default)]
pub struct Idens {
    tables: BTreeMap<String, Vec<String>>,
}

impl Idens {
    /// `Posts::Table`.
    pub fn table(&mut self, table: &str) -> String {
        self.tables.entry(table.to_string()).or_default();
        format!("{}::Table", enum_name(table))
    }

    /// `Posts::Body`.
    pub fn column(&mut self, table: &str, column: &str) -> String {
        let columns = self.tables.entry(table.to_string()).or_default();
        if !columns.iter().any(|c| c == column) {
            columns.push(column.to_string());
        }
        format!("{}::{}", enum_name(table), variant_name(column))
    }

    fn declarations(&self) -> String {
        let mut code = String::new();
        for (table, columns) in &self.tables {
            code.push_str("#[derive(DeriveIden)]\n");
            code.push_str(&format!("enum {} {{\n", enum_name(table)));
            if table.to_upper_camel_case().to_snake_case() != *table {
                code.push_str(&format!("    #[sea_orm(iden = {table:?})]\n"));
            }
            code.push_str("    Table,\n");
            for column in columns {
                let variant = variant_name(column);
                if variant.to_snake_case() != *column {
                    code.push_str(&format!("    #[sea_orm(iden = {column:?})]\n"));
                }
                code.push_str(&format!("    {variant},\n"));
            }
            code.push_str("}\n\n");
        }
        code
    }
}

fn enum_name(table: &str) -> String {
    table.to_upper_camel_case()
}

fn variant_name(column: &str) -> String {
    match column.to_upper_camel_case() {
        // `Table` names the table itself.
        name if name == "Table" => "TableColumn".to_string(),
        name => name,
    }
}

/// The whole migration file for `operations` (in the order `up` runs them).
pub fn migration_file(operations: &[Operation], heading: &str) -> String {
    let mut idens = Idens::default();
    let up: String = operations.iter().map(|op| op.rust(&mut idens)).collect();
    let down: String = operations
        .iter()
        .rev()
        .map(|op| op.inverse().rust(&mut idens))
        .collect();
    let uses_editor = up.contains("editor::") || down.contains("editor::");
    let mut file = String::new();
    file.push_str(&format!("//! {heading}\n//!\n"));
    for op in operations {
        file.push_str(&format!("//! - {}\n", op.describe()));
    }
    file.push_str("\nuse sea_orm_migration::prelude::*;\n");
    if uses_editor {
        file.push_str("use web_schema::editor;\n");
    }
    file.push_str("\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n");
    file.push_str(&idens.declarations());
    file.push_str("#[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n");
    file.push_str(&format!(
        "    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{up}Ok(())\n}}\n\n"
    ));
    file.push_str(&format!(
        "    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{down}Ok(())\n}}\n}}\n"
    ));
    format(&file)
}

/// The code as rustfmt (edition 2024) leaves it; unchanged when rustfmt is not installed.
pub fn format(code: &str) -> String {
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return code.to_string();
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(code.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            String::from_utf8(out.stdout).unwrap_or_else(|_| code.to_string())
        }
        _ => code.to_string(),
    }
}
