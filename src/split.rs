//! `ehrdb split`: one schema (a `schema.prisma`, or a Prisma multi-file
//! folder) into domain fragments, the layout ehrdb is built around.
//!
//! Takes the merged [`Schema`] of a schema without errors and, optionally,
//! groups named in ehrdb.toml (`[split]`); returns a [`Plan`]: which blocks
//! go to which fragment and why, and [`render`]s each fragment's formatted
//! text. The datasource and generators go to `base.prisma`; models and
//! views go by group; enums and composite types go with their only user's
//! group, or to `foundation.prisma` when several groups (or none) use
//! them; models with no relation go to `standalone.prisma`. Comments travel
//! with the block they precede (a file's last comments with its last
//! block); the header and markers of a merged file are dropped. Nothing
//! here writes files: the command checks that the fragments lower to the
//! same SQL model as the input before it writes any.

mod group;

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::ast::{Block, BlockKind, Comment, TopItem, TypeName};
use crate::collections::HashMap;
use crate::diagnostics::Span;
use crate::fragments::Fragments;
use crate::merge::{HEADER, LISTED, MARKER};
use crate::schema::Schema;
use crate::text::count;

/// Fragment names ehrdb gives itself; a group cannot take them.
pub const BASE: &str = "base";
pub const FOUNDATION: &str = "foundation";
pub const STANDALONE: &str = "standalone";

/// The fragments to write, in name order.
pub struct Plan<'a> {
    pub fragments: Vec<Planned<'a>>,
}

/// One fragment: its file stem, its blocks in schema order, and why they
/// are together.
pub struct Planned<'a> {
    pub name: String,
    pub blocks: Vec<&'a Block>,
    pub why: String,
}

/// Plans the split of `schema`, by `[split]`'s groups (name, models) when
/// given, else by the groups of models that reference each other most.
pub fn plan<'a>(schema: &Schema<'a>, groups: &[(String, Vec<String>)]) -> Result<Plan<'a>> {
    let models: Vec<&Block> =
        schema.blocks.iter().copied().filter(|b| matches!(b.kind, BlockKind::Model | BlockKind::View)).collect();
    let index: HashMap<&str, usize> = models.iter().enumerate().map(|(i, b)| (b.name.name.as_str(), i)).collect();
    let edges = relation_edges(&models, &index);
    let (mut assigned, mut why) =
        if groups.is_empty() { by_communities(&models, &edges) } else { by_config(&models, &index, &edges, groups)? };

    // Enums and composite types: with their only user, else foundation.
    let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, model) in models.iter().enumerate() {
        for field in model.fields() {
            if let TypeName::Named(name) = &field.ty.name {
                let entry = users.entry(name.name.as_str()).or_default();
                if !entry.contains(&assigned[i]) {
                    entry.push(assigned[i].clone());
                }
            }
        }
    }
    let mut fragments: BTreeMap<String, Vec<&Block>> = BTreeMap::new();
    let mut shared = Vec::new();
    let mut next_model = 0;
    for block in schema.blocks.iter().copied() {
        let fragment = match block.kind {
            BlockKind::Datasource | BlockKind::Generator => BASE.to_owned(),
            BlockKind::Model | BlockKind::View => {
                next_model += 1;
                std::mem::take(&mut assigned[next_model - 1])
            }
            BlockKind::Enum | BlockKind::Type => match users.get(block.name.name.as_str()).map(Vec::as_slice) {
                Some([only]) => only.clone(),
                _ => {
                    shared.push(block.name.name.to_string());
                    FOUNDATION.to_owned()
                }
            },
        };
        fragments.entry(fragment).or_default().push(block);
    }
    why.insert(BASE.to_owned(), "the datasource and the generators".to_owned());
    if !shared.is_empty() {
        why.insert(
            FOUNDATION.to_owned(),
            format!("enums and types used by several fragments, or by none: {}", shared.join(", ")),
        );
    }
    Ok(Plan {
        fragments: fragments
            .into_iter()
            .map(|(name, blocks)| {
                let mut reason = why.remove(&name).unwrap_or_default();
                let kept: Vec<&str> = blocks
                    .iter()
                    .filter(|b| matches!(b.kind, BlockKind::Enum | BlockKind::Type))
                    .map(|b| b.name.name.as_str())
                    .collect();
                if !kept.is_empty() && name != FOUNDATION {
                    reason.push_str(&format!("; with the enums and types only it uses: {}", kept.join(", ")));
                }
                Planned { name, blocks, why: reason }
            })
            .collect(),
    })
}

