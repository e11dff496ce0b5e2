#include "report/chart.h"

namespace dnnpart::report_detail {

Chart::Chart(std::string id, std::string title, int width, int height)
    : id_(std::move(id)), title_(std::move(title)), width_(width), height_(height) {}

void Chart::Axes(double x_lo, double x_hi, const std::string& x_label, double y_lo, double y_hi,
                 const std::string& y_label) {
  x_ = LinearScale(x_lo, x_hi, left(), right());
  y_ = LinearScale(y_lo, y_hi, bottom(), top());
  std::string& b = body_;
  b += "<g class=\"axis\">";
  for (const double t : NiceTicks(x_lo, x_hi, 8)) {
    const std::string x = Fixed(X(t), 1);
    b += "<line class=\"grid\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + Fixed(top(), 1) + "\" y2=\"" +
         Fixed(bottom(), 1) + "\"/>";
    b += "<text x=\"" + x + "\" y=\"" + Fixed(bottom() + 16, 1) + "\" text-anchor=\"middle\">" + Num(t) + "</text>";
  }
  // Rows of a bar chart (no y label) have no numeric y axis.
  for (const double t : y_label.empty() ? std::vector<double>{} : NiceTicks(y_lo, y_hi, 6)) {
    const std::string y = Fixed(Y(t), 1);
    b += "<line class=\"grid\" x1=\"" + Fixed(left(), 1) + "\" x2=\"" + Fixed(right(), 1) + "\" y1=\"" + y +
         "\" y2=\"" + y + "\"/>";
    b += "<text x=\"" + Fixed(left() - 6, 1) + "\" y=\"" + y + "\" dy=\"4\" text-anchor=\"end\">" + Num(t) + "</text>";
  }
  b += "<line class=\"frame\" x1=\"" + Fixed(left(), 1) + "\" x2=\"" + Fixed(right(), 1) + "\" y1=\"" +
       Fixed(bottom(), 1) + "\" y2=\"" + Fixed(bottom(), 1) + "\"/>";
  b += "<line class=\"frame\" x1=\"" + Fixed(left(), 1) + "\" x2=\"" + Fixed(left(), 1) + "\" y1=\"" + Fixed(top(), 1) +
       "\" y2=\"" + Fixed(bottom(), 1) + "\"/>";
  b += "<text class=\"label\" x=\"" + Fixed((left() + right()) / 2, 1) + "\" y=\"" + Fixed(height_ - 10.0, 1) +
       "\" text-anchor=\"middle\">" + HtmlEscape(x_label) + "</text>";
  b += "<text class=\"label\" transform=\"translate(16 " + Fixed((top() + bottom()) / 2, 1) +
       ") rotate(-90)\" text-anchor=\"middle\">" + HtmlEscape(y_label) + "</text>";
  b += "</g>\n";
}

Chart& Chart::Raw(const std::string& markup) {
  body_ += markup;
  return *this;
}

std::string Chart::Finish() const {
  return "<svg class=\"chart\" id=\"" + id_ + "\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(width_) + "\" height=\"" + std::to_string(height_) + "\" viewBox=\"0 0 " +
         std::to_string(width_) + " " + std::to_string(height_) + "\"><title>" + HtmlEscape(title_) + "</title>\n" +
         body_ + "</svg>\n";
}

std::string Tooltip(const std::string& text) { return "<title>" + HtmlEscape(text) + "</title>"; }

}  // namespace dnnpart::report_detail
