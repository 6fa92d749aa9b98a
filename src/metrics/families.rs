//! Building metric families on one registry: a labelled family is created
//! with one child per label value up front, so every series exists (at 0)
//! from the first scrape and recording never looks a label up by text.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec};
use prometheus::{Opts, Registry};

/// The registry metrics are added to, with Candor's name prefix.
pub(super) struct Families<'r> {
    pub(super) registry: &'r Registry,
}

impl Families<'_> {
    /// A counter without labels.
    pub(super) fn counter(&self, name: &str, help: &str) -> prometheus::Result<IntCounter> {
        let counter = IntCounter::with_opts(Opts::new(name, help))?;
        self.registry.register(Box::new(counter.clone()))?;
        Ok(counter)
    }

    /// A gauge without labels.
    pub(super) fn gauge(&self, name: &str, help: &str) -> prometheus::Result<IntGauge> {
        let gauge = IntGauge::with_opts(Opts::new(name, help))?;
        self.registry.register(Box::new(gauge.clone()))?;
        Ok(gauge)
    }

    /// A histogram without labels.
    pub(super) fn histogram(
        &self,
        name: &str,
        help: &str,
        buckets: &[f64],
    ) -> prometheus::Result<Histogram> {
        let histogram =
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.into()))?;
        self.registry.register(Box::new(histogram.clone()))?;
        Ok(histogram)
    }

    /// One counter per combination of `label_values` (a row per child, in
    /// the order of `label_names`).
    pub(super) fn counters(
        &self,
        name: &str,
        help: &str,
        label_names: &[&str],
        label_values: &[Vec<&'static str>],
    ) -> prometheus::Result<Vec<IntCounter>> {
        let family = IntCounterVec::new(Opts::new(name, help), label_names)?;
        self.registry.register(Box::new(family.clone()))?;
        label_values
            .iter()
            .map(|values| family.get_metric_with_label_values(values))
            .collect()
    }

    /// One gauge per value of a single label.
    pub(super) fn gauges(
        &self,
        name: &str,
        help: &str,
        label_name: &str,
        label_values: &[&'static str],
    ) -> prometheus::Result<Vec<IntGauge>> {
        let family = IntGaugeVec::new(Opts::new(name, help), &[label_name])?;
        self.registry.register(Box::new(family.clone()))?;
        label_values
            .iter()
            .map(|value| family.get_metric_with_label_values(&[value]))
            .collect()
    }

    /// One histogram per value of a single label.
    pub(super) fn histograms(
        &self,
        name: &str,
        help: &str,
        buckets: &[f64],
        label_name: &str,
        label_values: &[&'static str],
    ) -> prometheus::Result<Vec<Histogram>> {
        let family = prometheus::HistogramVec::new(
            HistogramOpts::new(name, help).buckets(buckets.into()),
            &[label_name],
        )?;
        self.registry.register(Box::new(family.clone()))?;
        label_values
            .iter()
            .map(|value| family.get_metric_with_label_values(&[value]))
            .collect()
    }
}

/// A single-label family's rows.
pub(super) fn rows(values: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    values.into_iter().collect()
}
