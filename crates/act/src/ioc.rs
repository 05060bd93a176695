//! Host indicators of W32/Blaster (MODEL.md section 1, "Host artefacts"), as
//! CSV and as a STIX 2.1 bundle.
//!
//! The STIX output is deterministic: every `id` is a UUIDv5 of a fixed
//! namespace and the object's content, and every timestamp is the date of
//! CERT CA-2003-20, 2003-08-11T00:00:00.000Z.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;
use uuid::Uuid;

/// What kind of artefact an indicator names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndicatorKind {
    /// A file name of the worm's executable.
    FileName,
    /// The MD5 hash of a worm executable.
    Md5,
    /// A value under a registry key.
    RegistryValue,
    /// A named mutex the worm creates.
    Mutex,
}

impl IndicatorKind {
    /// The word in the CSV `type` column.
    pub fn name(self) -> &'static str {
        match self {
            IndicatorKind::FileName => "file-name",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::RegistryValue => "registry-value",
            IndicatorKind::Mutex => "mutex",
        }
    }
}

/// One host indicator with its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    pub kind: IndicatorKind,
    /// The artefact: a file name, a hex MD5, a registry key path with the
    /// value name appended after a backslash, or a mutex name.
    pub value: String,
    /// For a registry value: the key (HKLM form), value name and data.
    pub registry: Option<RegistryValue>,
    pub description: String,
    /// Where the fact comes from, as MODEL.md cites it.
    pub source: String,
}

/// A registry value: key, value name and data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryValue {
    /// The key with the abbreviated hive, as MODEL.md writes it (`HKLM\...`).
    pub key: String,
    pub name: String,
    pub data: String,
}

impl RegistryValue {
    /// The key with its hive spelled out (`HKEY_LOCAL_MACHINE\...`), as STIX
    /// requires.
    pub fn full_key(&self) -> String {
        match self.key.strip_prefix("HKLM\\") {
            Some(rest) => format!("HKEY_LOCAL_MACHINE\\{rest}"),
            None => self.key.clone(),
        }
    }
}

/// The original worm's file name.
pub const ORIGINAL_FILE: &str = "msblast.exe";
/// File names used by variants (MODEL.md: "Variants rename the file").
pub const VARIANT_FILES: [&str; 4] = ["penis32.exe", "teekids.exe", "mslaugh.exe", "enbiei.exe"];
/// MD5 of the original 6,176-byte UPX-packed msblast.exe (SANS, via MODEL.md).
pub const ORIGINAL_MD5: &str = "5ae700c1dffb00cef492844a4db6cd69";
/// The Run key the worm adds its value to.
pub const RUN_KEY: &str = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
/// The value name under the Run key.
pub const RUN_VALUE_NAME: &str = "windows auto update";
/// The mutex the worm creates to run once per host.
pub const MUTEX: &str = "BILLY";

/// The host indicators of MODEL.md, each with its source, in a fixed order.
pub fn indicators() -> Vec<Indicator> {
    let mut out = vec![Indicator {
        kind: IndicatorKind::FileName,
        value: ORIGINAL_FILE.to_string(),
        registry: None,
        description: "File name of the original W32/Blaster executable, written to \
                      %WinDir%\\system32\\msblast.exe"
            .to_string(),
        source: "MODEL.md section 1 (Host artefacts); CERT CA-2003-20".to_string(),
    }];
    for name in VARIANT_FILES {
        out.push(Indicator {
            kind: IndicatorKind::FileName,
            value: name.to_string(),
            registry: None,
            description: format!(
                "File name of a W32/Blaster variant ({name} instead of msblast.exe; \
                 the variants scan the same way)"
            ),
            source: "MODEL.md section 1 (Host artefacts)".to_string(),
        });
    }
    out.push(Indicator {
        kind: IndicatorKind::Md5,
        value: ORIGINAL_MD5.to_string(),
        registry: None,
        description: "MD5 of the original msblast.exe, 6,176 bytes, UPX-packed".to_string(),
        source: "SANS, via MODEL.md section 1 (Host artefacts)".to_string(),
    });
    out.push(Indicator {
        kind: IndicatorKind::RegistryValue,
        value: format!("{RUN_KEY}\\{RUN_VALUE_NAME}"),
        registry: Some(RegistryValue {
            key: RUN_KEY.to_string(),
            name: RUN_VALUE_NAME.to_string(),
            data: ORIGINAL_FILE.to_string(),
        }),
        description: format!(
            "Run key value \"{RUN_VALUE_NAME}\" = \"{ORIGINAL_FILE}\": starts the worm at every boot"
        ),
        source: "CERT CA-2003-20 (Solutions, step 2); MODEL.md section 1 (Host artefacts)"
            .to_string(),
    });
    out.push(Indicator {
        kind: IndicatorKind::Mutex,
        value: MUTEX.to_string(),
        registry: None,
        description: "Mutex the worm creates so that one copy runs per host".to_string(),
        source: "MODEL.md section 1 (Host artefacts)".to_string(),
    });
    out
}

