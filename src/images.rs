//! Responsive product images: each raster image (JPEG, PNG, WebP) also comes out in
//! narrower widths for `srcset`, and its size is known for `width`/`height` (no layout
//! shift). Resized files are cached in `.vellum-cache/images/` by content hash and
//! width, so a rebuild does not resize them again.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, imageops::FilterType};
use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::output::CopiedFile;

/// Widths made for `srcset` (narrower than the original only).
pub const WIDTHS: &[u32] = &[480, 960, 1440];

/// Where resized images are kept between builds, under the site root.
pub const CACHE_DIR: &str = ".vellum-cache/images";

/// An image with its size and its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Output path of the original file.
    pub path: String,
    pub width: u32,
    pub height: u32,
    /// (width, output path), narrowest first, the original last.
    pub variants: Vec<(u32, String)>,
}

/// What processing made: image facts by output path, and the variant files to copy.
#[derive(Debug, Default)]
pub struct Images {
    pub processed: HashMap<String, Processed>,
    pub files: Vec<CopiedFile>,
    /// Variants made now rather than taken from the cache.
    pub resized: usize,
}

/// Processes images given as (source file, output path). An image with more than
/// `max_pixels` pixels is refused from its header, before anything is decoded.
pub fn process(
    root: &Path,
    sources: &[(PathBuf, String)],
    max_pixels: u64,
) -> Result<Images, Diagnostic> {
    let cache = root.join(CACHE_DIR);
    // The cache sits in the checkout, so a pull request could commit links there: it
    // must be real folders, and only real files in it count as cached.
    let mut folder = root.to_path_buf();
    for part in Path::new(CACHE_DIR).components() {
        folder.push(part);
        if std::fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
            let shown = folder.strip_prefix(root).unwrap_or(&folder).to_path_buf();
            return Err(Diagnostic::error(
                shown,
                "the image cache must be a folder, not a link or a file",
            )
            .with_help("delete it (it is rebuilt) and keep .vellum-cache/ out of git"));
        }
    }
    std::fs::create_dir_all(&cache)
        .map_err(|e| Diagnostic::error(CACHE_DIR, format!("cannot create the image cache: {e}")))?;
    let results: Vec<Result<OneImage, Diagnostic>> = sources
        .par_iter()
        .map(|(source, path)| {
            let shown = source.strip_prefix(root).unwrap_or(source);
            process_one(&cache, source, path, max_pixels)
                .map_err(|why| Diagnostic::error(shown, why))
        })
        .collect();
    let mut images = Images::default();
    for result in results {
        let (processed, files, resized) = result?;
        images.resized += resized;
        images.files.extend(files);
        images.processed.insert(processed.path.clone(), processed);
    }
    Ok(images)
}

/// One processed image, its variant files, and how many of them were resized now.
type OneImage = (Processed, Vec<CopiedFile>, usize);

fn process_one(
    cache: &Path,
    source: &Path,
    path: &str,
    max_pixels: u64,
) -> Result<OneImage, String> {
    let bytes = std::fs::read(source).map_err(|e| format!("cannot read this image: {e}"))?;
    let format = image::guess_format(&bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP))
        .ok_or("this is not a JPEG, PNG or WebP image")?;
    let reader = image::ImageReader::with_format(Cursor::new(&bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("cannot read this image: {e}"))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(format!(
            "this image is {width} x {height} pixels ({:.0} million), more than the {} million a build decodes",
            pixels as f64 / 1e6,
            max_pixels / 1_000_000
        ) + ": export it smaller (2000 pixels wide is plenty for a product photo), or raise `image_megapixels` under [limits] in site.toml");
    }
    // The first 8 bytes of the SHA-256, in hex.
    let hash = &crate::policy::lock::sha256_hex(&bytes)[..16];
    let (stem, ext) = path.rsplit_once('.').unwrap_or((path, "img"));
    let mut variants = Vec::new();
    let mut files = Vec::new();
    // Every image is decoded in full once, so a truncated or corrupt file is an error
    // here rather than grey blocks on the shop; a cached variant means it decoded.
    let checked = cache.join(format!("{hash}.ok"));
    let mut decoded = None;
    if !is_cached(&checked) {
        decoded = Some(decode(&bytes, format, max_pixels)?);
        let _ = std::fs::remove_file(&checked);
        std::fs::write(&checked, "").map_err(|e| format!("cannot write the image cache: {e}"))?;
    }
    let mut resized = 0;
    for &target in WIDTHS.iter().filter(|&&w| w < width) {
        let cached = cache.join(format!("{hash}-{target}.{ext}"));
        if !is_cached(&cached) {
            let image = match &decoded {
                Some(image) => image,
                None => decoded.insert(decode(&bytes, format, max_pixels)?),
            };
            let target_height =
                (u64::from(height) * u64::from(target) / u64::from(width)).max(1) as u32;
            let small = image.resize_exact(target, target_height, FilterType::Lanczos3);
            write_atomically(&cached, |out| encode(&small, format, out))
                .map_err(|e| format!("cannot save a resized copy: {e}"))?;
            resized += 1;
        }
        let variant = format!("{stem}-{target}w.{ext}");
        files.push(CopiedFile {
            source: cached,
            path: variant.clone(),
        });
        variants.push((target, variant));
    }
    variants.push((width, path.to_string()));
    Ok((
        Processed {
            path: path.to_string(),
            width,
            height,
            variants,
        },
        files,
        resized,
    ))
}

