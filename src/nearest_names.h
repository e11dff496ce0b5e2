// Private: "did you mean" suggestions — the known names closest to a name
// nobody knows. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace dnnpart {

// Case-insensitive edit distance between `a` and `b`.
size_t EditDistance(const std::string& a, const std::string& b);

// Up to `count` of `candidates` nearest to `name` by EditDistance (ties by
// name order), nearest first.
std::vector<std::string> NearestNames(const std::string& name, std::vector<std::string> candidates, size_t count);

}  // namespace dnnpart
