//! Seeded fuzzing of the splitter, the parser and the whole ingest: mutated
//! generated records never panic anything, every record read is stored or
//! quarantined, and the record count equals the count of root elements
//! (counted here independently) when the mutations leave root tags alone.

mod common;

use ingestlab::data::generate::{GenOptions, Generator};
use ingestlab::data::parse::parse_record;
use ingestlab::data::split::index_reader;
use ingestlab::run::{self, Ctx, Input, RunConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PIECES: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"</claim>",
    b"<p>",
    b"\0",
    b"\xff",
    b"]]>",
    b"<!--",
    b"-->",
    b"\"",
    b"\r\n",
];

/// One mutation somewhere in `body` (a record minus its root tags).
fn mutate(rng: &mut ChaCha8Rng, body: &mut Vec<u8>) {
    if body.is_empty() {
        return;
    }
    let at = rng.random_range(0..body.len());
    match rng.random_range(0..4u32) {
        0 => body[at] = rng.random(),
        1 => {
            let n = rng.random_range(1..40).min(body.len() - at);
            body.drain(at..at + n);
        }
        2 => {
            let p = PIECES[rng.random_range(0..PIECES.len())];
            body.splice(at..at, p.iter().copied());
        }
        _ => body.truncate(at),
    }
}

/// Root elements, counted the simple way: the start tag followed by white
/// space or `>`, outside comments, a comment ending at its `-->` or at the
/// next XML declaration (the mutations never add a root tag).
fn roots(file: &[u8]) -> usize {
    let tag = b"<us-patent-application";
    let mut n = 0;
    let mut i = 0;
    while i + tag.len() < file.len() {
        if file[i..].starts_with(b"<!--") {
            let close = file[i..]
                .windows(3)
                .position(|w| w == b"-->")
                .map(|p| p + 3);
            let decl = file[i..].windows(6).position(|w| w == b"<?xml ");
            i += match (close, decl) {
                (Some(c), Some(d)) => c.min(d),
                (Some(c), None) => c,
                (None, Some(d)) => d,
                (None, None) => file.len(),
            };
            continue;
        }
        if file[i..].starts_with(tag)
            && matches!(file[i + tag.len()], b' ' | b'>' | b'\n' | b'\t' | b'\r')
        {
            n += 1;
        }
        i += 1;
    }
    n
}

fn fuzzed_file(seed: u64, records: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = Generator::new(GenOptions {
        records,
        seed,
        ..Default::default()
    });
    let mut out = Vec::new();
    while let Some(r) = g.next_record() {
        let xml = r.xml.into_bytes();
        if rng.random_bool(0.3) {
            // Keep the prolog and the root tags; mutate what lies between.
            let open = xml
                .windows(22)
                .position(|w| w == b"<us-patent-application")
                .unwrap();
            let body_start = open + xml[open..].iter().position(|b| *b == b'>').unwrap() + 1;
            let body_end = xml
                .windows(24)
                .rposition(|w| w == b"</us-patent-application>")
                .unwrap_or(xml.len());
            let mut body = xml[body_start..body_end].to_vec();
            for _ in 0..rng.random_range(1..4) {
                mutate(&mut rng, &mut body);
            }
            out.extend_from_slice(&xml[..body_start]);
            out.extend_from_slice(&body);
            out.extend_from_slice(&xml[body_end..]);
        } else {
            out.extend_from_slice(&xml);
        }
        if rng.random_bool(0.2) {
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn fuzzed_files_split_into_one_record_per_root_and_parse_without_panic() {
    for seed in 0..40u64 {
        let file = fuzzed_file(seed, 60);
        let idx = index_reader(&file[..]).unwrap();
        assert_eq!(idx.len(), roots(&file), "seed {seed}");
        assert_eq!(idx.roots as usize, idx.len(), "seed {seed}");
        for s in &idx.spans {
            let _ = parse_record(&file[s.offset as usize..(s.offset + s.len as u64) as usize]);
        }
    }
}

#[test]
fn fuzzed_files_ingest_with_every_record_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 0..6u64 {
        let path = dir.path().join(format!("f{seed}.xml"));
        std::fs::write(&path, fuzzed_file(100 + seed, 120)).unwrap();
        let input = Input::open(&path).unwrap();
        for workers in [1, 3] {
            let cfg = RunConfig {
                workers,
                batch_size: 7,
                ..Default::default()
            };
            let r = run::run(&input, &dir.path().join("f.db"), &cfg, &Ctx::default())
                .unwrap()
                .result;
            assert!(
                r.verification.passed,
                "seed {seed}: {:?}",
                r.verification.problems
            );
            assert_eq!(r.records_in, r.rows_out + r.quarantined, "seed {seed}");
            assert_eq!(
                r.records_in as usize, input.index.roots as usize,
                "seed {seed}"
            );
        }
    }
}

#[test]
fn random_bytes_never_panic_the_splitter_or_parser() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..300 {
        let len = rng.random_range(0..400);
        let mut b: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if rng.random_bool(0.5) {
            b.splice(0..0, b"<us-patent-application>".iter().copied());
        }
        if let Ok(idx) = index_reader(&b[..]) {
            for s in &idx.spans {
                let _ = parse_record(&b[s.offset as usize..(s.offset + s.len as u64) as usize]);
            }
        }
    }
}
