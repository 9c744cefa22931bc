//! The shape of the code, checked: imports between the top-level modules of
//! `src/` point one way (no cycle), and no function is longer than 80 lines.
//! Both read the source with syn, so comments and strings cannot fool them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::Visit;

const MAX_FN_LINES: usize = 80;

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

/// The top-level module a file belongs to (`src/run/ingest.rs` → `run`).
fn module_of(path: &Path) -> String {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn parse(path: &Path) -> syn::File {
    syn::parse_file(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Collects `crate::x` references (paths and `use` trees).
#[derive(Default)]
struct Imports(BTreeSet<String>);

impl<'a> Visit<'a> for Imports {
    fn visit_path(&mut self, p: &'a syn::Path) {
        let mut it = p.segments.iter();
        if let (Some(a), Some(b)) = (it.next(), it.next())
            && a.ident == "crate"
        {
            self.0.insert(b.ident.to_string());
        }
        syn::visit::visit_path(self, p);
    }
    fn visit_use_tree(&mut self, t: &'a syn::UseTree) {
        if let syn::UseTree::Path(p) = t
            && p.ident == "crate"
        {
            let mut names = Vec::new();
            collect_heads(&p.tree, &mut names);
            self.0.extend(names);
        }
        syn::visit::visit_use_tree(self, t);
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        // Paths inside macro bodies (`crate::data::AppRecord { .. }`).
        let text = m.tokens.to_string();
        for (i, _) in text.match_indices("crate ::") {
            let rest = text[i + "crate ::".len()..].trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                self.0.insert(name);
            }
        }
        syn::visit::visit_macro(self, m);
    }
}

fn collect_heads(t: &syn::UseTree, out: &mut Vec<String>) {
    match t {
        syn::UseTree::Path(p) => out.push(p.ident.to_string()),
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|i| collect_heads(i, out)),
        syn::UseTree::Glob(_) => {}
    }
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    for f in &files {
        let m = module_of(f);
        if m == "lib" || m == "main" {
            continue;
        }
        let mut v = Imports::default();
        v.visit_file(&parse(f));
        let deps = graph.entry(m.clone()).or_default();
        deps.extend(v.0.into_iter().filter(|d| *d != m && modules.contains(d)));
    }
    graph
}

/// A cycle in `graph`, if there is one, as the list of modules on it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn dfs(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == d).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = dfs(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n).copied().unwrap_or(0) == 0
            && let Some(c) = dfs(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn imports_between_top_level_modules_point_one_way() {
    let graph = import_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between top-level modules: {}\nfull graph: {graph:#?}",
            cycle.join(" → ")
        );
    }
    // clap is the CLI's business only.
    for f in sources() {
        let m = module_of(&f);
        if m != "cli" && m != "main" {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(
                !text.contains("clap::"),
                "{} uses clap; only cli may",
                f.display()
            );
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let g = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(find_cycle(&g(&[("a", "b"), ("b", "c")])), None);
    let c = find_cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])).unwrap();
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4);
}

/// Every fn and method with its length in lines.
#[derive(Default)]
struct Fns(Vec<(String, usize, usize)>);

