//! The STIX 2.1 bundle validates against OASIS's STIX 2.1 JSON schemas
//! (draft 2020-12), vendored in `tests/stix-schemas/` (see its README).
//! Every schema file is registered under its own `$id`, so all `$ref`s
//! resolve locally and nothing is fetched.

use std::path::{Path, PathBuf};

use jsonschema::{Registry, Validator};
use serde_json::Value;
use wormscope_act::{IocFormat, ioc};

const ID_BASE: &str = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/";

fn schema_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stix-schemas")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every schema file as (its `$id`, its contents).
fn schemas() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let root = schema_root().join("schemas");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            let schema = load(&file);
            let id = schema["$id"]
                .as_str()
                .expect("every schema has an $id")
                .to_string();
            let rel = file
                .strip_prefix(schema_root())
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            assert_eq!(id, format!("{ID_BASE}{rel}"), "unexpected $id");
            out.push((id, schema));
        }
    }
    assert!(out.len() > 50, "the vendored schemas are missing");
    out
}

fn validator(registry: &Registry<'_>, schema: &Value) -> Validator {
    jsonschema::options()
        .with_registry(registry)
        .build(schema)
        .expect("schema compiles")
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn bundle_validates_against_the_stix_2_1_schemas() {
    let schemas = schemas();
    let mut registry = Registry::new();
    for (id, schema) in &schemas {
        registry = registry
            .add(id.as_str(), schema.clone())
            .expect("valid $id");
    }
    let registry = registry.prepare().expect("registry prepares");
    let by_path = |rel: &str| -> &Value {
        &schemas
            .iter()
            .find(|(id, _)| id.ends_with(rel))
            .unwrap_or_else(|| panic!("no schema {rel}"))
            .1
    };

    let bundle: Value = serde_json::from_str(&ioc(IocFormat::Stix)).expect("the bundle is JSON");

    // The whole bundle against bundle.json.
    let v = validator(&registry, by_path("schemas/common/bundle.json"));
    let errs = errors(&v, &bundle);
    assert!(errs.is_empty(), "bundle invalid:\n{}", errs.join("\n"));

    // Each object against its own type's schema, for precise messages, and
    // negative controls: a schema that accepts a broken object checks nothing.
    let objects = bundle["objects"].as_array().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for object in objects {
        let kind = object["type"].as_str().unwrap();
        seen.insert(kind.to_string());
        let dir = if kind == "relationship" {
            "sros"
        } else {
            "sdos"
        };
        let v = validator(&registry, by_path(&format!("schemas/{dir}/{kind}.json")));
        let errs = errors(&v, object);
        assert!(
            errs.is_empty(),
            "{kind} {} invalid:\n{}",
            object["id"],
            errs.join("\n")
        );

        let mut broken = object.clone();
        broken["created"] = Value::String("11 Aug 2003".into());
        assert!(!v.is_valid(&broken), "{kind}: a bad timestamp passed");
        let mut broken = object.clone();
        broken["id"] = Value::String(format!("{kind}--not-a-uuid"));
        assert!(!v.is_valid(&broken), "{kind}: a bad id passed");
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["identity", "indicator", "malware", "relationship"]
    );

    // A bundle with an indicator lacking its pattern is rejected.
    let mut broken = bundle.clone();
    let indicator = broken["objects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["type"] == "indicator")
        .unwrap();
    indicator.as_object_mut().unwrap().remove("pattern");
    let v = validator(&registry, by_path("schemas/common/bundle.json"));
    assert!(
        !v.is_valid(&broken),
        "an indicator without a pattern passed"
    );
}

/// What the schemas leave open: references point at objects in the bundle,
/// ids are unique, every indicator indicates the malware.
#[test]
fn bundle_is_self_consistent() {
    let bundle: Value = serde_json::from_str(&ioc(IocFormat::Stix)).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids");
    for o in objects {
        for key in ["created_by_ref", "source_ref", "target_ref"] {
            if let Some(r) = o.get(key) {
                assert!(unique.contains(r.as_str().unwrap()), "dangling {key} {r}");
            }
        }
        assert_eq!(o["spec_version"], "2.1");
        assert_eq!(o["created"], "2003-08-11T00:00:00.000Z");
    }
    let malware = objects.iter().find(|o| o["type"] == "malware").unwrap();
    let indicators: Vec<&Value> = objects
        .iter()
        .filter(|o| o["type"] == "indicator")
        .collect();
    assert_eq!(indicators.len(), wormscope_act::indicators().len());
    for i in &indicators {
        assert!(objects.iter().any(|r| r["type"] == "relationship"
            && r["relationship_type"] == "indicates"
            && r["source_ref"] == i["id"]
            && r["target_ref"] == malware["id"]));
        assert_eq!(i["valid_from"], "2003-08-11T00:00:00.000Z");
        let pattern = i["pattern"].as_str().unwrap();
        assert!(
            pattern.starts_with('[') && pattern.ends_with(']'),
            "{pattern}"
        );
    }
}
