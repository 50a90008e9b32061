//! Syscall groups: every syscall name of every ABI with a table, in exactly one group.
//!
//! A **group** is a set of syscalls a security reviewer thinks of together (file I/O,
//! namespaces and mounts, the keyring, ...), with an id for machines, a display name and a
//! one-line description of what the calls do and why a reviewer cares. Reports lay profiles
//! out by group, in the order [`groups`] returns them.
//!
//! The groups are data, `groups.txt` next to this module: `# ...` lines are comments,
//! `[id] Display name | description` starts a group, and the lines after it list its syscall
//! names separated by spaces. Each of a call's per-ABI spellings (`fstatat64`, `_llseek`,
//! `mmap2`, the 32-bit `*_time64` calls) sits in the call's own group. The `groups`
//! integration test proves that every name of [`tables::all_names`](crate::tables::all_names)
//! is in exactly one group and that no group lists a name no table has.
//!
//! These are not the labels of a tier's derivation steps ([`Step::group`](super::Step::group)),
//! which name what one step removes or adds.
//!
//! ```
//! use jailwright_profile::catalogue::{group_of, groups};
//!
//! assert_eq!(groups()[0].id, "file-io");
//! assert_eq!(group_of("openat").map(|g| g.id), Some("file-io"));
//! assert_eq!(group_of("clock_gettime64").map(|g| g.id), Some("time"));
//! assert_eq!(group_of("socketcall").map(|g| g.id), Some("networking"));
//! assert!(group_of("no_such_call").is_none());
//! ```

use std::sync::OnceLock;

/// The groups file: comments, group headers and syscall names.
static DATA: &str = include_str!("groups.txt");

/// A group of syscalls a reviewer thinks of together, such as file I/O or namespaces and
/// mounts. Every syscall name of every ABI with a table is in exactly one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// A stable identifier: lower case, digits and `-` (`file-io`, `namespaces-and-mounts`).
    pub id: &'static str,
    /// The display name (`File I/O`).
    pub name: &'static str,
    /// One line: what the calls do and why a reviewer cares.
    pub description: &'static str,
    /// The syscall names, in the order the data file lists them.
    pub syscalls: Vec<&'static str>,
}

impl Group {
    /// Whether `name` is one of this group's syscalls.
    pub fn contains(&self, name: &str) -> bool {
        self.syscalls.contains(&name)
    }
}

/// The parsed groups and, for [`group_of`], every listed name with its group's index, sorted
/// by name (a name listed twice keeps the first group first).
struct Catalogue {
    groups: Vec<Group>,
    by_name: Vec<(&'static str, usize)>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let (groups, _skipped) = parse(DATA);
        let mut by_name: Vec<(&'static str, usize)> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.syscalls.iter().map(move |&n| (n, i)))
            .collect();
        by_name.sort_by_key(|&(n, _)| n);
        Catalogue { groups, by_name }
    })
}

/// Every group, in report order (file I/O first, architecture-specific calls last).
pub fn groups() -> &'static [Group] {
    &catalogue().groups
}

/// The group syscall `name` belongs to, or `None` when no group lists it (it is no syscall
/// of any ABI with a table). Names are matched exactly, as the tables spell them.
pub fn group_of(name: &str) -> Option<&'static Group> {
    let c = catalogue();
    let at = c.by_name.partition_point(|&(n, _)| n < name);
    let &(found, index) = c.by_name.get(at)?;
    (found == name).then(|| &c.groups[index])
}

/// The groups of `text`, and the line numbers (from 1) of the lines it skipped: a malformed
/// header (its names are skipped with it, rather than joining the group before), a line of
/// names with anything but a syscall-shaped word in it, and names before the first header.
/// The data file has none, which a test checks.
fn parse(text: &'static str) -> (Vec<Group>, Vec<usize>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut skipped = Vec::new();
    let mut in_group = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let kept = if line.starts_with('[') {
            let group = header(line);
            in_group = group.is_some();
            groups.extend(group);
            in_group
        } else {
            match groups.last_mut().filter(|_| in_group) {
                Some(g) if line.split_whitespace().all(is_syscall_name) => {
                    g.syscalls.extend(line.split_whitespace());
                    true
                }
                _ => false,
            }
        };
        if !kept {
            skipped.push(i + 1);
        }
    }
    (groups, skipped)
}

/// A group of no syscalls yet from `[id] Display name | description`, or `None` when the line
/// is not of that shape or a part is empty.
fn header(line: &'static str) -> Option<Group> {
    let (id, rest) = line.strip_prefix('[')?.split_once(']')?;
    let (name, description) = rest.split_once('|')?;
    let (id, name, description) = (id.trim(), name.trim(), description.trim());
    let id_ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (id_ok && !name.is_empty() && !description.is_empty()).then_some(Group {
        id,
        name,
        description,
        syscalls: Vec::new(),
    })
}

/// Whether `word` is spelled as the syscall tables spell names: lower case, digits and `_`.
fn is_syscall_name(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_has_no_line_the_parser_skips() {
        let (groups, skipped) = parse(DATA);
        assert_eq!(
            skipped,
            Vec::<usize>::new(),
            "malformed lines in groups.txt"
        );
        assert!(groups.len() >= 15, "only {} groups", groups.len());
    }

    #[test]
    fn a_well_formed_file_parses() {
        let text = "# comment\n\n[a-1] A one | the first\n  x y_2 \nz\n[b] B | second\n";
        let (groups, skipped) = parse(text);
        assert!(skipped.is_empty(), "{skipped:?}");
        let got: Vec<(&str, &str, &str, Vec<&str>)> = groups
            .iter()
            .map(|g| (g.id, g.name, g.description, g.syscalls.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("a-1", "A one", "the first", vec!["x", "y_2", "z"]),
                ("b", "B", "second", vec![]),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_skipped_not_fatal() {
        let text = "orphan before any header\n\
                    [ok] Ok | fine\n\
                    read write\n\
                    read Write\n\
                    [Bad Id] Bad | upper case and a space\n\
                    lost\n\
                    [no-bar] No bar\n\
                    also_lost\n\
                    [] Empty | id\n\
                    [x] | no name\n\
                    [y] Y |\n\
                    [z] Z | last\n\
                    close\n";
        let (groups, skipped) = parse(text);
        assert_eq!(skipped, [1, 4, 5, 6, 7, 8, 9, 10, 11]);
        let got: Vec<(&str, Vec<&str>)> =
            groups.iter().map(|g| (g.id, g.syscalls.clone())).collect();
        assert_eq!(got, [("ok", vec!["read", "write"]), ("z", vec!["close"])]);
    }
}
