//! Groups of models that reference each other most: greedy modularity
//! (Clauset, Newman and Moore), merging at each step the two groups whose
//! union raises modularity most, until no merge raises it.
//!
//! Takes the relation graph as weighted edges between node indexes (a
//! weight is how many relation fields join two models) and returns the
//! groups, each a sorted list of nodes; a node without edges is a group of
//! its own. Integer arithmetic and ties broken by the smallest node make
//! it deterministic: the same schema always splits the same way, on any
//! machine, with no seed and no threads.

use std::collections::BTreeMap;

/// Groups of `nodes` nodes joined by `edges` (a, b, weight); self-edges
/// are ignored.
pub fn communities(nodes: usize, edges: &[(usize, usize, u64)]) -> Vec<Vec<usize>> {
    // Weights between groups, and each group's total degree.
    let mut between: Vec<BTreeMap<usize, u64>> = vec![BTreeMap::new(); nodes];
    let mut degree = vec![0u64; nodes];
    for &(a, b, weight) in edges {
        if a == b || weight == 0 {
            continue;
        }
        *between[a].entry(b).or_default() += weight;
        *between[b].entry(a).or_default() += weight;
        degree[a] += weight;
        degree[b] += weight;
    }
    // Twice the total weight.
    let total: u64 = degree.iter().sum();
    let mut members: Vec<Vec<usize>> = (0..nodes).map(|n| vec![n]).collect();
    let mut alive = vec![true; nodes];
    loop {
        // The gain of merging i and j, scaled by 2m² to stay in integers:
        // 2m·w(i,j) - d(i)·d(j), where 2m is `total`.
        let mut best: Option<(i128, usize, usize)> = None;
        for (i, neighbours) in between.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            for (&j, &weight) in neighbours.range(i + 1..) {
                let gain = i128::from(total) * i128::from(weight) - i128::from(degree[i]) * i128::from(degree[j]);
                if gain > 0 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, i, j));
                }
            }
        }
        let Some((_, keep, gone)) = best else { break };
        // Merge `gone` into `keep`.
        let moved = std::mem::take(&mut between[gone]);
        for (other, weight) in moved {
            between[other].remove(&gone);
            if other == keep {
                continue;
            }
            *between[keep].entry(other).or_default() += weight;
            *between[other].entry(keep).or_default() += weight;
        }
        degree[keep] += degree[gone];
        degree[gone] = 0;
        alive[gone] = false;
        let taken = std::mem::take(&mut members[gone]);
        members[keep].extend(taken);
    }
    let mut groups: Vec<Vec<usize>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    for group in &mut groups {
        group.sort_unstable();
    }
    groups.sort();
    groups
}

#[cfg(test)]
mod tests {
    use super::communities;

    #[test]
    fn two_triangles_joined_by_one_edge_are_two_groups() {
        let edges = [(0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1), (4, 5, 1), (3, 5, 1), (2, 3, 1)];
        assert_eq!(communities(6, &edges), [vec![0, 1, 2], vec![3, 4, 5]]);
    }

    #[test]
    fn a_node_without_edges_stays_alone_and_the_result_is_stable() {
        let edges = [(0, 1, 2), (1, 2, 1), (3, 3, 5)];
        let first = communities(5, &edges);
        assert_eq!(first, communities(5, &edges));
        assert!(first.contains(&vec![3]) && first.contains(&vec![4]), "{first:?}");
    }
}