/// Whether a cache entry is there: a regular file, never a link (a link is replaced
/// by a fresh file when the entry is written).
fn is_cached(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Decodes an image, refusing damaged files. JPEGs go through zune-jpeg in strict
/// mode: the `image` crate decodes them leniently and fills what is missing with grey.
fn decode(bytes: &[u8], format: ImageFormat, max_pixels: u64) -> Result<DynamicImage, String> {
    let damaged = |e: &dyn std::fmt::Display| {
        format!("this image is damaged or cut short ({e}): export it again from the original")
    };
    if format == ImageFormat::Jpeg {
        use zune_jpeg::zune_core::bytestream::ZCursor;
        use zune_jpeg::zune_core::options::DecoderOptions;
        let options = DecoderOptions::default()
            .set_strict_mode(true)
            .set_max_width(usize::from(u16::MAX))
            .set_max_height(usize::from(u16::MAX));
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
        let pixels = decoder.decode().map_err(|e| damaged(&e))?;
        let (width, height) = decoder.dimensions().ok_or_else(|| damaged(&"no size"))?;
        let colorspace = decoder
            .output_colorspace()
            .ok_or_else(|| damaged(&"no colours"))?;
        let image = match colorspace.num_components() {
            1 => image::GrayImage::from_raw(width as u32, height as u32, pixels)
                .map(DynamicImage::ImageLuma8),
            3 => image::RgbImage::from_raw(width as u32, height as u32, pixels)
                .map(DynamicImage::ImageRgb8),
            4 => image::RgbaImage::from_raw(width as u32, height as u32, pixels)
                .map(DynamicImage::ImageRgba8),
            _ => None,
        };
        return image.ok_or_else(|| damaged(&"unexpected colour layout"));
    }
    let mut limits = image::Limits::default();
    // Eight bytes a pixel covers 16-bit RGBA, the widest layout decoded here.
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map_err(|e| damaged(&e))
}

fn encode(
    image: &image::DynamicImage,
    format: ImageFormat,
    out: &mut Vec<u8>,
) -> image::ImageResult<()> {
    match format {
        ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(out), 82);
            image.to_rgb8().write_with_encoder(encoder)
        }
        _ => image.write_to(&mut Cursor::new(out), format),
    }
}

/// Writes a cache file so that a crash never leaves half a file behind.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut Vec<u8>) -> image::ImageResult<()>,
) -> Result<(), String> {
    let mut bytes = Vec::new();
    fill(&mut bytes).map_err(|e| e.to_string())?;
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, &bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&temporary, path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn narrower_variants_are_made_once_and_then_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("watch.png");
        std::fs::write(&source, png(1200, 600)).unwrap();
        let sources = vec![(source, "products/w/watch.png".to_string())];
        let first = process(tmp.path(), &sources, 40_000_000).unwrap();
        let watch = &first.processed["products/w/watch.png"];
        assert_eq!((watch.width, watch.height), (1200, 600));
        let widths: Vec<u32> = watch.variants.iter().map(|(w, _)| *w).collect();
        assert_eq!(widths, [480, 960, 1200]);
        assert_eq!(watch.variants[0].1, "products/w/watch-480w.png");
        assert_eq!(first.resized, 2);
        let small = image::open(&first.files[0].source).unwrap();
        assert_eq!((small.width(), small.height()), (480, 240));
        let second = process(tmp.path(), &sources, 40_000_000).unwrap();
        assert_eq!(second.resized, 0, "the cache is used");
        assert_eq!(second.processed, first.processed);
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 90])
        });
        let mut out = Vec::new();
        encode(&DynamicImage::ImageRgb8(image), ImageFormat::Jpeg, &mut out).unwrap();
        out
    }

    #[test]
    fn truncated_jpegs_and_oversized_images_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let whole = jpeg(300, 200);
        let source = tmp.path().join("cut.jpg");
        std::fs::write(&source, &whole[..whole.len() / 2]).unwrap();
        let err = process(tmp.path(), &[(source, "cut.jpg".into())], 40_000_000).unwrap_err();
        assert!(err.message.contains("damaged or cut short"), "{err}");
        assert_eq!(err.path, Path::new("cut.jpg"));
        let source = tmp.path().join("fine.jpg");
        std::fs::write(&source, &whole).unwrap();
        process(
            tmp.path(),
            &[(source.clone(), "fine.jpg".into())],
            40_000_000,
        )
        .unwrap();
        let err = process(tmp.path(), &[(source, "fine.jpg".into())], 50_000).unwrap_err();
        assert!(err.message.contains("300 x 200 pixels"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_an_image_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("fake.png");
        std::fs::write(&source, "not an image").unwrap();
        let err = process(tmp.path(), &[(source, "fake.png".into())], 40_000_000).unwrap_err();
        assert!(err.message.contains("not a JPEG, PNG or WebP"), "{err}");
    }
}
