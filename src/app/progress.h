// Progress on long operations, written to stderr: a live line on a terminal, a line per tenth
// otherwise (CI logs stay short).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace muster {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  // Reports `done` of `total` (total 0: unknown).
  void Update(int64_t done, int64_t total);
  // Ends the line with a summary of the rate.
  void Finish(int64_t done, std::string_view unit);

 private:
  std::string label_;
  bool terminal_;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace muster
