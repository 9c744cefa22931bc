//! The numbers behind each chart shape, as the CSV written beside the
//! figure: every plotted value once, units in the column names, numbers
//! unrounded (as in `summary.csv`).

use super::draw::{Gantt, Heatmap, LineChart, StackedBars};
use super::output::DataTable;

fn num(v: f64) -> String {
    v.to_string()
}

impl DataTable for LineChart {
    fn header(&self) -> Vec<String> {
        let y = &self.y_label;
        vec![
            "series".into(),
            "kind".into(),
            self.x_label.clone(),
            y.clone(),
            format!("{y}, interval low"),
            format!("{y}, interval high"),
            "interval level".into(),
        ]
    }

    /// Measured points carry their interval; fit curves and the reference
    /// are marked as such.
    fn rows(&self) -> Vec<Vec<String>> {
        let reference = self.reference.iter().map(|l| (l, "reference"));
        let lines = self
            .lines
            .iter()
            .map(|l| (l, if l.dashed { "fit" } else { "measured" }));
        reference
            .chain(lines)
            .flat_map(|(l, kind)| {
                l.points.iter().map(move |p| {
                    let interval = p.level.is_some();
                    vec![
                        l.label.clone(),
                        kind.to_string(),
                        num(p.x),
                        num(p.y),
                        if interval { num(p.lo) } else { String::new() },
                        if interval { num(p.hi) } else { String::new() },
                        p.level.map(num).unwrap_or_default(),
                    ]
                })
            })
            .collect()
    }
}

impl DataTable for StackedBars {
    fn header(&self) -> Vec<String> {
        vec!["configuration".into(), "phase".into(), self.y_label.clone()]
    }
    fn rows(&self) -> Vec<Vec<String>> {
        self.bars
            .iter()
            .flat_map(|(bar, values)| {
                self.segments
                    .iter()
                    .zip(values)
                    .map(move |((seg, _), v)| vec![bar.clone(), seg.clone(), num(*v)])
            })
            .collect()
    }
}

impl DataTable for Gantt {
    fn header(&self) -> Vec<String> {
        ["thread", "phase", "start (s)", "end (s)"]
            .map(String::from)
            .to_vec()
    }
    fn rows(&self) -> Vec<Vec<String>> {
        self.spans
            .iter()
            .map(|&(row, a, b, seg)| {
                vec![
                    self.rows[row].clone(),
                    self.segments[seg].0.clone(),
                    num(a),
                    num(b),
                ]
            })
            .collect()
    }
}

impl DataTable for Heatmap {
    fn header(&self) -> Vec<String> {
        vec![
            self.y_label.clone(),
            self.x_label.clone(),
            self.value_label.clone(),
        ]
    }
    fn rows(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (y, row) in self.values.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    out.push(vec![
                        self.y_ticks[y].replace(',', ""),
                        self.x_ticks[x].replace(',', ""),
                        num(*v),
                    ]);
                }
            }
        }
        out
    }
}
