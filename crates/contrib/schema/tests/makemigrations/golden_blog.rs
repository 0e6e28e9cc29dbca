//! Written by `project makemigrations` for the `blog` app (golden test).
//!
//! - Drop foreign key blog_posts (author_id) -> people
//! - Drop unique constraint on blog_posts (slug)
//! - Rename column blog_posts.subtitle to headline
//! - Drop column blog_posts.summary
//! - Drop table blog_drafts
//! - Create table blog_tags
//! - Add column blog_posts.body (text null)
//! - Add column blog_posts.rating (integer not null default 5)
//! - Alter column blog_posts.title: string_len(100) not null -> string_len(200) not null
//! - Alter column blog_posts.views: integer not null default 0 -> integer null default 0
//! - Add index blog_posts_newest on blog_posts (-created_at, -id)
//! - Add index blog_posts_slug on blog_posts (slug)
//! - Add foreign key blog_posts (author_id) -> people (id)

use sea_orm_migration::prelude::*;
use web_schema::editor;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BlogDrafts {
    Table,
    Id,
    Note,
}

#[derive(DeriveIden)]
enum BlogPosts {
    Table,
    Subtitle,
    Headline,
    Summary,
    Id,
    Body,
    Rating,
    Title,
    Views,
    CreatedAt,
    Slug,
    AuthorId,
}

#[derive(DeriveIden)]
enum BlogTags {
    Table,
    Id,
    PostId,
    Name,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_foreign_key(manager, BlogPosts::Table, &["author_id"]).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("blog_posts_slug_key")
                    .table(BlogPosts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BlogPosts::Table)
                    .rename_column(BlogPosts::Subtitle, BlogPosts::Headline)
                    .to_owned(),
            )
            .await?;
        editor::drop_column(manager, BlogPosts::Table, BlogPosts::Summary).await?;
        manager
            .drop_table(Table::drop().table(BlogDrafts::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BlogTags::Table)
                    .col(editor::id(manager, BlogTags::Id))
                    .col(
                        ColumnDef::new(BlogTags::PostId)
                            .big_integer()
                            .not_null()
                            .to_owned(),
                    )
                    .col(
                        ColumnDef::new(BlogTags::Name)
                            .string_len(30)
                            .not_null()
                            .to_owned(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("blog_tags_post_id_fkey")
                            .from(BlogTags::Table, BlogTags::PostId)
                            .to(BlogPosts::Table, BlogPosts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("blog_tags_post_id_name_key")
                    .table(BlogTags::Table)
                    .col(BlogTags::PostId)
                    .col(BlogTags::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        editor::add_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Body).text().null().to_owned(),
        )
        .await?;
        editor::add_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Rating)
                .integer()
                .not_null()
                .default(5)
                .to_owned(),
        )
        .await?;
        editor::alter_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Title)
                .string_len(200)
                .not_null()
                .to_owned(),
        )
        .await?;
        editor::alter_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Views)
                .integer()
                .null()
                .default(0)
                .to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("blog_posts_newest")
                    .table(BlogPosts::Table)
                    .col((BlogPosts::CreatedAt, IndexOrder::Desc))
                    .col((BlogPosts::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("blog_posts_slug")
                    .table(BlogPosts::Table)
                    .col(BlogPosts::Slug)
                    .to_owned(),
            )
            .await?;
        editor::add_foreign_key(
            manager,
            ForeignKey::create()
                .name("blog_posts_author_id_fkey")
                .from(BlogPosts::Table, BlogPosts::AuthorId)
                .to(People::Table, People::Id)
                .on_delete(ForeignKeyAction::Restrict)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        editor::drop_foreign_key(manager, BlogPosts::Table, &["author_id"]).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("blog_posts_slug")
                    .table(BlogPosts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("blog_posts_newest")
                    .table(BlogPosts::Table)
                    .to_owned(),
            )
            .await?;
        editor::alter_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Views)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        editor::alter_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Title)
                .string_len(100)
                .not_null()
                .to_owned(),
        )
        .await?;
        editor::drop_column(manager, BlogPosts::Table, BlogPosts::Rating).await?;
        editor::drop_column(manager, BlogPosts::Table, BlogPosts::Body).await?;
        manager
            .drop_table(Table::drop().table(BlogTags::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BlogDrafts::Table)
                    .col(editor::id(manager, BlogDrafts::Id))
                    .col(
                        ColumnDef::new(BlogDrafts::Note)
                            .text()
                            .not_null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        editor::add_column(
            manager,
            BlogPosts::Table,
            ColumnDef::new(BlogPosts::Summary)
                .string()
                .null()
                .to_owned(),
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BlogPosts::Table)
                    .rename_column(BlogPosts::Headline, BlogPosts::Subtitle)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("blog_posts_slug_key")
                    .table(BlogPosts::Table)
                    .col(BlogPosts::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        editor::add_foreign_key(
            manager,
            ForeignKey::create()
                .name("blog_posts_author_id_fkey")
                .from(BlogPosts::Table, BlogPosts::AuthorId)
                .to(People::Table, People::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
