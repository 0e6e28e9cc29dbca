//! The accounts app's management commands: `createsuperuser`, `createuser`,
//! `changepassword`, `permissions` and `group`.

use anyhow::{Context, bail};
use async_trait::async_trait;
use clap::{ArgMatches, Args, FromArgMatches};
use web::{AppState, Command};

use crate::auth::Auth;
use crate::forms::is_valid_email;
use crate::models::user::{self, CreateUserError, normalize_email};
use crate::passwords;
use crate::permissions::{self, GroupError};
use crate::users::{Account, create_user};

/// Reads the password: one line from stdin with `--password-stdin`, else a hidden prompt
/// (twice, like Django).
async fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        if from_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            return Ok(line.trim_end_matches(['\n', '\r']).to_string());
        }
        let first = rpassword::prompt_password("Password: ")
            .context("reading the password (use --password-stdin without a terminal)")?;
        let again = rpassword::prompt_password("Password (again): ")?;
        if first != again {
            bail!("the two passwords didn't match");
        }
        Ok(first)
    })
    .await?
}

fn check_password(password: &str, email: &str) -> anyhow::Result<()> {
    let problems = passwords::validate(password, email);
    if !problems.is_empty() {
        bail!("the password was refused:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

/// Create a staff superuser (same password rules as registration)
#[derive(Args, Debug)]
pub struct CreateSuperuserArgs {
    /// The superuser's email (their login)
    #[arg(long)]
    email: String,
    /// Display name
    #[arg(long, default_value = "")]
    name: String,
    /// Read the password as one line from stdin instead of prompting
    #[arg(long)]
    password_stdin: bool,
}

pub struct CreateSuperuser;

#[async_trait]
impl Command for CreateSuperuser {
    fn definition(&self) -> clap::Command {
        CreateSuperuserArgs::augment_args(
            clap::Command::new("createsuperuser")
                .about("Create a staff superuser (same password rules as registration)"),
        )
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = CreateSuperuserArgs::from_arg_matches(matches)?;
        let email = normalize_email(&args.email);
        if !is_valid_email(&email) {
            bail!("`{}` is not a valid email address", args.email);
        }
        if user::find_by_email(state.db(), &email).await?.is_some() {
            bail!(
                "a user with the email {email} already exists (use `changepassword` to reset their password)"
            );
        }
        let password = read_password(args.password_stdin).await?;
        check_password(&password, &email)?;
        let auth: Auth = state.service()?;
        let account = Account::superuser(&email, &password).named(&args.name);
        match create_user(state.db(), &auth.hasher, account).await {
            Ok(_) => {
                println!("Superuser {email} created.");
                Ok(())
            }
            Err(CreateUserError::EmailTaken) => {
                bail!("a user with the email {email} already exists")
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Create a user who is not a superuser (same password rules as registration)
#[derive(Args, Debug)]
pub struct CreateUserArgs {
    /// The user's email (their login)
    #[arg(long)]
    email: String,
    /// Display name
    #[arg(long, default_value = "")]
    name: String,
    /// May log in to the admin site (what they may do there comes from their permissions)
    #[arg(long)]
    staff: bool,
    /// Read the password as one line from stdin instead of prompting
    #[arg(long)]
    password_stdin: bool,
}

pub struct CreateUser;

#[async_trait]
impl Command for CreateUser {
    fn definition(&self) -> clap::Command {
        CreateUserArgs::augment_args(clap::Command::new("createuser").about(
            "Create a user who is not a superuser; --staff lets them log in to the admin site",
        ))
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = CreateUserArgs::from_arg_matches(matches)?;
        let email = normalize_email(&args.email);
        if !is_valid_email(&email) {
            bail!("`{}` is not a valid email address", args.email);
        }
        if user::find_by_email(state.db(), &email).await?.is_some() {
            bail!("a user with the email {email} already exists");
        }
        let password = read_password(args.password_stdin).await?;
        check_password(&password, &email)?;
        let auth: Auth = state.service()?;
        let account = if args.staff {
            Account::staff(&email, &password)
        } else {
            Account::user(&email, &password)
        }
        .named(&args.name);
        match create_user(state.db(), &auth.hasher, account).await {
            Ok(_) => {
                let kind = if args.staff { "Staff user" } else { "User" };
                println!("{kind} {email} created.");
                Ok(())
            }
            Err(CreateUserError::EmailTaken) => {
                bail!("a user with the email {email} already exists")
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// List every permission code with what it allows
pub struct Permissions;

#[async_trait]
impl Command for Permissions {
    fn definition(&self) -> clap::Command {
        clap::Command::new("permissions").about(
            "List every permission, one per line: its code (APP.ACTION_MODEL) and what it allows",
        )
    }

    async fn run(&self, state: &AppState, _matches: &ArgMatches) -> anyhow::Result<()> {
        use std::io::Write;
        let all = permissions::all(state.db()).await?;
        let mut out = std::io::stdout().lock();
        for p in all {
            match writeln!(out, "{}\t{}", p.code, p.name) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
                other => other?,
            }
        }
        Ok(())
    }
}

/// Create groups of permissions and put users in them
#[derive(clap::Subcommand, Debug)]
pub enum GroupCommand {
    /// Create the group, or replace its permissions with those given
    Create {
        /// The group's name, e.g. "Catalog editors"
        name: String,
        /// A permission code (repeat for several); see `project permissions`
        #[arg(long = "perm", value_name = "CODE")]
        perms: Vec<String>,
    },
    /// Put a user in the group
    AddUser {
        /// The group's name
        name: String,
        /// The user's email
        #[arg(long)]
        email: String,
    },
    /// Take a user out of the group
    RemoveUser {
        /// The group's name
        name: String,
        /// The user's email
        #[arg(long)]
        email: String,
    },
}

pub struct Groups;

#[async_trait]
impl Command for Groups {
    fn definition(&self) -> clap::Command {
        use clap::Subcommand;
        GroupCommand::augment_subcommands(
            clap::Command::new("group")
                .about("Create groups of permissions and put users in them")
                .subcommand_required(true),
        )
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        use clap::FromArgMatches;
        let command = GroupCommand::from_arg_matches(matches)?;
        let db = state.db();
        let outcome: Result<String, GroupError> = match &command {
            GroupCommand::Create { name, perms } => permissions::set_group(db, name, perms)
                .await
                .map(|g| format!("Group \"{}\" has {} permission(s).", g.name, perms.len())),
            GroupCommand::AddUser { name, email } => {
                permissions::add_user(db, name, email).await.map(|()| {
                    format!(
                        "{} is in group \"{}\".",
                        normalize_email(email),
                        name.trim()
                    )
                })
            }
            GroupCommand::RemoveUser { name, email } => permissions::remove_user(db, name, email)
                .await
                .map(|removed| {
                    let email = normalize_email(email);
                    if removed {
                        format!("{email} is no longer in group \"{}\".", name.trim())
                    } else {
                        format!("{email} was not in group \"{}\".", name.trim())
                    }
                }),
        };
        println!("{}", outcome?);
        Ok(())
    }
}

/// Set a user's password; ends their sessions and API tokens
#[derive(Args, Debug)]
pub struct ChangePasswordArgs {
    /// The user's email
    #[arg(long)]
    email: String,
    /// Read the password as one line from stdin instead of prompting
    #[arg(long)]
    password_stdin: bool,
}

pub struct ChangePassword;

#[async_trait]
impl Command for ChangePassword {
    fn definition(&self) -> clap::Command {
        ChangePasswordArgs::augment_args(
            clap::Command::new("changepassword")
                .about("Set a user's password; ends their sessions and API tokens"),
        )
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = ChangePasswordArgs::from_arg_matches(matches)?;
        let Some(user) = user::find_by_email(state.db(), &args.email).await? else {
            bail!("no user has the email {}", normalize_email(&args.email));
        };
        let password = read_password(args.password_stdin).await?;
        check_password(&password, &user.email)?;
        let auth: Auth = state.service()?;
        auth.set_password(state.db(), &user, &password).await?;
        println!(
            "Password changed for {}; their sessions and API tokens have ended.",
            user.email
        );
        Ok(())
    }
}
