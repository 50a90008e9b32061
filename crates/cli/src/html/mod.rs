//! The comparison report as one self-contained HTML page: the CSS, the script and the bars
//! (SVG) are inline, so it opens from disk and from a CI artefact without a network.

use std::collections::HashMap;
use std::fmt::Write as _;

use jailwright_profile::lint::Finding;
use jailwright_profile::matrix::{Class, Counts, Matrix};

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// What `diff` says of two profiles on one architecture, grouped: (group, syscall, how A
/// decides, how B decides).
pub(crate) struct DiffView {
    pub a: String,
    pub b: String,
    pub arch: String,
    pub rows: Vec<(String, String, String, String)>,
}

/// Everything one page shows.
pub(crate) struct Page<'a> {
    pub title: String,
    /// The stack and bounding set the decisions are for, in a line.
    pub context: String,
    pub matrix: Option<&'a Matrix>,
    pub diffs: Vec<DiffView>,
    /// Each profile's lint findings.
    pub lint: Vec<(String, Vec<Finding>)>,
}

/// Text safe inside HTML elements and double-quoted attributes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Long strings (decisions, rules) are kept once, in a JSON table the script reads.
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Strings {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// Renders the page.
pub(crate) fn render(page: &Page) -> String {
    let mut strings = Strings::default();
    let mut body = String::new();
    let _ = write!(body, "<header><h1>{}</h1>", esc(&page.title));
    let _ = write!(body, "<p class=\"meta\">{}</p><nav>", esc(&page.context));
    if page.matrix.is_some() {
        body.push_str("<a href=\"#matrix\">Groups</a>");
    }
    if !page.diffs.is_empty() {
        body.push_str("<a href=\"#diff\">Differences</a>");
    }
    if !page.lint.is_empty() {
        body.push_str("<a href=\"#lint\">Lint findings</a>");
    }
    body.push_str("</nav>");
    body.push_str(&legend());
    body.push_str("</header><main>");
    if let Some(m) = page.matrix {
        matrix(&mut body, m, &mut strings);
    }
    if !page.diffs.is_empty() {
        diffs(&mut body, &page.diffs);
    }
    if !page.lint.is_empty() {
        lint(&mut body, &page.lint);
    }
    body.push_str("</main><aside id=\"details\" hidden aria-live=\"polite\"></aside>");
    // `</` cannot end the script early: JSON escapes `<` as \u003c here.
    let table = serde_json::to_string(&strings.list)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>{body}\
         <script type=\"application/json\" id=\"strings\">{table}</script>\
         <script>{JS}</script></body></html>\n",
        esc(&page.title)
    )
}

fn legend() -> String {
    let mut s = String::from("<p class=\"legend\" aria-label=\"legend\">");
    for (c, what) in [
        (Class::Allowed, "whatever the arguments"),
        (
            Class::Conditional,
            "for some arguments, or with a capability",
        ),
        (Class::Denied, "an errno"),
        (Class::Killed, "kill or SIGSYS"),
        (Class::Other, "log, trace or notify"),
    ] {
        let _ = write!(
            s,
            "<span><span class=\"swatch s-{0}\"></span><b>{0}</b>: {1}</span>",
            c.label(),
            what
        );
    }
    s.push_str("</p>");
    s
}

/// A stacked bar of `c` with its counts in words.
fn bar(c: &Counts) -> String {
    let total = c.total().max(1) as f64;
    let mut x = 0.0;
    let mut svg = String::from(
        "<svg class=\"bar\" viewBox=\"0 0 100 12\" preserveAspectRatio=\"none\" aria-hidden=\"true\">",
    );
    for class in Class::ALL {
        let w = c.get(class) as f64 * 100.0 / total;
        if w > 0.0 {
            let _ = write!(
                svg,
                "<rect x=\"{x:.3}\" width=\"{w:.3}\" height=\"12\" fill=\"var(--{})\"/>",
                class.label()
            );
        }
        x += w;
    }
    svg.push_str("</svg>");
    let words: Vec<String> = Class::ALL
        .iter()
        .filter(|&&k| c.get(k) > 0 || matches!(k, Class::Allowed | Class::Denied))
        .map(|&k| format!("<b>{}</b> {}", c.get(k), k.label()))
        .collect();
    let data: String = Class::ALL
        .iter()
        .map(|&k| format!(" data-{}=\"{}\"", k.label(), c.get(k)))
        .collect();
    format!(
        "{svg}<span class=\"counts\"{data}>{}</span>",
        words.join(" · ")
    )
}

