// dnnpart::Error — the one error type of the core library.
//
// Every failure caused by the user's input (a file, a flag, a profile) is thrown
// as an Error. Its message starts with the rule that was broken; context is
// prepended as the error travels up ("model.onnx: node '/conv1/Conv': ...").
// Anything else thrown out of the library is a bug and is reported as an
// internal error by the front end. Error is a value type; not shared across threads.
#pragma once

#include <stdexcept>
#include <string>

namespace dnnpart {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message), message_(message) {}

  // Returns a copy whose message is "context: <old message>".
  [[nodiscard]] Error WithContext(const std::string& context) const;

  const char* what() const noexcept override { return message_.c_str(); }

  // The whole message, also past any NUL byte a name from the input held
  // (what() stops at the first one).
  const std::string& message() const noexcept { return message_; }

 private:
  std::string message_;
};

}  // namespace dnnpart
