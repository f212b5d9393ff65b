//! The text encoding of CSV inputs. UTF-8 by default (a byte-order mark is skipped); GB18030
//! (GBK and GB2312 are subsets of it: what Chinese Windows and Excel export) for a source read
//! with that encoding (the run's `--encoding gb18030`), when the file is not valid UTF-8. A GB18030 file is decoded to UTF-8 as it is read, so lines and fields
//! stay where they are and every message still names the line; outputs are always UTF-8.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::InputError;

/// How a CSV input is encoded (a read option of its [`crate::Source`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    #[default]
    Utf8,
    /// GB18030 where the file is not valid UTF-8.
    Gb18030,
}

/// A CSV reader of `path`: UTF-8 when the file is valid UTF-8 (a byte-order mark included),
/// else in the run's encoding — the usual mix of a GBK extract from a hospital system beside
/// UTF-8 tables from an analyst reads right under `--encoding gb18030`. Line endings are read
/// as the file has them: CRLF counts one line, as LF does.
pub fn csv_reader(path: &Path, encoding: Encoding) -> Result<csv::Reader<Box<dyn Read + Send>>, InputError> {
    let open = || File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")));
    let utf8 = match encoding {
        Encoding::Utf8 => true,
        Encoding::Gb18030 => is_utf8(open()?).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?,
    };
    let file = open()?;
    let read: Box<dyn Read + Send> =
        if utf8 { Box::new(LfLines::new(file)) } else { Box::new(LfLines::new(Decoding::new(file))) };
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(read))
}

/// Whether all of `read` is valid UTF-8 (checked in blocks; a character split between two
/// blocks is carried over).
fn is_utf8(mut read: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0;
    loop {
        let n = read.read(&mut buf[carry..])?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let len = carry + n;
        carry = match std::str::from_utf8(&buf[..len]) {
            Ok(_) => 0,
            Err(e) if e.error_len().is_some() => return Ok(false),
            Err(e) => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                len - valid
            }
        };
    }
}

/// Text with each CRLF read as LF. The CSV parser ends a record at the CR and counts the line
/// at the LF, so every line of a CRLF file (what Windows writes) was named one too low.
struct LfLines<R> {
    inner: R,
    buf: Vec<u8>,
    /// `buf[start..end]` is read and not yet returned.
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> LfLines<R> {
    fn new(inner: R) -> Self {
        LfLines { inner, buf: vec![0; 64 * 1024], start: 0, end: 0, eof: false }
    }
}

impl<R: Read> Read for LfLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut w = 0;
        while w < out.len() {
            if self.start == self.end {
                if self.eof || w > 0 {
                    break;
                }
                self.start = 0;
                self.end = self.inner.read(&mut self.buf)?;
                self.eof = self.end == 0;
                continue;
            }
            let rest = &self.buf[self.start..self.end];
            match rest.iter().position(|&b| b == b'\r') {
                Some(0) if rest.len() == 1 && !self.eof => {
                    // a CR at the end of the block: the next byte decides
                    self.buf[0] = b'\r';
                    self.start = 0;
                    let n = self.inner.read(&mut self.buf[1..])?;
                    self.end = 1 + n;
                    self.eof = n == 0;
                }
                Some(0) => {
                    if rest.get(1) != Some(&b'\n') {
                        out[w] = b'\r';
                        w += 1;
                    }
                    self.start += 1;
                }
                found => {
                    let n = found.unwrap_or(rest.len()).min(out.len() - w);
                    out[w..w + n].copy_from_slice(&rest[..n]);
                    w += n;
                    self.start += n;
                }
            }
        }
        Ok(w)
    }
}

/// A CSV error of `path`, said for a person: text that is not UTF-8 gets the fix.
pub fn csv_error(path: &Path, what: &str, e: &csv::Error) -> InputError {
    if let csv::ErrorKind::Utf8 { pos, err } = e.kind() {
        let line = pos.as_ref().map_or(String::new(), |p| format!("line {}, ", p.line()));
        return InputError::file(
            path,
            format!(
                "{line}field {}: the text is not UTF-8; a file saved by Chinese Windows or Excel is GBK/GB18030: pass --encoding gb18030",
                err.field() + 1
            ),
        );
    }
    if let csv::ErrorKind::Io(io) = e.kind() {
        if io.kind() == std::io::ErrorKind::InvalidData {
            return InputError::file(path, format!("{what}: {io}"));
        }
    }
    InputError::file(path, format!("{what}: {e}"))
}

