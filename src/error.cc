#include "dnnpart/error.h"

namespace dnnpart {

Error Error::WithContext(const std::string& context) const {
  return Error(context + ": " + message_);
}

}  // namespace dnnpart
