//! Jobs on the admin site: queued, running, failed and done jobs, read-only, with a
//! "Retry" action on failed ones.

use async_trait::async_trait;
use sea_orm::EntityTrait;

use super::entity::{self, Entity, Job};
use super::queue;
use web::state::AppState;
use web::{Error, FieldErrors};
use web_modeladmin::{
    Action, ActionRequest, Column, Field, FieldKind, Filter, FilterValue, FormData, ListPage,
    ListQuery, ListSpec, ModelAdmin, ModelIdentity, Object, Row, datetime, list_page,
};

pub struct JobAdmin;

const STATUSES: [&str; 4] = ["queued", "running", "failed", "done"];

fn spec() -> ListSpec<Entity> {
    use entity::Column as C;
    ListSpec {
        search: vec![C::Task],
        filters: vec![
            ("status", C::Status, FilterValue::Text),
            ("queue", C::Queue, FilterValue::Text),
        ],
        sort: vec![
            ("id", C::Id),
            ("task", C::Task),
            ("status", C::Status),
            ("attempts", C::Attempts),
            ("run_at", C::RunAt),
        ],
        id: C::Id,
    }
}

fn object(job: Job) -> Object {
    let optional = |t: Option<time::OffsetDateTime>| t.as_ref().map(datetime).unwrap_or_default();
    let values = [
        ("task", job.task.clone()),
        ("queue", job.queue),
        ("status", job.status.as_str().to_string()),
        ("attempts", job.attempts.to_string()),
        ("run_at", datetime(&job.run_at)),
        ("payload", job.payload),
        ("last_error", job.last_error.unwrap_or_default()),
        ("locked_by", job.locked_by.unwrap_or_default()),
        ("locked_until", optional(job.locked_until)),
        ("created_at", datetime(&job.created_at)),
        ("finished_at", optional(job.finished_at)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Object {
        id: job.id,
        repr: format!("#{} {}", job.id, job.task),
        values,
        inlines: Vec::new(),
    }
}

#[async_trait]
impl ModelAdmin for JobAdmin {
    fn identity(&self) -> &'static ModelIdentity {
        web_modeladmin::model_identity!("jobs", "job")
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("id", "Id"),
            Column::new("task", "Task"),
            Column::new("queue", "Queue").unsortable(),
            Column::new("status", "Status"),
            Column::new("attempts", "Attempts"),
            Column::new("run_at", "Due"),
            Column::new("last_error", "Last error").unsortable(),
        ]
    }
    fn search_help(&self) -> Option<&'static str> {
        Some("task name")
    }
    fn filters(&self) -> Vec<Filter> {
        vec![Filter::choices("status", "Status", &STATUSES)]
    }
    fn fields(&self) -> Vec<Field> {
        [
            ("task", "Task"),
            ("queue", "Queue"),
            ("status", "Status"),
            ("attempts", "Attempts"),
            ("run_at", "Due"),
            ("payload", "Payload"),
            ("last_error", "Last error"),
            ("locked_by", "Worker"),
            ("locked_until", "Lease until"),
            ("created_at", "Enqueued"),
            ("finished_at", "Finished"),
        ]
        .into_iter()
        .map(|(name, label)| Field::new(name, label, FieldKind::Text).read_only())
        .collect()
    }
    fn actions(&self) -> Vec<Action> {
        vec![Action::new("retry", "Retry")]
    }
    fn can_add(&self) -> bool {
        false
    }
    fn can_change(&self) -> bool {
        false
    }
    fn can_delete(&self) -> bool {
        false
    }

    async fn list(&self, state: &AppState, query: &ListQuery) -> Result<ListPage, Error> {
        let (jobs, total) =
            list_page(state.db(), Entity::find(), &spec(), query, ("id", true)).await?;
        let rows = jobs
            .into_iter()
            .map(|j| Row {
                id: j.id,
                cells: vec![
                    j.id.to_string(),
                    j.task,
                    j.queue,
                    j.status.as_str().to_string(),
                    j.attempts.to_string(),
                    datetime(&j.run_at),
                    j.last_error
                        .as_deref()
                        .and_then(|e| e.lines().next())
                        .unwrap_or_default()
                        .to_string(),
                ],
            })
            .collect();
        Ok(ListPage { rows, total })
    }

    async fn object(&self, state: &AppState, id: i64) -> Result<Option<Object>, Error> {
        Ok(Entity::find_by_id(id).one(state.db()).await?.map(object))
    }

    async fn run_action(
        &self,
        state: &AppState,
        _request: &ActionRequest,
        id: i64,
        action: &str,
        _form: &FormData,
    ) -> Result<Result<String, FieldErrors>, Error> {
        if action != "retry" {
            return Err(Error::not_found("No such action."));
        }
        if queue::retry(state.db(), id).await? {
            Ok(Ok("The job was queued again.".into()))
        } else {
            Err(Error::conflict(
                "invalid_state",
                "Only a failed job can be retried.",
            ))
        }
    }
}
