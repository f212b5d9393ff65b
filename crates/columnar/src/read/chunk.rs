//! A Parquet row group's bytes, read from its file in one read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use bytes::Bytes;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

/// The bytes of `span` of a file: a reader of the row group within it.
/// A range of bytes at most this long is read in one read (and handed to the digest); a longer
/// row group is read page by page and the digest reads it itself.
pub(crate) const MAX_READ: u64 = 64 << 20;

pub(crate) struct RowGroupBytes {
    start: u64,
    bytes: Bytes,
}

impl RowGroupBytes {
    pub(crate) fn read(mut file: &File, span: Range<u64>) -> std::io::Result<Self> {
        let len = (span.end - span.start) as usize;
        let mut buf = Vec::with_capacity(len);
        file.seek(SeekFrom::Start(span.start))?;
        // into the spare capacity: nothing zeroed first
        file.take(len as u64).read_to_end(&mut buf)?;
        if buf.len() < len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the file ends inside a row group (at byte {})", span.start + buf.len() as u64),
            ));
        }
        Ok(RowGroupBytes { start: span.start, bytes: buf.into() })
    }

    /// The bytes read, from the start of the span.
    pub(crate) fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    fn slice(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Bytes> {
        let from = start.checked_sub(self.start).map(|s| s as usize).filter(|s| *s <= self.bytes.len());
        let Some(from) = from else {
            return Err(ParquetError::EOF(format!("offset {start} outside the row group")));
        };
        let to = match length {
            Some(l) if from + l <= self.bytes.len() => from + l,
            Some(_) => return Err(ParquetError::EOF(format!("range at {start} outside the row group"))),
            None => self.bytes.len(),
        };
        Ok(self.bytes.slice(from..to))
    }
}

impl Length for RowGroupBytes {
    fn len(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }
}

impl ChunkReader for RowGroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        use bytes::Buf;
        Ok(self.slice(start, None)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, Some(length))
    }
}
