//! Walking the node graph: dependency order, cycles (printed as `a --> b --> a`), and the upstream
//! closure of a node. Knows nothing about kinds.

use indexmap::{IndexMap, IndexSet};

/// Edges as node id to the ids it reads from, in spec order.
pub type Deps = IndexMap<String, Vec<String>>;

/// Dependency order (inputs before consumers; ties kept in spec order), or the cycles found.
pub fn topo_order(deps: &Deps) -> Result<Vec<String>, Vec<Vec<String>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: IndexMap<&str, Mark> = deps.keys().map(|k| (k.as_str(), Mark::New)).collect();
    let mut order = Vec::new();
    let mut cycles: Vec<Vec<String>> = Vec::new();
    let mut stack: Vec<&str> = Vec::new();

    fn visit<'a>(
        n: &'a str,
        deps: &'a Deps,
        mark: &mut IndexMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
        order: &mut Vec<String>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        match mark.get(n).copied() {
            Some(Mark::Done) | None => return,
            Some(Mark::Active) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cyc: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                cyc.push(n.to_string());
                cycles.push(cyc);
                return;
            }
            Some(Mark::New) => {}
        }
        mark.insert(n, Mark::Active);
        stack.push(n);
        for d in &deps[n] {
            visit(d, deps, mark, stack, order, cycles);
        }
        stack.pop();
        mark.insert(n, Mark::Done);
        order.push(n.to_string());
    }

    for n in deps.keys() {
        visit(n, deps, &mut mark, &mut stack, &mut order, &mut cycles);
    }
    if cycles.is_empty() {
        Ok(order)
    } else {
        Err(cycles)
    }
}

/// `target` and every node it reads from, transitively.
pub fn upstream(deps: &Deps, target: &str) -> IndexSet<String> {
    let mut seen = IndexSet::new();
    let mut todo = vec![target.to_string()];
    while let Some(n) = todo.pop() {
        if seen.insert(n.clone()) {
            if let Some(ds) = deps.get(&n) {
                todo.extend(ds.iter().cloned());
            }
        }
    }
    seen
}

/// How many consumers read each node.
pub fn fan_out(deps: &Deps) -> IndexMap<String, usize> {
    let mut out: IndexMap<String, usize> = deps.keys().map(|k| (k.clone(), 0)).collect();
    for ds in deps.values() {
        for d in ds {
            *out.entry(d.clone()).or_default() += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(edges: &[(&str, &[&str])]) -> Deps {
        edges.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn orders_inputs_first() {
        let d = deps(&[("sink", &["b"]), ("b", &["a"]), ("a", &[])]);
        assert_eq!(topo_order(&d).unwrap(), vec!["a", "b", "sink"]);
        assert_eq!(upstream(&d, "b").len(), 2);
        assert_eq!(fan_out(&d)["a"], 1);
    }

    #[test]
    fn prints_the_cycle() {
        let d = deps(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("x", &[])]);
        let cycles = topo_order(&d).unwrap_err();
        assert_eq!(cycles, vec![vec!["a", "b", "c", "a"]]);
    }
}
