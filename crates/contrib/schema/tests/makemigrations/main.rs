//! makemigrations' autodetector, its operations on the live test database (SQLite,
//! MariaDB or PostgreSQL, from `TEST_DATABASE_URL`), and the Rust it writes.
//!
//! The operations are applied directly (no compile per schema change); the Rust written
//! for them is compared with `golden_blog.rs`, which this test crate compiles and runs
//! (`UPDATE_GOLDEN=1` rewrites it).

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};
use sea_orm_migration::{MigrationName, MigrationTrait, SchemaManager};
use web_schema::autodetect::{self, Rename};
use web_schema::operations::Operation;
use web_schema::state::InstalledApp;
use web_schema::{EntitySchema, render};
use web_test::ScratchDatabase;

mod entities;
#[allow(dead_code)] // compiled to prove the written Rust builds; run below
mod golden_blog;
mod live;

use entities::{required_field, v1, v2};
use live::{Shape, shape};

/// A migration made of operations, as a migration file written from them would run.
struct Operations {
    name: &'static str,
    operations: Vec<Operation>,
}

impl MigrationName for Operations {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait]
impl MigrationTrait for Operations {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        up(manager, &self.operations).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        down(manager, &self.operations).await
    }
}

async fn up(manager: &SchemaManager<'_>, operations: &[Operation]) -> Result<(), DbErr> {
    for op in operations {
        op.apply(manager).await?;
    }
    Ok(())
}

/// `down`: the inverses, last first.
async fn down(manager: &SchemaManager<'_>, operations: &[Operation]) -> Result<(), DbErr> {
    for op in operations.iter().rev() {
        op.inverse().apply(manager).await?;
    }
    Ok(())
}

fn people(entities: Vec<EntitySchema>, migrations: Vec<Box<dyn MigrationTrait>>) -> InstalledApp {
    InstalledApp {
        label: "people",
        entities,
        unmanaged_tables: Vec::new(),
        migrations,
    }
}

fn blog(entities: Vec<EntitySchema>, migrations: Vec<Box<dyn MigrationTrait>>) -> InstalledApp {
    InstalledApp {
        label: "blog",
        entities,
        unmanaged_tables: Vec::new(),
        migrations,
    }
}

fn v1_blog() -> Vec<EntitySchema> {
    vec![
        EntitySchema::of::<v1::post::Entity>(),
        EntitySchema::of::<v1::draft::Entity>(),
    ]
}

fn v2_blog() -> Vec<EntitySchema> {
    vec![
        EntitySchema::of::<v2::post::Entity>().index("blog_posts_newest", &["-created_at", "-id"]),
        EntitySchema::of::<v2::tag::Entity>(),
    ]
}

fn descriptions(operations: &[Operation]) -> Vec<String> {
    operations.iter().map(Operation::describe).collect()
}

/// The first migrations of both apps, written from v1 against no migrations.
async fn initial() -> (Vec<Operation>, Vec<Operation>) {
    let apps = [
        people(vec![EntitySchema::of::<v1::person::Entity>()], vec![]),
        blog(v1_blog(), vec![]),
    ];
    let found = autodetect::detect(&apps, &[], &[], None).await.unwrap();
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let [people, blog] = &found.changes[..] else {
        panic!("{:?}", found.changes)
    };
    assert_eq!(people.app, "people");
    assert_eq!(descriptions(&people.operations), ["Create table people"]);
    assert_eq!(blog.app, "blog");
    assert_eq!(
        descriptions(&blog.operations),
        ["Create table blog_drafts", "Create table blog_posts"]
    );
    (people.operations.clone(), blog.operations.clone())
}

/// Both apps with v1's migrations and the given entities.
async fn migrated_v1(
    people_entities: Vec<EntitySchema>,
    blog_entities: Vec<EntitySchema>,
) -> [InstalledApp; 2] {
    let (people_1, blog_1) = initial().await;
    [
        people(
            people_entities,
            vec![Box::new(Operations {
                name: "m1_people",
                operations: people_1,
            })],
        ),
        blog(
            blog_entities,
            vec![Box::new(Operations {
                name: "m1_blog",
                operations: blog_1,
            })],
        ),
    ]
}

