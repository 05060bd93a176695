//! The nft and iptables outputs, checked by the real tools.
//!
//! `nft -c -f FILE` parses the ruleset and has the kernel check it without
//! committing; `iptables-restore --test FILE` parses and checks without
//! committing. Both need netlink access (root or CAP_NET_ADMIN, and nf_tables
//! in the kernel). Where the tool is missing or the sandbox denies it the
//! test prints why and passes without checking; a known-broken file must be
//! rejected first, so a tool that accepts anything does not count as a pass.
//! `.ci/run` installs both from Debian's packages (nftables, iptables).

use std::path::Path;
use std::process::Command;

use wormscope_act::{
    Defense, IspScope, RuleFormat, RuleOptions, rules_with, scenario_rules, scenario_rules_with,
};

/// Every variant of the rule sets in `format`, labelled: each defense with
/// both ISP scopes, and each defense as each built-in scenario (of every
/// worm) has it, the target move where the worm floods an address; the
/// spoof filter around one inside prefix and around several, and as each
/// scenario whose flood spoofs has it.
fn variants(format: RuleFormat) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for scope in [IspScope::Port135, IspScope::WithShellAndTftp] {
        for defense in Defense::ALL {
            if scope != IspScope::Port135 && defense != Defense::Isp {
                continue;
            }
            let options = RuleOptions {
                isp_scope: scope,
                ..RuleOptions::default()
            };
            out.push((
                format!("{defense} ({scope:?})"),
                rules_with(defense, format, &options).unwrap(),
            ));
        }
    }
    for name in wormscope_scenario::builtin_names() {
        let scenario = wormscope_scenario::ScenarioSource::Builtin(name)
            .load()
            .unwrap();
        for defense in Defense::ALL {
            let text = scenario_rules(&scenario, name, defense, format).unwrap();
            out.push((format!("{defense} of scenario {name}"), text));
        }
        // Only a worm that floods an address has a target move to deploy.
        if let Ok(text) = scenario_rules(&scenario, name, Defense::TargetMove, format) {
            out.push((format!("target-move of scenario {name}"), text));
        }
    }
    let spoofing = wormscope_scenario::parse_any(
        "base = \"codered2\"\n[payload]\nspoofed_sources = true\npacket_bytes = 40\n",
        "spoofing.toml",
    )
    .unwrap();
    let mut spoofers = vec![("spoofing.toml", spoofing)];
    for name in ["blaster", "blaster-sample"] {
        let scenario = wormscope_scenario::ScenarioSource::Builtin(name)
            .load()
            .unwrap();
        spoofers.push((name, scenario));
    }
    for inside in [
        &["192.0.2.0/24"][..],
        &["192.0.2.0/24", "198.51.100.0/23", "10.0.0.0/8"][..],
    ] {
        let options = RuleOptions {
            inside: inside.iter().map(|p| p.parse().unwrap()).collect(),
            ..RuleOptions::default()
        };
        out.push((
            format!("spoof-filter inside {inside:?}"),
            rules_with(Defense::SpoofFilter, format, &options).unwrap(),
        ));
        for (name, scenario) in &spoofers {
            let text = scenario_rules_with(scenario, name, Defense::SpoofFilter, format, &options)
                .unwrap();
            out.push((
                format!("spoof-filter of scenario {name} inside {inside:?}"),
                text,
            ));
        }
    }
    out
}

/// Why a tool cannot check here, if it cannot: looked for on PATH and in the
/// sbin directories (root's PATH has them, a user's may not).
fn find_tool(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(Into::into))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Output of a tool run: success, or the combined stderr and stdout.
fn run(tool: &Path, args: &[&str], file: &Path) -> Result<(), String> {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ))
    }
}

/// Messages that mean the environment, not the file, stopped the check.
fn is_environment_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "operation not permitted",
        "permission denied",
        "you must be root",
        "cache initialization failed",
        "netlink",
        "protocol not supported",
        "address family not supported",
        "can't initialize",
        "could not fetch rule set generation",
        "failed to initialize nft",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

/// Checks every variant in `format` with `tool args FILE`. Skips (returns
/// with a printed reason) when the tool is missing or the environment denies
/// it; panics on any rejected output.
fn check_with(tool_name: &str, args: &[&str], format: RuleFormat, broken: &str) {
    let Some(tool) = find_tool(tool_name) else {
        eprintln!(
            "SKIPPED: {tool_name} is not installed (apt-get install {}); {format} output not checked",
            if tool_name == "nft" {
                "nftables"
            } else {
                "iptables"
            }
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Control: the tool must reject a broken file, or it checks nothing.
    let bad = dir.path().join("broken");
    std::fs::write(&bad, broken).unwrap();
    match run(&tool, args, &bad) {
        Ok(()) => panic!("{tool_name} accepted a broken file: it does not check here"),
        Err(e) if is_environment_error(&e) && !e.contains("rror: syntax") => {
            eprintln!("SKIPPED: {tool_name} cannot check in this environment: {e}");
            return;
        }
        Err(_) => {}
    }
    let mut checked = 0;
    for (i, (label, text)) in variants(format).into_iter().enumerate() {
        let file = dir.path().join(format!("{i}.{}", format.extension()));
        std::fs::write(&file, &text).unwrap();
        match run(&tool, args, &file) {
            Ok(()) => checked += 1,
            Err(e) if is_environment_error(&e) => {
                eprintln!("SKIPPED: {tool_name} cannot check {label} here: {e}");
                return;
            }
            Err(e) => panic!("{tool_name} rejects the {format} rules of {label}:\n{e}\n{text}"),
        }
    }
    let version = Command::new(&tool)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    eprintln!("{tool_name} ({version}) accepted {checked} {format} rule files");
}

#[test]
fn nft_accepts_every_nft_output() {
    check_with(
        "nft",
        &["-c", "-f"],
        RuleFormat::Nft,
        "table inet wormscope_broken {\n\tchain input {\n\t\ttype filter hook inptu priority filter; policy accept;\n\t}\n}\n",
    );
}

#[test]
fn iptables_restore_accepts_every_iptables_output() {
    check_with(
        "iptables-restore",
        &["--test"],
        RuleFormat::Iptables,
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dprot 135 -j DROP\nCOMMIT\n",
    );
}
