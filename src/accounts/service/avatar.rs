//! Avatars: an account's picture, sent with `uploadAvatar` as a file part of a multipart request
//! and served at `GET /media/avatars/<hash>.webp` (see [`crate::accounts::media`]).
//!
//! An upload is taken for what its bytes are (magic numbers), never for its file name or the
//! Content-Type its part declares, and only PNG, JPEG and WebP are accepted. Decoding is the
//! dangerous step: a PNG of a few kilobytes can declare 10,000 × 10,000 pixels and inflate to
//! hundreds of megabytes. So the decoder runs under [`Limits`] (a side of at most
//! [`MAX_SIDE`] pixels, at most [`MAX_DECODED_BYTES`] for the decoded image), checked from the
//! header before any pixel buffer is allocated; a file over them is BAD_USER_INPUT, never an
//! allocation of gigabytes. Decoding and resizing are CPU-bound, so they run through the
//! application's [`crate::offload::Offload`] for such work (`App::cpu`): a bounded number at a
//! time (which also bounds the memory they hold), RATE_LIMITED past a bounded queue.
//!
//! What is kept: the center square, resized to [`SIZE`] × [`SIZE`] with a Lanczos filter and
//! encoded as lossless WebP with no metadata at all: the EXIF orientation of a phone photo is
//! applied to the pixels first, and everything else (GPS position, camera, ICC profile) is
//! dropped. The result is stored in PostgreSQL under the SHA-256 of its bytes, so every instance
//! serves it, the same picture is stored once, and its URL names its content: it can be cached
//! as immutable.

use std::io::Cursor;

use axum::body::Bytes;
use diesel_async::AsyncConnection;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
};
use sha2::{Digest, Sha256};

use crate::accounts::queries;
use crate::app::App;
use crate::auth::identity::{User, UserId};
use crate::error::{AppError, AppResult};
use crate::graphql::upload;

/// The largest file accepted, in bytes. A 256 px avatar needs far less; 2 MiB lets a
/// phone photo through as it is.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
// The HTTP layer must let a file this large through.
const _: () = assert!(MAX_FILE_BYTES <= upload::MAX_FILE_BYTES);
/// The longest side of an image accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// The most memory the decoder may allocate, in bytes: a 12-megapixel photo (36 MB as RGB)
/// fits, a decompression bomb does not. With the slots of `App::cpu`, it bounds what avatars
/// can hold at once.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;
/// Where avatars are served; a name follows: `<hash>.webp`.
pub const AVATARS: &str = "/media/avatars/";
/// The side of a stored avatar, in pixels.
pub const SIZE: u32 = 256;

/// Makes the image in `upload` the avatar of `user`; answers the account as it now is.
pub async fn set_avatar(app: &App, user: UserId, upload: Bytes) -> AppResult<User> {
    if upload.len() > MAX_FILE_BYTES {
        return Err(AppError::bad_input(
            "file",
            format!("an avatar may have at most {} MiB", MAX_FILE_BYTES >> 20),
        ));
    }
    let image = app.cpu.run(move || process(&upload)).await??;
    let hash = content_hash(&image);
    let mut conn = app.pool.get().await?;
    conn.transaction(async |conn| {
        queries::insert_avatar(conn, &hash, &image).await?;
        Ok::<_, AppError>(queries::set_avatar(conn, user, Some(&hash)).await?)
    })
    .await
}

/// Where the avatar with this hash is served: an absolute URL on the server's public URL
/// (`ROLLCALL_PUBLIC_URL`), so a front end served from another origin can use it as it is.
pub fn url(app: &App, hash: &str) -> String {
    format!("{}{}{hash}.webp", app.config.public_url(), AVATARS)
}

/// Whether `text` is the name of an avatar: a SHA-256 in lower-case hex.
pub fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The SHA-256 of `bytes`, in lower-case hex: an avatar's name.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Turns an uploaded file into a stored avatar: a [`SIZE`] px square WebP without metadata.
pub fn process(upload: &[u8]) -> AppResult<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(AppError::internal)?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(AppError::bad_input(
            "file",
            "the file is not a PNG, JPEG or WebP image",
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits.clone());
    // The decoder reads the header only; dimensions are checked against the limits here.
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // Not every decoder counts its output buffer against `max_alloc`: reserve it first, as
    // `ImageReader::decode` does.
    limits.reserve(decoder.total_bytes()).map_err(unreadable)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    let mut avatar = center_square(image).resize_exact(SIZE, SIZE, FilterType::Lanczos3);
    // Turning and flipping a square commute with cropping to the center and resizing, so the
    // orientation is applied to the small image, where it is cheap.
    avatar.apply_orientation(orientation);
    encode(avatar)
}

/// The largest square in the middle of `image`.
fn center_square(image: DynamicImage) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    if width == height {
        return image;
    }
    let side = width.min(height);
    image.crop_imm((width - side) / 2, (height - side) / 2, side, side)
}

/// Lossless WebP of `image`, with an alpha channel only when the image has one. The encoder
/// writes no metadata unless given some.
fn encode(image: DynamicImage) -> AppResult<Vec<u8>> {
    let (width, height) = (image.width(), image.height());
    let mut out = Vec::new();
    let encoder = WebPEncoder::new_lossless(&mut out);
    let encoded = if image.color().has_alpha() {
        encoder.encode(&image.into_rgba8(), width, height, ExtendedColorType::Rgba8)
    } else {
        encoder.encode(&image.into_rgb8(), width, height, ExtendedColorType::Rgb8)
    };
    encoded.map_err(AppError::internal)?;
    Ok(out)
}

/// A decoding failure, in words for the client.
fn unreadable(err: ImageError) -> AppError {
    match err {
        ImageError::Limits(_) => AppError::bad_input(
            "file",
            format!(
                "the image is too large: at most {MAX_SIDE} pixels a side and about 16 \
                 megapixels"
            ),
        ),
        _ => AppError::bad_input("file", "the file could not be read as an image"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lower_case_sha256_hex() {
        let hash = content_hash(b"avatar");
        assert!(is_hash(&hash), "{hash}");
        assert!(!is_hash(&hash.to_uppercase()));
        assert!(!is_hash(&hash[1..]));
        assert!(!is_hash("../../etc/passwd"));
    }

    #[test]
    fn noise_stays_well_under_the_column_limit() {
        // Noise is the worst case of lossless compression; the column holds at most 1 MiB.
        let mut state = 0x2545_f491_u32;
        let noise = image::RgbaImage::from_fn(SIZE, SIZE, |_, _| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            image::Rgba(state.to_le_bytes())
        });
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(noise)
            .write_to(&mut png, ImageFormat::Png)
            .expect("encoding");
        let avatar = process(png.get_ref()).expect("an avatar");
        assert!(avatar.len() < 400 * 1024, "{} bytes", avatar.len());
    }

    #[test]
    fn a_wide_image_keeps_its_middle() {
        // Left third red, middle green, right third blue.
        let image = image::RgbImage::from_fn(300, 100, |x, _| match x / 100 {
            0 => image::Rgb([255, 0, 0]),
            1 => image::Rgb([0, 255, 0]),
            _ => image::Rgb([0, 0, 255]),
        });
        let square = center_square(DynamicImage::ImageRgb8(image)).into_rgb8();
        assert_eq!(square.dimensions(), (100, 100));
        assert!(square.pixels().all(|pixel| pixel.0 == [0, 255, 0]));
    }
}
