//! The policy language version, a leaf every part of the parser reads: the `Version`
//! element decides whether policy variables are substituted.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>

/// The policy language version (the `Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17`, also meant by a missing `Version`: no policy variables.
    Legacy,
    /// `2012-10-17`: policy variables are substituted.
    Current,
}