/// (a, b, relation fields between them) for every pair of models one of
/// whose fields has the other's type.
fn relation_edges(models: &[&Block], index: &HashMap<&str, usize>) -> Vec<(usize, usize, u64)> {
    let mut weights: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for (i, model) in models.iter().enumerate() {
        for field in model.fields() {
            let TypeName::Named(name) = &field.ty.name else { continue };
            let Some(&j) = index.get(name.name.as_str()) else { continue };
            if i != j {
                *weights.entry((i.min(j), i.max(j))).or_default() += 1;
            }
        }
    }
    weights.into_iter().map(|((a, b), w)| (a, b, w)).collect()
}

type Assignment = (Vec<String>, BTreeMap<String, String>);

/// Groups by [`group::communities`], each named after its most connected
/// model.
fn by_communities(models: &[&Block], edges: &[(usize, usize, u64)]) -> Assignment {
    let mut assigned = vec![String::new(); models.len()];
    let mut why = BTreeMap::new();
    let mut standalone = Vec::new();
    let mut taken: Vec<String> = vec![BASE.to_owned(), FOUNDATION.to_owned(), STANDALONE.to_owned()];
    for members in group::communities(models.len(), edges) {
        if let [only] = members.as_slice() {
            if !edges.iter().any(|&(a, b, _)| a == *only || b == *only) {
                assigned[*only] = STANDALONE.to_owned();
                standalone.push(models[*only].name.name.to_string());
                continue;
            }
        }
        let inside = |m: usize| -> u64 {
            edges
                .iter()
                .filter(|&&(a, b, _)| (a == m || b == m) && members.contains(&a) && members.contains(&b))
                .map(|e| e.2)
                .sum()
        };
        let hub = *members.iter().max_by_key(|&&m| (inside(m), std::cmp::Reverse(m))).expect("a group has members");
        let mut name = snake(&models[hub].name.name);
        while taken.contains(&name) {
            name.push_str("_models");
        }
        taken.push(name.clone());
        let within: u64 =
            edges.iter().filter(|(a, b, _)| members.contains(a) && members.contains(b)).map(|e| e.2).sum();
        let across: u64 =
            edges.iter().filter(|(a, b, _)| members.contains(a) != members.contains(b)).map(|e| e.2).sum();
        let names: Vec<&str> = members.iter().map(|&m| models[m].name.name.as_str()).collect();
        why.insert(
            name.clone(),
            format!(
                "{}: {}; {} inside, {} to other fragments; named after `{}`, with {} inside",
                count(members.len(), "model"),
                names.join(", "),
                count(within as usize, "relation field"),
                across,
                models[hub].name.name,
                inside(hub),
            ),
        );
        for &m in &members {
            assigned[m] = name.clone();
        }
    }
    if !standalone.is_empty() {
        why.insert(STANDALONE.to_owned(), format!("models with no relation: {}", standalone.join(", ")));
    }
    (assigned, why)
}

/// Groups as `[split]` names them; every other model joins the group it
/// has most relation fields with (in rounds, so a model reached only
/// through another unlisted one follows it), else standalone.
fn by_config(
    models: &[&Block],
    index: &HashMap<&str, usize>,
    edges: &[(usize, usize, u64)],
    groups: &[(String, Vec<String>)],
) -> Result<Assignment> {
    let mut assigned: Vec<Option<usize>> = vec![None; models.len()];
    for (g, (name, listed)) in groups.iter().enumerate() {
        if [BASE, FOUNDATION, STANDALONE].contains(&name.as_str()) {
            bail!("[split] in ehrdb.toml: `{name}` is a fragment ehrdb names itself; call the group otherwise");
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            bail!("[split] in ehrdb.toml: `{name}` becomes a file name: lowercase letters, digits and _ only");
        }
        for model in listed {
            let Some(&m) = index.get(model.as_str()) else {
                let near = crate::text::closest(model, index.keys().copied());
                let hint = near.map(|n| format!(": did you mean {n}?")).unwrap_or_default();
                bail!("[split] in ehrdb.toml: group `{name}` lists `{model}`, which is no model or view{hint}");
            };
            if let Some(other) = assigned[m] {
                bail!("[split] in ehrdb.toml: `{model}` is listed in `{}` and `{name}`", groups[other].0);
            }
            assigned[m] = Some(g);
        }
    }
    let mut joined: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
    loop {
        let mut round = Vec::new();
        for m in (0..models.len()).filter(|&m| assigned[m].is_none()) {
            let mut weights = vec![0u64; groups.len()];
            for &(a, b, w) in edges {
                let other = if a == m {
                    b
                } else if b == m {
                    a
                } else {
                    continue;
                };
                if let Some(g) = assigned[other] {
                    weights[g] += w;
                }
            }
            let best =
                (0..groups.len()).filter(|&g| weights[g] > 0).max_by_key(|&g| (weights[g], std::cmp::Reverse(g)));
            if let Some(g) = best {
                round.push((m, g));
            }
        }
        if round.is_empty() {
            break;
        }
        for (m, g) in round {
            assigned[m] = Some(g);
            joined[g].push(models[m].name.name.to_string());
        }
    }
    let mut why = BTreeMap::new();
    let mut standalone = Vec::new();
    let names = assigned
        .iter()
        .enumerate()
        .map(|(m, g)| match g {
            Some(g) => groups[*g].0.clone(),
            None => {
                standalone.push(models[m].name.name.to_string());
                STANDALONE.to_owned()
            }
        })
        .collect();
    for (g, (name, listed)) in groups.iter().enumerate() {
        let mut reason = format!("listed in [split]: {}", listed.join(", "));
        if !joined[g].is_empty() {
            reason.push_str(&format!("; joined by the models that reference it most: {}", joined[g].join(", ")));
        }
        why.insert(name.clone(), reason);
    }
    if !standalone.is_empty() {
        why.insert(STANDALONE.to_owned(), format!("models related to no group: {}", standalone.join(", ")));
    }
    Ok((names, why))
}