impl<'a> Visit<'a> for Fns {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        let s = f.span();
        self.0.push((
            f.sig.ident.to_string(),
            s.start().line,
            s.end().line - s.start().line + 1,
        ));
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        let s = f.span();
        self.0.push((
            f.sig.ident.to_string(),
            s.start().line,
            s.end().line - s.start().line + 1,
        ));
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
        if f.default.is_some() {
            let s = f.span();
            self.0.push((
                f.sig.ident.to_string(),
                s.start().line,
                s.end().line - s.start().line + 1,
            ));
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut long = Vec::new();
    let mut total = 0;
    for f in sources() {
        let mut v = Fns::default();
        v.visit_file(&parse(&f));
        total += v.0.len();
        for (name, line, len) in v.0 {
            if len > MAX_FN_LINES {
                long.push(format!("{}:{line} {name} ({len} lines)", f.display()));
            }
        }
    }
    assert!(
        total > 300,
        "found only {total} functions: is the parser seeing src/?"
    );
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

const MAX_FILE_LINES: usize = 600;

/// Lines of a file before its top-level `#[cfg(test)] mod` (the test
/// module is not counted; a test-only item elsewhere is).
fn lines_outside_tests(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .find(|&i| {
            lines[i] == "#[cfg(test)]"
                && lines
                    .get(i + 1)
                    .is_some_and(|n| n.trim_start_matches("pub(crate) ").starts_with("mod "))
        })
        .unwrap_or(lines.len())
}

#[test]
fn no_file_is_longer_than_600_lines_outside_its_tests() {
    let long: Vec<String> = sources()
        .iter()
        .filter_map(|f| {
            let n = lines_outside_tests(&std::fs::read_to_string(f).unwrap());
            (n > MAX_FILE_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines outside their tests:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_line_counter_stops_at_the_test_module() {
    let text = "a\nb\n#[cfg(test)]\nmod tests {\n}\n";
    assert_eq!(lines_outside_tests(text), 2);
    let test_only_item = "a\n    #[cfg(test)]\n    fn f() {}\nb\n#[cfg(test)]\nmod tests {}\n";
    assert_eq!(lines_outside_tests(test_only_item), 4);
    assert_eq!(lines_outside_tests("a\nb\nc\n"), 3);
}

/// A file's module path under `src/` (`src/run/pool.rs` → `["run", "pool"]`,
/// `src/run/mod.rs` → `["run"]`).
fn module_path(path: &Path) -> Vec<String> {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .unwrap();
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every path a file names outside its `#[cfg(test)]` items, as segments
/// (use trees flattened; paths in macro bodies read from their tokens).
#[derive(Default)]
struct Paths {
    found: Vec<Vec<String>>,
    /// Flattened `pub use` trees of the file (a folder's re-exports).
    reexports: Vec<Vec<String>>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(l) => l.path.is_ident("cfg") && l.tokens.to_string().contains("test"),
        _ => false,
    })
}

fn flatten_use(t: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match t {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut v = prefix.clone();
            v.push(n.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Rename(r) => {
            let mut v = prefix.clone();
            v.push(r.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|i| flatten_use(i, prefix, out)),
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
    }
}

impl<'a> Visit<'a> for Paths {
    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if !is_cfg_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        if is_cfg_test(&u.attrs) {
            return;
        }
        let mut out = Vec::new();
        flatten_use(&u.tree, &mut Vec::new(), &mut out);
        if !matches!(u.vis, syn::Visibility::Inherited) {
            self.reexports.extend(out);
        } else {
            self.found.extend(out);
        }
    }
    fn visit_path(&mut self, p: &'a syn::Path) {
        self.found
            .push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        let text = m.tokens.to_string().replace(' ', "");
        for start in ["crate::", "super::", "self::"] {
            for (i, _) in text.match_indices(start) {
                let path: String = text[i..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                self.found.push(
                    path.split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                );
            }
        }
        syn::visit::visit_macro(self, m);
    }
}

/// `segments` as an absolute path from the crate root, seen from `module`.
fn absolute(module: &[String], children: &BTreeSet<String>, segments: &[String]) -> Vec<String> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) if children.contains(first) && segments.len() >= 2 => {}
        _ => return Vec::new(),
    }
    base.extend(rest.iter().cloned());
    base
}

/// Per folder, the graph of its files (a subfolder counts as one file):
/// which sibling each one names. `mod.rs` is the folder's front door: its
/// `pub use` re-exports are not uses, and a path to a re-exported item counts
/// as a use of the file that defines it.
fn folder_graphs() -> BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> {
    let files = sources();
    let parsed: Vec<(Vec<String>, bool, Paths)> = files
        .iter()
        .map(|f| {
            let mut v = Paths::default();
            v.visit_file(&parse(f));
            (module_path(f), f.ends_with("mod.rs"), v)
        })
        .collect();
    // Units (children) of every folder, and where each re-exported name lives.
    let mut units: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for (m, _, _) in &parsed {
        for i in 1..m.len() {
            units
                .entry(m[..i].to_vec())
                .or_default()
                .insert(m[i].clone());
        }
    }
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (m, is_mod, v) in &parsed {
        let children = if *is_mod {
            units.get(m).cloned().unwrap_or_default()
        } else {
            BTreeSet::new()
        };
        // Outside mod.rs a `pub use` of a sibling is a use like any other.
        let reexports = if *is_mod { &[][..] } else { &v.reexports[..] };
        for segs in v.found.iter().chain(reexports) {
            let abs = absolute(m, &children, segs);
            add_edge(&mut graphs, &units, &parsed, m, *is_mod, &abs);
        }
    }
    graphs
}

/// Records that the file `from` (module path, and whether it is a mod.rs)
/// names the absolute path `abs`, in every folder both lie in.
fn add_edge(
    graphs: &mut BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>>,
    units: &BTreeMap<Vec<String>, BTreeSet<String>>,
    parsed: &[(Vec<String>, bool, Paths)],
    from: &[String],
    from_mod: bool,
    abs: &[String],
) {
    for (folder, kids) in units {
        let depth = folder.len();
        if from.len() < depth
            || from[..depth] != folder[..]
            || abs.len() <= depth
            || abs[..depth] != folder[..]
        {
            continue;
        }
        let from_unit = if from.len() == depth {
            "mod".to_string()
        } else {
            from[depth].clone()
        };
        let to_unit = if kids.contains(&abs[depth]) {
            abs[depth].clone()
        } else {
            // An item of mod.rs, or one it re-exports from a child.
            reexported_from(parsed, folder, &abs[depth]).unwrap_or_else(|| "mod".to_string())
        };
        if from_unit != to_unit && !(from_mod && from.len() == depth && to_unit == "mod") {
            graphs
                .entry(folder.clone())
                .or_default()
                .entry(from_unit)
                .or_default()
                .insert(to_unit);
        }
    }
}

/// The child of `folder` whose item `name` the folder's mod.rs re-exports.
fn reexported_from(
    parsed: &[(Vec<String>, bool, Paths)],
    folder: &[String],
    name: &str,
) -> Option<String> {
    let (_, _, v) = parsed
        .iter()
        .find(|(m, is_mod, _)| *is_mod && m == folder)?;
    v.reexports.iter().find_map(|r| {
        let r: Vec<&String> = r.iter().filter(|s| *s != "self").collect();
        (r.len() >= 2 && r.last().is_some_and(|l| *l == name)).then(|| r[0].clone())
    })
}

#[test]
fn no_two_files_of_a_folder_use_each_other() {
    let graphs = folder_graphs();
    assert!(
        graphs.contains_key(&vec!["run".to_string()]),
        "no graph for run/: {graphs:#?}"
    );
    let cycles: Vec<String> = graphs
        .iter()
        .filter_map(|(folder, g)| {
            find_cycle(g).map(|c| {
                format!(
                    "src/{}: {}\n  its files use: {g:?}",
                    folder.join("/"),
                    c.join(" → ")
                )
            })
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "files of one folder that use each other:\n{}",
        cycles.join("\n")
    );
}
