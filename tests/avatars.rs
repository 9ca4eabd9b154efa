//! Avatars: uploaded as GraphQL multipart requests, checked by content, decoded under limits,
//! stored once per content and served with long-lived caching.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ExtendedColorType, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::{TestApp, TestResponse, first_error_code};

const UPLOAD: &str = "mutation ($file: Upload!) { uploadAvatar(file: $file) { id avatarUrl } }";
const BOUNDARY: &str = "rollcall-test-boundary-5f0c2a";

/// One part of a multipart body.
struct Part<'a> {
    name: &'a str,
    filename: Option<&'a str>,
    content_type: Option<&'a str>,
    content: &'a [u8],
}

/// A `multipart/form-data` body of `parts`, written by hand.
fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = part.filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// `POST /graphql` with a multipart body, as `token` when given. It carries the header that
/// multipart requests need (the server refuses them without, against cross-site forgery).
fn multipart_request(token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("graphql-require-preflight", "1");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::from(body)).expect("request")
}

/// The parts of a GraphQL multipart request running `query` with `file` as `$file`.
fn upload_body(query: &str, file: &[u8], filename: &str, content_type: &str) -> Vec<u8> {
    let operations = json!({ "query": query, "variables": { "file": null } }).to_string();
    multipart_body(&[
        Part {
            name: "operations",
            filename: None,
            content_type: None,
            content: operations.as_bytes(),
        },
        Part {
            name: "map",
            filename: None,
            content_type: None,
            content: br#"{ "0": ["variables.file"] }"#,
        },
        Part {
            name: "0",
            filename: Some(filename),
            content_type: Some(content_type),
            content: file,
        },
    ])
}

impl TestApp {
    /// Uploads `file` as the avatar of the account holding `token` (anonymous without one).
    async fn upload(&self, token: Option<&str>, file: &[u8], filename: &str) -> TestResponse {
        let body = upload_body(UPLOAD, file, filename, "image/png");
        self.send(multipart_request(token, body)).await
    }

    /// Uploads `file` and answers the response body; fails the test on a non-200 status.
    async fn upload_ok(&self, token: &str, file: &[u8]) -> Value {
        let response = self.upload(Some(token), file, "avatar").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }

    async fn get(&self, uri: &str) -> TestResponse {
        let request = Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }
}

/// The path of an avatar URL (`http://host/media/...` → `/media/...`).
fn path_of(url: &str) -> &str {
    let start = url
        .find("/media/avatars/")
        .unwrap_or_else(|| panic!("{url}"));
    &url[start..]
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encoding");
    out.into_inner()
}

/// A 320 × 200 picture with some structure, so that resizing has something to do.
fn picture() -> RgbImage {
    RgbImage::from_fn(320, 200, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    })
}

fn png() -> Vec<u8> {
    encoded(&DynamicImage::ImageRgb8(picture()), ImageFormat::Png)
}

fn jpeg() -> Vec<u8> {
    encoded(&DynamicImage::ImageRgb8(picture()), ImageFormat::Jpeg)
}

fn webp() -> Vec<u8> {
    let image = RgbaImage::from_fn(200, 300, |x, y| {
        Rgba([(x % 256) as u8, 0, (y % 256) as u8, 200])
    });
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(&image, 200, 300, ExtendedColorType::Rgba8)
        .expect("encoding");
    out
}

/// The four-character codes of the chunks of a RIFF (WebP) file.
fn riff_chunks(bytes: &[u8]) -> Vec<String> {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WEBP");
    let mut chunks = Vec::new();
    let mut at = 12;
    while at + 8 <= bytes.len() {
        chunks.push(String::from_utf8_lossy(&bytes[at..at + 4]).into_owned());
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        at += 8 + size + size % 2;
    }
    assert_eq!(at, bytes.len(), "the chunks fill the file");
    chunks
}

#[tokio::test(flavor = "multi_thread")]
async fn a_png_becomes_a_256_px_webp_served_with_long_caching() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let body = app.upload_ok(&ann.access, &png()).await;
    let url = body["data"]["uploadAvatar"]["avatarUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        url.starts_with(&format!("{}/media/avatars/", app.app.config.public_url())),
        "{url}"
    );
    assert!(url.ends_with(".webp"), "{url}");
    let me = app.gql_as(&ann, "{ me { avatarUrl } }", json!({})).await;
    assert_eq!(me["data"]["me"]["avatarUrl"], url);

    let response = app.get(path_of(url)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "image/webp");
    assert_eq!(
        response.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.header("x-content-type-options"), "nosniff");
    let hash = path_of(url)
        .trim_start_matches("/media/avatars/")
        .trim_end_matches(".webp");
    assert_eq!(response.header("etag"), format!("\"{hash}\""));
    let image = image::load_from_memory_with_format(&response.body, ImageFormat::WebP)
        .expect("a WebP image");
    assert_eq!((image.width(), image.height()), (256, 256));
    assert_eq!(riff_chunks(&response.body), ["VP8L"]);
    assert!(response.body.len() < 512 * 1024, "{}", response.body.len());

    // A client holding it gets 304.
    let request = Request::builder()
        .uri(path_of(url))
        .header("if-none-match", format!("\"{hash}\""))
        .body(Body::empty())
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::NOT_MODIFIED);
    assert!(response.body.is_empty());
}

