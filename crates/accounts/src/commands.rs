//! The accounts app's management commands: `createsuperuser` and `changepassword`.

use anyhow::{Context, bail};
use async_trait::async_trait;
use clap::{ArgMatches, Args, FromArgMatches};
use web::{AppState, Command};

use crate::auth::Auth;
use crate::forms::is_valid_email;
use crate::models::user::{self, CreateUserError, normalize_email};
use crate::passwords;
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