fn renamed_subtitle() -> Vec<Rename> {
    vec!["blog.blog_posts.subtitle:headline".parse().unwrap()]
}

/// v1 migrated, v2 declared: each app's second migration.
async fn changes() -> (Vec<Operation>, Vec<Operation>) {
    let apps = migrated_v1(vec![EntitySchema::of::<v2::person::Entity>()], v2_blog()).await;
    let found = autodetect::detect(&apps, &[], &renamed_subtitle(), None)
        .await
        .unwrap();
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let [people, blog] = &found.changes[..] else {
        panic!("{:?}", found.changes)
    };
    (people.operations.clone(), blog.operations.clone())
}

#[tokio::test]
async fn the_autodetector_lists_each_change_in_the_order_up_runs_them() {
    let (people, blog) = changes().await;
    assert_eq!(
        descriptions(&people),
        ["Alter column people.email: string_len(100) not null -> string_len(150) not null"]
    );
    assert_eq!(
        descriptions(&blog),
        [
            "Drop foreign key blog_posts (author_id) -> people",
            "Drop unique constraint on blog_posts (slug)",
            "Rename column blog_posts.subtitle to headline",
            "Drop column blog_posts.summary",
            "Drop table blog_drafts",
            "Create table blog_tags",
            "Add column blog_posts.body (text null)",
            "Add column blog_posts.rating (integer not null default 5)",
            "Alter column blog_posts.title: string_len(100) not null -> string_len(200) not null",
            "Alter column blog_posts.views: integer not null default 0 -> integer null default 0",
            "Add index blog_posts_newest on blog_posts (-created_at, -id)",
            "Add index blog_posts_slug on blog_posts (slug)",
            "Add foreign key blog_posts (author_id) -> people (id)",
        ]
    );
}

#[tokio::test]
async fn without_a_rename_a_renamed_field_is_a_drop_and_an_add() {
    let apps = migrated_v1(vec![EntitySchema::of::<v1::person::Entity>()], v2_blog()).await;
    let found = autodetect::detect(&apps, &["blog".to_string()], &[], None)
        .await
        .unwrap();
    // `headline` is NOT NULL without a default: as an added column it cannot be written.
    assert_eq!(found.changes.len(), 1, "only the app asked for");
    let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("post, field `headline`: a new NOT NULL column needs a value"),
        "{problems:?}"
    );
    let ops = descriptions(&found.changes[0].operations);
    assert!(
        ops.contains(&"Drop column blog_posts.subtitle".to_string()),
        "{ops:?}"
    );
    assert!(!ops.iter().any(|o| o.starts_with("Rename")), "{ops:?}");
}

#[tokio::test]
async fn a_terminal_answer_makes_a_rename() {
    let apps = migrated_v1(vec![EntitySchema::of::<v2::person::Entity>()], v2_blog()).await;
    let mut asked = Vec::new();
    let mut answer = |question: &str| {
        asked.push(question.to_string());
        question.contains("subtitle renamed to blog_posts.headline")
    };
    let found = autodetect::detect(&apps, &[], &[], Some(&mut answer))
        .await
        .unwrap();
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert!(
        asked.iter().any(|q| q == "Was blog_posts.subtitle renamed to blog_posts.headline (a string_len(80) column)? [y/N] "),
        "{asked:?}"
    );
    let ops = descriptions(&found.changes[1].operations);
    assert!(
        ops.contains(&"Rename column blog_posts.subtitle to headline".to_string()),
        "{ops:?}"
    );
}

