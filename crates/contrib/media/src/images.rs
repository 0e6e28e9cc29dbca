//! What an uploaded image is (recognised by its bytes, never its name or declared type),
//! how big it is, and a copy without metadata (EXIF, GPS, XMP, comments).

use std::io::Cursor;

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use img_parts::ImageEXIF;

/// The image formats uploads may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl ImageKind {
    /// The kind `bytes` are, by their signature.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Jpeg => Some(ImageKind::Jpeg),
            ImageFormat::Png => Some(ImageKind::Png),
            ImageFormat::WebP => Some(ImageKind::WebP),
            ImageFormat::Gif => Some(ImageKind::Gif),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::WebP => "webp",
            ImageKind::Gif => "gif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::WebP => "image/webp",
            ImageKind::Gif => "image/gif",
        }
    }

    /// The kind a stored file's extension names.
    pub fn from_extension(ext: &str) -> Option<ImageKind> {
        [
            ImageKind::Jpeg,
            ImageKind::Png,
            ImageKind::WebP,
            ImageKind::Gif,
        ]
        .into_iter()
        .find(|k| k.extension() == ext)
    }

    fn format(self) -> ImageFormat {
        match self {
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Png => ImageFormat::Png,
            ImageKind::WebP => ImageFormat::WebP,
            ImageKind::Gif => ImageFormat::Gif,
        }
    }
}

/// Why an upload is not an image we keep.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("Upload a JPEG, PNG, WebP or GIF image; this file is none of them.")]
    NotAnImage,
    #[error("The image has {pixels} pixels; at most {max} are accepted.")]
    TooManyPixels { pixels: u64, max: u64 },
    #[error("The image is damaged: {0}")]
    Damaged(String),
}

/// An image ready to store: its bytes without metadata, kind and size in pixels.
#[derive(Debug, Clone)]
pub struct CleanImage {
    /// The file in pieces: slices of the upload as read (its metadata left out) and the
    /// container's own headers, so the image is in memory once, never copied whole.
    pub chunks: Vec<Bytes>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    /// A turn of the process's image memory, held until the image is dropped (stored).
    pub(crate) turn: Option<std::sync::Arc<tokio::sync::OwnedSemaphorePermit>>,
}

impl CleanImage {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file in one piece (a copy: for checks and small images).
    pub fn to_bytes(&self) -> Bytes {
        self.chunks.concat().into()
    }
}

/// Checks `bytes` and drops their metadata. Only the header is decoded, unless a JPEG
/// carries an orientation (a phone photo held upright), which is applied to the pixels
/// before the tag goes (re-encoded at quality 90).
pub fn clean(bytes: Bytes, max_pixels: u64) -> Result<CleanImage, ImageError> {
    let kind = ImageKind::sniff(&bytes).ok_or(ImageError::NotAnImage)?;
    let (width, height) = ImageReader::with_format(Cursor::new(&bytes), kind.format())
        .into_dimensions()
        .map_err(damaged)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ImageError::TooManyPixels {
            pixels,
            max: max_pixels,
        });
    }
    let damaged_container = |e: img_parts::Error| ImageError::Damaged(e.to_string());
    let clean = match kind {
        ImageKind::Jpeg => {
            if let Some(upright) = upright_jpeg(&bytes, max_pixels)? {
                return Ok(upright);
            }
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(damaged_container)?;
            jpeg.segments_mut()
                .retain(|s| keeps_jpeg_segment(s.marker(), s.contents()));
            jpeg.encoder().collect()
        }
        ImageKind::Png => {
            let mut png = img_parts::png::Png::from_bytes(bytes).map_err(damaged_container)?;
            for chunk in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(chunk);
            }
            png.encoder().collect()
        }
        ImageKind::WebP => {
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).map_err(damaged_container)?;
            webp.remove_chunks_by_id(*b"XMP ");
            // Also rewrites the VP8X flags to say no metadata follows.
            webp.set_exif(None);
            webp.encoder().collect()
        }
        ImageKind::Gif => vec![Bytes::from(clean_gif(&bytes, max_pixels)?)],
    };
    Ok(CleanImage {
        chunks: clean,
        kind,
        width,
        height,
        turn: None,
    })
}

fn damaged(e: image::ImageError) -> ImageError {
    ImageError::Damaged(e.to_string())
}

