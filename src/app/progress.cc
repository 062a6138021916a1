#include "app/progress.h"

#include <unistd.h>

#include <cstdio>

namespace muster {

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)),
      terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressLine::Update(int64_t done, int64_t total) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  if (terminal_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done != total) return;
    last_draw_ = now;
    if (total > 0) {
      std::fprintf(stderr, "\r%s: %lld/%lld (%d%%) %.0f/s   ", label_.c_str(),
                   static_cast<long long>(done), static_cast<long long>(total),
                   static_cast<int>(100 * done / total), rate);
    } else {
      std::fprintf(stderr, "\r%s: %lld %.0f/s   ", label_.c_str(), static_cast<long long>(done), rate);
    }
    return;
  }
  int tenth = total > 0 ? static_cast<int>(10 * done / total) : -1;
  if (total > 0 && tenth != last_tenth_) {
    last_tenth_ = tenth;
    std::fprintf(stderr, "%s: %lld/%lld (%d%%)\n", label_.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total), tenth * 10);
  }
}

void ProgressLine::Finish(int64_t done, std::string_view unit) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s: %lld %.*s in %.1f s (%.0f/s)\n", terminal_ ? "\r" : "", label_.c_str(),
               static_cast<long long>(done), static_cast<int>(unit.size()), unit.data(), seconds,
               seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
}

}  // namespace muster
