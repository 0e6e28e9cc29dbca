//! `cargo xtask media`: product images on a real S3-compatible server (moto in server
//! mode, from PyPI in a venv), against the release binary: uploads stored in the bucket
//! without their metadata, presigned and public URLs that the bucket serves, thumbnails
//! made by a worker, files removed after the last reference, and a `503` (not a hang)
//! while the storage is down, with uploads working again once it is back.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::e2e::{pypi_venv, server_env, target_dir};
use crate::processes::{
    Processes, free_port, http_get, http_post_json, http_request, run, tempfile_dir, wait_healthy,
};

/// The moto release the task installs (its S3 server, and boto3 to make the bucket).
const MOTO: &str = "moto[server]==5.2.6";
const BUCKET: &str = "store-media";
/// `media.timeout_seconds` here (production: 10 s).
const STORAGE_TIMEOUT_SECONDS: u64 = 2;

/// Product images against a real S3-compatible server (moto) and the release binary
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `project` binary to test [default: build the release binary]
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// A Python with moto[server] installed [default: a venv in target/moto-venv,
    /// installed from PyPI on first use]
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
}

pub fn run_media(args: Args) -> Result<()> {
    let root = crate::workspace_root()?;
    let binary = crate::e2e::release_binary(&root, args.binary.as_deref())?;
    let python = match &args.python {
        Some(python) => python.clone(),
        None => pypi_venv(&target_dir(&root), "moto-venv", MOTO)?.join("bin/python"),
    };
    let work = tempfile_dir::TempDir::new("store-media")?;
    let mut shop = Shop {
        binary,
        dir: work.path().to_path_buf(),
        python,
        s3_port: free_port()?,
        port: free_port()?,
        procs: Processes::default(),
        token: String::new(),
    };
    let outcome = shop.scenarios();
    drop(shop.procs);
    if outcome.is_err() {
        for log in ["server.log", "worker.log", "moto.log"] {
            if let Ok(text) = std::fs::read_to_string(work.path().join(log)) {
                eprintln!("--- {log}\n{text}");
            }
        }
    }
    outcome
}

struct Shop {
    binary: PathBuf,
    dir: PathBuf,
    python: PathBuf,
    s3_port: u16,
    port: u16,
    procs: Processes,
    token: String,
}

