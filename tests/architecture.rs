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
