// Helpers shared by the benchmarks in bench/: wall and CPU time, files, the shipped profile,
// and number formatting for the reports. Header-only; benchmark code only.
#pragma once

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

#ifndef MUSTER_SOURCE_DIR
#define MUSTER_SOURCE_DIR "."
#endif

namespace muster::bench {

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time this process has used so far, user and system, in seconds: beside the wall time it
// tells computing from waiting for the disk or the server.
struct CpuTime {
  double user = 0;
  double system = 0;
  double total() const { return user + system; }
  CpuTime operator-(const CpuTime& other) const {
    return {.user = user - other.user, .system = system - other.system};
  }
};

inline CpuTime ProcessCpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& value) {
    return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
  };
  return {.user = seconds(usage.ru_utime), .system = seconds(usage.ru_stime)};
}

inline Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return NotFound("cannot read " + path.string());
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The profile `id` shipped in the source tree, or in $MUSTER_PROFILES like the CLI.
inline Result<std::string> ReadProfile(std::string_view id) {
  std::filesystem::path dir = MUSTER_SOURCE_DIR "/profiles";
  if (const char* override_dir = std::getenv("MUSTER_PROFILES")) dir = override_dir;
  return ReadFile(dir / (std::string(id) + ".toml"));
}

// 1234567.4 → "1,234,567"
inline std::string Thousands(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count > 0 && count % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++count;
  }
  return out;
}

inline std::string MiB(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

inline std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Runs `argv` (a peer's shell: sqlite3, psql) and waits for it; the child's output goes to
// ours. Returns its wall time in seconds, or an error if it could not start or did not exit 0.
inline Result<double> RunChild(const std::vector<std::string>& argv) {
  std::vector<char*> raw;
  for (const std::string& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
  raw.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int spawn_error = posix_spawnp(&pid, raw[0], nullptr, nullptr, raw.data(), environ);
  if (spawn_error != 0) {
    return Unavailable("cannot run " + argv[0] + ": " + std::strerror(spawn_error) +
                       " (install the Debian package sqlite3)");
  }
  int wait_status = 0;
  if (waitpid(pid, &wait_status, 0) != pid) return Internal("waitpid failed for " + argv[0]);
  double seconds = SecondsSince(start);
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return Internal(argv[0] + " failed (wait status " + std::to_string(wait_status) + ")");
  }
  return seconds;
}

}  // namespace muster::bench
