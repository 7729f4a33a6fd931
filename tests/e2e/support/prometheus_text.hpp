#pragma once
/// Histograms from a Prometheus text exposition: a family's buckets summed over its label sets,
/// and quantiles from them the way PromQL's histogram_quantile() interpolates.

#include <map>
#include <optional>
#include <string_view>

namespace cosmic::e2e {

/// Cumulative bucket counts of histogram `name` by upper bound (+Inf as infinity), summed over
/// every label set; empty when the family is absent.
std::map<double, double> HistogramBuckets(std::string_view exposition, std::string_view name);

/// The q-quantile (0-1) by linear interpolation inside the bucket that holds it; nullopt when the
/// histogram holds no observation. A quantile in the +Inf bucket is the largest finite bound.
std::optional<double> HistogramQuantile(const std::map<double, double>& buckets, double q);

/// The sum of every sample of `name` whose labels contain `label_filter` (e.g.
/// `outcome="dead_lettered"`; empty = all label sets); 0 when absent.
double SumSamples(std::string_view exposition, std::string_view name, std::string_view label_filter = {});

}  // namespace cosmic::e2e
