//! Images for the PDF: JPEG passed through as it is, PNG decoded to pixels and deflated.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

pub(super) enum ImageData {
    /// A JPEG as it came (the PDF's DCTDecode reads it directly).
    Jpeg { bytes: Vec<u8>, components: u8 },
    /// Decoded pixels, Flate-compressed: RGB and, when there is transparency, alpha.
    Pixels { rgb: Vec<u8>, alpha: Option<Vec<u8>> },
}

/// An image ready for the PDF.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub(super) data: ImageData,
}

impl Image {
    /// Reads a JPEG or PNG; PNGs larger than `max_side` pixels are scaled down (photos become
    /// thumbnails, a report stays small). JPEGs are embedded as they are.
    pub fn from_bytes(bytes: &[u8], max_side: u32) -> Result<Self, String> {
        if bytes.starts_with(&[0xFF, 0xD8]) {
            let (width, height, components) = jpeg_header(bytes).ok_or("not a readable JPEG")?;
            return Ok(Self { width, height, data: ImageData::Jpeg { bytes: bytes.to_vec(), components } });
        }
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(|e| format!("not a readable PNG: {e}"))?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
        let info = reader.next_frame(&mut buf).map_err(|e| format!("not a readable PNG: {e}"))?;
        let (w, h) = (info.width as usize, info.height as usize);
        let channels = info.color_type.samples();
        let pixel = |x: usize, y: usize| -> ([u8; 3], u8) {
            let p = &buf[y * info.line_size + x * channels..][..channels];
            match channels {
                1 => ([p[0]; 3], 255),
                2 => ([p[0]; 3], p[1]),
                3 => ([p[0], p[1], p[2]], 255),
                _ => ([p[0], p[1], p[2]], p[3]),
            }
        };
        let scale = (w.max(h) as f32 / max_side as f32).max(1.0);
        let (tw, th) = (((w as f32 / scale) as usize).max(1), ((h as f32 / scale) as usize).max(1));
        let mut rgb = Vec::with_capacity(tw * th * 3);
        let mut alpha = Vec::with_capacity(tw * th);
        for ty in 0..th {
            for tx in 0..tw {
                let (x, y) = (((tx as f32 + 0.5) * scale) as usize, ((ty as f32 + 0.5) * scale) as usize);
                let (c, a) = pixel(x.min(w - 1), y.min(h - 1));
                rgb.extend_from_slice(&c);
                alpha.push(a);
            }
        }
        let has_alpha = alpha.iter().any(|a| *a < 255);
        Ok(Self {
            width: tw as u32,
            height: th as u32,
            data: ImageData::Pixels { rgb: deflate(&rgb), alpha: has_alpha.then(|| deflate(&alpha)) },
        })
    }
}

pub(super) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Width, height and colour components from a JPEG's start-of-frame segment.
pub(super) fn jpeg_header(bytes: &[u8]) -> Option<(u32, u32, u8)> {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let seg = bytes.get(i + 4..i + 2 + len)?;
            let height = u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]));
            let width = u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]));
            return (width > 0 && height > 0).then_some((width, height, *seg.get(5)?));
        }
        i += 2 + len;
    }
    None
}
