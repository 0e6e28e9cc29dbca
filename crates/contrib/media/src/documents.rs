//! Files that are not pictures (Django's `FileField`): PDF documents and plain text (CSV
//! included), recognised by their bytes like images are, and kept as they were sent. A
//! file field takes these and images; anything else (HTML, SVG, scripts, archives) is
//! refused, since a stored file is served from the site's own origin.

use bytes::Bytes;

use crate::images::{CleanImage, ImageKind};

/// The document formats a file field takes besides images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    /// UTF-8 text without control characters (tabs and line ends aside): notes, CSV.
    Text,
}

impl DocumentKind {
    /// The kind `bytes` are, by their content.
    pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
        if bytes.starts_with(b"%PDF-") {
            return Some(DocumentKind::Pdf);
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let plain = !text.is_empty()
            && !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
        // Markup would be text too: a page a browser could be led to run is not a document.
        let head = text.trim_start().get(..64).unwrap_or(text.trim_start());
        let markup = head.starts_with('<');
        (plain && !markup).then_some(DocumentKind::Text)
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "pdf",
            DocumentKind::Text => "txt",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn from_extension(ext: &str) -> Option<DocumentKind> {
        [DocumentKind::Pdf, DocumentKind::Text]
            .into_iter()
            .find(|k| k.extension() == ext)
    }
}

/// Why an upload is not a file a file field keeps.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error(
        "Upload a PDF, a plain-text or CSV file, or a JPEG, PNG, WebP or GIF image; this file is none of them."
    )]
    NotAccepted,
}

/// A document ready to store: its bytes as sent, and its kind.
#[derive(Debug, Clone)]
pub struct CleanDocument {
    pub bytes: Bytes,
    pub kind: DocumentKind,
    /// A turn of the process's upload memory, held until the document is dropped (stored).
    pub(crate) turn: Option<std::sync::Arc<tokio::sync::OwnedSemaphorePermit>>,
}

/// A file ready to store in a file field: an image (cleaned like any) or a document.
#[derive(Debug, Clone)]
pub enum CleanFile {
    Image(CleanImage),
    Document(CleanDocument),
}

impl CleanFile {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        match self {
            CleanFile::Image(image) => image.len(),
            CleanFile::Document(document) => document.bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks that `bytes` are a document a file field keeps (images are checked by
/// [`crate::images::clean`]).
pub fn clean(bytes: Bytes) -> Result<CleanDocument, DocumentError> {
    let kind = DocumentKind::sniff(&bytes).ok_or(DocumentError::NotAccepted)?;
    Ok(CleanDocument {
        bytes,
        kind,
        turn: None,
    })
}

/// What a stored file holds, as its name's extension says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredKind {
    Image(ImageKind),
    Document(DocumentKind),
}

impl StoredKind {
    pub fn extension(self) -> &'static str {
        match self {
            StoredKind::Image(kind) => kind.extension(),
            StoredKind::Document(kind) => kind.extension(),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            StoredKind::Image(kind) => kind.content_type(),
            StoredKind::Document(kind) => kind.content_type(),
        }
    }

    pub fn from_extension(ext: &str) -> Option<StoredKind> {
        ImageKind::from_extension(ext)
            .map(StoredKind::Image)
            .or_else(|| DocumentKind::from_extension(ext).map(StoredKind::Document))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_their_bytes() {
        assert_eq!(
            DocumentKind::sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some(DocumentKind::Pdf)
        );
        assert_eq!(
            DocumentKind::sniff("sku,name,price\nMUG-1,Mug \u{2615},1200\r\n".as_bytes()),
            Some(DocumentKind::Text)
        );
        for refused in [
            &b""[..],
            b"<!doctype html><script>alert(1)</script>",
            b"  <svg xmlns='http://www.w3.org/2000/svg'/>",
            b"PK\x03\x04\x14\x00",
            b"MZ\x90\x00\x03",
            b"text with a \x00 null",
            b"\xff\xfe not UTF-8",
        ] {
            assert_eq!(DocumentKind::sniff(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn stored_extensions_name_one_kind() {
        for kind in [
            StoredKind::Image(ImageKind::Png),
            StoredKind::Document(DocumentKind::Pdf),
            StoredKind::Document(DocumentKind::Text),
        ] {
            assert_eq!(StoredKind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(StoredKind::from_extension("html"), None);
    }
}