fn matrix(out: &mut String, m: &Matrix, strings: &mut Strings) {
    out.push_str("<section id=\"matrix\"><h2>Syscall groups</h2>");
    out.push_str("<p class=\"muted\">Each cell counts one profile's decisions over the group's calls on that architecture's native ABI. Expand a group for its calls; hover, focus or click a call for the rule that decides.</p>");
    let names: Vec<String> = m.profiles.iter().map(|p| esc(p)).collect();
    for (a, arch) in m.arches.iter().enumerate() {
        let arch = arch.name();
        let _ = write!(out, "<h3 id=\"arch-{arch}\">{arch}</h3><table class=\"matrix\" data-arch=\"{arch}\"><thead><tr><th scope=\"col\" class=\"group\">group</th>");
        for n in &names {
            let _ = write!(out, "<th scope=\"col\" data-profile=\"{n}\">{n}</th>");
        }
        out.push_str("</tr></thead><tbody>");
        for g in &m.groups {
            let id = format!("g-{arch}-{}", g.id);
            let _ = write!(
                out,
                "<tr class=\"group\" data-group=\"{gid}\"><th scope=\"row\" class=\"group\"><button class=\"expand\" aria-expanded=\"false\" aria-controls=\"{id}\" data-arch=\"{arch}\" data-group=\"{gid}\">{}</button><div class=\"desc\" title=\"{desc}\">{desc}</div></th>",
                esc(g.name),
                desc = esc(g.description),
                gid = g.id
            );
            for (p, n) in names.iter().enumerate() {
                let _ = write!(
                    out,
                    "<td data-profile=\"{n}\">{}</td>",
                    bar(&g.counts[m.index(a, p)])
                );
            }
            out.push_str("</tr>");
            let _ = write!(
                out,
                "<tr class=\"syscalls\" id=\"{id}\" hidden><td colspan=\"{}\">",
                names.len() + 1
            );
            calls(out, m, a, arch, g, &names, strings);
            out.push_str("</td></tr>");
        }
        out.push_str("<tr class=\"totals\"><th scope=\"row\">all groups</th>");
        for (p, n) in names.iter().enumerate() {
            let _ = write!(
                out,
                "<td data-profile=\"{n}\">{}</td>",
                bar(&m.totals(a, p))
            );
        }
        out.push_str("</tr></tbody></table>");
    }
    out.push_str("</section>");
}

fn calls(
    out: &mut String,
    m: &Matrix,
    a: usize,
    arch: &str,
    g: &jailwright_profile::matrix::GroupRow,
    names: &[String],
    strings: &mut Strings,
) {
    out.push_str("<table class=\"calls\"><thead><tr><th scope=\"col\">syscall</th>");
    for n in names {
        let _ = write!(out, "<th scope=\"col\">{n}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for s in &g.syscalls {
        if (0..names.len()).all(|p| s.cells[m.index(a, p)].is_none()) {
            continue;
        }
        let _ = write!(
            out,
            "<tr data-syscall=\"{0}\"><th scope=\"row\">{0}</th>",
            s.name
        );
        for (p, n) in names.iter().enumerate() {
            match &s.cells[m.index(a, p)] {
                None => out.push_str("<td class=\"call c-none\">not on this ABI</td>"),
                Some(c) => {
                    let cls = c.class.label();
                    let gate = c
                        .gate
                        .as_deref()
                        .map(|g| format!(" data-g=\"{}\"", strings.id(g)))
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        "<td class=\"call c-{cls}\" tabindex=\"0\" data-arch=\"{arch}\" data-profile=\"{n}\" data-cls=\"{cls}\" data-d=\"{}\" data-r=\"{}\"{gate}>{cls}</td>",
                        strings.id(&c.decision),
                        strings.id(&c.rule)
                    );
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn diffs(out: &mut String, views: &[DiffView]) {
    out.push_str("<section id=\"diff\"><h2>Differences</h2>");
    for v in views {
        let _ = write!(
            out,
            "<h3>{} → {} on {} ({} calls decided differently)</h3>",
            esc(&v.a),
            esc(&v.b),
            esc(&v.arch),
            v.rows.len()
        );
        if v.rows.is_empty() {
            out.push_str("<p class=\"muted\">They decide every call alike.</p>");
            continue;
        }
        let _ = write!(
            out,
            "<table class=\"diff\" data-arch=\"{}\"><thead><tr><th scope=\"col\">group</th><th scope=\"col\">syscall</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(&v.arch),
            esc(&v.a),
            esc(&v.b)
        );
        for (group, name, a, b) in &v.rows {
            let _ = write!(
                out,
                "<tr data-syscall=\"{}\"><td>{}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                esc(name),
                esc(group),
                esc(name),
                esc(a),
                esc(b)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn lint(out: &mut String, findings: &[(String, Vec<Finding>)]) {
    out.push_str("<section id=\"lint\"><h2>Lint findings</h2>");
    for (name, fs) in findings {
        let _ = write!(
            out,
            "<h3 data-profile=\"{0}\">{0} ({1} findings)</h3><ul class=\"findings\">",
            esc(name),
            fs.len()
        );
        for f in fs {
            let sev = f.severity.as_str();
            let _ = write!(
                out,
                "<li><span class=\"sev-{sev}\">{sev}</span> <b>{} {}</b> at <code>{}</code>: {} <span class=\"muted\">Fix: {}</span></li>",
                f.id,
                f.slug,
                esc(&f.path),
                esc(&f.message),
                esc(&f.fix)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}