#[tokio::test]
async fn what_cannot_be_written_is_reported_and_nothing_else() {
    let apps = migrated_v1(
        vec![EntitySchema::of::<v1::person::Entity>()],
        vec![
            EntitySchema::of::<required_field::post::Entity>(),
            EntitySchema::of::<v1::draft::Entity>(),
        ],
    )
    .await;
    let found = autodetect::detect(&apps, &[], &[], None).await.unwrap();
    let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "makemigrations::entities::required_field::post, field `extra`: a new NOT NULL column needs a value for the rows already there: make the field an Option<…> or give it #[sea_orm(default_value = …)]"
        ]
    );

    // A reference to an app installed later is refused, naming both apps.
    let apps = [
        blog(v1_blog(), vec![]),
        people(vec![EntitySchema::of::<v1::person::Entity>()], vec![]),
    ];
    let found = autodetect::detect(&apps, &[], &[], None).await.unwrap();
    let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
    assert!(
        problems.iter().any(|p| p.contains("refers to table `people` of app `people`, which is installed after `blog`; list `people` before `blog`")),
        "{problems:?}"
    );

    // An unknown app and a rename that matches nothing.
    let apps = [people(
        vec![EntitySchema::of::<v1::person::Entity>()],
        vec![],
    )];
    let bad_rename: Vec<Rename> = vec!["people.people.nope:email2".parse().unwrap()];
    let found = autodetect::detect(&apps, &["shop".to_string()], &bad_rename, None)
        .await
        .unwrap();
    let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("app `shop`: is not installed")),
        "{problems:?}"
    );
    assert!("people.nope".parse::<Rename>().is_err());
}

async fn connect(database: &ScratchDatabase) -> DatabaseConnection {
    Database::connect(database.url()).await.unwrap()
}

async fn execute(db: &DatabaseConnection, sql: &str) {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::MySql => sql.replace('"', "`"),
        _ => sql.to_string(),
    };
    db.execute_raw(Statement::from_string(backend, sql.clone()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::MySql => sql.replace('"', "`"),
        _ => sql.to_string(),
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql.clone()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn assert_shapes(db: &DatabaseConnection, entities: &[EntitySchema]) {
    for entity in entities {
        let table = entity.table_name();
        let have = shape(db, &table)
            .await
            .unwrap_or_else(|| panic!("table {table} is missing"));
        let want = Shape::of_entity(entity, db.get_database_backend());
        assert_eq!(have, want, "table {table}");
    }
}

#[tokio::test]
async fn the_operations_apply_and_roll_back_on_the_database_keeping_the_rows() {
    let (people_1, blog_1) = initial().await;
    let (people_2, blog_2) = changes().await;
    let database = ScratchDatabase::new().await;
    let db = connect(&database).await;
    let manager = SchemaManager::new(&db);
    up(&manager, &people_1).await.unwrap();
    up(&manager, &blog_1).await.unwrap();
    let mut v1_all = vec![EntitySchema::of::<v1::person::Entity>()];
    v1_all.extend(v1_blog());
    assert_shapes(&db, &v1_all).await;

    execute(&db, "INSERT INTO people (email) VALUES ('ada@example.com')").await;
    execute(
        &db,
        "INSERT INTO blog_posts (title, slug, subtitle, views, author_id, created_at) \
         VALUES ('First', 'first', 'An opening', 7, 1, '2026-12-01 10:00:00')",
    )
    .await;

    up(&manager, &people_2).await.unwrap();
    up(&manager, &blog_2).await.unwrap();
    let mut v2_all = vec![EntitySchema::of::<v2::person::Entity>()];
    v2_all.extend(v2_blog());
    assert_shapes(&db, &v2_all).await;
    assert!(shape(&db, "blog_drafts").await.is_none());
    // The rows survived every rebuild (SQLite rebuilds people while a post refers to it).
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM blog_posts WHERE headline = 'An opening' AND views = 7 AND rating = 5").await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM people").await, 1);
    // The new constraints hold: a post's tags are unique by name; a referenced person stays.
    execute(
        &db,
        "INSERT INTO blog_tags (post_id, name) VALUES (1, 'rust')",
    )
    .await;
    let duplicate = db
        .execute_unprepared("INSERT INTO blog_tags (post_id, name) VALUES (1, 'rust')")
        .await;
    assert!(duplicate.is_err(), "the unique (post_id, name) holds");
    if db.get_database_backend() == DbBackend::Sqlite {
        execute(&db, "PRAGMA foreign_keys = ON").await;
    }
    let restricted = db.execute_unprepared("DELETE FROM people").await;
    assert!(restricted.is_err(), "ON DELETE RESTRICT holds");

    down(&manager, &blog_2).await.unwrap();
    down(&manager, &people_2).await.unwrap();
    assert_shapes(&db, &v1_all).await;
    assert!(shape(&db, "blog_tags").await.is_none());
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM blog_posts WHERE subtitle = 'An opening' AND views = 7"
        )
        .await,
        1
    );
}

