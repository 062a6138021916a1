#include "http/metrics.h"

#include <cstdio>

namespace muster::http {
namespace {

// Label values are route patterns; escape what the text format requires anyway.
std::string Escape(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

void Metrics::Record(std::string_view route, unsigned status, std::chrono::nanoseconds latency) {
  double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  auto found = routes_.find(route);
  if (found == routes_.end()) found = routes_.emplace(std::string(route), RouteMetrics{}).first;
  ++found->second.requests[status];
  Histogram& histogram = found->second.latency;
  ++histogram.count;
  histogram.sum_seconds += seconds;
  for (size_t i = 0; i < kBucketBounds.size(); ++i) {
    if (seconds <= kBucketBounds[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
}

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::string text;
  text += "# HELP muster_http_requests_total HTTP requests answered, by route and status.\n";
  text += "# TYPE muster_http_requests_total counter\n";
  for (const auto& [route, metrics] : routes_) {
    for (const auto& [status, count] : metrics.requests) {
      text += "muster_http_requests_total{route=\"" + Escape(route) + "\",status=\"" +
              std::to_string(status) + "\"} " + std::to_string(count) + "\n";
    }
  }
  text +=
      "# HELP muster_http_request_duration_seconds Time from a complete request to its response.\n";
  text += "# TYPE muster_http_request_duration_seconds histogram\n";
  for (const auto& [route, metrics] : routes_) {
    const Histogram& histogram = metrics.latency;
    std::string label = "route=\"" + Escape(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketBounds.size(); ++i) {
      cumulative += histogram.buckets[i];
      text += "muster_http_request_duration_seconds_bucket{" + label + ",le=\"" +
              Number(kBucketBounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    text += "muster_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
            std::to_string(histogram.count) + "\n";
    text += "muster_http_request_duration_seconds_sum{" + label + "} " +
            Number(histogram.sum_seconds) + "\n";
    text += "muster_http_request_duration_seconds_count{" + label + "} " +
            std::to_string(histogram.count) + "\n";
  }
  return text;
}

}  // namespace muster::http