/// The output format of `wormscope ioc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IocFormat {
    /// A STIX 2.1 bundle (JSON).
    Stix,
    /// CSV with the header `type,value,description,source`.
    Csv,
}

impl IocFormat {
    pub const ALL: [IocFormat; 2] = [IocFormat::Stix, IocFormat::Csv];

    pub fn name(self) -> &'static str {
        match self {
            IocFormat::Stix => "stix",
            IocFormat::Csv => "csv",
        }
    }

    /// A conventional file name extension for the output (without a dot).
    pub fn extension(self) -> &'static str {
        match self {
            IocFormat::Stix => "stix.json",
            IocFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for IocFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that names no indicator format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown indicator format `{0}`: choose one of stix, csv")]
pub struct IocFormatError(pub String);

impl FromStr for IocFormat {
    type Err = IocFormatError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "stix" => Ok(IocFormat::Stix),
            "csv" => Ok(IocFormat::Csv),
            _ => Err(IocFormatError(text.to_string())),
        }
    }
}

/// Renders indicators in `format`.
pub fn render(indicators: &[Indicator], format: IocFormat) -> String {
    match format {
        IocFormat::Csv => csv(indicators),
        IocFormat::Stix => stix(indicators),
    }
}

/// One CSV field, quoted per RFC 4180 when it holds a comma, a quote or a
/// line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// CSV, one indicator a line, LF line ends.
pub fn csv(indicators: &[Indicator]) -> String {
    let mut out = String::from("type,value,description,source\n");
    for i in indicators {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            i.kind.name(),
            csv_field(&i.value),
            csv_field(&i.description),
            csv_field(&i.source)
        );
    }
    out
}

// ---------------------------------------------------------------- STIX 2.1

/// The date of CERT CA-2003-20, used for every STIX timestamp.
pub const STIX_TIMESTAMP: &str = "2003-08-11T00:00:00.000Z";

/// The namespace of wormscope's UUIDv5 identifiers: UUIDv5 of the URL
/// namespace and `https://example.invalid/wormscope/stix`.
pub fn stix_namespace() -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        b"https://example.invalid/wormscope/stix",
    )
}

/// A deterministic STIX identifier: `TYPE--UUIDv5(namespace, TYPE + "|" + key)`.
pub fn stix_id(kind: &str, key: &str) -> String {
    let uuid = Uuid::new_v5(&stix_namespace(), format!("{kind}|{key}").as_bytes());
    format!("{kind}--{uuid}")
}

/// Escapes a string for a STIX pattern literal (backslash and quote).
fn pattern_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX pattern of an indicator.
pub fn stix_pattern(indicator: &Indicator) -> String {
    match indicator.kind {
        IndicatorKind::FileName => format!("[file:name = {}]", pattern_literal(&indicator.value)),
        IndicatorKind::Md5 => format!("[file:hashes.MD5 = {}]", pattern_literal(&indicator.value)),
        IndicatorKind::Mutex => format!("[mutex:name = {}]", pattern_literal(&indicator.value)),
        IndicatorKind::RegistryValue => {
            let reg = indicator
                .registry
                .as_ref()
                .expect("a registry indicator carries its key");
            format!(
                "[windows-registry-key:key = {} AND windows-registry-key:values[*].name = {}]",
                pattern_literal(&reg.full_key()),
                pattern_literal(&reg.name)
            )
        }
    }
}

