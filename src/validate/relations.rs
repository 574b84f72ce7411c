//! Relations: the `@relation` attribute and its arguments, an opposite
//! field for every relation field, names for ambiguous relations, where
//! `fields`/`references` and referential actions belong in 1:1, 1:n and
//! m:n relations, the keys themselves (existing scalar fields, equal
//! length, matching types, a unique criterion on the referenced side,
//! unique on a 1:1's key side), and foreign key names.
//!
//! The rules share one relation graph ([`crate::schema::relations::Relations`], built once
//! per run by [`Ctx::relations`](super::Ctx::relations)) and each reports only its own problem; rules that need a well-formed pair or key
//! skip relations another rule already reported, so one mistake is one
//! error. Prisma's cycle and multiple-cascade-path rules are SQL Server
//! only and have no counterpart here.

mod arguments;
mod constraint_names;
mod keys;
mod model;
mod sides;

use super::Rule;

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("relation_attributes_sit_on_relation_fields", arguments::relation_attributes_sit_on_relation_fields),
    Rule::blocks("relation_arguments_are_well_formed", arguments::relation_arguments_are_well_formed),
    Rule::blocks("relations_to_ignored_models_are_ignored", arguments::relations_to_ignored_models_are_ignored),
    Rule::schema(
        "relations_between_two_models_have_distinct_names",
        sides::relations_between_two_models_have_distinct_names,
    ),
    Rule::schema("every_relation_field_has_an_opposite_field", sides::every_relation_field_has_an_opposite_field),
    Rule::schema("one_to_one_relations_have_one_key_side", sides::one_to_one_relations_have_one_key_side),
    Rule::schema("one_to_many_keys_sit_on_the_single_side", sides::one_to_many_keys_sit_on_the_single_side),
    Rule::schema("many_to_many_relations_are_implicit", sides::many_to_many_relations_are_implicit),
    Rule::schema("referential_actions_sit_on_the_key_side", sides::referential_actions_sit_on_the_key_side),
    Rule::blocks("relation_keys_name_existing_scalar_fields", keys::relation_keys_name_existing_scalar_fields),
    Rule::blocks("fields_and_references_come_together", keys::fields_and_references_come_together),
    Rule::blocks("fields_and_references_have_equal_length", keys::fields_and_references_have_equal_length),
    Rule::blocks("key_types_match_referenced_types", keys::key_types_match_referenced_types),
    Rule::blocks("references_are_a_unique_criterion", keys::references_are_a_unique_criterion),
    Rule::schema("one_to_one_keys_are_unique", keys::one_to_one_keys_are_unique),
    Rule::blocks("required_relations_have_required_keys", keys::required_relations_have_required_keys),
    Rule::blocks("set_null_only_on_optional_keys", keys::set_null_only_on_optional_keys),
    Rule::blocks("set_default_keys_have_defaults", keys::set_default_keys_have_defaults),
    Rule::blocks("key_native_types_are_comparable", keys::key_native_types_are_comparable),
    Rule::blocks("foreign_key_names_are_unique_per_table", constraint_names::foreign_key_names_are_unique_per_table),
];