/// A JPEG of a 100 × 100 picture, red above and blue below, that says in its EXIF data that it
/// must be turned 180° to be seen upright.
fn upside_down_jpeg() -> Vec<u8> {
    let picture = RgbImage::from_fn(100, 100, |_, y| {
        if y < 50 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let jpeg = encoded(&DynamicImage::ImageRgb8(picture), ImageFormat::Jpeg);
    // APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112) = 3.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0]);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).expect("short").to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn jpeg_and_webp_are_accepted_and_metadata_is_dropped() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    for file in [jpeg(), webp(), upside_down_jpeg()] {
        let body = app.upload_ok(&ann.access, &file).await;
        let url = body["data"]["uploadAvatar"]["avatarUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        let response = app.get(path_of(url)).await;
        assert_eq!(response.status, StatusCode::OK);
        let image = image::load_from_memory_with_format(&response.body, ImageFormat::WebP)
            .expect("a WebP image");
        assert_eq!((image.width(), image.height()), (256, 256));
        assert_eq!(riff_chunks(&response.body), ["VP8L"]);
        assert!(!response.body.windows(4).any(|w| w == b"Exif"));
    }
    // The last one was turned upright: blue above, red below.
    let me = app.gql_as(&ann, "{ me { avatarUrl } }", json!({})).await;
    let url = me["data"]["me"]["avatarUrl"].as_str().expect("a URL");
    let image = image::load_from_memory(&app.get(path_of(url)).await.body)
        .expect("an image")
        .into_rgb8();
    let top = image.get_pixel(128, 20).0;
    let bottom = image.get_pixel(128, 235).0;
    assert!(top[2] > 200 && top[0] < 60, "top {top:?}");
    assert!(bottom[0] > 200 && bottom[2] < 60, "bottom {bottom:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_image_is_stored_once() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let bob = app.user("bob", Role::Employee).await;
    let first = app.upload_ok(&ann.access, &png()).await;
    let again = app.upload_ok(&ann.access, &png()).await;
    let other = app.upload_ok(&bob.access, &png()).await;
    let url = &first["data"]["uploadAvatar"]["avatarUrl"];
    assert!(url.is_string(), "{first}");
    assert_eq!(&again["data"]["uploadAvatar"]["avatarUrl"], url);
    assert_eq!(&other["data"]["uploadAvatar"]["avatarUrl"], url);
    assert_eq!(app.count("SELECT count(*) AS n FROM avatars").await, 1);
    assert_eq!(
        app.count(
            "SELECT count(DISTINCT avatar_hash) AS n FROM users WHERE avatar_hash IS NOT NULL"
        )
        .await,
        1
    );
}

/// Asserts that `response` is BAD_USER_INPUT on `file`, and answers its message.
fn assert_bad_file(response: &TestResponse) -> String {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "file", "{body}");
    assert!(body["data"].is_null(), "{body}");
    body["errors"][0]["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_judged_by_their_content() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let not_a_png = b"this is a text file that claims to be a PNG".to_vec();
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let mut truncated = png();
    truncated.truncate(60);
    for (file, expected) in [
        (not_a_png, "not a PNG, JPEG or WebP"),
        (gif, "not a PNG, JPEG or WebP"),
        (truncated, "could not be read"),
    ] {
        let response = app.upload(Some(&ann.access), &file, "avatar.png").await;
        let message = assert_bad_file(&response);
        assert!(message.contains(expected), "{message}");
    }
    // A PNG is taken whatever its name and declared type.
    let body = upload_body(UPLOAD, &png(), "notes.txt", "text/plain");
    let response = app.send(multipart_request(Some(&ann.access), body)).await;
    assert!(response.json()["data"]["uploadAvatar"]["avatarUrl"].is_string());
    assert_eq!(app.count("SELECT count(*) AS n FROM avatars").await, 1);
}

/// Writes the bits of DEFLATE streams, least significant first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    bit: u32,
}

impl Bits {
    fn push(&mut self, value: u32, count: u32) {
        for i in 0..count {
            if self.bit == 0 {
                self.out.push(0);
            }
            if value >> i & 1 == 1 {
                *self.out.last_mut().expect("a byte") |= 1 << self.bit;
            }
            self.bit = (self.bit + 1) % 8;
        }
    }

    /// A Huffman code, which DEFLATE writes most significant bit first.
    fn code(&mut self, code: u32, count: u32) {
        self.push(code.reverse_bits() >> (32 - count), count);
    }
}

/// A zlib stream of `len` zero bytes, about 1,000 times smaller: one literal, then matches of
/// 258 bytes at distance 1, in a single block with the fixed Huffman codes.
fn zlib_zeros(len: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.push(1, 1); // the final block
    bits.push(1, 2); // fixed codes
    bits.code(0x30, 8); // literal 0
    let mut left = len - 1;
    while left >= 258 {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    let adler = ((len % 65521) as u32) << 16 | 1;
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(&bits.out);
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                crc >> 1 ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG of `width` × `height` black pixels (`color_type` 0 gray, 6 RGBA; `depth` bits per
/// sample), built without holding its pixels: a decompression bomb of a few hundred KB.
fn black_png(width: u32, height: u32, color_type: u8, depth: u8) -> Vec<u8> {
    let bits_per_pixel = usize::from(depth) * if color_type == 6 { 4 } else { 1 };
    let row = 1 + (width as usize * bits_per_pixel).div_ceil(8);
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color_type, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", zlib_zeros(row * height as usize)),
        (b"IEND", Vec::new()),
    ] {
        png.extend_from_slice(&u32::try_from(data.len()).expect("short").to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn the_crafted_png_is_valid() {
    let small = black_png(300, 200, 0, 1);
    let image = image::load_from_memory_with_format(&small, ImageFormat::Png).expect("decodes");
    assert_eq!((image.width(), image.height()), (300, 200));
    let rgba = black_png(40, 30, 6, 8);
    let image = image::load_from_memory_with_format(&rgba, ImageFormat::Png).expect("decodes");
    assert!(image.into_rgba8().pixels().all(|p| p.0 == [0, 0, 0, 0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn decompression_bombs_are_refused_and_the_server_goes_on() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    // 10,000 × 10,000: 12.5 MB of pixels even at one bit each, from an 80 KB file.
    let wide = black_png(10_000, 10_000, 0, 1);
    assert!(wide.len() < 100 * 1024, "{}", wide.len());
    // 6,000 × 6,000 RGBA: within the side limit, but 144 MB decoded, from under 1 MB.
    let heavy = black_png(6_000, 6_000, 6, 8);
    assert!(heavy.len() < 1024 * 1024, "{}", heavy.len());
    for bomb in [wide, heavy] {
        let response = app.upload(Some(&ann.access), &bomb, "bomb.png").await;
        let message = assert_bad_file(&response);
        assert!(message.contains("too large"), "{message}");
    }
    let body = app.upload_ok(&ann.access, &png()).await;
    assert!(
        body["data"]["uploadAvatar"]["avatarUrl"].is_string(),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_over_2_mib_are_refused() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    // 2.5 MiB: the body is within the 3 MiB multipart limit, so the operation refuses the file.
    let mut big = png();
    big.resize(5 * 512 * 1024, 0);
    let message = assert_bad_file(&app.upload(Some(&ann.access), &big, "big.png").await);
    assert!(message.contains("2 MiB"), "{message}");
    // 3.5 MiB: the body is over the multipart limit, refused before GraphQL with 413.
    big.resize(7 * 512 * 1024, 0);
    let response = app.upload(Some(&ann.access), &big, "big.png").await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error_code(&response.json()), "PAYLOAD_TOO_LARGE");
    assert_eq!(
        app.gql("{ version }", json!({})).await["data"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_confirmed_accounts_upload() {
    let app = TestApp::new().await;
    let body = app.upload(None, &png(), "avatar.png").await.json();
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{body}");
    let uma = app
        .account("uma", Role::User, AccountStatus::Unconfirmed)
        .await;
    let body = app
        .upload(Some(&uma.access), &png(), "avatar.png")
        .await
        .json();
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(app.count("SELECT count(*) AS n FROM avatars").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_malformed_avatar_names_are_404() {
    let app = TestApp::new().await;
    let unknown = "0".repeat(64);
    for uri in [
        format!("/media/avatars/{unknown}.webp"),
        format!("/media/avatars/{}.webp", "A".repeat(64)),
        format!("/media/avatars/{unknown}.png"),
        format!("/media/avatars/{unknown}"),
        "/media/avatars/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/media/avatars/".to_owned(),
    ] {
        let response = app.get(&uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(first_error_code(&response.json()), "NOT_FOUND", "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_can_only_come_from_a_multipart_part() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let query = "mutation ($file: Upload!) { uploadAvatar(file: $file) { id } }";
    // Strings that look like the references the server writes for attached files.
    for forged in ["#__graphql_file__:0", "#__graphql_file__:x", "a file"] {
        let body = app.gql_as(&ann, query, json!({ "file": forged })).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "file", "{body}");
        let body = app.gql(query, json!({ "file": forged })).await;
        assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    let body = app
        .gql_as(
            &ann,
            r##"mutation { uploadAvatar(file: "#__graphql_file__:7") { id } }"##,
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_multipart_requests_are_400() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    let operations = json!({ "query": UPLOAD, "variables": { "file": null } }).to_string();
    let part = |name, content| Part {
        name,
        filename: None,
        content_type: None,
        content,
    };
    let file = png();
    let file_part = |name| Part {
        name,
        filename: Some("a.png"),
        content_type: Some("image/png"),
        content: &file,
    };
    let cases = [
        // No map.
        multipart_body(&[part("operations", operations.as_bytes()), file_part("0")]),
        // Map first.
        multipart_body(&[
            part("map", br#"{"0": ["variables.file"]}"#),
            part("operations", operations.as_bytes()),
            file_part("0"),
        ]),
        // A file map does not name.
        multipart_body(&[
            part("operations", operations.as_bytes()),
            part("map", br#"{"0": ["variables.file"]}"#),
            file_part("1"),
        ]),
        // A file map names but the body lacks.
        multipart_body(&[
            part("operations", operations.as_bytes()),
            part("map", br#"{"0": ["variables.file"]}"#),
        ]),
        // A path that is no variable.
        multipart_body(&[
            part("operations", operations.as_bytes()),
            part("map", br#"{"0": ["variables.picture"]}"#),
            file_part("0"),
        ]),
        // Two files.
        multipart_body(&[
            part("operations", operations.as_bytes()),
            part(
                "map",
                br#"{"0": ["variables.file"], "1": ["variables.file"]}"#,
            ),
            file_part("0"),
            file_part("1"),
        ]),
        // Map not JSON, operations a batch.
        multipart_body(&[part("operations", operations.as_bytes()), part("map", b"0")]),
        multipart_body(&[
            part("operations", format!("[{operations}]").as_bytes()),
            part("map", br#"{"0": ["variables.file"]}"#),
            file_part("0"),
        ]),
        // Not multipart at all.
        b"just some bytes".to_vec(),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        let response = app.send(multipart_request(Some(&ann.access), body)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "case {i}: {}",
            response.text()
        );
        assert_eq!(
            first_error_code(&response.json()),
            "BAD_REQUEST",
            "case {i}"
        );
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "multipart/form-data")
        .header("graphql-require-preflight", "1")
        .body(Body::from(upload_body(UPLOAD, &file, "a.png", "image/png")))
        .expect("request");
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) AS n FROM avatars").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_keeps_its_limit_and_get_takes_no_multipart() {
    let app = TestApp::new().await;
    let ann = app.user("ann", Role::User).await;
    // 1.5 MiB of JSON: under the multipart limit, over the JSON one.
    let padding = " ".repeat(3 * 512 * 1024);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(format!(
            "{{\"query\": \"{{ version }}\"{padding}}}"
        )))
        .expect("request");
    assert_eq!(
        app.send(request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // So is the operations part of a multipart request.
    let operations = format!(
        "{{\"query\": {}, \"variables\": {{\"file\": null}}{padding}}}",
        json!(UPLOAD)
    );
    let body = multipart_body(&[
        Part {
            name: "operations",
            filename: None,
            content_type: None,
            content: operations.as_bytes(),
        },
        Part {
            name: "map",
            filename: None,
            content_type: None,
            content: br#"{"0": ["variables.file"]}"#,
        },
    ]);
    let response = app.send(multipart_request(Some(&ann.access), body)).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error_code(&response.json()), "PAYLOAD_TOO_LARGE");

    // GET never reads a body: the multipart body is ignored and the request has no query.
    let request = Request::builder()
        .method(Method::GET)
        .uri("/graphql")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("authorization", format!("Bearer {}", ann.access))
        .body(Body::from(upload_body(
            UPLOAD,
            &png(),
            "a.png",
            "image/png",
        )))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(first_error_code(&response.json()), "BAD_REQUEST");
    assert_eq!(app.count("SELECT count(*) AS n FROM avatars").await, 0);
}
