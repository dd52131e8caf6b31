//! The one table the benchmark program prints (Markdown, so it can be quoted as is).

/// One line of the table.
pub struct Row {
    pub id: &'static str,
    pub what: String,
    pub figure: String,
    pub bar: String,
    /// `None` when the line is informative only.
    pub pass: Option<bool>,
}

impl Row {
    pub fn new(
        id: &'static str,
        what: impl Into<String>,
        figure: impl Into<String>,
        bar: impl Into<String>,
        pass: Option<bool>,
    ) -> Self {
        Self {
            id,
            what: what.into(),
            figure: figure.into(),
            bar: bar.into(),
            pass,
        }
    }
}

/// Renders the rows as a Markdown table with aligned columns.
pub fn render(rows: &[Row]) -> String {
    let head = ["id", "what", "figure", "bar", "ok"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.id.to_owned(),
                r.what.clone(),
                r.figure.clone(),
                r.bar.clone(),
                match r.pass {
                    Some(true) => "yes".to_owned(),
                    Some(false) => "NO".to_owned(),
                    None => "".to_owned(),
                },
            ]
        })
        .collect();
    let mut width = head.map(|h| h.chars().count());
    for c in &cells {
        for (w, s) in width.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let line = |c: &[String]| -> String {
        let parts: Vec<String> = c
            .iter()
            .zip(width)
            .map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count())))
            .collect();
        format!("| {} |", parts.join(" | "))
    };
    let mut out = line(&head.map(str::to_owned));
    out.push('\n');
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
    for c in &cells {
        out.push_str(&line(c));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_markdown() {
        let t = render(&[
            Row::new("P-1", "rate", "0.97", "≥ 0.95", Some(true)),
            Row::new("P-3", "calls, idle refresh", "1", "≤ 2", None),
        ]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("| id  | what"));
        assert!(lines[2].ends_with("| yes |"));
        assert!(lines[3].ends_with("|     |"));
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{t}");
    }
}
