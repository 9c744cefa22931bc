//! A real inter-process copy, in-process: a raw batch is encoded to one
//! byte buffer (length-prefixed records, the way pickle frames bytes
//! objects), sent across a channel, received and decoded into a fresh
//! buffer. What it costs is measured, not assumed.

use anyhow::{Result, anyhow};
use std::ops::Range;

/// Records as one buffer and each record's range in it.
pub type Batch = (Vec<u8>, Vec<Range<usize>>);

/// Encodes, sends, receives and decodes the records of `buf` at `ranges`;
/// returns the copy.
pub fn round_trip(buf: &[u8], ranges: &[Range<usize>]) -> Result<Batch> {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(1);
    tx.send(encode(buf, ranges))
        .map_err(|_| anyhow!("IPC channel closed"))?;
    let bytes = rx.recv().map_err(|_| anyhow!("IPC channel closed"))?;
    decode(&bytes)
}

fn encode(buf: &[u8], ranges: &[Range<usize>]) -> Vec<u8> {
    let total: usize = ranges.iter().map(|r| r.len() + 8).sum();
    let mut out = Vec::with_capacity(total + 8);
    out.extend_from_slice(&(ranges.len() as u64).to_le_bytes());
    for r in ranges {
        out.extend_from_slice(&(r.len() as u64).to_le_bytes());
        out.extend_from_slice(&buf[r.clone()]);
    }
    out
}

fn decode(mut bytes: &[u8]) -> Result<Batch> {
    let mut take = |n: usize| -> Result<&[u8]> {
        if bytes.len() < n {
            return Err(anyhow!("IPC frame truncated"));
        }
        let (a, b) = bytes.split_at(n);
        bytes = b;
        Ok(a)
    };
    let count = u64::from_le_bytes(take(8)?.try_into()?) as usize;
    let mut out = Vec::new();
    let mut ranges = Vec::with_capacity(count);
    for _ in 0..count {
        let len = u64::from_le_bytes(take(8)?.try_into()?) as usize;
        let start = out.len();
        out.extend_from_slice(take(len)?);
        ranges.push(start..start + len);
    }
    Ok((out, ranges))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_returns_the_same_bytes() {
        let buf = b"<a/>\xff\x00\x01".to_vec();
        let ranges = vec![0..4, 4..4, 4..7];
        let (copy, r) = super::round_trip(&buf, &ranges).unwrap();
        let pieces: Vec<&[u8]> = r.iter().map(|x| &copy[x.clone()]).collect();
        assert_eq!(pieces, vec![&b"<a/>"[..], b"", b"\xff\x00\x01"]);
        assert!(super::decode(&[1, 0, 0, 0, 0, 0, 0, 0, 9]).is_err());
    }
}
