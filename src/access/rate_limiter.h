// RateLimiter: a token bucket per caller, so one client cannot starve the others.
//
// Over the limit, Take says how long to wait; the HTTP layer answers 429 with Retry-After.
// Buckets live in memory per node (a cluster's effective limit is per node × nodes; a shared
// limiter is a later step, docs/HTTP.md).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace muster::access {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_second` tokens refill each second up to `burst`. per_second <= 0 disables limiting.
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // Takes one token for `key`: zero if allowed, else the whole seconds to wait (at least 1).
  std::chrono::seconds Take(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  double per_second_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
  Clock::time_point last_sweep_{};                   // guarded by mutex_
};

}  // namespace muster::access
