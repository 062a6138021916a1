#include "access/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace muster::access {

std::chrono::seconds RateLimiter::Take(const std::string& key, Clock::time_point now) {
  if (per_second_ <= 0) return std::chrono::seconds(0);
  std::lock_guard lock(mutex_);
  // Forget full buckets now and then, so idle callers cost no memory.
  if (now - last_sweep_ > std::chrono::minutes(1)) {
    std::erase_if(buckets_, [&](const auto& item) {
      double refilled = item.second.tokens +
                        std::chrono::duration<double>(now - item.second.updated).count() * per_second_;
      return refilled >= burst_;
    });
    last_sweep_ = now;
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::chrono::seconds(0);
  }
  double wait = (1.0 - bucket.tokens) / per_second_;
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
}

}  // namespace muster::access