#[derive(Serialize)]
struct ExternalReference {
    source_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'static str>,
}

// Structs rather than `json!` maps: the key order is the field order whatever
// serde_json features the workspace unifies.
#[derive(Serialize)]
struct Identity {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    created: &'static str,
    modified: &'static str,
    name: &'static str,
    description: &'static str,
    identity_class: &'static str,
}

#[derive(Serialize)]
struct Malware {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: &'static str,
    modified: &'static str,
    name: &'static str,
    description: &'static str,
    malware_types: [&'static str; 1],
    is_family: bool,
    aliases: [&'static str; 2],
    first_seen: &'static str,
    external_references: Vec<ExternalReference>,
}

#[derive(Serialize)]
struct StixIndicator {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: &'static str,
    modified: &'static str,
    name: String,
    description: String,
    indicator_types: [&'static str; 1],
    pattern: String,
    pattern_type: &'static str,
    pattern_version: &'static str,
    valid_from: &'static str,
    external_references: Vec<ExternalReference>,
}

#[derive(Serialize)]
struct Relationship {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: &'static str,
    modified: &'static str,
    relationship_type: &'static str,
    source_ref: String,
    target_ref: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum StixObject {
    Identity(Identity),
    Malware(Box<Malware>),
    Indicator(StixIndicator),
    Relationship(Relationship),
}

#[derive(Serialize)]
struct Bundle {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    objects: Vec<StixObject>,
}

fn ca_2003_20() -> ExternalReference {
    ExternalReference {
        source_name: "CERT/CC",
        description: Some("CERT Advisory CA-2003-20 W32/Blaster worm".to_string()),
        url: Some("https://www.cert.org/advisories/CA-2003-20.html"),
        external_id: Some("CA-2003-20"),
    }
}

/// A STIX 2.1 bundle: the wormscope identity, the W32/Blaster malware, one
/// indicator per host indicator and an `indicates` relationship from each
/// indicator to the malware. Pretty-printed JSON with a final newline.
pub fn stix(indicators: &[Indicator]) -> String {
    let identity_id = stix_id("identity", "wormscope");
    let malware_id = stix_id("malware", "W32/Blaster");
    let mut objects = vec![
        StixObject::Identity(Identity {
            kind: "identity",
            spec_version: "2.1",
            id: identity_id.clone(),
            created: STIX_TIMESTAMP,
            modified: STIX_TIMESTAMP,
            name: "wormscope",
            description: "A defensive laboratory for network worm outbreaks; these \
                          objects were generated from its model of W32/Blaster.",
            identity_class: "system",
        }),
        StixObject::Malware(Box::new(Malware {
            kind: "malware",
            spec_version: "2.1",
            id: malware_id.clone(),
            created_by_ref: identity_id.clone(),
            created: STIX_TIMESTAMP,
            modified: STIX_TIMESTAMP,
            name: "W32/Blaster",
            description: "Network worm of August 2003 that spread through the DCOM RPC \
                          vulnerability of MS03-026 (CVE-2003-0352) on TCP 135, fetched \
                          msblast.exe by TFTP and carried a SYN flood against \
                          windowsupdate.com.",
            malware_types: ["worm"],
            is_family: true,
            aliases: ["MSBlast", "Lovsan"],
            first_seen: STIX_TIMESTAMP,
            external_references: vec![
                ca_2003_20(),
                ExternalReference {
                    source_name: "Microsoft",
                    description: Some(
                        "Microsoft Security Bulletin MS03-026, Buffer Overrun In RPC \
                         Interface Could Allow Code Execution"
                            .to_string(),
                    ),
                    url: Some(
                        "https://learn.microsoft.com/en-us/security-updates/securitybulletins/2003/ms03-026",
                    ),
                    external_id: Some("MS03-026"),
                },
                ExternalReference {
                    source_name: "cve",
                    description: None,
                    url: None,
                    external_id: Some("CVE-2003-0352"),
                },
            ],
        })),
    ];
    let mut relationships = Vec::new();
    for indicator in indicators {
        let pattern = stix_pattern(indicator);
        let id = stix_id("indicator", &pattern);
        let mut refs = vec![ExternalReference {
            source_name: "wormscope MODEL.md",
            description: Some(format!("Source: {}", indicator.source)),
            url: None,
            external_id: None,
        }];
        if indicator.source.contains("CA-2003-20") {
            refs.push(ca_2003_20());
        }
        objects.push(StixObject::Indicator(StixIndicator {
            kind: "indicator",
            spec_version: "2.1",
            id: id.clone(),
            created_by_ref: identity_id.clone(),
            created: STIX_TIMESTAMP,
            modified: STIX_TIMESTAMP,
            name: format!("W32/Blaster {}: {}", indicator.kind.name(), indicator.value),
            description: indicator.description.clone(),
            indicator_types: ["malicious-activity"],
            pattern,
            pattern_type: "stix",
            pattern_version: "2.1",
            valid_from: STIX_TIMESTAMP,
            external_references: refs,
        }));
        relationships.push(StixObject::Relationship(Relationship {
            kind: "relationship",
            spec_version: "2.1",
            id: stix_id("relationship", &format!("{id}|indicates|{malware_id}")),
            created_by_ref: identity_id.clone(),
            created: STIX_TIMESTAMP,
            modified: STIX_TIMESTAMP,
            relationship_type: "indicates",
            source_ref: id,
            target_ref: malware_id.clone(),
        }));
    }
    objects.extend(relationships);
    let bundle = Bundle {
        kind: "bundle",
        id: stix_id("bundle", "wormscope W32/Blaster host indicators"),
        objects,
    };
    let mut text = serde_json::to_string_pretty(&bundle).expect("STIX objects serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_of_the_model() {
        let all = indicators();
        let names: Vec<&str> = all
            .iter()
            .filter(|i| i.kind == IndicatorKind::FileName)
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "msblast.exe",
                "penis32.exe",
                "teekids.exe",
                "mslaugh.exe",
                "enbiei.exe"
            ]
        );
        assert!(
            all.iter()
                .any(|i| i.kind == IndicatorKind::Md5
                    && i.value == "5ae700c1dffb00cef492844a4db6cd69")
        );
        assert!(
            all.iter()
                .any(|i| i.kind == IndicatorKind::Mutex && i.value == "BILLY")
        );
        assert!(all.iter().all(|i| !i.source.is_empty()));
    }

    #[test]
    fn patterns() {
        let all = indicators();
        let patterns: Vec<String> = all.iter().map(stix_pattern).collect();
        assert!(patterns.contains(&"[file:name = 'msblast.exe']".to_string()));
        assert!(
            patterns
                .contains(&"[file:hashes.MD5 = '5ae700c1dffb00cef492844a4db6cd69']".to_string())
        );
        assert!(patterns.contains(&"[mutex:name = 'BILLY']".to_string()));
        assert!(patterns.contains(
            &"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' AND windows-registry-key:values[*].name = 'windows auto update']".to_string()
        ));
    }

    #[test]
    fn ids_are_uuid_v5_and_stable() {
        let id = stix_id("malware", "W32/Blaster");
        let uuid: Uuid = id.strip_prefix("malware--").unwrap().parse().unwrap();
        assert_eq!(uuid.get_version_num(), 5);
        assert_eq!(id, stix_id("malware", "W32/Blaster"));
        assert_ne!(id, stix_id("malware", "W32/Welchia"));
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn parse_formats() {
        assert_eq!("STIX".parse::<IocFormat>().unwrap(), IocFormat::Stix);
        let err = "xml".parse::<IocFormat>().unwrap_err().to_string();
        assert!(err.contains("stix, csv"), "{err}");
    }
}
