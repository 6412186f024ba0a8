//! OpenAPI v2, as kubectl 1.27 and 1.28 ask for it before `apply` and `create -f`: a
//! protobuf `openapi_v2.Document` (gnostic's `OpenAPIv2.proto`) at `/openapi/v2`. These
//! kubectls only look for a PATCH operation per kind, tagged with its group-version-kind,
//! that takes the `fieldValidation` query parameter: then the server validates fields
//! itself and the client needs no schema. So the document is that and nothing more.
//!
//! No maintained Rust crate carries gnostic's messages; the few used here are declared
//! with prost, their field numbers as `OpenAPIv2.proto` gives them.
//! <https://github.com/google/gnostic-models/blob/main/openapiv2/OpenAPIv2.proto>

use prost::Message;

/// The media type of the answer, as kube-apiserver (kube-openapi) writes it: kubectl
/// asks for `…spec.v2@v1.0+protobuf`, but Go's media-type parser refuses the `@` in an
/// answer, so the server answers with the dotted form.
pub const MEDIA_TYPE: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

#[derive(Clone, PartialEq, Message)]
struct Document {
    #[prost(string, tag = "1")]
    swagger: String,
    #[prost(message, optional, tag = "2")]
    info: Option<Info>,
    #[prost(message, optional, tag = "8")]
    paths: Option<Paths>,
}

#[derive(Clone, PartialEq, Message)]
struct Info {
    #[prost(string, tag = "1")]
    title: String,
    #[prost(string, tag = "2")]
    version: String,
}

#[derive(Clone, PartialEq, Message)]
struct Paths {
    #[prost(message, repeated, tag = "2")]
    path: Vec<NamedPathItem>,
}

#[derive(Clone, PartialEq, Message)]
struct NamedPathItem {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    value: Option<PathItem>,
}

#[derive(Clone, PartialEq, Message)]
struct PathItem {
    #[prost(message, optional, tag = "8")]
    patch: Option<Operation>,
}

#[derive(Clone, PartialEq, Message)]
struct Operation {
    #[prost(string, tag = "5")]
    operation_id: String,
    #[prost(message, repeated, tag = "8")]
    parameters: Vec<ParametersItem>,
    #[prost(message, repeated, tag = "13")]
    vendor_extension: Vec<NamedAny>,
}

/// `ParametersItem { oneof { Parameter parameter = 1; … } }`.
#[derive(Clone, PartialEq, Message)]
struct ParametersItem {
    #[prost(message, optional, tag = "1")]
    parameter: Option<Parameter>,
}

/// `Parameter { oneof { …; NonBodyParameter non_body_parameter = 2; } }`.
#[derive(Clone, PartialEq, Message)]
struct Parameter {
    #[prost(message, optional, tag = "2")]
    non_body_parameter: Option<NonBodyParameter>,
}

/// `NonBodyParameter { oneof { …; QueryParameterSubSchema query_parameter_sub_schema = 3; … } }`.
#[derive(Clone, PartialEq, Message)]
struct NonBodyParameter {
    #[prost(message, optional, tag = "3")]
    query_parameter_sub_schema: Option<QueryParameterSubSchema>,
}

#[derive(Clone, PartialEq, Message)]
struct QueryParameterSubSchema {
    #[prost(string, tag = "2")]
    r#in: String,
    #[prost(string, tag = "4")]
    name: String,
    #[prost(string, tag = "6")]
    r#type: String,
}

#[derive(Clone, PartialEq, Message)]
struct NamedAny {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    value: Option<Any>,
}

/// `Any { google.protobuf.Any value = 1; string yaml = 2; }`.
#[derive(Clone, PartialEq, Message)]
struct Any {
    #[prost(string, tag = "2")]
    yaml: String,
}

/// The document for the kinds at `paths` (`(path, kind)` of each patchable core kind).
pub fn document(paths: &[(String, &str)]) -> Vec<u8> {
    let query = |name: &str| ParametersItem {
        parameter: Some(Parameter {
            non_body_parameter: Some(NonBodyParameter {
                query_parameter_sub_schema: Some(QueryParameterSubSchema {
                    r#in: "query".to_owned(),
                    name: name.to_owned(),
                    r#type: "string".to_owned(),
                }),
            }),
        }),
    };
    let document = Document {
        swagger: "2.0".to_owned(),
        info: Some(Info {
            title: "Kubernetes".to_owned(),
            version: "v1".to_owned(),
        }),
        paths: Some(Paths {
            path: paths
                .iter()
                .map(|(path, kind)| NamedPathItem {
                    name: path.clone(),
                    value: Some(PathItem {
                        patch: Some(Operation {
                            operation_id: format!("patchCoreV1Namespaced{kind}"),
                            parameters: ["fieldValidation", "dryRun", "fieldManager"]
                                .into_iter()
                                .map(query)
                                .collect(),
                            vendor_extension: vec![NamedAny {
                                name: "x-kubernetes-group-version-kind".to_owned(),
                                value: Some(Any {
                                    yaml: format!("group: \"\"\nkind: {kind}\nversion: v1\n"),
                                }),
                            }],
                        }),
                    }),
                })
                .collect(),
        }),
    };
    document.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_each_kinds_patch_and_field_validation() {
        let bytes = document(&[("/api/v1/namespaces/{namespace}/pods/{name}".into(), "Pod")]);
        let decoded = Document::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded.swagger, "2.0");
        let path = &decoded.paths.unwrap().path[0];
        let patch = path.value.clone().unwrap().patch.unwrap();
        assert_eq!(
            patch.vendor_extension[0].name,
            "x-kubernetes-group-version-kind"
        );
        assert!(patch.vendor_extension[0]
            .value
            .as_ref()
            .unwrap()
            .yaml
            .contains("kind: Pod"));
        let names: Vec<String> = patch
            .parameters
            .iter()
            .filter_map(|p| {
                p.parameter
                    .clone()?
                    .non_body_parameter?
                    .query_parameter_sub_schema
            })
            .map(|q| q.name)
            .collect();
        assert!(names.contains(&"fieldValidation".to_owned()), "{names:?}");
    }
}
