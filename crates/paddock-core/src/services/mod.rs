//! paictl-style service operation: OpenPAI service directories operated by name.
//!
//! - [`cluster_config`]: the `-p DIR` cluster config (`layout.yaml`,
//!   `services-configuration.yaml`) and the `cluster_cfg` templates index;
//! - [`layout`]: machines, their labels, deploy-rules checks, node labels to sync;
//! - [`context`]: the template context of a catalog render;
//! - [`jinja_compat`]: Jinja2 behaviour for user directories' templates;
//! - [`templates`]: rendering a catalog's services to files and objects;
//! - [`affinity`]: deploy-rules → node affinity, merged with the template's;
//! - [`graph_output`]: the prerequisite graph as DOT or Mermaid, and the service table;
//! - [`plan`]: the start/stop/delete/refresh plans; [`script`]: operator scripts;
//!   [`executor`]: carrying a plan out.

pub mod affinity;
pub mod cluster_config;
pub mod context;
pub mod executor;
pub mod graph_output;
pub mod jinja_compat;
pub mod layout;
pub mod plan;
pub mod script;
pub mod templates;

pub use cluster_config::ClusterConfig;
pub use context::{ContextOptions, template_context};
pub use executor::{Executor, LocalExecutor};
pub use layout::Layout;
pub use plan::{Operation, OperationPlan, PlanRequest, plan};
pub use templates::CatalogRenderer;
