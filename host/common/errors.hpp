// Typed errors. The CLI maps each kind to an exit status (docs/outputs.md, "Exit statuses"):
//   UserError and its subclasses -> 2 (bad spec, bad flag, unusable path, backend not available)
//   anything else                -> 1 (a failure of ours or of the machine, e.g. a CUDA runtime error)
#pragma once

#include <stdexcept>
#include <string>

namespace nb {

// The user can fix it by changing what they asked for.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A field of the spec is missing, misspelled, of the wrong type or out of range. `field` is a JSON path
// such as "params.C_nF" or "sweep.I_nA.linspace[2]".
class SpecError : public UserError {
 public:
  SpecError(std::string field, const std::string& message)
      : UserError("spec error in '" + field + "': " + message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// The requested backend (or device) cannot be used on this machine or build.
class BackendUnavailable : public UserError {
 public:
  using UserError::UserError;
};

// A path cannot be read or written.
class PathError : public UserError {
 public:
  using UserError::UserError;
};

// The caller's progress callback (RunOptions::on_progress) asked the run to stop; it stopped between two time
// segments and returned no results. Neither the user's mistake nor ours.
class Cancelled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Broken invariant inside NeuroBatch: a bug, never the user's fault.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace nb
