//! Permissions and groups, Django's authorization model: the stored permissions (kept in
//! step with what the apps declare by every `migrate`), groups of them, and what one user
//! may do: their own permissions and their groups', all for a superuser, none when inactive.

mod groups;
mod stored;
mod user;

pub use groups::{
    GroupError, add_user, all_groups, create_group, delete_group, group_codes, groups_of,
    remove_user, set_group, set_user_access, update_group,
};
pub use stored::{StorePermissions, all, sync};
pub use user::{UserPermissions, direct_codes, template_value};
