// A temporary directory removed at the end of the test, for throwaway stores.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace muster::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "muster-test-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    path_ = made ? made : pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The repository root: $MUSTER_SOURCE_DIR (set by ctest), else the working directory.
inline std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("MUSTER_SOURCE_DIR")) return dir;
  return std::filesystem::current_path();
}

}  // namespace muster::testing
