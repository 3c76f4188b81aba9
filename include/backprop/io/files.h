// files.h — reading whole files and writing them so that nothing is ever half-written.
//
// A write goes to a temporary file PATH.tmp-PID in the same directory, is flushed to disk (fsync)
// and renamed over PATH: a process killed at any moment leaves either the old file or the new one.
#pragma once

#include <string>

namespace backprop {

// Writes `contents` to `path` atomically (temporary file PATH.tmp-PID in the same directory,
// fsync, rename); throws an Error naming the path on any failure, leaving an existing file
// untouched. A successful save also removes the PATH.tmp-PID files of killed earlier saves.
void write_file_atomically(const std::string& path, const std::string& contents);
// The whole file; throws an Error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace backprop
