//! Vellum builds a shop's legal policies and storefront pages from Markdown into a
//! minified static site.
//!
//! A build is one pipeline, each stage in its own module:
//!
//! 1. [`config`] reads `site.toml`; [`content`] walks `content/` and parses front matter.
//! 2. [`site`] turns the files into the site model: URLs, sections, page order, templates;
//!    [`policy`] models policies, their versions, redlines, changelog and lock.
//! 3. [`markdown`] renders page bodies; [`templates`] renders them through the Tera theme.
//! 4. [`output`] minifies and writes everything to a fresh folder swapped in atomically.
//!
//! [`build::build`] runs the whole pipeline. Every stage reports problems as
//! [`diagnostic::Diagnostic`]s that name the file and line.

pub mod alternates;
pub mod build;
pub mod check;
pub mod clock;
pub mod config;
pub mod content;
pub mod corpus;
pub mod data;
pub mod deploy;
pub mod diagnostic;
pub mod images;
pub mod incremental;
pub mod init;
pub mod input_files;
pub mod language;
pub mod locale;
pub mod machine;
pub mod markdown;
pub mod output;
pub mod policy;
pub mod product;
pub mod render;
pub mod serve;
pub mod shortcodes;
pub mod site;
pub mod sitemap;
pub mod templates;
