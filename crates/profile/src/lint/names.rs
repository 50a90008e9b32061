//! JW1xx: the names and rules of the profile itself (unknown or misplaced names, duplicates,
//! shadowed, conflicting and dropped rules, repeated argument indexes).

use super::*;

impl Lint<'_> {
    /// JW101, JW102.
    pub(super) fn names(&mut self) {
        let known: BTreeSet<&'static str> = tables::all_names().collect();
        for (i, rule) in self.profile.rules().iter().enumerate() {
            let mut partial: Vec<(String, Vec<Arch>)> = Vec::new();
            for name in rule.all_names() {
                if !known.contains(name) {
                    let lower = name.to_ascii_lowercase();
                    let suggestion = if known.contains(lower.as_str()) {
                        known.get(lower.as_str()).copied()
                    } else {
                        tables::suggest(name)
                    };
                    let hint = match suggestion {
                        Some(s) => format!("; did you mean `{s}`?"),
                        None => String::new(),
                    };
                    let fix = match suggestion {
                        Some(s) => format!("replace `{name}` with `{s}`"),
                        None => format!(
                            "remove `{name}` or correct its spelling (names are the kernel's, as in syscalls(2))"
                        ),
                    };
                    let path = self.name_path(i, name);
                    let message = format!("`{name}` is not a syscall on any architecture{hint}");
                    self.push(
                        Hit::new(UNKNOWN_SYSCALL, path, message)
                            .syscall(Some(name))
                            .fix(fix),
                    );
                    continue;
                }
                let mut missing: BTreeSet<Arch> = BTreeSet::new();
                for p in &self.policies {
                    if !matches!(
                        p.rule_status.get(i),
                        Some(RuleStatus::Kept | RuleStatus::SameAsDefault)
                    ) {
                        continue;
                    }
                    for ap in &p.arches {
                        if tables::table(ap.arch).is_some_and(|t| t.lookup(name).is_none()) {
                            missing.insert(ap.arch);
                        }
                    }
                }
                if !missing.is_empty() && !partial.iter().any(|(n, _)| n == name) {
                    partial.push((name.to_string(), missing.into_iter().collect()));
                }
            }
            if partial.is_empty() {
                continue;
            }
            const SHOWN: usize = 8;
            let mut parts: Vec<String> = partial
                .iter()
                .take(SHOWN)
                .map(|(n, arches)| format!("{n} (not on {})", join_arches(arches)))
                .collect();
            if partial.len() > SHOWN {
                parts.push(format!("and {} more", partial.len() - SHOWN));
            }
            let path = self.rule_path(i);
            let syscall = (partial.len() == 1).then(|| partial[0].0.clone());
            let message = if partial.len() == 1 {
                format!(
                    "`{}` is not a syscall on {} (an ABI the filter covers) and is ignored there",
                    partial[0].0,
                    join_arches(&partial[0].1)
                )
            } else {
                format!(
                        "{} names of this rule are not syscalls on every ABI the filter covers and are ignored there: {}",
                        partial.len(),
                        parts.join(", ")
                    )
            };
            self.push(Hit::new(MISSING_ON_ARCH, path, message).syscall(syscall.as_deref()));
        }
    }

    /// JW108: names the target libseccomp does not resolve on an ABI whose kernel has them.
    pub(super) fn libseccomp_names(&mut self) {
        let Some(lsc) = self.opts.libseccomp else {
            return;
        };
        let mut out = Vec::new();
        for p in &self.policies {
            // name → the ABIs whose kernel has it and whose libseccomp does not.
            let mut missing: std::collections::BTreeMap<&str, Vec<Arch>> = Default::default();
            for ap in &p.arches {
                let Some(table) = tables::table(ap.arch) else {
                    continue;
                };
                for name in ap
                    .unknown_names
                    .iter()
                    .filter(|n| table.lookup(n).is_some())
                {
                    missing.entry(name).or_default().push(ap.arch);
                }
            }
            for (name, arches) in missing {
                let Some(i) = self
                    .profile
                    .rules()
                    .iter()
                    .position(|r| r.all_names().any(|n| n == name))
                else {
                    continue;
                };
                let since = match Libseccomp::first_release(arches[0], name) {
                    Some(v) => format!("libseccomp {v} is the first release that knows it"),
                    None => "no libseccomp release jailwright knows resolves it".into(),
                };
                let message = format!(
                    "`{name}` is unknown to libseccomp {lsc} on {}: the runtime drops it from the rule without a word, so the call gets the default action ({}); {since}",
                    join_arches(&arches),
                    p.default
                );
                out.push(
                    Hit::new(UNKNOWN_TO_LIBSECCOMP, self.name_path(i, name), message)
                        .syscall(Some(name))
                        .on(p.host),
                );
            }
        }
        for hit in out {
            self.push(hit);
        }
    }

    /// JW110: names a rule allows that the target kernel certainly lacks on an ABI of the
    /// filter, one finding per rule.
    pub(super) fn kernel_names(&mut self) {
        let kernel = self.opts.kernel;
        let mut out = Vec::new();
        for (i, rule) in self.profile.rules().iter().enumerate() {
            if !rule.action().permits() {
                continue;
            }
            // name → the ABIs (of every host's filter that keeps the rule) lacking it, and why.
            let mut lacking: Vec<(&str, Vec<Arch>, Lack)> = Vec::new();
            for p in &self.policies {
                if p.rule_status.get(i) != Some(&RuleStatus::Kept) {
                    continue;
                }
                for name in rule.all_names() {
                    for ap in &p.arches {
                        let has = tables::table(ap.arch).is_some_and(|t| t.lookup(name).is_some());
                        let Some(why) = has.then(|| kernel_lacks(ap.arch, name, kernel)).flatten()
                        else {
                            continue;
                        };
                        match lacking.iter_mut().find(|(n, _, _)| *n == name) {
                            Some((_, arches, _)) if !arches.contains(&ap.arch) => {
                                arches.push(ap.arch)
                            }
                            Some(_) => {}
                            None => lacking.push((name, vec![ap.arch], why)),
                        }
                    }
                }
            }
            let message = match lacking.as_slice() {
                [] => continue,
                [(name, arches, why)] => format!(
                    "Linux {kernel} has no `{name}` on {} ({why}): the rule lets the call through and the kernel answers ENOSYS",
                    join_arches(arches)
                ),
                many => {
                    const SHOWN: usize = 8;
                    let mut parts: Vec<String> = many
                        .iter()
                        .take(SHOWN)
                        .map(|(n, _, why)| format!("{n} ({why})"))
                        .collect();
                    if many.len() > SHOWN {
                        parts.push(format!("and {} more", many.len() - SHOWN));
                    }
                    format!(
                        "Linux {kernel} lacks {} calls this rule allows (the kernel answers ENOSYS): {}",
                        many.len(),
                        parts.join(", ")
                    )
                }
            };
            let syscall = (lacking.len() == 1).then(|| lacking[0].0);
            let path = match syscall {
                Some(name) => self.name_path(i, name),
                None => self.rule_path(i),
            };
            out.push(Hit::new(MISSING_IN_KERNEL, path, message).syscall(syscall));
        }
        for hit in out {
            self.push(hit);
        }
    }

    /// JW103.
    pub(super) fn duplicates(&mut self) {
        let rules = self.profile.rules();
        for (i, rule) in rules.iter().enumerate() {
            let names: Vec<&str> = rule.all_names().collect();
            for (j, name) in names.iter().enumerate() {
                if names[..j].contains(name) {
                    let path = format!("{}.names[{j}]", self.rule_path(i));
                    let message = format!("`{name}` is listed twice in this rule");
                    self.push(
                        Hit::new(DUPLICATE_NAME, path, message)
                            .syscall(Some(name))
                            .fix(format!("delete the second `{name}`")),
                    );
                }
            }
            for (k, earlier) in rules[..i].iter().enumerate() {
                if !same_context(earlier, rule) {
                    continue;
                }
                let mut reported = BTreeSet::new();
                for name in rule.all_names() {
                    if earlier.all_names().any(|n| n == name) && reported.insert(name) {
                        let path = self.name_path(i, name);
                        let earlier_path = self.name_path(k, name);
                        let message = format!("`{name}` is already at {earlier_path}, a rule with the same action, conditions and gates");
                        self.push(
                            Hit::new(DUPLICATE_NAME, path, message)
                                .syscall(Some(name))
                                .fix(format!("delete `{name}` from one of the two rules")),
                        );
                    }
                }
            }
        }
    }

    /// JW104, JW105, JW106, JW107.
    pub(super) fn policy_rules(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let host = p.host;
            for (i, st) in p.rule_status.iter().enumerate() {
                if *st == RuleStatus::SameAsDefault {
                    let action = self.profile.rules()[i].action();
                    let message = format!(
                        "the rule's action {action} equals the default action; runc skips it"
                    );
                    out.push(Hit::new(SAME_AS_DEFAULT, self.rule_path(i), message).on(host));
                }
            }
            for note in &p.notes {
                let Some(i) = note.source else { continue };
                if note.message.contains("index repeats") {
                    let path = format!("{}.args", self.rule_path(i));
                    out.push(Hit::new(REPEATED_ARG_INDEX, path, note.message.clone()).on(host));
                }
            }
            for ap in &p.arches {
                for sp in ap.syscalls.values() {
                    let decider = sp.rules.first().filter(|r| r.conds.is_empty());
                    for r in &sp.shadowed {
                        let Some(u) = decider else { continue };
                        let (rule, message, fix) = if r.conds.is_empty() {
                            if r.action == u.action {
                                continue;
                            }
                            let message = format!(
                                "`{}`: this rule says {} but {} says {}, both unconditionally",
                                sp.name,
                                r.action,
                                self.rule_path(u.source),
                                u.action
                            );
                            let fix = format!(
                                "keep one action for `{}`: delete it from one of the rules",
                                sp.name
                            );
                            (CONFLICTING_RULES, message, fix)
                        } else {
                            let message = format!(
                                "`{}` when {} never decides: {} gives it {} unconditionally",
                                sp.name,
                                conds_text(r),
                                self.rule_path(u.source),
                                u.action
                            );
                            let fix = format!(
                                "remove `{}` from the unconditional rule if the conditions are meant to restrict it; otherwise delete this rule",
                                sp.name
                            );
                            (SHADOWED_RULE, message, fix)
                        };
                        let path = self.name_path(r.source, sp.name);
                        out.push(
                            Hit::new(rule, path, message)
                                .syscall(Some(sp.name))
                                .on(host)
                                .fix(fix),
                        );
                    }
                    let is64 = ap.arch.is_64bit_args();
                    for (b, rb) in sp.rules.iter().enumerate() {
                        for ra in &sp.rules[..b] {
                            if ra.action == rb.action || ra.conds.is_empty() || rb.conds.is_empty()
                            {
                                continue;
                            }
                            if let Some(args) = overlap(ra, rb, is64) {
                                let message = format!(
                                        "`{}`: {} ({} when {}) and {} ({} when {}) both match e.g. args {:#x?}",
                                        sp.name,
                                        self.rule_path(ra.source),
                                        ra.action,
                                        conds_text(ra),
                                        self.rule_path(rb.source),
                                        rb.action,
                                        conds_text(rb),
                                        &args[..]
                                    );
                                let path = self.name_path(rb.source, sp.name);
                                out.push(
                                    Hit::new(CONFLICTING_RULES, path, message)
                                        .syscall(Some(sp.name))
                                        .on(host)
                                        .fix("make the conditions disjoint (e.g. add the negation of one rule's condition to the other), so the order of evaluation cannot matter".into()),
                                );
                            }
                        }
                    }
                }
            }
        }
        for hit in out {
            self.push(hit);
        }
    }
}
