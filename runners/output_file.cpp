#include "runners/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "parlab/error.hpp"

namespace parlab::runner {
namespace {

namespace fs = std::filesystem;

// The temporaries being written, for a process that ends at once to remove.
std::mutex unfinished_mutex;
std::set<std::string> unfinished;

void untrack(const std::string& temporary) {
  const std::lock_guard lock(unfinished_mutex);
  unfinished.erase(temporary);
}

// The mode a new file of this process gets: 0666 less the umask, read without changing it
// (umask() sets it, and other threads may be creating files meanwhile).
mode_t new_file_mode() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(0666 & ~std::stoul(line.substr(6), nullptr, 8));
  return 0644;
}

std::string directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// For mkostemp: a hidden name beside the target.
std::string temporary_pattern(const std::string& target) {
  return directory_of(target) + "/." + fs::path(target).filename().string() + ".parlab-XXXXXX";
}

// Whether a file can be created beside target, found by creating one: access() says yes to root
// on a read-only or synthetic file system (/proc). Leaves errno set when not.
bool can_create_beside(const std::string& target) {
  std::string probe = temporary_pattern(target);
  const int fd = mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  unlink(probe.c_str());
  return true;
}

// Whether an existing regular file can be opened for writing, without truncating it.
bool can_write(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

output_file::output_file(std::FILE* open_stream) : stream_(open_stream) {}

output_file::output_file(std::string_view flag, std::string path, kind k)
    : flag_(flag), path_(std::move(path)), target_(path_), kind_(k) {
  const auto refuse = [&](int error) {
    throw usage_error(fmt::format("{} '{}': cannot write: {}", flag_, path_, std::strerror(error)));
  };
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    if (!can_create_beside(path_)) refuse(errno);
    return;
  }
  if (S_ISDIR(st.st_mode)) refuse(EISDIR);
  // A FIFO or a device (/dev/stdout) cannot be replaced; nor can a file whose directory this
  // process may not write: those are written in place, at the first append still.
  in_place_ = !S_ISREG(st.st_mode);
  if (in_place_) {
    if (access(path_.c_str(), W_OK) != 0) refuse(errno);  // opening a FIFO would wait
    return;
  }
  if (!can_write(path_)) refuse(errno);
  if (kind_ == kind::streamed) return;
  std::error_code ec;
  const fs::path real = fs::canonical(path_, ec);  // a rename must replace the link's target
  if (!ec) target_ = real.string();
  in_place_ = !can_create_beside(target_);
}

output_file::~output_file() {
  if (fd_ >= 0) close(fd_);
  if (!temporary_.empty()) {
    unlink(temporary_.c_str());
    untrack(temporary_);
  }
}

void output_file::open() {
  const auto fail = [&](const std::string& what) {
    throw run_error(
        fmt::format("{} '{}': cannot write {}: {}", flag_, path_, what, std::strerror(errno)));
  };
  if (kind_ == kind::streamed || in_place_) {
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail("it");
    return;
  }
  struct stat st {};
  const mode_t mode = stat(target_.c_str(), &st) == 0 ? (st.st_mode & 07777) : new_file_mode();
  std::string pattern = temporary_pattern(target_);
  {
    // Tracked before it exists, so that no moment has a temporary nobody would remove.
    const std::lock_guard lock(unfinished_mutex);
    fd_ = mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) fail("a temporary file beside it");
    unfinished.insert(pattern);
  }
  temporary_ = pattern;
  fchmod(fd_, mode);  // mkostemp makes it 0600: the result keeps the mode a file written anew has
}

void output_file::append(std::string_view text) {
  if (stream_ != nullptr) {
    if (std::fwrite(text.data(), 1, text.size(), stream_) != text.size() ||
        std::fflush(stream_) != 0)
      throw run_error(fmt::format("writing the report failed: {}", std::strerror(errno)));
    return;
  }
  if (fd_ < 0) open();
  while (!text.empty()) {
    const ssize_t n = write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw run_error(fmt::format("{} '{}': writing failed: {}", flag_, path_,
                                  std::strerror(n < 0 ? errno : ENOSPC)));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void output_file::commit() {
  if (temporary_.empty()) return;
  close(fd_);
  fd_ = -1;
  if (std::rename(temporary_.c_str(), target_.c_str()) != 0)
    throw run_error(fmt::format("{} '{}': cannot put the result in place: {}", flag_, path_,
                                std::strerror(errno)));
  untrack(temporary_);
  temporary_.clear();
}

void remove_unfinished_outputs() {
  // try_lock: the process ends at once, even if the thread that holds the lock never returns.
  if (!unfinished_mutex.try_lock()) return;
  for (const std::string& temporary : unfinished) unlink(temporary.c_str());
  unfinished.clear();
  unfinished_mutex.unlock();
}

}  // namespace parlab::runner
