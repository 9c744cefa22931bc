//! A real inter-process copy, in-process: a raw batch is encoded to one
//! byte buffer (length-prefixed records, the way pickle frames bytes
//! objects), sent across a channel, received and decoded into fresh
//! buffers. What it costs is measured, not assumed.

use anyhow::{Result, anyhow};

/// Encodes, sends, receives and decodes `batch`; returns the copy.
pub fn round_trip(batch: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(1);
    tx.send(encode(&batch))
        .map_err(|_| anyhow!("IPC channel closed"))?;
    drop(batch);
    let bytes = rx.recv().map_err(|_| anyhow!("IPC channel closed"))?;
    decode(&bytes)
}

fn encode(batch: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = batch.iter().map(|r| r.len() + 8).sum();
    let mut out = Vec::with_capacity(total + 8);
    out.extend_from_slice(&(batch.len() as u64).to_le_bytes());
    for r in batch {
        out.extend_from_slice(&(r.len() as u64).to_le_bytes());
        out.extend_from_slice(r);
    }
    out
}

fn decode(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut take = |n: usize| -> Result<&[u8]> {
        if bytes.len() < n {
            return Err(anyhow!("IPC frame truncated"));
        }
        let (a, b) = bytes.split_at(n);
        bytes = b;
        Ok(a)
    };
    let count = u64::from_le_bytes(take(8)?.try_into()?) as usize;
    (0..count)
        .map(|_| {
            let len = u64::from_le_bytes(take(8)?.try_into()?) as usize;
            Ok(take(len)?.to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_returns_the_same_bytes() {
        let batch = vec![b"<a/>".to_vec(), vec![], vec![0xff, 0, 1]];
        assert_eq!(super::round_trip(batch.clone()).unwrap(), batch);
        assert!(super::decode(&[1, 0, 0, 0, 0, 0, 0, 0, 9]).is_err());
    }
}