/// `PatientVisit` -> `patient_visit`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

/// The text of each planned fragment, formatted: (file name, text).
pub fn render(plan: &Plan, fragments: &Fragments) -> Vec<(String, String)> {
    let attached = comments(fragments);
    plan.fragments
        .iter()
        .map(|planned| {
            let mut text = String::new();
            for block in &planned.blocks {
                let source = &fragments.sources.get(block.span.file).text;
                let (leading, trailing) = attached.get(&block.span).cloned().unwrap_or_default();
                let start = leading
                    .first()
                    .map(|c| c.span.start)
                    .into_iter()
                    .chain(block.doc.first().map(|c| c.span.start))
                    .chain([block.span.start])
                    .min()
                    .expect("one start at least") as usize;
                let end = trailing.last().map_or(block.span.end, |c| c.span.end) as usize;
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&source[start..end]);
            }
            text.push('\n');
            let file = format!("{}.prisma", planned.name);
            (file.clone(), formatted(&file, text))
        })
        .collect()
}

/// The formatter's text of a fragment.
fn formatted(name: &str, text: String) -> String {
    let parsed = Fragments::from_texts(vec![(name.to_owned(), name.into(), text)]);
    crate::format::format(&parsed.fragments[0].ast, &parsed.sources)
}

/// The top-level comments before each block (by its span), and after the
/// last block of a file; a merged file's header and markers are dropped.
fn comments(fragments: &Fragments) -> HashMap<Span, (Vec<&Comment>, Vec<&Comment>)> {
    let mut attached: HashMap<Span, (Vec<&Comment>, Vec<&Comment>)> = HashMap::default();
    for fragment in &fragments.fragments {
        let mut pending: Vec<&Comment> = Vec::new();
        let mut last: Option<Span> = None;
        let mut in_header = false;
        for item in &fragment.ast.items {
            match item {
                TopItem::Comment(comment) => {
                    let text = comment.text.as_str();
                    if text.starts_with(MARKER) {
                        in_header = false;
                        continue;
                    }
                    if last.is_none() && pending.is_empty() && HEADER.lines().next() == Some(text) {
                        in_header = true;
                        continue;
                    }
                    if in_header && (HEADER.lines().any(|l| l == text) || text.starts_with(LISTED)) {
                        continue;
                    }
                    in_header = false;
                    pending.push(comment);
                }
                TopItem::Block(block) => {
                    in_header = false;
                    attached.entry(block.span).or_default().0.append(&mut pending);
                    last = Some(block.span);
                }
                TopItem::BlankLine => {}
                TopItem::Invalid(_) => in_header = false,
            }
        }
        if let Some(span) = last {
            attached.entry(span).or_default().1.append(&mut pending);
        }
    }
    attached
}

#[cfg(test)]
mod tests {
    use super::snake;

    #[test]
    fn names_become_snake_case_file_names() {
        assert_eq!(snake("PatientVisit"), "patient_visit");
        assert_eq!(snake("Patient"), "patient");
        assert_eq!(snake("ICD10Code"), "icd10_code");
    }
}