/// GB18030 bytes read as UTF-8. Bytes that are not GB18030 are an error naming their offset,
/// never replaced: a guessed character would be a silent change of a label.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    /// `input[start..end]` is read and not yet decoded.
    start: usize,
    end: usize,
    output: Vec<u8>,
    /// `output[out_start..out_end]` is decoded and not yet returned.
    out_start: usize,
    out_end: usize,
    eof: bool,
    /// Bytes of the file consumed by the decoder so far (for the error's offset).
    offset: u64,
    /// Line feeds decoded so far (for the error's line).
    lines: u64,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R) -> Self {
        Decoding {
            inner,
            decoder: encoding_rs::GB18030.new_decoder(),
            input: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            output: vec![0; 4 * 64 * 1024 + 16],
            out_start: 0,
            out_end: 0,
            eof: false,
            offset: 0,
            lines: 0,
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_start == self.out_end {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.eof = self.end == 0;
            }
            if self.eof && self.start == self.end {
                // flush what the decoder holds back at the end
                let (result, _, written) = self.decoder.decode_to_utf8_without_replacement(&[], &mut self.output, true);
                if let encoding_rs::DecoderResult::Malformed(..) = result {
                    return Err(self.malformed());
                }
                self.out_start = 0;
                self.out_end = written;
                if written == 0 {
                    return Ok(0);
                }
                break;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.start..self.end],
                &mut self.output,
                false,
            );
            self.start += read;
            self.offset += read as u64;
            self.lines += self.output[..written].iter().filter(|&&b| b == b'\n').count() as u64;
            self.out_start = 0;
            self.out_end = written;
            if let encoding_rs::DecoderResult::Malformed(..) = result {
                return Err(self.malformed());
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

impl<R> Decoding<R> {
    fn malformed(&self) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "line {}: the bytes near byte {} are not GB18030 text; check the file's encoding (without --encoding, UTF-8 is read)",
                self.lines + 1,
                self.offset
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_is_read_as_the_same_utf8_text_in_small_and_large_reads() {
        let text = "region,fund\n济南,居民\n青岛,职工\n".repeat(5000);
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        assert_ne!(&*bytes, text.as_bytes());
        for chunk in [1usize, 7, 4096, 1 << 20] {
            let mut d = Decoding::new(&*bytes);
            let mut out = Vec::new();
            let mut buf = vec![0u8; chunk];
            loop {
                let n = d.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(String::from_utf8(out).unwrap(), text, "reads of {chunk}");
        }
    }

    #[test]
    fn bytes_that_are_not_gb18030_are_an_error_not_a_guess() {
        let mut d = Decoding::new(&b"region\n\x81\x20\n"[..]);
        let mut out = Vec::new();
        let e = d.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("not GB18030"), "{e}");
        assert!(e.to_string().contains("line 2:"), "{e}");
    }

    /// CRLF is read as LF in reads of any size, a CR split from its LF by a block end included;
    /// a lone CR stays.
    #[test]
    fn crlf_is_read_as_lf() {
        let text = "a,b\r\n1,2\r\n3,4\r5\r\n".repeat(20000);
        let want = text.replace("\r\n", "\n");
        for chunk in [1usize, 2, 7, 4096, 1 << 20] {
            let mut r = LfLines::new(text.as_bytes());
            let mut out = Vec::new();
            let mut buf = vec![0u8; chunk];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(String::from_utf8(out).unwrap(), want, "reads of {chunk}");
        }
        // a block that ends on the CR of a CRLF: the source hands over one byte at a time
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = String::new();
        LfLines::new(Trickle(b"x\r\ny\rz\r")).read_to_string(&mut out).unwrap();
        assert_eq!(out, "x\ny\rz\r");
    }

    #[test]
    fn utf8_is_told_from_gb18030_across_block_ends() {
        let text = "region\n济南\n".repeat(200_000);
        assert!(is_utf8(text.as_bytes()).unwrap());
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(!is_utf8(&*gbk).unwrap());
        assert!(!is_utf8(&b"ab\xe6\xb5"[..]).unwrap(), "a character cut at the end");
    }
}
