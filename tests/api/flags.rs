//! The command line as the README documents it: every flag of the configuration table parses
//! with its documented default and reads its documented variable, every command the README shows
//! parses as written, and values out of range are refused at start with a message.

use clap::CommandFactory;
use rightsgraph::config::{Cli, Command};

const README: &str = include_str!("../../README.md");

/// `rightsgraph ARGS…` parsed and checked as `main` does.
fn parse(args: &[&str]) -> Result<Cli, String> {
    let cli = <Cli as clap::Parser>::try_parse_from(std::iter::once("rightsgraph").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    cli.check()?;
    Ok(cli)
}

/// The rows of the README's configuration table: (variable, flag, default).
fn configuration_rows() -> Vec<(String, String, String)> {
    let section = README.split("## Configuration").nth(1).expect("a Configuration section");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let unquote = |c: &str| c.trim_matches('`').to_owned();
            (unquote(cells[1]), unquote(cells[2]), cells[3].to_owned())
        })
        .collect()
}

/// A value to give `flag` when its documented default is not a literal.
fn sample(flag: &str, default: &str) -> String {
    if let Some(literal) = default.strip_prefix('`').and_then(|d| d.split('`').next()) {
        return literal.to_owned();
    }
    match flag {
        "--database-read-url" => "postgres://reader@127.0.0.1:5433/registry".into(),
        "--jwt-secret" => "a-secret-of-at-least-thirty-two-bytes-long".into(),
        "--jwt-public-key" => "/etc/rightsgraph/idp.pem".into(),
        "--jwt-issuer" => "https://idp.example".into(),
        "--jwt-audience" => "rightsgraph".into(),
        "--territorial-scope" => "DE,FR,NO".into(),
        "--max-concurrent-requests" => "8".into(),
        "--trusted-documents" => "persisted-documents.json".into(),
        other => panic!("no sample value for {other} (documented default {default:?})"),
    }
}

#[test]
fn every_flag_of_the_readme_table_parses_with_its_default_and_reads_its_variable() {
    let rows = configuration_rows();
    assert!(rows.len() >= 30, "the table was not read: {rows:?}");
    let cli = Cli::command();
    let serve = cli.find_subcommand("serve").expect("serve");
    for (variable, flag, default) in &rows {
        let value = sample(flag, default);
        let parsed =
            if flag == "--log-format" { parse(&[flag, &value, "serve"]) } else { parse(&["serve", flag, &value]) };
        assert!(parsed.is_ok(), "`serve {flag} {value}` as the README says: {}", parsed.err().unwrap_or_default());
        let arg = serve
            .get_arguments()
            .chain(cli.get_arguments())
            .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == *flag))
            .unwrap_or_else(|| panic!("the README's {flag} is not a flag of serve"));
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(env.as_deref(), Some(variable.as_str()), "{flag} reads another variable than the README says");
    }
    // And the other way round: no flag of serve is left out of the table.
    for arg in serve.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if ["demo", "help"].contains(&long) {
            continue;
        }
        assert!(rows.iter().any(|(_, flag, _)| *flag == format!("--{long}")), "--{long} is not in the README's table");
    }
}

/// The command lines the README shows: in its code blocks after `cargo run … --`, and in its
/// inline code as `rightsgraph …` or a bare subcommand, with placeholders given values.
fn documented_commands() -> Vec<String> {
    let mut out = Vec::new();
    for line in README.lines() {
        let run = ["cargo run --release -- ", "--quiet -- ", "target/release/rightsgraph "];
        if let Some((_, rest)) = run.iter().find_map(|r| line.split_once(r)) {
            // A shell comment and `&` (run in the background) are the shell's, not the command's.
            let command = rest.split(" #").next().unwrap_or_default().trim().trim_end_matches('&');
            out.push(command.trim().trim_end_matches(')').to_owned());
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            let span = span.strip_prefix("rightsgraph ").unwrap_or(span);
            let first = span.split_whitespace().next().unwrap_or_default();
            let commands = ["serve", "migrate", "token", "schema", "seed", "export", "report"];
            if commands.contains(&first) && span.contains(" --") {
                out.push(span.to_owned());
            }
        }
    }
    out
}

