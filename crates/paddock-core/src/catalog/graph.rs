//! The prerequisite graph: dependency levels (waves) with cycle detection, and selections
//! (`-n`, `-k`, `--no-deps`) in start or stop order.

use indexmap::IndexMap;

use crate::diagnostic::Diagnostic;

/// Which way a selection is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Prerequisites first (start, refresh, template).
    Forward,
    /// Dependents first (stop, delete).
    Reverse,
}

/// Which services an operation is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Services named with `-n` (all services when empty).
    pub names: Vec<String>,
    /// Services named with `-k`: left out even when another one needs them.
    pub skip: Vec<String>,
    /// Add the named services' prerequisites, transitively (start without `--no-deps`).
    pub with_prerequisites: bool,
}

/// The dependency level of every entry of `items`, in `items` order: 0 without known
/// prerequisites, otherwise one more than the highest level among them. Prerequisites that are
/// not in `items` are ignored (they were reported or allowed before). A cycle is returned as
/// the names along it, first name repeated at the end (`a, b, a`).
pub fn levels<T>(
    items: &IndexMap<String, T>,
    prerequisites: impl Fn(&T) -> &[String],
) -> Result<Vec<usize>, Vec<String>> {
    const UNSEEN: usize = usize::MAX;
    let deps: Vec<Vec<usize>> = items
        .values()
        .map(|item| {
            prerequisites(item)
                .iter()
                .filter_map(|p| items.get_index_of(p))
                .collect()
        })
        .collect();
    let mut level = vec![UNSEEN; items.len()];
    let mut on_path = vec![false; items.len()];
    // Iterative depth-first search so that a long chain cannot overflow the stack.
    for start in 0..items.len() {
        if level[start] != UNSEEN {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        on_path[start] = true;
        while let Some(&(node, next)) = path.last() {
            if let Some(&dep) = deps[node].get(next) {
                path.last_mut().expect("non-empty").1 += 1;
                if level[dep] != UNSEEN {
                    continue;
                }
                if on_path[dep] {
                    let from = path.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                    let mut cycle: Vec<String> = path[from..]
                        .iter()
                        .map(|(n, _)| name_at(items, *n))
                        .collect();
                    cycle.push(name_at(items, dep));
                    return Err(cycle);
                }
                on_path[dep] = true;
                path.push((dep, 0));
            } else {
                level[node] = deps[node].iter().map(|d| level[*d] + 1).max().unwrap_or(0);
                on_path[node] = false;
                path.pop();
            }
        }
    }
    Ok(level)
}

fn name_at<T>(items: &IndexMap<String, T>, index: usize) -> String {
    items
        .get_index(index)
        .map(|(k, _)| k.clone())
        .unwrap_or_default()
}

/// The error for a prerequisite cycle: prints it, and names the service.yaml files to fix.
pub fn cycle_diagnostic(cycle: &[String], file_of: impl Fn(&str) -> String) -> Diagnostic {
    let files: Vec<String> = cycle
        .windows(2)
        .map(|pair| format!("{} (needs {})", file_of(&pair[0]), pair[1]))
        .collect();
    Diagnostic::bad_input(format!(
        "prerequisites form a cycle: {}",
        cycle.join(" -> ")
    ))
    .with_help(format!(
        "remove one of these prerequisites: {}",
        files.join(", ")
    ))
}

/// Marks `start` and everything they need, transitively.
pub fn with_prerequisites<T>(
    items: &IndexMap<String, T>,
    prerequisites: impl Fn(&T) -> &[String],
    start: &[usize],
) -> Vec<bool> {
    let mut marked = vec![false; items.len()];
    let mut todo: Vec<usize> = start.to_vec();
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut marked[i], true) {
            continue;
        }
        if let Some((_, item)) = items.get_index(i) {
            todo.extend(
                prerequisites(item)
                    .iter()
                    .filter_map(|p| items.get_index_of(p)),
            );
        }
    }
    marked
}

/// Groups the marked entries into waves by level; `Reverse` flips the wave order. Entries keep
/// `items` order inside a wave.
pub fn waves_of(levels: &[usize], marked: &[bool], direction: Direction) -> Vec<Vec<usize>> {
    let depth = levels.iter().copied().max().map_or(0, |m| m + 1);
    let mut waves: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, level) in levels.iter().enumerate() {
        if marked[i] {
            waves[*level].push(i);
        }
    }
    waves.retain(|w| !w.is_empty());
    if direction == Direction::Reverse {
        waves.reverse();
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> IndexMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(n, deps)| {
                (
                    (*n).to_owned(),
                    deps.iter().map(|d| (*d).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn levels_follow_the_longest_chain() {
        let g = graph(&[
            ("api", &["db", "cache"]),
            ("cache", &[]),
            ("db", &["missing"]),
            ("web", &["api", "db"]),
        ]);
        assert_eq!(levels(&g, |d| d.as_slice()).unwrap(), [1, 0, 0, 2]);
    }

    #[test]
    fn a_cycle_is_returned_along_its_path() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["b"])]);
        assert_eq!(levels(&g, |d| d.as_slice()).unwrap_err(), ["b", "c", "b"]);
        let g = graph(&[("self", &["self"])]);
        assert_eq!(levels(&g, |d| d.as_slice()).unwrap_err(), ["self", "self"]);
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let n = 50_000;
        let g: IndexMap<String, Vec<String>> = (0..n)
            .map(|i| {
                let deps = if i + 1 < n {
                    vec![format!("s{}", i + 1)]
                } else {
                    vec![]
                };
                (format!("s{i}"), deps)
            })
            .collect();
        let l = levels(&g, |d| d.as_slice()).unwrap();
        assert_eq!(l[0], n - 1);
    }

    #[test]
    fn selections_close_over_prerequisites_and_reverse() {
        let g = graph(&[
            ("api", &["db"]),
            ("db", &[]),
            ("other", &[]),
            ("web", &["api"]),
        ]);
        let l = levels(&g, |d| d.as_slice()).unwrap();
        let marked = with_prerequisites(&g, |d| d.as_slice(), &[3]);
        assert_eq!(marked, [true, true, false, true]);
        assert_eq!(
            waves_of(&l, &marked, Direction::Forward),
            [vec![1], vec![0], vec![3]]
        );
        assert_eq!(
            waves_of(&l, &marked, Direction::Reverse),
            [vec![3], vec![0], vec![1]]
        );
    }
}
