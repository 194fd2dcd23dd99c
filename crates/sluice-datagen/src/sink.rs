//! Output files: plain buffered files and reproducible gzip streams.
//!
//! The gzip header is fixed (mtime 0, no file name, OS byte 255) so the compressed
//! bytes depend only on the content. Compression runs on a second thread fed with
//! large chunks: deflate is the slowest step of the whole generator, and this lets
//! row generation and compression overlap on a two-core machine. Chunk boundaries
//! are a pure function of the data, so threading does not affect the output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use flate2::{Compression, GzBuilder};

/// Bytes handed to the compressor thread at a time.
const CHUNK: usize = 1 << 20;

/// Deflate level. Measured on the orders file: level 4 is within 3% of level 6's
/// size at half its CPU time (compression dominates a ten-million-order run).
const LEVEL: u32 = 4;

/// Creates a plain buffered output file.
pub fn plain(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(CHUNK, File::create(path)?))
}

/// A gzip file written through a background compressor thread.
pub struct GzFile {
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    worker: Option<JoinHandle<io::Result<()>>>,
}

impl GzFile {
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::create(path)?;
        // A small bound keeps memory flat when generation outpaces compression.
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        let worker = std::thread::spawn(move || -> io::Result<()> {
            let mut enc = GzBuilder::new().mtime(0).operating_system(255).write(
                BufWriter::with_capacity(CHUNK, file),
                Compression::new(LEVEL),
            );
            for chunk in rx {
                enc.write_all(&chunk)?;
            }
            enc.finish()?.flush()
        });
        Ok(GzFile {
            buf: Vec::with_capacity(CHUNK + 4096),
            tx: Some(tx),
            worker: Some(worker),
        })
    }

    /// Appends bytes; a full chunk is sent to the compressor.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 4096));
            self.send(chunk)?;
        }
        Ok(())
    }

    fn send(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        let tx = self.tx.as_ref().expect("GzFile used after finish");
        if tx.send(chunk).is_err() {
            // The worker stopped early, which only happens on an I/O error: report it.
            return Err(self
                .join()
                .err()
                .unwrap_or_else(|| io::Error::other("gzip writer stopped")));
        }
        Ok(())
    }

    fn join(&mut self) -> io::Result<()> {
        self.tx = None;
        match self.worker.take() {
            Some(h) => h
                .join()
                .map_err(|_| io::Error::other("gzip writer panicked"))?,
            None => Ok(()),
        }
    }

    /// Flushes the remaining bytes, writes the gzip trailer and closes the file.
    pub fn finish(mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.buf);
        if !rest.is_empty() {
            self.send(rest)?;
        }
        self.join()
    }
}

impl Drop for GzFile {
    fn drop(&mut self) {
        // On an early return the file is abandoned; just let the worker wind down.
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn gzip_is_reproducible_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..3 * CHUNK as u32).map(|i| (i % 251) as u8).collect();
        let mut outs = Vec::new();
        for name in ["a.gz", "b.gz"] {
            let path = dir.path().join(name);
            let mut gz = GzFile::create(&path).unwrap();
            // Odd write sizes: the output must not depend on how callers split writes.
            for part in data.chunks(if name == "a.gz" { 977 } else { 65_536 }) {
                gz.write(part).unwrap();
            }
            gz.finish().unwrap();
            outs.push(std::fs::read(&path).unwrap());
        }
        assert_eq!(outs[0], outs[1]);
        assert_eq!(&outs[0][..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&outs[0][..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