const GOLDEN: &str = "tests/makemigrations/golden_blog.rs";
const HEADING: &str = "Written by `project makemigrations` for the `blog` app (golden test).";

#[tokio::test]
async fn the_rust_written_is_the_golden_file_and_runs_like_the_operations() {
    let (_, blog_2) = changes().await;
    let written = render::migration_file(&blog_2, HEADING);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &written).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written, golden,
        "the migration written differs from {GOLDEN}; if the change is meant, run with UPDATE_GOLDEN=1"
    );

    // The compiled golden migration leaves the same schema as the operations.
    let (people_1, blog_1) = initial().await;
    let (people_2, _) = changes().await;
    let database = ScratchDatabase::new().await;
    let db = connect(&database).await;
    let manager = SchemaManager::new(&db);
    for ops in [&people_1, &blog_1, &people_2] {
        up(&manager, ops).await.unwrap();
    }
    golden_blog::Migration.up(&manager).await.unwrap();
    let mut v2_all = vec![EntitySchema::of::<v2::person::Entity>()];
    v2_all.extend(v2_blog());
    assert_shapes(&db, &v2_all).await;
    golden_blog::Migration.down(&manager).await.unwrap();
    assert_shapes(&db, &v1_blog()).await;
}

#[tokio::test]
async fn the_editor_drops_inline_unique_constraints_and_keeps_checks() {
    use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Table};
    use web_schema::editor;
    let database = ScratchDatabase::new().await;
    let db = connect(&database).await;
    let manager = SchemaManager::new(&db);
    // A table as hand-written migrations make them: inline UNIQUE and CHECK.
    manager
        .create_table(
            Table::create()
                .table(Alias::new("items"))
                .col(editor::id(&manager, Alias::new("id")))
                .col(
                    ColumnDef::new(Alias::new("code"))
                        .string_len(20)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(Alias::new("qty"))
                        .integer()
                        .not_null()
                        .check(Expr::col(Alias::new("qty")).gte(0)),
                )
                .to_owned(),
        )
        .await
        .unwrap();
    execute(&db, "INSERT INTO items (code, qty) VALUES ('a', 1)").await;
    editor::drop_unique(&manager, Alias::new("items"), &["code"])
        .await
        .unwrap();
    execute(&db, "INSERT INTO items (code, qty) VALUES ('a', 2)").await;
    editor::alter_column(
        &manager,
        Alias::new("items"),
        ColumnDef::new(Alias::new("qty"))
            .big_integer()
            .null()
            .default(3)
            .to_owned(),
    )
    .await
    .unwrap();
    execute(&db, "INSERT INTO items (code) VALUES ('b')").await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM items WHERE qty = 3").await,
        1
    );
    let negative = db
        .execute_unprepared("INSERT INTO items (code, qty) VALUES ('c', -1)")
        .await;
    // MariaDB and PostgreSQL keep a CHECK through an ALTER; SQLite's rebuild keeps it too.
    assert!(negative.is_err(), "the CHECK survived the alteration");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM items").await, 3);
}
