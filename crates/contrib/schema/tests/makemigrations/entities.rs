//! Two versions of a small project's entities: app `people` (one table) and app `blog`
//! (posts referring to people across apps, drafts, and in v2 tags).

pub mod v1 {
    pub mod person {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "people")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(unique, column_type = "String(StringLen::N(100))")]
            pub email: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod post {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "blog_posts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "String(StringLen::N(100))")]
            pub title: String,
            #[sea_orm(unique, column_type = "String(StringLen::N(50))")]
            pub slug: String,
            #[sea_orm(column_type = "String(StringLen::N(80))")]
            pub subtitle: String,
            #[sea_orm(default_value = 0)]
            pub views: i32,
            pub summary: Option<String>,
            pub author_id: i64,
            pub created_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::person::Entity",
                from = "Column::AuthorId",
                to = "super::person::Column::Id",
                on_delete = "Cascade"
            )]
            Author,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod draft {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "blog_drafts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "Text")]
            pub note: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

pub mod v2 {
    pub mod person {
        use sea_orm::entity::prelude::*;

        /// The e-mail column grows: on SQLite, a rebuild of a table other rows refer to.
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "people")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(unique, column_type = "String(StringLen::N(150))")]
            pub email: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod post {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "blog_posts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "String(StringLen::N(200))")]
            pub title: String,
            #[sea_orm(indexed, column_type = "String(StringLen::N(50))")]
            pub slug: String,
            #[sea_orm(column_type = "String(StringLen::N(80))")]
            pub headline: String,
            #[sea_orm(default_value = 0)]
            pub views: Option<i32>,
            #[sea_orm(column_type = "Text", nullable)]
            pub body: Option<String>,
            #[sea_orm(default_value = 5)]
            pub rating: i32,
            pub author_id: i64,
            pub created_at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::person::Entity",
                from = "Column::AuthorId",
                to = "super::person::Column::Id",
                on_delete = "Restrict"
            )]
            Author,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod tag {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "blog_tags")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(unique_key = "post_name")]
            pub post_id: i64,
            #[sea_orm(unique_key = "post_name", column_type = "String(StringLen::N(30))")]
            pub name: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::post::Entity",
                from = "Column::PostId",
                to = "super::post::Column::Id",
                on_delete = "Cascade"
            )]
            Post,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}

/// v1's post with a new required field and no default: not writable as a migration.
pub mod required_field {
    pub mod post {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "blog_posts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "String(StringLen::N(100))")]
            pub title: String,
            #[sea_orm(unique, column_type = "String(StringLen::N(50))")]
            pub slug: String,
            #[sea_orm(column_type = "String(StringLen::N(80))")]
            pub subtitle: String,
            #[sea_orm(default_value = 0)]
            pub views: i32,
            pub summary: Option<String>,
            pub author_id: i64,
            pub created_at: TimeDateTimeWithTimeZone,
            pub extra: i32,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "crate::entities::v1::person::Entity",
                from = "Column::AuthorId",
                to = "crate::entities::v1::person::Column::Id",
                on_delete = "Cascade"
            )]
            Author,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}