impl Shop {
    fn scenarios(&mut self) -> Result<()> {
        self.start_s3()?;
        let endpoint = format!("http://127.0.0.1:{}", self.s3_port);
        let storage = format!("s3://{BUCKET}?endpoint={endpoint}&region=us-east-1&allow_http=true");
        let (dir, port) = (self.dir.clone(), self.port);
        let env = |public_url: &str| {
            let mut env = server_env(&dir, port);
            env.extend(
                [
                    ("APP__MEDIA__STORAGE_URL", storage.as_str()),
                    ("APP__MEDIA__PUBLIC_URL", public_url),
                    (
                        "APP__MEDIA__TIMEOUT_SECONDS",
                        &STORAGE_TIMEOUT_SECONDS.to_string(),
                    ),
                    ("APP__JOBS__RUN_IN_SERVER", "false"),
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            env
        };
        let presigned = env("");
        for args in [&["migrate"][..], &["seed", "--users"]] {
            run(
                &mut self.command(&presigned, args),
                &format!("project {}", args.join(" ")),
            )?;
        }
        println!("ok: the demo catalog's pictures were stored in the bucket by `project seed`");
        self.serve(&presigned)?;
        self.token = self.login()?;

        // 1. An upload is stored in the bucket without its metadata, behind a presigned URL.
        let product = self.a_product()?;
        let sent = jpeg_with_gps(800, 600);
        let image = self.upload(product, &sent, "Front")?;
        let url = image["url"].as_str().context("url")?.to_string();
        ensure!(url.contains("X-Amz-Signature="), "not presigned: {url}");
        let stored = self.fetch(&url)?;
        ensure!(
            !stored.windows(9).any(|w| w == b"GPS-SPOT!")
                && image::load_from_memory(&stored).is_ok(),
            "the stored file kept its metadata or is not an image"
        );
        ensure!(
            image["thumbnail_url"] == image["url"],
            "a thumbnail before the worker ran"
        );
        println!("ok: upload stored in the bucket without metadata, presigned URL served by it");

        // 2. A worker makes the thumbnails; the product JSON then points at the smallest.
        let worker_log = std::fs::File::create(self.dir.join("worker.log"))?;
        let mut worker = self.command(&presigned, &["worker"]);
        worker.stdout(Stdio::null()).stderr(worker_log);
        self.procs.spawn("project worker", &mut worker)?;
        let id = image["id"].as_i64().context("id")?;
        let thumbnail = self.wait_for(product, |images| {
            let uploaded = images.iter().find(|i| i["id"] == id)?;
            let t = uploaded["thumbnail_url"].as_str().unwrap_or_default();
            t.contains("/320.jpg").then(|| t.to_string())
        })?;
        let small = image::load_from_memory(&self.fetch(&thumbnail)?)?;
        ensure!(small.width() == 320, "thumbnail {} px wide", small.width());
        println!("ok: the worker made the 320 px thumbnail in the bucket");

        // 3. Removing the image removes its files from the bucket (after the commit, by
        //    the worker).
        let (status, _) = self.request(
            "DELETE",
            &format!("/api/catalog/products/{product}/images/{id}"),
            "",
            b"",
        )?;
        ensure!(status == 204, "DELETE image answered {status}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.keys()?.iter().any(|k| url.contains(k.as_str())) {
            ensure!(Instant::now() < deadline, "the file is still in the bucket");
            std::thread::sleep(Duration::from_millis(300));
        }
        let keys = self.keys()?;
        ensure!(
            !keys.iter().any(|k| thumbnail.contains(k.as_str())),
            "the thumbnail {thumbnail} is still in the bucket: {:?}",
            keys.iter()
                .filter(|k| thumbnail.contains(k.as_str()))
                .collect::<Vec<_>>()
        );
        println!("ok: the file and its thumbnail left the bucket once nothing referenced them");

        // 4. The storage down: uploads answer 503 within the timeout, reads keep working.
        self.procs.stop("moto");
        let started = Instant::now();
        let (status, body) = self.upload_raw(product, &sent, "Down")?;
        let took = started.elapsed();
        ensure!(
            status == 503,
            "an upload with the storage down answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        ensure!(
            took < Duration::from_secs(STORAGE_TIMEOUT_SECONDS * 4 + 5),
            "the 503 took {took:?}"
        );
        let (status, _) = http_get(self.port, &format!("/api/catalog/products/{product}"), None)?;
        ensure!(
            status == 200,
            "the product JSON with the storage down answered {status}"
        );
        println!(
            "ok: storage down: upload 503 after {:.1} s, product JSON still 200",
            took.as_secs_f64()
        );

        // 4b. A storage that accepts connections and never answers: 503 after the timeout.
        let silent = std::net::TcpListener::bind(("127.0.0.1", self.s3_port))?;
        let held = std::thread::spawn(move || {
            // Hold every connection open, unanswered, until the listener goes.
            let mut open = Vec::new();
            while let Ok((stream, _)) = silent.accept() {
                open.push(stream);
                if open.len() > 20 {
                    break;
                }
            }
        });
        let started = Instant::now();
        let (status, _) = self.upload_raw(product, &sent, "Silent")?;
        let took = started.elapsed();
        ensure!(
            status == 503,
            "an upload to a silent storage answered {status}"
        );
        ensure!(
            took >= Duration::from_secs(STORAGE_TIMEOUT_SECONDS)
                && took < Duration::from_secs(STORAGE_TIMEOUT_SECONDS * 4 + 5),
            "the 503 from a silent storage took {took:?}"
        );
        // Wake the accept loop so the port is free for moto again.
        drop(std::net::TcpStream::connect(("127.0.0.1", self.s3_port)));
        for _ in 0..20 {
            drop(std::net::TcpStream::connect(("127.0.0.1", self.s3_port)));
            if held.is_finished() {
                break;
            }
        }
        held.join().ok();
        println!(
            "ok: a storage that never answers: upload 503 after {:.1} s",
            took.as_secs_f64()
        );

        // 5. Back (moto starts empty: the bucket is made again): uploads work again.
        self.start_s3()?;
        let again = self.upload(product, &sent, "Back")?;
        self.fetch(again["url"].as_str().context("url")?)?;
        println!("ok: storage back: uploads work again");

        // 6. With media.public_url, URLs point at the bucket's public address, unsigned.
        self.procs.stop("project serve");
        self.procs.stop("project worker");
        let public = format!("{endpoint}/{BUCKET}");
        // A public bucket (or a CDN in front of it): anyone may read its files.
        self.boto(&format!(
            "import json\ns3.put_bucket_policy(Bucket='{BUCKET}', Policy=json.dumps({{'Version': '2012-10-17', 'Statement': [{{'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::{BUCKET}/*'}}]}}))"
        ))?;
        self.serve(&env(&public))?;
        let images = self.images(product)?;
        let url = images
            .last()
            .and_then(|i| i["url"].as_str())
            .context("url")?;
        ensure!(
            url.starts_with(&public) && !url.contains("X-Amz"),
            "public URL {url}"
        );
        self.fetch(url)?;
        println!("ok: media.public_url gives plain URLs under the bucket's address");
        println!("media: all scenarios passed");
        Ok(())
    }

    fn command(&self, env: &[(String, String)], args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn serve(&mut self, env: &[(String, String)]) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))?;
        let mut serve = self.command(env, &["serve"]);
        serve.stdout(Stdio::null()).stderr(log);
        self.procs.spawn("project serve", &mut serve)?;
        wait_healthy(self.port, "project serve", Duration::from_secs(30))
    }

