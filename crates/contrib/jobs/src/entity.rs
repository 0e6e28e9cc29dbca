//! The `jobs` table: one row per job, from enqueued to done or failed.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for its `run_at`, or for a worker.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Claimed by a worker until `locked_until`.
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "done")]
    Done,
    /// Out of attempts; `last_error` says why.
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub queue: String,
    #[sea_orm(column_type = "String(StringLen::N(150))")]
    pub task: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub status: JobStatus,
    #[sea_orm(default_value = 0)]
    pub attempts: i32,
    /// `None`: `jobs.max_attempts`.
    pub max_attempts: Option<i32>,
    /// Not before this instant.
    pub run_at: TimeDateTimeWithTimeZone,
    /// The claiming worker's lease ends here (then another may claim the job).
    pub locked_until: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub locked_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// A periodic task's occurrence (`jobs.cleanup@1764576000`): unique, so however many
    /// workers schedule it, it is enqueued once.
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable, unique)]
    pub unique_key: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    #[sea_orm(indexed)]
    pub finished_at: Option<TimeDateTimeWithTimeZone>,
}

pub type Job = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
