// Private helpers for the HTML and DOT reporters: escaping, locale-free number
// formatting, "nice" axis ticks and a colour palette. Pure functions;
// thread-safe. Only src/report/*.cc include this header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dnnpart::report_detail {

// Text safe inside HTML/SVG element content and attribute values.
std::string HtmlEscape(std::string_view text);

// Text safe inside a double-quoted Graphviz string.
std::string DotEscape(std::string_view text);

// `value` with `digits` significant digits, no exponent for ordinary sizes
// ("12.3", "0.0045"); independent of the C++ locale.
std::string Num(double value, int digits = 4);

// `value` with exactly `decimals` digits after the point.
std::string Fixed(double value, int decimals);

// Bytes as "12.3 MB" (decimal units).
std::string Bytes(double bytes);

// Round tick positions covering [lo, hi] (about `count` of them).
std::vector<double> NiceTicks(double lo, double hi, int count);

// The i-th colour of a fixed palette (distinct for the first 10).
const char* PaletteColor(size_t i);

// A colour between blue (t = 0) and red (t = 1), as "#rrggbb".
std::string RampColor(double t);

// Maps [domain_lo, domain_hi] linearly onto [range_lo, range_hi].
class LinearScale {
 public:
  LinearScale(double domain_lo, double domain_hi, double range_lo, double range_hi);
  double operator()(double value) const;

 private:
  double d0_, d1_, r0_, r1_;
};

}  // namespace dnnpart::report_detail