    /// moto's S3 server on its port, with an empty bucket.
    fn start_s3(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("moto.log"))?;
        self.procs.spawn(
            "moto",
            Command::new(&self.python)
                .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
                .arg(self.s3_port.to_string())
                .stdout(log.try_clone()?)
                .stderr(log),
        )?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(self.s3_port, "/", None).is_err() {
            ensure!(
                Instant::now() < deadline,
                "moto did not listen on {}",
                self.s3_port
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        self.boto(&format!("s3.create_bucket(Bucket='{BUCKET}')"))?;
        Ok(())
    }

    /// Runs `statement` with `s3`, a boto3 client of the moto server; its printed output.
    fn boto(&self, statement: &str) -> Result<String> {
        let script = format!(
            "import boto3\ns3 = boto3.client('s3', endpoint_url='http://127.0.0.1:{}', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n{statement}\n",
            self.s3_port
        );
        run(Command::new(&self.python).args(["-c", &script]), "boto3")
    }

    /// The keys in the bucket.
    fn keys(&self) -> Result<Vec<String>> {
        let out = self.boto(&format!(
            "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}'):\n    for o in page.get('Contents', []): print(o['Key'])"
        ))?;
        Ok(out.lines().map(str::to_string).collect())
    }

    fn login(&self) -> Result<String> {
        let body = r#"{"email":"staff@example.com","password":"staffpass123"}"#;
        let (status, answer) = http_post_json(self.port, "/api/accounts/token", body)?;
        ensure!(status == 200, "token: {status}");
        let answer: Value = serde_json::from_slice(&answer)?;
        Ok(answer["token"].as_str().context("token")?.to_string())
    }

    fn a_product(&self) -> Result<i64> {
        let (status, body) = http_get(self.port, "/api/catalog/products?per_page=1", None)?;
        ensure!(status == 200, "product list: {status}");
        let list: Value = serde_json::from_slice(&body)?;
        list["items"][0]["id"].as_i64().context("no product")
    }

    fn images(&self, product: i64) -> Result<Vec<Value>> {
        let (status, body) =
            http_get(self.port, &format!("/api/catalog/products/{product}"), None)?;
        ensure!(status == 200, "product {product}: {status}");
        let product: Value = serde_json::from_slice(&body)?;
        Ok(product["images"].as_array().cloned().unwrap_or_default())
    }

    fn wait_for<T>(&self, product: i64, found: impl Fn(&[Value]) -> Option<T>) -> Result<T> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(value) = found(&self.images(product)?) {
                return Ok(value);
            }
            ensure!(Instant::now() < deadline, "waited 30 s for the worker");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>)> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n{headers}",
            self.token,
            body.len()
        );
        http_request(self.port, &head, body)
    }

    fn upload_raw(&self, product: i64, file: &[u8], alt: &str) -> Result<(u16, Vec<u8>)> {
        let boundary = "xtask-media-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.request(
            "POST",
            &format!("/api/catalog/products/{product}/images"),
            &format!("Content-Type: multipart/form-data; boundary={boundary}\r\n"),
            &body,
        )
    }

    fn upload(&self, product: i64, file: &[u8], alt: &str) -> Result<Value> {
        let (status, body) = self.upload_raw(product, file, alt)?;
        if status != 201 {
            bail!(
                "upload answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// GETs an absolute URL on the moto server (or a path on the store); the body.
    fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        let (port, path) = match url.strip_prefix("http://127.0.0.1:") {
            Some(rest) => {
                let (port, path) = rest.split_at(rest.find('/').context("a path")?);
                (port.parse()?, path.to_string())
            }
            None => (self.port, url.to_string()),
        };
        let (status, body) = http_get(port, &path, None)?;
        ensure!(status == 200, "GET {url} answered {status}");
        Ok(body)
    }
}

/// A JPEG whose EXIF block carries a GPS marker (`GPS-SPOT!`), to see it stripped.
fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    use img_parts::ImageEXIF;
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encoding to memory");
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(out.into_inner().into()).expect("a JPEG");
    let mut exif = b"II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS-SPOT! 52.3676 N");
    jpeg.set_exif(Some(exif.into()));
    jpeg.encoder().bytes().to_vec()
}