/// `command` with its usage brackets and placeholders replaced by values of their kind.
fn runnable(command: &str) -> Option<Vec<String>> {
    if command.contains("COMMAND") {
        return None;
    }
    let words = command.replace(['[', ']'], " ").replace("\\|", "|");
    let mut args = Vec::new();
    let mut previous = String::new();
    for word in words.split_whitespace() {
        let value = match word {
            w if w.starts_with('$') || w.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                match previous.as_str() {
                    "--role" => "ADMIN".to_owned(),
                    "--since" | "--until" | "--from" | "--to" => "2026-01-01".to_owned(),
                    "--scale" => "0.5".to_owned(),
                    "--seed" => "7".to_owned(),
                    _ => "placeholder".to_owned(),
                }
            }
            "json|csv" => "csv".to_owned(),
            w => w.to_owned(),
        };
        previous = value.clone();
        args.push(value);
    }
    Some(args)
}

#[test]
fn every_command_the_readme_shows_parses_as_written() {
    let commands = documented_commands();
    assert!(commands.len() >= 10, "the README's commands were not found: {commands:?}");
    for command in &commands {
        let Some(args) = runnable(command) else { continue };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = parse(&args) {
            panic!("the README's `{command}` does not parse: {e}");
        }
    }
}

fn planner_of(args: &[&str]) -> Result<bool, String> {
    match parse(args)?.command {
        Command::Serve { config, .. } => Ok(config.planner),
        other => Err(format!("not serve: {other:?}")),
    }
}

#[test]
fn the_planner_flag_takes_on_and_off_as_a_value_and_alone_means_on() {
    assert_eq!(planner_of(&["serve", "--planner", "off"]), Ok(false));
    assert_eq!(planner_of(&["serve", "--planner=off"]), Ok(false));
    assert_eq!(planner_of(&["serve", "--planner", "on"]), Ok(true));
    assert_eq!(planner_of(&["serve", "--planner"]), Ok(true));
    assert_eq!(planner_of(&["serve", "--planner", "--demo"]), Ok(true));
    let err = planner_of(&["serve", "--planner", "maybe"]).expect_err("maybe");
    assert!(err.contains("must be on or off"), "{err}");
}

#[test]
fn shares_limits_and_durations_out_of_range_are_refused_at_start_with_a_reason() {
    for (args, says) in [
        (&["serve", "--abuse-threshold", "2"][..], "at most 1"),
        (&["serve", "--abuse-threshold", "0"], "above 0"),
        (&["serve", "--abuse-threshold", "half"], "number"),
        (&["serve", "--max-depth", "0"], "0"),
        (&["serve", "--max-complexity", "0"], "0"),
        (&["serve", "--request-timeout", "0s"], "greater than 0"),
        (&["serve", "--counter-notice-window", "0s"], "greater than 0"),
        (&["serve", "--trust-min-decided", "0"], "0"),
    ] {
        let err = parse(args).err().unwrap_or_else(|| panic!("{args:?} was accepted"));
        assert!(err.contains(says) && err.contains(args[1]), "{args:?}: {err}");
    }
    assert!(parse(&["serve", "--abuse-threshold", "1"]).is_ok());
    assert!(parse(&["serve", "--abuse-threshold", "0.25"]).is_ok());
}

#[test]
fn a_range_of_days_that_ends_before_it_starts_is_refused_before_anything_runs() {
    let err = parse(&["export", "statements", "--since", "2026-03-01", "--until", "2026-02-01"]).expect_err("until");
    assert!(err.contains("--until 2026-02-01 is before --since 2026-03-01"), "{err}");
    let err = parse(&["report", "--from", "2026-03-01", "--to", "2026-02-28"]).expect_err("to");
    assert!(err.contains("--to 2026-02-28 is before --from 2026-03-01"), "{err}");
    // One day is a range.
    assert!(parse(&["export", "statements", "--since", "2026-03-01", "--until", "2026-03-01"]).is_ok());
    assert!(parse(&["report", "--from", "2026-03-01", "--to", "2026-03-01"]).is_ok());
}
