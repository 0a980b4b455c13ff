#pragma once
// Where a report goes: a stream already open (stdout), or a file that is created only when there
// is something to write into it, so that a run that fails or is interrupted before its first
// record leaves an earlier file of that name as it was (docs/RUNNER.md, "Interrupting a run").
#include <cstdio>
#include <string>
#include <string_view>

namespace parlab::runner {

class output_file {
 public:
  enum class kind {
    // Written in place from the first append on, each append whole (--csv: the finished rows are
    // there while the sweep runs, and stay if it is killed).
    streamed,
    // Written to a temporary file beside the target, which takes the target's name at commit():
    // the target holds the earlier file or the complete new one, never a part (--json, --output).
    replaced,
  };

  // A stream opened by someone else, written as is and never closed.
  explicit output_file(std::FILE* open_stream);
  // A file: checked now that it can be written (usage_error naming the flag, the path and why
  // otherwise), but neither created nor truncated before the first append.
  output_file(std::string_view flag, std::string path, kind k);
  ~output_file();  // replaced and not committed: its temporary is removed, the target untouched
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  // Writes text whole, in one write where the system allows; throws run_error when it fails.
  void append(std::string_view text);
  // A replaced file's temporary takes the target's name (nothing was appended: nothing happens).
  // Throws run_error when the rename fails.
  void commit();
  // The file's name as given ("" for a stream).
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void open();

  std::FILE* stream_ = nullptr;
  std::string flag_, path_;
  std::string target_;  // path_ with symbolic links resolved: what a rename replaces
  kind kind_ = kind::streamed;
  bool in_place_ = false;  // a target that is not a regular file (/dev/stdout, a FIFO)
  int fd_ = -1;
  std::string temporary_;  // while a replaced file is written
};

// Removes every replaced file's temporary still open: for a process about to _exit.
void remove_unfinished_outputs();

}  // namespace parlab::runner
