// Request metrics in the Prometheus text exposition format: requests counted by route and
// status, and a latency histogram by route.
//
// Thread safety: Record and Render may be called from any thread (a mutex guards the state).
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace muster::http {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 9> kBucketBounds = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,  0.1,    0.5,   2.5};

  // Records one answered request. `route` is the route pattern, or "unmatched".
  void Record(std::string_view route, unsigned status, std::chrono::nanoseconds latency);

  // The metrics as Prometheus text (version 0.0.4).
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBucketBounds.size()> buckets{};  // non-cumulative counts
    uint64_t count = 0;
    double sum_seconds = 0;
  };

  struct RouteMetrics {
    std::map<unsigned, uint64_t> requests;  // by status
    Histogram latency;
  };
  mutable std::mutex mutex_;
  // By route; looked up by string_view, so recording a request allocates nothing.
  std::map<std::string, RouteMetrics, std::less<>> routes_;  // guarded by mutex_
};

}  // namespace muster::http
