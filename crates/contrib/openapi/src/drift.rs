//! Whether a project's OpenAPI document and its routes agree: every route under `/api/`
//! documented, every documented operation routed. Projects assert it in a test, so the
//! document cannot drift from the handlers.

use std::collections::BTreeSet;

/// `(METHOD, path)`: `("POST", "/api/accounts/token")`.
pub type Operation = (String, String);

/// How a served OpenAPI document and the project's routes differ.
#[derive(Debug)]
pub struct Drift {
    /// Every operation the document describes.
    pub documented: BTreeSet<Operation>,
    /// Routes under `/api/` the document leaves out.
    pub undocumented: Vec<Operation>,
    /// Operations the document describes that no route serves.
    pub unrouted: Vec<Operation>,
}

impl Drift {
    /// Compares `doc` (the JSON of `/api/openapi.json`) with `project`'s routes under
    /// `/api/`, leaving out the Swagger UI pages (HTML for people, not part of the API).
    pub fn of(doc: &serde_json::Value, project: &web::Project) -> anyhow::Result<Drift> {
        let mut documented = BTreeSet::new();
        let paths = doc["paths"]
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("the document has no `paths` object"))?;
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|ops| ops.keys()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let routed: BTreeSet<Operation> = project
            .resolve_urls()?
            .routes
            .iter()
            .filter(|r| r.path.starts_with("/api/") && !r.name.starts_with("api_docs:docs"))
            .flat_map(|r| r.methods.iter().map(|m| (m.to_string(), r.path.clone())))
            .collect();
        Ok(Drift {
            undocumented: routed.difference(&documented).cloned().collect(),
            unrouted: documented.difference(&routed).cloned().collect(),
            documented,
        })
    }

    /// Panics, naming each difference and what to do, unless the two agree (for tests).
    pub fn assert_none(&self) {
        assert!(
            self.undocumented.is_empty(),
            "routes missing from the OpenAPI document (add #[utoipa::path] and list them in the app's ApiDoc): {:?}",
            self.undocumented
        );
        assert!(
            self.unrouted.is_empty(),
            "documented operations no route serves: {:?}",
            self.unrouted
        );
    }
}
