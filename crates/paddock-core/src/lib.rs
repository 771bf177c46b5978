//! paddock's render core: values in, validated Kubernetes manifests out. No network, no tokio.
//!
//! The flow is one-directional: [`values`] (files and flags, with origins) → typed config →
//! [`catalog`] of services → rendered, validated manifest set.

pub mod catalog;
pub mod custom;
pub mod diagnostic;
pub mod envoy;
pub mod manifest;
pub mod names;
pub mod pachctl_config;
pub mod platform;
pub mod precompiled;
pub mod quantity;
pub mod render;
// Compiles the bundled schema into statics; run by build.rs, compiled here for its tests.
#[cfg(test)]
mod schema_codegen;
pub mod services;
// Writes the built-in stacks' values trees as statics; run by build.rs, compiled here for its
// tests.
#[cfg(test)]
mod tree_codegen;
pub mod validate;
pub mod values;
pub mod yaml_fast;
pub mod yaml_out;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