/// Which JPEG segments stay: everything but the application segments and comments,
/// except the colour ones (JFIF, an ICC profile, Adobe's colour transform).
fn keeps_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    const APP0: u8 = 0xE0;
    const APP2: u8 = 0xE2;
    const APP14: u8 = 0xEE;
    const APP15: u8 = 0xEF;
    const COM: u8 = 0xFE;
    match marker {
        APP0 | APP14 => true,
        APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        m if (APP0..=APP15).contains(&m) => false,
        COM => false,
        _ => true,
    }
}

fn limits(max_pixels: u64) -> Limits {
    let mut limits = Limits::default();
    // Four bytes a pixel, and room for the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(16 << 20));
    limits
}

/// A JPEG with an orientation other than upright, turned upright and re-encoded.
fn upright_jpeg(bytes: &Bytes, max_pixels: u64) -> Result<Option<CleanImage>, ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg);
    reader.limits(limits(max_pixels));
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let orientation = decoder.orientation().map_err(damaged)?;
    if orientation == image::metadata::Orientation::NoTransforms {
        return Ok(None);
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    image.apply_orientation(orientation);
    let bytes = encode_jpeg(&image, 90).map_err(damaged)?;
    Ok(Some(CleanImage {
        width: image.width(),
        height: image.height(),
        chunks: vec![Bytes::from(bytes)],
        kind: ImageKind::Jpeg,
        turn: None,
    }))
}

/// A GIF rewritten frame by frame: comments and application data (XMP) are left out.
/// The frames together may not exceed `max_pixels`.
fn clean_gif(bytes: &[u8], max_pixels: u64) -> Result<Vec<u8>, ImageError> {
    let gif_error = |e: &dyn std::fmt::Display| ImageError::Damaged(e.to_string());
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(Cursor::new(bytes))
        .map_err(|e| gif_error(&e))?;
    let palette = decoder
        .global_palette()
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(bytes.len());
    {
        let mut encoder = gif::Encoder::new(&mut out, decoder.width(), decoder.height(), &palette)
            .map_err(|e| gif_error(&e))?;
        // Animations loop (the loop count is read only after the first frame, too late
        // to copy: the extension must come first); a still image ignores it.
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| gif_error(&e))?;
        let mut total: u64 = 0;
        while let Some(frame) = decoder.read_next_frame().map_err(|e| gif_error(&e))? {
            total += u64::from(frame.width) * u64::from(frame.height);
            if total > max_pixels {
                return Err(ImageError::TooManyPixels {
                    pixels: total,
                    max: max_pixels,
                });
            }
            encoder.write_frame(frame).map_err(|e| gif_error(&e))?;
        }
    }
    Ok(out)
}

/// `image` as a JPEG of `quality`, transparency laid on white.
pub(crate) fn encode_jpeg(image: &DynamicImage, quality: u8) -> image::ImageResult<Vec<u8>> {
    let rgb = if image.color().has_alpha() {
        let mut rgba = image.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let alpha = u16::from(pixel[3]);
            for channel in &mut pixel.0[..3] {
                *channel = ((u16::from(*channel) * alpha + 255 * (255 - alpha)) / 255) as u8;
            }
        }
        DynamicImage::ImageRgba8(rgba).to_rgb8()
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb)?;
    Ok(out)
}

/// The thumbnails of `original`: one JPEG per width narrower than the image.
pub fn thumbnails(
    original: &[u8],
    kind: ImageKind,
    widths: &[u32],
    max_pixels: u64,
) -> image::ImageResult<Vec<(u32, Vec<u8>)>> {
    let mut reader = ImageReader::with_format(Cursor::new(original), kind.format());
    reader.limits(limits(max_pixels));
    let image = reader.decode()?;
    widths
        .iter()
        .filter(|&&w| w < image.width())
        .map(|&w| {
            let small = image.thumbnail(w, u32::MAX);
            encode_jpeg(&small, 82).map(|bytes| (w, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_application_segments_go_but_colour_stays() {
        assert!(keeps_jpeg_segment(0xE0, b"JFIF\0"));
        assert!(keeps_jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01"));
        assert!(!keeps_jpeg_segment(0xE2, b"MPF\0"));
        assert!(!keeps_jpeg_segment(0xE1, b"Exif\0\0"));
        assert!(!keeps_jpeg_segment(0xFE, b"a comment"));
        assert!(keeps_jpeg_segment(0xDB, b""));
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(ImageKind::sniff(b"<svg xmlns=..."), None);
        assert_eq!(
            clean(Bytes::from_static(b"plain text, not an image"), 10).err(),
            Some(ImageError::NotAnImage)
        );
        // A GIF signature with nothing after it is refused, not kept.
        assert!(clean(Bytes::from_static(b"GIF89a-not-really"), 10).is_err());
    }
}
